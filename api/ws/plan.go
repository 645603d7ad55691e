package ws

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ivrbox/ivrbox/firmware/call"
)

// Limits and defaults of the component settings.
const (
	DefaultRecSeconds  = 60   // recTimeSec
	MaxRecSeconds      = 3600 // recTimeSec
	DefaultDTMFTimeout = 10   // timeoutSec of 206
	maxNumber          = 32   // a transfer's number
)

// compData is a component's settings (the data of ivrapi_component_apply):
// the fields of every oType the box runs; the others are ignored, as the
// vendor's "returned values" and transfer* fields are.
type compData struct {
	OType flexInt `json:"oType"`
	OID   flexInt `json:"oId"`
	Name  string  `json:"name"`
	// 203
	Number       string  `json:"number"`
	ReinviteMode flexInt `json:"reinviteMode"`
	// 204
	Mode  flexInt   `json:"mode"`
	File  fileList  `json:"file"`
	Files fileList  `json:"files"`
	Loop  flexInt   `json:"loop"`
	Keys  *keysText `json:"interruptSymbols"`
	// 206, 208
	RecTimeSec       flexInt  `json:"recTimeSec"`
	MaxSymbolCount   flexInt  `json:"maxSymbolCount"`
	AbortOnSilence   flexInt  `json:"abortOnSilence"`
	TimeoutSec       flexInt  `json:"timeoutSec"`
	SymbolTimeoutSec flexInt  `json:"symbolTimeoutSec"`
	ClearDtmfBuffer  flexBool `json:"clearDtmfBuffer"`
	Beep             flexBool `json:"beep"`
}

// fileList is a file path, or a list of them.
type fileList []string

// UnmarshalJSON accepts "a.wav" and ["a.wav", "b.wav"].
func (l *fileList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		if one != "" {
			*l = fileList{one}
		}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("a file is a path or a list of paths")
	}
	*l = many
	return nil
}

// keysText is a list of keys ("4, 5, 6").
type keysText struct{ s string }

// UnmarshalJSON accepts a string of keys, or a list of them.
func (k *keysText) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var list []string
		if err := json.Unmarshal(b, &list); err != nil {
			return fmt.Errorf("interruptSymbols is a string of keys (\"4, 5, 6\")")
		}
		s = strings.Join(list, ",")
	}
	k.s = s
	return nil
}

// flexBool is a flag sent as true/false, 1/0 or "1"/"0".
type flexBool struct{ set, v bool }

// UnmarshalJSON accepts booleans, numbers and numeric strings.
func (f *flexBool) UnmarshalJSON(b []byte) error {
	var v bool
	if err := json.Unmarshal(b, &v); err == nil {
		f.set, f.v = true, v
		return nil
	}
	var n flexInt
	if err := n.UnmarshalJSON(b); err != nil {
		return fmt.Errorf("a flag is true/false or 1/0")
	}
	f.set, f.v = n.set, n.n != 0
	return nil
}

// or returns the flag, or def when unset.
func (f flexBool) or(def bool) bool {
	if !f.set {
		return def
	}
	return f.v
}

// plan checks a component's settings and makes it ready to run.
func (c *conn) plan(d compData, st *step) (plan, *Error) {
	if !d.OType.set {
		return plan{}, errf(CodeMalformed, "data.oType is required (201 hang up, 203 transfer, 204 play, 206 DTMF input, 208 record)")
	}
	p := plan{oType: d.OType.n, oID: d.OID.or(0)}
	switch p.oType {
	case OTypeHangup:
		p.summary = "hang up"
		return p, nil
	case OTypeTransfer:
		return planTransfer(d, p)
	case OTypePlay:
		return c.planPlay(d, st, p)
	case OTypeDTMF:
		return planDTMF(d, p)
	case OTypeRecord:
		return planRecord(d, p)
	}
	return plan{}, errr(CodeUnsupported, "unknown-otype", "oType %d is not a component the box runs (201, 203, 204, 206, 208)", p.oType)
}

func planTransfer(d compData, p plan) (plan, *Error) {
	n := strings.TrimSpace(d.Number)
	if n == "" || len(n) > maxNumber || strings.ContainsFunc(n, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r == '*' || r == '#' || r == '+')
	}) {
		return plan{}, errf(CodeInvalid, "number must be 1 to %d of 0-9 * # +", maxNumber)
	}
	if m := d.ReinviteMode.or(0); m < 0 || m > 3 {
		return plan{}, errf(CodeInvalid, "reinviteMode is 0 (not_used), 1 (auto), 2 (sendonly) or 3 (inactive)")
	}
	p.number, p.summary = n, "transfer to "+n
	return p, nil
}

