// Package config is the data model of everything an admin configures on ivrbox:
// IVRs, system settings, network disks, trunks, routes, local accounts and API
// access. It holds the types, their documented zero values, the factory
// defaults, and the one validator shared by the web page, the admin API and
// `ivrbox config import`. It never touches disk or network: package store
// persists it.
package config

import "github.com/ivrbox/ivrbox/board"

// SchemaVersion is the version of the config layout this build writes. The
// store migrates older layouts up to it, and Import migrates older export
// documents with the same steps (see migrate.go). Version 1 kept the IVR
// timeouts in milliseconds (digit_timeout_ms, wait_ms); version 2 keeps
// whole seconds, like the PBX's TIMEOUT(digit) and WaitExten.
const SchemaVersion = 2

// Config is the whole configuration of one box. Its JSON form is the
// export/import format documented in docs/CONFIG.md.
type Config struct {
	// Version is the schema version of this document (SchemaVersion when written).
	Version int `json:"version"`
	// System holds box-wide settings.
	System System `json:"system"`
	// IVRs are the box's IVRs, each answering on its own number.
	IVRs []IVR `json:"ivrs"`
	// API holds the LAN integration settings: the PBX API user and where
	// events are delivered. Zero value: no API user, no event delivery.
	API API `json:"api,omitzero"`
	// Cloud holds the cloud IVR API's namespace and tokens. Zero value:
	// DefaultNamespace, no tokens (the API refuses every request).
	Cloud Cloud `json:"cloud,omitzero"`
	// Disks are the SMB network disks, shown in prompt names as
	// /tmp/media/networkdiskN. Zero value: none.
	Disks []Disk `json:"disks,omitempty"`
	// Trunks are the SIP trunks to providers or other PBXs. Zero value: none
	// (no outbound calls, no inbound trunk calls).
	Trunks []Trunk `json:"trunks,omitempty"`
	// Accounts are the local SIP accounts that register to the box, with the
	// outbound routes each may use. Zero value: none.
	Accounts []Account `json:"accounts,omitempty"`
	// InboundRoutes send calls from trunks to IVRs, first match wins. Zero
	// value: none (only calls to an IVR's own number are answered).
	InboundRoutes []InboundRoute `json:"inbound_routes,omitempty"`
	// OutboundRoutes choose the trunk for a dialled number, first permitted
	// match wins. Zero value: none (no outbound calls).
	OutboundRoutes []OutboundRoute `json:"outbound_routes,omitempty"`
}

// API holds the LAN integration settings shared by the vendor-style APIs.
type API struct {
	// User is the PBX API user name given to login; empty disables the PBX API.
	User string `json:"user,omitempty"`
	// PasswordMD5 is the lower-case hex MD5 of the API user's password, which
	// is what the PBX API's login sends.
	PasswordMD5 string `json:"password_md5,omitempty"`
	// AppURL is the application server's URL that events are POSTed to
	// (http or https); empty: events are not delivered.
	AppURL string `json:"app_url,omitempty"`
	// Secret, when set, signs every event with HMAC-SHA256 in a header.
	Secret string `json:"secret,omitempty"`
}

