package config

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"regexp"
	"slices"
	"strconv"
	"time"
)

// The control modes of an IVR (IVR.Control).
const (
	// ControlKeys is the IVR's own menu: prompts, keys and actions.
	ControlKeys = ""
	// ControlCloud hands the call to a cloud application through the cloud
	// IVR API: the box plays the IVR's prompts once as a greeting, pushes
	// IvrStartedEvent to the subscribers, and the application steers the
	// call (monitor-call, playMedia...) until it ends or the application
	// goes quiet (IVR.Cloud).
	ControlCloud = "cloud"
)

// What the caller hears when a cloud application's media list ends
// (CloudIVR.AfterMedia).
const (
	AfterMediaSilence = ""     // silence until the next request
	AfterMediaHold    = "hold" // CloudIVR.Hold loops until the next request
	AfterMediaNext    = "next" // the application is done: CloudIVR.Next runs
)

// CloudIVR configures an IVR whose control is ControlCloud. Zero values
// are the documented defaults.
type CloudIVR struct {
	// FirstCommand is how many seconds the box waits, after the greeting,
	// for the application's first request about the call (monitor-call or
	// a media request) before Fallback runs. An unreachable callback URL
	// shows as no request. 0 means 10.
	FirstCommand int `json:"first_command,omitempty"`
	// Idle is how many seconds the application may stay silent (no request
	// while nothing it asked for plays) before it counts as gone; Fallback
	// runs that many seconds later unless it comes back. 0 means 60.
	Idle int `json:"idle,omitempty"`
	// BargeIn lets a key stop the media playing (and the media queued).
	BargeIn bool `json:"barge_in,omitempty"`
	// AfterMedia is what the caller hears when the media list ends:
	// AfterMediaSilence, AfterMediaHold or AfterMediaNext.
	AfterMedia string `json:"after_media,omitempty"`
	// Hold are the prompts looped for AfterMediaHold.
	Hold []string `json:"hold,omitempty"`
	// Next runs for AfterMediaNext. Zero value: hang up.
	Next Action `json:"next,omitzero"`
	// Fallback runs when the application never comes or goes away. Zero
	// value: hang up.
	Fallback Action `json:"fallback,omitzero"`
}

// Cloud holds the box-wide settings of the cloud IVR API.
type Cloud struct {
	// Namespace is the box's domain in device names ("6001@test.cc"):
	// events carry it, and requests naming a device must use it. "" means
	// DefaultNamespace.
	Namespace string `json:"namespace,omitempty"`
	// Tokens may call the cloud IVR API or the WebSocket ivrapi, each as
	// its APIs say (Authorization header). Only their SHA-256 is kept.
	Tokens []CloudToken `json:"tokens,omitempty"`
}

// CloudToken is one API token of the cloud IVR API and the WebSocket
// ivrapi.
type CloudToken struct {
	// ID names the token in lists and revocations.
	ID string `json:"id"`
	// Name is a label for people ("speech recogniser").
	Name string `json:"name,omitempty"`
	// SHA256 is the lower-case hex SHA-256 of the token.
	SHA256 string `json:"sha256"`
	// Created is when it was made.
	Created time.Time `json:"created,omitzero"`
	// APIs are the APIs the token opens: APICloud, APIWS, APIConf, each
	// at most once. Empty means [APICloud], what tokens made before the WebSocket
	// API opened.
	APIs []string `json:"apis,omitempty"`
}

// The APIs a CloudToken may open (CloudToken.APIs).
const (
	// APICloud is the cloud IVR API (/remote/, /media/, /event/).
	APICloud = "cloud"
	// APIWS is the WebSocket ivrapi (/ws).
	APIWS = "ws"
	// APIConf is the REST conference management API (/conf/v1/).
	APIConf = "conf"
)

// knownTokenAPIs are the names CloudToken.APIs may hold, in the order lists
// show them.
var knownTokenAPIs = []string{APICloud, APIWS, APIConf}

// Opens returns the APIs the token opens: APIs, or [APICloud] when empty.
// The result may share APIs' array: do not change it.
func (t CloudToken) Opens() []string {
	if len(t.APIs) == 0 {
		return []string{APICloud}
	}
	return t.APIs
}

// Allows reports whether the token opens api (APICloud, APIWS, APIConf).
func (t CloudToken) Allows(api string) bool { return slices.Contains(t.Opens(), api) }

// TokenAllows reports whether raw is the token of one of c's tokens that
// allows api. raw's SHA-256 is compared in constant time with every
// token's, so the answer takes as long whichever matches; an empty raw is
// never allowed.
func (c Cloud) TokenAllows(raw, api string) bool {
	if raw == "" {
		return false
	}
	sum := sha256.Sum256([]byte(raw))
	h := []byte(hex.EncodeToString(sum[:]))
	ok := 0
	for _, t := range c.Tokens {
		same := subtle.ConstantTimeCompare([]byte(t.SHA256), h)
		if t.Allows(api) {
			ok |= same
		}
	}
	return ok == 1
}

