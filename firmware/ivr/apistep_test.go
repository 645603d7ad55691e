package ivr

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/ivrbox/ivrbox/firmware/config"
)

// TestAPIStepOutcomes: after an API-control step, released runs the step's
// next action; timeout and lost run its fallback, or its next action when
// it has none; the log says which. The step offered carries its name and
// its id (the one set, or the one derived from the IVR's number and key).
func TestAPIStepOutcomes(t *testing.T) {
	next := config.Action{Type: config.ActIVR, Target: "6502"}
	fb := config.Action{Type: config.ActIVR, Target: "6503"}
	withFB := config.Action{Type: config.ActAPI, Next: &next,
		API: &config.APIStep{Key: "abc", Name: "Внешнее управление 3", ID: 14, Fallback: &fb}}
	noFB := config.Action{Type: config.ActAPI, Next: &next, API: &config.APIStep{Key: "abc"}}
	tests := []struct {
		name    string
		act     config.Action
		outcome string
		play    string // the prompts of the IVR that follows
		runs    string // the log's "runs"
	}{
		{"released with a fallback: next", withFB, "released", p6502, "next"},
		{"timeout with a fallback: fallback", withFB, "timeout", p6503, "fallback"},
		{"lost with a fallback: fallback", withFB, "lost", p6503, "fallback"},
		{"released without a fallback: next", noFB, "released", p6502, "next"},
		{"timeout without a fallback: next", noFB, "timeout", p6502, "next (no fallback)"},
		{"lost without a fallback: next", noFB, "lost", p6502, "next (no fallback)"},
		{"moved with a fallback: next", withFB, "moved", p6502, "next"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := seedPlus(config.IVR{Number: "7030", Prompts: []string{"menu"},
				Keys: map[string]config.Action{"0": tt.act}})
			f := newFakeCall("call-1", keys("0"))
			var offered []config.APIStep
			var logs bytes.Buffer
			clock := newFakeClock()
			e := New(Options{Config: func() *config.Config { return &cfg }, Clock: clock,
				Log: slog.New(slog.NewJSONHandler(&logs, nil))})
			f.eng, f.clock = e, clock
			if err := e.Run(context.Background(), stepsCall{fakeCall: f, outcome: tt.outcome, offered: &offered}, "7030"); err != nil {
				t.Fatal(err)
			}
			ops := f.Ops()
			if !slices.Contains(ops, "offer abc  30s music") || !slices.Contains(ops, tt.play) {
				t.Errorf("ops %q: want the offer, then %q", ops, tt.play)
			}
			if got := endedLog(t, logs.String()); got["runs"] != tt.runs || got["outcome"] != tt.outcome {
				t.Errorf("log: runs %v outcome %v, want %q %q", got["runs"], got["outcome"], tt.runs, tt.outcome)
			}
			wantID := tt.act.API.ComponentID("7030")
			if len(offered) != 1 || offered[0].ID != wantID || offered[0].Name != tt.act.API.Name {
				t.Errorf("offered %+v, want id %d name %q", offered, wantID, tt.act.API.Name)
			}
		})
	}
	if id := noFB.API.ComponentID("7030"); id < 1 || id > 99999 || id == 14 {
		t.Errorf("derived id %d", id)
	}
}

// endedLog is the "API control ended" record of a JSON log.
func endedLog(t *testing.T, logs string) map[string]any {
	t.Helper()
	for line := range strings.Lines(logs) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec["msg"] == "API control ended" {
			return rec
		}
	}
	t.Fatalf("no API control ended line in %s", logs)
	return nil
}
