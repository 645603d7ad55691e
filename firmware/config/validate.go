package config

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits checked by Validate.
const (
	MaxIVRs      = 1000  // IVRs per box
	MaxNumberLen = 32    // digits in an IVR number or a transfer target
	MaxNameLen   = 64    // bytes in a name (box, IVR)
	MaxPrompts   = 50    // prompts in one list (prompts, hold_prompts)
	MaxSeconds   = 600   // any time in seconds (ring, digit_timeout, wait)
	MaxRepeat    = 100   // rounds of an IVR
	MaxDigits    = 64    // collect min_len and max_len
	MaxCallLimit = 10000 // system.max_calls
	MaxSNLen     = 32    // digits in system.sn

	maxProblems = 100 // problems reported by one Validate call
)

// ValidationError is one problem found by Validate: Field is the JSON path of
// the offending value (`ivrs[1].keys["x"]`), Problem says what is wrong,
// Code and Params say it for translation (codes.go).
type ValidationError struct {
	Field   string
	Problem string
	Code    string         // stable message code, e.g. "ref.ivr_missing"
	Params  map[string]any // the values the message names, e.g. {"number": "6501"}
}

// Error returns "field: problem".
func (e *ValidationError) Error() string { return e.Field + ": " + e.Problem }

// Problems returns every *ValidationError in err (as returned by Validate or
// Import, possibly wrapped), in order; nil if there are none.
func Problems(err error) []*ValidationError {
	var out []*ValidationError
	var walk func(error)
	walk = func(e error) {
		if ve, ok := e.(*ValidationError); ok {
			out = append(out, ve)
			return
		}
		switch u := e.(type) {
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x)
			}
		case interface{ Unwrap() error }:
			if x := u.Unwrap(); x != nil {
				walk(x)
			}
		}
	}
	if err != nil {
		walk(err)
	}
	return out
}

// Validate checks c and returns nil or all problems joined (errors.Join),
// each a *ValidationError naming the field; see Problems. It is the one
// validator behind the web page, the admin API, import and the store: a
// config that passes can be stored and run. At most 100 problems are
// listed, then a count of the rest.
func Validate(c Config) error {
	v := validator{numbers: make(map[string]int, len(c.IVRs))}
	if c.Version != SchemaVersion {
		v.add("version", "%d is not %d, the version this firmware writes", c.Version, SchemaVersion)
	}
	v.system(c.System)
	v.ivrs(c.IVRs)
	v.disks(c.Disks)
	v.telephony(c)
	if n, clash := v.numbers[c.System.Service()]; clash && c.System.ServiceNumber != "" {
		v.add("system.service_number", "%q is also the number of ivrs[%d]", c.System.ServiceNumber, n)
	} else if clash {
		v.add(fmt.Sprintf("ivrs[%d].number", n), "%q is the service number; set system.service_number to another one", c.System.Service())
	}
	v.api(c.API)
	v.cloud(c.Cloud)
	return v.err()
}

// validator collects problems.
type validator struct {
	probs   []error
	more    int            // problems past maxProblems
	numbers map[string]int // IVR number → index of its first IVR
}

func (v *validator) add(field, format string, args ...any) {
	if len(v.probs) >= maxProblems {
		v.more++
		return
	}
	v.probs = append(v.probs, newProblem(field, format, args...))
}

func (v *validator) err() error {
	if v.more > 0 {
		v.probs = append(v.probs, newProblem("config", "%d more problems not shown", v.more))
	}
	return errors.Join(v.probs...)
}