// System holds box-wide settings. Zero values mean the documented default.
type System struct {
	// Name is the box's display name (default "ivrbox").
	Name string `json:"name,omitempty"`
	// SN is the box's serial number, reported as "sn" in PBX API events.
	// Empty means "generate one on first start".
	SN string `json:"sn,omitempty"`
	// MaxCalls is the number of simultaneous calls accepted; past it new
	// INVITEs get 486 Busy Here. 0 means 4000.
	MaxCalls int `json:"max_calls,omitempty"`
	// ServiceNumber is the number that, for ten minutes after a short press
	// of the board's button, answers with the box's IP address and state.
	// At other times it is not answered (404). "" means 6599.
	ServiceNumber string `json:"service_number,omitempty"`
	// Pins, when set, replace the board profile's LED and button wiring
	// (docs/BOARD.md); they apply when the box (re)starts. nil: the
	// profile's own pins.
	Pins *board.Pins `json:"pins,omitempty"`
	// Recording holds the recording settings. Zero value: no storage limit
	// but the disk.
	Recording Recording `json:"recording,omitzero"`
	// Fork holds the media fork limits and the targets allowed. Zero value:
	// 2 forks per call, 64 per box, targets on the LAN or beyond but never
	// the box itself or multicast.
	Fork Fork `json:"fork,omitzero"`
	// Conference holds when conference rooms are deleted. Zero value: a
	// room nobody joins within 10 minutes is deleted, and so is one that
	// empties, at once (as the XML IVR vendor does). Applied at start.
	Conference Conference `json:"conference,omitzero"`
	// HTTPHosts are more names the web page and the HTTP APIs answer to,
	// besides localhost, the box's host name (also with .local), its
	// certificate's names and any IP address: a request naming another
	// host gets 421 (DNS rebinding). A name, or "*.example.com" for every
	// name below example.com. Zero value: none.
	HTTPHosts []string `json:"http_hosts,omitempty"`
	// RTPLearnAny lets a call's media source be learned from any address,
	// for callers behind a NAT that sends their media from another public
	// address than their signalling. Zero value: only from the address the
	// SDP gives or the signalling's IP (strict RTP: a stranger spraying the
	// port range gets nothing).
	RTPLearnAny bool `json:"rtp_learn_any,omitempty"`
	// Guard holds the SIP abuse limits (guard.go). Zero value: the defaults.
	Guard Guard `json:"guard,omitzero"`
	// Capacity is admission control (guard.go). Zero value: no limit but
	// MaxCalls.
	Capacity Capacity `json:"capacity,omitzero"`
	// MediaEncryption is SRTP for calls placed to the box and to its
	// registered accounts: EncryptionOff, EncryptionOptional or
	// EncryptionRequired; "" means off.
	MediaEncryption string `json:"media_encryption,omitempty"`
	// DrainSeconds is how long a box being stopped (SIGTERM) or drained
	// (admin API) lets its calls go on before it hangs them up; new calls
	// get 503 meanwhile. 0 means 20; -1 means no wait.
	DrainSeconds int `json:"drain_seconds,omitempty"`
	// Network holds the addresses told to peers beyond the local networks
	// (a box behind NAT). Zero value: the box's own address to everyone.
	Network Network `json:"network,omitzero"`
}

// IVR is one interactive voice response menu, modelled on the PBX seed's
// dialplan: prompts played (with barge-in) Repeat times, each round followed by
// WaitSeconds of silence, while keys are matched against Keys and Collect.
type IVR struct {
	// Number is the dialable number the IVR answers on, e.g. "6500". Digits only.
	Number string `json:"number"`
	// Name is a label for people; default is the number.
	Name string `json:"name,omitempty"`
	// RingSeconds is how long the box sends 180 Ringing before it answers
	// (Asterisk's Ringing() + Wait()). 0 answers at once.
	RingSeconds int `json:"ring,omitempty"`
	// Prompts are played in order each round; a key stops them (barge-in).
	// Names may hold ${EXTEN}, ${CALLERID}, ${CALLEE} and other call variables.
	Prompts []string `json:"prompts"`
	// Repeat is how many rounds of prompts+wait are played before the timeout
	// action (the seed plays twice). 0 means 1.
	Repeat int `json:"repeat,omitempty"`
	// DigitTimeout is TIMEOUT(digit): seconds to wait for the next key once a
	// key has been pressed. 0 means 3.
	DigitTimeout int `json:"digit_timeout,omitempty"`
	// WaitSeconds is WaitExten: seconds to wait for a first key after the
	// prompts of a round. 0 means no wait.
	WaitSeconds int `json:"wait,omitempty"`
	// Keys maps a single key ("0"-"9", "*", "#") to its action.
	Keys map[string]Action `json:"keys,omitempty"`
	// Collect, when set, accepts a digit string (the seed's `_X.#`).
	Collect *Collect `json:"collect,omitempty"`
	// Timeout runs when all rounds pass without a key. Zero value: hang up.
	Timeout Action `json:"timeout,omitzero"`
	// Invalid runs when the keys match nothing. Zero value: replay this IVR.
	Invalid Action `json:"invalid,omitzero"`
	// Record, when set, records the whole call from the moment it enters
	// this IVR until it ends: "mixed" (one mono file), "stereo" (the caller
	// left, the box right) or "split" (a file per direction). Empty: no
	// recording. A call already recorded is not recorded twice.
	Record string `json:"record,omitempty"`
	// Control says who steers calls in this IVR: ControlKeys (its own
	// prompts, keys and actions), ControlCloud (a cloud application
	// through the cloud IVR API; Prompts are its greeting, played once,
	// and Keys, Collect, Timeout and Invalid are not used) or ControlXML
	// (an XML IVR application at App's URL steers the call; Prompts, Keys,
	// Collect, Timeout and Invalid are not used).
	Control string `json:"control,omitempty"`
	// Cloud holds the settings of ControlCloud. nil: the defaults.
	Cloud *CloudIVR `json:"cloud,omitempty"`
	// App holds the XML application of ControlXML (required with it).
	App *XMLApp `json:"app,omitempty"`
	// ReferOut lets a caller in this IVR transfer itself with REFER to
	// numbers outside the box, through the outbound routes. Zero value: a
	// REFER reaches IVRs and local accounts only, unless the trunk allows
	// more (Trunk.ReferOut). Transfers by the IVR's own actions and the APIs
	// are not affected.
	ReferOut bool `json:"refer_out,omitempty"`
}