// Defaults of the cloud IVR settings.
const (
	DefaultNamespace         = "ivrbox.local"
	DefaultCloudFirstCommand = 10 // CloudIVR.FirstCommand, seconds
	DefaultCloudIdle         = 60 // CloudIVR.Idle, seconds
	MaxCloudTokens           = 64
)

// NS returns the namespace, with its default.
func (c Cloud) NS() string {
	if c.Namespace == "" {
		return DefaultNamespace
	}
	return c.Namespace
}

// FirstWait returns FirstCommand as a duration, with its default.
func (c CloudIVR) FirstWait() time.Duration {
	return secondsOr(c.FirstCommand, DefaultCloudFirstCommand)
}

// IdleWait returns Idle as a duration, with its default.
func (c CloudIVR) IdleWait() time.Duration { return secondsOr(c.Idle, DefaultCloudIdle) }

func secondsOr(n, def int) time.Duration {
	if n <= 0 {
		n = def
	}
	return time.Duration(n) * time.Second
}

// CloudSettings returns the IVR's cloud settings (zero value when unset).
func (i IVR) CloudSettings() CloudIVR {
	if i.Cloud == nil {
		return CloudIVR{}
	}
	return *i.Cloud
}

var (
	namespaceRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]{0,62}[A-Za-z0-9])?$`)
	tokenIDRE   = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	sha256RE    = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// cloud checks the box-wide cloud settings.
func (v *validator) cloud(c Cloud) {
	if c.Namespace != "" && !namespaceRE.MatchString(c.Namespace) {
		v.add("cloud.namespace", "%q must be a domain name (letters, digits, dots, dashes)", c.Namespace)
	}
	if len(c.Tokens) > MaxCloudTokens {
		v.add("cloud.tokens", "%d tokens; at most %d", len(c.Tokens), MaxCloudTokens)
	}
	seen := map[string]bool{}
	for n, t := range c.Tokens {
		p := "cloud.tokens[" + strconv.Itoa(n) + "]"
		if !tokenIDRE.MatchString(t.ID) {
			v.add(p+".id", "%q must be 1-64 letters, digits, - or _", t.ID)
		} else if seen[t.ID] {
			v.add(p+".id", "%q is used twice", t.ID)
		}
		seen[t.ID] = true
		if !sha256RE.MatchString(t.SHA256) {
			v.add(p+".sha256", "must be 64 lower-case hex digits")
		}
		v.label(p+".name", t.Name)
		v.tokenAPIs(p+".apis", t.APIs)
	}
}

// tokenAPIs checks a token's APIs: known names, each once.
func (v *validator) tokenAPIs(p string, apis []string) {
	for n, api := range apis {
		switch {
		case !slices.Contains(knownTokenAPIs, api):
			v.add(p, "%q is not an API (one of cloud, ws, conf)", api)
		case slices.Index(apis, api) < n:
			v.add(p, "%q is listed twice", api)
		}
	}
}

// cloudIVR checks an IVR's control mode and cloud settings.
func (v *validator) cloudIVR(p string, i IVR) {
	switch i.Control {
	case ControlKeys:
		return
	case ControlCloud:
	default:
		v.add(p+".control", "%q must be cloud (or empty: the IVR's own keys)", i.Control)
		return
	}
	c := i.CloudSettings()
	p += ".cloud"
	for _, f := range []struct {
		name string
		n    int
	}{{"first_command", c.FirstCommand}, {"idle", c.Idle}} {
		if f.n < 0 || f.n > 3600 {
			v.add(p+"."+f.name, "%d must be between 1 and 3600 seconds (0 means the default)", f.n)
		}
	}
	switch c.AfterMedia {
	case AfterMediaSilence, AfterMediaNext:
	case AfterMediaHold:
		if len(c.Hold) == 0 {
			v.add(p+".hold", "is required when after_media is hold")
		}
	default:
		v.add(p+".after_media", "%q must be hold or next (or empty: silence)", c.AfterMedia)
	}
	v.prompts(p+".hold", c.Hold)
	v.action(p+".next", c.Next, false)
	v.action(p+".fallback", c.Fallback, false)
}

// CloudOfferKey is the key under which a cloud-mode IVR offers its calls
// to the cloud IVR API (an API-control step the engine runs itself).
const CloudOfferKey = "cloud"

// NextAction is what runs when the application is done (AfterMediaNext):
// Next, or hang up.
func (c CloudIVR) NextAction() Action { return orHangup(c.Next) }

// FallbackAction is what runs when the application never comes or goes
// away: Fallback, or hang up.
func (c CloudIVR) FallbackAction() Action { return orHangup(c.Fallback) }

func orHangup(a Action) Action {
	if a.Type == ActNone {
		return Action{Type: ActHangup}
	}
	return a
}