func (v *validator) system(s System) {
	if s.Recording.MaxMB < 0 {
		v.add("system.recording.max_mb", "%d must not be negative (0 means no limit)", s.Recording.MaxMB)
	}
	for _, f := range []struct {
		name string
		n    int
	}{{"max_per_call", s.Fork.MaxPerCall}, {"max_total", s.Fork.MaxTotal}} {
		if f.n < 0 || f.n > MaxForks {
			v.add("system.fork."+f.name, "%d must be between 0 and %d (0 means the default)", f.n, MaxForks)
		}
	}
	v.conference("system.conference", s.Conference)
	v.httpHosts("system.http_hosts", s.HTTPHosts)
	v.guard("system.guard", s.Guard)
	v.capacity("system.capacity", s.Capacity)
	v.encryption("system.media_encryption", s.MediaEncryption)
	v.network(s)
	if s.Pins != nil {
		err := s.Pins.Validate()
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				v.add("system.pins", "%s", e)
			}
		} else if err != nil {
			v.add("system.pins", "%s", err)
		}
	}
	switch sn := s.ServiceNumber; {
	case sn == "":
	case len(sn) > MaxNumberLen || !allDigits(sn):
		v.add("system.service_number", "%q must be 1 to %d digits", sn, MaxNumberLen)
	}
	v.label("system.name", s.Name)
	switch {
	case s.SN == "":
	case len(s.SN) > MaxSNLen:
		v.add("system.sn", "is %d bytes long, the limit is %d digits", len(s.SN), MaxSNLen)
	case !allDigits(s.SN):
		v.add("system.sn", "%q must be digits", s.SN)
	}
	switch {
	case s.MaxCalls < 0:
		v.add("system.max_calls", "%d must not be negative (0 means %d)", s.MaxCalls, DefaultMaxCalls)
	case s.MaxCalls > MaxCallLimit:
		v.add("system.max_calls", "%d is more than the limit %d", s.MaxCalls, MaxCallLimit)
	}
}

func (v *validator) ivrs(ivrs []IVR) {
	if len(ivrs) > MaxIVRs {
		v.add("ivrs", "%d IVRs, the limit is %d", len(ivrs), MaxIVRs)
	}
	// First pass: numbers, so that actions can point at any IVR.
	for n, i := range ivrs {
		p := fmt.Sprintf("ivrs[%d].number", n)
		switch {
		case i.Number == "":
			v.add(p, "is required")
		case len(i.Number) > MaxNumberLen:
			v.add(p, "is %d bytes long, the limit is %d digits", len(i.Number), MaxNumberLen)
		case !allDigits(i.Number):
			v.add(p, "%q must be digits", i.Number)
		default:
			if first, dup := v.numbers[i.Number]; dup {
				v.add(p, "%q is also the number of ivrs[%d]", i.Number, first)
			} else {
				v.numbers[i.Number] = n
			}
		}
	}
	for n, i := range ivrs {
		v.ivr(fmt.Sprintf("ivrs[%d]", n), i)
	}
}

func (v *validator) ivr(p string, i IVR) {
	v.label(p+".name", i.Name)
	v.seconds(p+".ring", i.RingSeconds)
	v.prompts(p+".prompts", i.Prompts)
	if i.Repeat < 0 || i.Repeat > MaxRepeat {
		v.add(p+".repeat", "%d must be between 1 and %d (0 means 1)", i.Repeat, MaxRepeat)
	}
	v.seconds(p+".digit_timeout", i.DigitTimeout)
	v.seconds(p+".wait", i.WaitSeconds)
	for _, k := range slices.Sorted(maps.Keys(i.Keys)) {
		kp := p + ".keys[" + strconv.Quote(k) + "]"
		if !isKey(k) {
			v.add(kp, "key must be one of 0-9, *, #")
			continue
		}
		v.action(kp, i.Keys[k], true)
	}
	if i.Collect != nil {
		v.collect(p+".collect", *i.Collect, i.Keys)
	}
	v.action(p+".timeout", i.Timeout, false)
	v.action(p+".invalid", i.Invalid, false)
	if f, ok := recordFormats[i.Record]; i.Record != "" && (!ok || !f) {
		v.add(p+".record", "%q must be mixed, stereo or split (or empty: no recording)", i.Record)
	}
	v.control(p, i)
}