// play modes the box runs: 0 (one file, to its end), 7 (a list of files).
func (c *conn) planPlay(d compData, st *step, p plan) (plan, *Error) {
	mode := d.Mode.or(0)
	if mode != 0 && mode != 7 {
		return plan{}, errr(CodeUnsupported, "unsupported-mode", "play mode %d is not supported (0: a file, 7: a list of files)", mode)
	}
	paths := append(append(fileList{}, d.File...), d.Files...)
	switch {
	case len(paths) == 0:
		return plan{}, errf(CodeMalformed, "file is required (\":SYN_DOM/greeting.wav\", \":TEMP/14.mp3\")")
	case len(paths) > 1 && mode == 0:
		return plan{}, errf(CodeInvalid, "mode 0 plays one file; mode 7 plays a list")
	case len(paths) > call.MaxPrompts:
		return plan{}, errf(CodeInvalid, "at most %d files", call.MaxPrompts)
	}
	loop := d.Loop.or(1)
	if loop < -1 || loop > 1000 {
		return plan{}, errf(CodeInvalid, "loop is 1 to 1000, or -1 (until terminated)")
	}
	keys, anyKey := "", true
	if d.Keys != nil {
		k, err := keyList(d.Keys.s)
		if err != nil {
			return plan{}, errf(CodeInvalid, "interruptSymbols: %v", err)
		}
		keys, anyKey = k, false
	}
	names, e := c.resolve(st, paths)
	if e != nil {
		return plan{}, e
	}
	p.cmd = &call.Command{Kind: call.KindPlay, Prompts: names, Loop: loop}
	p.comp = component{stopKeys: keys, anyKey: anyKey}
	p.summary = "play " + strings.Join(paths, ", ")
	return p, nil
}

func planDTMF(d compData, p plan) (plan, *Error) {
	keys, e := interruptKeys(d.Keys)
	if e != nil {
		return plan{}, e
	}
	max := d.MaxSymbolCount.or(call.MaxCollect)
	first := d.TimeoutSec.or(DefaultDTMFTimeout)
	inter := d.SymbolTimeoutSec.or(first)
	switch {
	case max < 1 || max > call.MaxCollect:
		return plan{}, errf(CodeInvalid, "maxSymbolCount is 1 to %d", call.MaxCollect)
	case first < 0 || time.Duration(first)*time.Second > call.MaxTimeout, inter < 0 || time.Duration(inter)*time.Second > call.MaxTimeout:
		return plan{}, errf(CodeInvalid, "timeoutSec and symbolTimeoutSec are 0 to %d", int(call.MaxTimeout/time.Second))
	}
	p.cmd = &call.Command{Kind: call.KindCollect, MinDigits: 0, MaxDigits: max, FinishKeys: keys,
		FirstTimeout: time.Duration(first) * time.Second, InterTimeout: time.Duration(inter) * time.Second,
		ClearAhead: d.ClearDtmfBuffer.or(true)}
	p.summary = fmt.Sprintf("DTMF input max %d, interrupt %q, timeout %ds", max, keys, first)
	return p, nil
}

func planRecord(d compData, p plan) (plan, *Error) {
	keys, e := interruptKeys(d.Keys)
	if e != nil {
		return plan{}, e
	}
	secs := d.RecTimeSec.or(DefaultRecSeconds)
	max := d.MaxSymbolCount.or(0)
	silence := d.AbortOnSilence.or(0)
	switch {
	case secs < 1 || secs > MaxRecSeconds:
		return plan{}, errf(CodeInvalid, "recTimeSec is 1 to %d", MaxRecSeconds)
	case max < 0 || max > call.MaxCollect:
		return plan{}, errf(CodeInvalid, "maxSymbolCount is 0 (no limit) to %d", call.MaxCollect)
	case silence < 0 || silence > MaxRecSeconds:
		return plan{}, errf(CodeInvalid, "abortOnSilence is 0 (off) or the seconds of silence that end the record")
	}
	p.cmd = &call.Command{Kind: call.KindRecord, Format: "in", MaxDuration: time.Duration(secs) * time.Second,
		SilenceStop: time.Duration(silence) * time.Second, FinishKeys: keys, Beep: d.Beep.or(false)}
	p.comp = component{maxKeys: max}
	p.summary = fmt.Sprintf("record %ds, %d keys, interrupt %q, silence %ds", secs, max, keys, silence)
	return p, nil
}

// interruptKeys reads interruptSymbols as single keys.
func interruptKeys(k *keysText) (string, *Error) {
	if k == nil {
		return "", nil
	}
	for _, part := range strings.FieldsFunc(k.s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
		if len(part) > 1 {
			return "", errr(CodeUnsupported, "unsupported-symbols", "interruptSymbols: sequences of several keys (%.10q) are not supported; name single keys", part)
		}
	}
	keys, err := keyList(k.s)
	if err != nil {
		return "", errf(CodeInvalid, "interruptSymbols: %v", err)
	}
	return keys, nil
}