// ActionType says what an Action does.
type ActionType string

// The action types.
const (
	// ActNone means "the default for this place" (see each field's doc).
	ActNone ActionType = ""
	// ActIVR goes to the IVR whose number is Target.
	ActIVR ActionType = "ivr"
	// ActTransfer transfers the call to the number Target (an IVR number
	// works inside the box; other numbers need trunks and routes).
	ActTransfer ActionType = "transfer"
	// ActHangup hangs up.
	ActHangup ActionType = "hangup"
	// ActAPI is an API-control step: the call is offered to outside
	// controllers (api_start) with API's key, params, name and id, hold
	// music plays until one takes it, and when it gives the call back Next
	// runs; when none takes it, or the one that did goes away, within
	// API's timeout, API's Fallback runs (Next when it has none). An API
	// transfer or Goto moves the call on at any time.
	ActAPI ActionType = "api"
	// ActRepeat replays the current IVR from its start.
	ActRepeat ActionType = "repeat"
	// ActRecord is a record step: the caller is recorded (Record's
	// settings), then Next runs.
	ActRecord ActionType = "record"
)

// Action is what happens on a key, a string, a timeout or an invalid entry.
type Action struct {
	// Type is the kind of action.
	Type ActionType `json:"type,omitempty"`
	// Target is the IVR number (ActIVR) or the number to call (ActTransfer).
	Target string `json:"target,omitempty"`
	// API configures an API-control step (ActAPI). nil: the defaults of
	// APIStep.
	API *APIStep `json:"api,omitempty"`
	// Record configures a record step (ActRecord). nil: the defaults of
	// RecordStep.
	Record *RecordStep `json:"record,omitempty"`
	// Next is what follows an API-control or record step. nil: hang up.
	Next *Action `json:"next,omitempty"`
}

// Collect describes digit-string collection: keys until Terminator, MaxLen
// or the digit timeout (with at least MinLen digits), reported as a DTMF string event (the seed's
// UserEvent DtmfEndString), followed by the hold prompts and then After.
type Collect struct {
	// MinLen is the fewest digits accepted (default 1).
	MinLen int `json:"min_len,omitempty"`
	// MaxLen is the most digits accepted; reaching it ends the string without
	// the terminator. 0 means 32.
	MaxLen int `json:"max_len,omitempty"`
	// Terminator ends the string; it is not part of the reported digits.
	// Empty means "#".
	Terminator string `json:"terminator,omitempty"`
	// HoldPrompts play (without barge-in) after the string is reported, while
	// the application server decides (the seed: holdon, music, holdon, music).
	HoldPrompts []string `json:"hold_prompts,omitempty"`
	// After runs when the hold prompts end and no API command moved the call.
	// Zero value: replay this IVR (the seed's Goto back to the IVR's start).
	After Action `json:"after,omitzero"`
}