func (v *validator) collect(p string, c Collect, keys map[string]Action) {
	lenOK := true
	for _, f := range []struct {
		name string
		n    int
	}{{"min_len", c.MinLen}, {"max_len", c.MaxLen}} {
		if f.n < 0 || f.n > MaxDigits {
			v.add(p+"."+f.name, "%d must be between 1 and %d (0 means the default)", f.n, MaxDigits)
			lenOK = false
		}
	}
	if lenOK && c.Min() > c.Max() {
		v.add(p+".min_len", "%d is more than max_len %d", c.Min(), c.Max())
	}
	switch {
	case c.Terminator != "" && (len(c.Terminator) != 1 || !isKey(c.Terminator)):
		v.add(p+".terminator", "%q must be one of #, *, 0-9", c.Terminator)
	default:
		if _, clash := keys[c.Term()]; clash {
			v.add(p+".terminator", "%q is also a key in keys", c.Term())
		}
	}
	v.prompts(p+".hold_prompts", c.HoldPrompts)
	v.action(p+".after", c.After, false)
}

// action checks a; required means the zero action is not allowed here.
func (v *validator) action(p string, a Action, required bool) {
	switch a.Type {
	case ActNone:
		if required {
			v.add(p+".type", "is required")
		} else if a.Target != "" {
			v.add(p+".target", "must be empty when type is empty")
		}
	case ActIVR:
		if a.Target == "" {
			v.add(p+".target", "is required for type ivr")
		} else if _, ok := v.numbers[a.Target]; !ok {
			v.add(p+".target", "no IVR has number %q", a.Target)
		}
	case ActTransfer:
		if a.Target == "" {
			v.add(p+".target", "is required for type transfer")
		} else if !dialable(a.Target) {
			v.add(p+".target", "%q is not a number (digits, *, #, a leading +; at most %d)", a.Target, MaxNumberLen)
		}
	case ActHangup, ActAPI, ActRepeat, ActRecord:
		if a.Target != "" {
			v.add(p+".target", "must be empty for type %s", a.Type)
		}
	default:
		v.add(p+".type", "unknown action type %q (one of ivr, transfer, hangup, api, repeat, record)", string(a.Type))
	}
	v.step(p, a)
}

// step checks the settings of API-control and record steps and their Next.
func (v *validator) step(p string, a Action) {
	if a.API != nil && a.Type != ActAPI {
		v.add(p+".api", "is only for type api")
	}
	if a.Record != nil && a.Type != ActRecord {
		v.add(p+".record", "is only for type record")
	}
	if a.Next != nil && a.Type != ActAPI && a.Type != ActRecord {
		v.add(p+".next", "is only for types api and record")
	}
	if s := a.API; s != nil {
		v.apiStep(p+".api", *s)
	}
	if s := a.Record; s != nil {
		switch {
		case s.MaxSeconds < 0 || s.MaxSeconds > MaxRecordSeconds:
			v.add(p+".record.max_seconds", "%d must be between 1 and %d (0 means %d)", s.MaxSeconds, MaxRecordSeconds, DefaultRecordSeconds)
		case s.SilenceSeconds < 0 || s.SilenceSeconds > a.Recorder().MaxSeconds:
			v.add(p+".record.silence_seconds", "%d must be between 0 and max_seconds", s.SilenceSeconds)
		}
		for i := 0; i < len(s.FinishKeys); i++ {
			if !isKey(s.FinishKeys[i : i+1]) {
				v.add(p+".record.finish_keys", "%q must be keys 0-9, *, #", s.FinishKeys)
				break
			}
		}
		if _, ok := recordFormats[s.Format]; s.Format != "" && !ok {
			v.add(p+".record.format", "%q must be in, mixed, stereo or split", s.Format)
		}
	}
	v.follow(p+".next", a.Next)
	if a.API != nil {
		v.follow(p+".api.fallback", a.API.Fallback)
	}
}

// apiStep checks the settings of an API-control step (p is their path)
// but its Fallback.
func (v *validator) apiStep(p string, s APIStep) {
	switch {
	case len(s.Key) > MaxKeyLen || !printable(s.Key):
		v.add(p+".key", "must be at most %d printable characters", MaxKeyLen)
	case len(s.Params) > MaxParamsLen || !utf8.ValidString(s.Params):
		v.add(p+".params", "must be at most %d bytes of UTF-8 text", MaxParamsLen)
	}
	v.seconds(p+".timeout", s.Timeout)
	if len(s.Name) > MaxStepNameLen || !printable(s.Name) {
		v.add(p+".name", "must be at most %d bytes of printable characters", MaxStepNameLen)
	}
	if s.ID < 0 || s.ID > MaxComponentID {
		v.add(p+".id", "%d must be between 1 and %d (0: derived from the IVR's number and the key)", s.ID, MaxComponentID)
	}
}

