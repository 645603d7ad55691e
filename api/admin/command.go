package admin

import (
	"net/http"
	"time"

	"github.com/ivrbox/ivrbox/firmware/call"
)

// maxMS bounds the millisecond fields of a command (a day); the call core
// applies the real limits of each kind.
const maxMS = 24 * 3600 * 1000

// commandJSON is a command as POST calls/{id}/control/{lease}/commands
// takes it; only the fields of its kind are read (see call.Command).
type commandJSON struct {
	Kind           string   `json:"kind"` // play, collect, record, wait or digits
	Tag            string   `json:"tag"`
	Prompts        []string `json:"prompts"`
	BargeIn        bool     `json:"barge_in"`
	Loop           int      `json:"loop"`
	MinDigits      int      `json:"min_digits"`
	MaxDigits      int      `json:"max_digits"`
	FinishKeys     string   `json:"finish_keys"`
	FirstTimeoutMS int      `json:"first_timeout_ms"`
	InterTimeoutMS int      `json:"inter_timeout_ms"`
	Format         string   `json:"format"`
	MaxDurationMS  int      `json:"max_duration_ms"`
	SilenceStopMS  int      `json:"silence_stop_ms"`
	Beep           bool     `json:"beep"`
	DurationMS     int      `json:"duration_ms"`
	Digits         string   `json:"digits"`
}

// command turns the JSON into a call.Command; 400 for a kind the admin API
// does not run or a field out of range (the call core checks the rest).
func (j commandJSON) command() (call.Command, error) {
	switch call.Kind(j.Kind) {
	case call.KindPlay, call.KindCollect, call.KindRecord, call.KindWait, call.KindDigits:
	case call.KindJoin:
		return call.Command{}, httpErr(http.StatusBadRequest, "kind %q: conferences are not joined through the admin API", j.Kind)
	default:
		return call.Command{}, httpErr(http.StatusBadRequest, "kind %q: want play, collect, record, wait or digits", j.Kind)
	}
	if len(j.Tag) > maxTag {
		return call.Command{}, httpErr(http.StatusBadRequest, "tag: at most %d bytes", maxTag)
	}
	ms := func(name string, n int, d *time.Duration) error {
		if n < 0 || n > maxMS {
			return httpErr(http.StatusBadRequest, "%s: %d is not 0 to %d milliseconds", name, n, maxMS)
		}
		*d = time.Duration(n) * time.Millisecond
		return nil
	}
	cmd := call.Command{Kind: call.Kind(j.Kind), Tag: j.Tag, Prompts: j.Prompts, BargeIn: j.BargeIn, Loop: j.Loop,
		MinDigits: j.MinDigits, MaxDigits: j.MaxDigits, FinishKeys: j.FinishKeys, Format: j.Format, Beep: j.Beep,
		Digits: j.Digits}
	for _, f := range []struct {
		name string
		n    int
		d    *time.Duration
	}{
		{"first_timeout_ms", j.FirstTimeoutMS, &cmd.FirstTimeout}, {"inter_timeout_ms", j.InterTimeoutMS, &cmd.InterTimeout},
		{"max_duration_ms", j.MaxDurationMS, &cmd.MaxDuration}, {"silence_stop_ms", j.SilenceStopMS, &cmd.SilenceStop},
		{"duration_ms", j.DurationMS, &cmd.Duration},
	} {
		if err := ms(f.name, f.n, f.d); err != nil {
			return call.Command{}, err
		}
	}
	return cmd, nil
}

// resultJSON is how a command ended.
type resultJSON struct {
	ID       uint64   `json:"id"`
	Kind     string   `json:"kind"`
	Tag      string   `json:"tag,omitempty"`
	Status   string   `json:"status"`
	Key      string   `json:"key,omitempty"`
	Digits   string   `json:"digits,omitempty"`
	File     string   `json:"file,omitempty"`
	Files    []string `json:"files,omitempty"`
	LengthMS int64    `json:"length_ms,omitempty"`
	Reason   string   `json:"reason,omitempty"`
}

func newResultJSON(r call.Result) resultJSON {
	return resultJSON{ID: r.ID, Kind: string(r.Kind), Tag: r.Tag, Status: string(r.Status), Key: r.Key,
		Digits: r.Digits, File: r.File, Files: r.Files, LengthMS: r.Length.Milliseconds(), Reason: r.Reason}
}