// follow checks n, an action that follows a step (its Next, an API-control
// step's Fallback) at path p, when set: it needs a type, and the steps
// that follow one another from it through next and api.fallback are at
// most MaxNextDepth, it included.
func (v *validator) follow(p string, n *Action) {
	if n == nil {
		return
	}
	if 1+nesting(*n, MaxNextDepth) > MaxNextDepth {
		v.add(p, "nests more than %d steps (through next and api.fallback)", MaxNextDepth)
		return
	}
	v.action(p, *n, true)
}

// nesting is the length of the longest chain of actions following a
// through Next and API.Fallback, counted no further than limit (so a
// chain built in code that loops ends too).
func nesting(a Action, limit int) int {
	if limit <= 0 {
		return 0
	}
	deepest := 0
	for _, n := range []*Action{a.Next, a.fallback()} {
		if n != nil {
			deepest = max(deepest, 1+nesting(*n, limit-1))
		}
	}
	return deepest
}

// fallback is a's API-control Fallback, or nil.
func (a Action) fallback() *Action {
	if a.API == nil {
		return nil
	}
	return a.API.Fallback
}

// printable reports whether s is UTF-8 text without control characters.
func printable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}

func (v *validator) prompts(p string, names []string) {
	if len(names) > MaxPrompts {
		v.add(p, "%d prompts, the limit is %d", len(names), MaxPrompts)
	}
	for n, name := range names {
		if prob := promptProblem(name); prob != "" {
			v.add(fmt.Sprintf("%s[%d]", p, n), "%s", prob)
		}
	}
}

func (v *validator) seconds(p string, n int) {
	switch {
	case n < 0:
		v.add(p, "%d must not be negative", n)
	case n > MaxSeconds:
		v.add(p, "%d is more than %d seconds", n, MaxSeconds)
	}
}

func (v *validator) label(p, s string) {
	switch {
	case len(s) > MaxNameLen:
		v.add(p, "is %d bytes long, the limit is %d", len(s), MaxNameLen)
	case !utf8.ValidString(s):
		v.add(p, "is not valid UTF-8")
	case strings.ContainsFunc(s, unicode.IsControl):
		v.add(p, "contains a control character")
	}
}

func isKey(k string) bool {
	return len(k) == 1 && (k[0] >= '0' && k[0] <= '9' || k[0] == '*' || k[0] == '#')
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func dialable(s string) bool {
	body := strings.TrimPrefix(s, "+")
	if body == "" || len(s) > MaxNumberLen {
		return false
	}
	for i := 0; i < len(body); i++ {
		if !isKey(body[i : i+1]) {
			return false
		}
	}
	return true
}

// api checks the integration settings.
func (v *validator) api(a API) {
	switch {
	case a.User == "":
		if a.PasswordMD5 != "" {
			v.add("api.user", "is needed when a password is set")
		}
	case len(a.User) > 64 || strings.ContainsFunc(a.User, func(r rune) bool {
		return !(r == '_' || r == '-' || r == '.' || r == '@' || unicode.IsLetter(r) || unicode.IsDigit(r))
	}):
		v.add("api.user", "%q must be 1 to 64 letters, digits, or _ - . @", a.User)
	case len(a.PasswordMD5) != 32 || strings.Trim(a.PasswordMD5, "0123456789abcdef") != "":
		v.add("api.password_md5", "must be 32 lower-case hex digits (the MD5 of the password)")
	}
	if a.AppURL != "" {
		u, err := url.Parse(a.AppURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(a.AppURL) > 1024 {
			v.add("api.app_url", "%q must be an http:// or https:// URL", a.AppURL)
		}
	}
	if len(a.Secret) > 256 {
		v.add("api.secret", "is %d bytes long, the limit is 256", len(a.Secret))
	}
}
