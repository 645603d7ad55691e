package ivr

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/config"
)

// TestRunFlows runs scripted calls through the seed configuration (and a few
// IVRs of its own) and checks what was asked of the call and what events were
// published, in order.
func TestRunFlows(t *testing.T) {
	hangup := config.Action{Type: config.ActHangup}
	collect := func(c config.Collect) *config.Collect { return &c }
	ivr7 := func(number string, mod func(*config.IVR)) config.IVR {
		i := config.IVR{Number: number, Prompts: []string{"menu"}, DigitTimeout: 3}
		mod(&i)
		return i
	}
	pMenu := "play menu barge"
	tests := []struct {
		name       string
		cfg        config.Config
		start      string
		script     []outcome
		transfer   bool   // the call implements Transferer
		transErr   error  // what Transfer returns
		steps      string // the call implements Offerer, StepRecorder and CallRecorder; Offer's outcome
		wantOps    []string
		wantEvents []string
		wantErr    string
	}{{
		name:    "6500 no keys: prompts twice then hang up",
		start:   "6500",
		wantOps: []string{"answer", p6500, r1, p6500, r1, "hangup normal"},
		wantEvents: []string{entered("6500"), finished("6500", "confirm"), finished("6500", "confirm"),
			left("6500")},
	}, {
		name:    "6500 key 1 during prompts goes to 6501",
		start:   "6500",
		script:  keys("1"),
		wantOps: []string{"answer", p6500, p6501, r4, p6501, r4, "hangup normal"},
		wantEvents: []string{entered("6500"), left("6500"), entered("6501"),
			finished("6501", "password"), finished("6501", "password"), left("6501")},
	}, {
		name:    "6500 key 1 during the wait goes to 6501",
		start:   "6500",
		script:  keys("", "1"),
		wantOps: []string{"answer", p6500, r1, p6501, r4, p6501, r4, "hangup normal"},
		wantEvents: []string{entered("6500"), finished("6500", "confirm"), left("6500"), entered("6501"),
			finished("6501", "password"), finished("6501", "password"), left("6501")},
	}, {
		name:  "6501 string, hold without barge-in, replay, Goto 6502 during hold",
		start: "6501",
		script: join(keys("5", "6", "7", "8", "9", "#", "", "4", "3", "#"),
			[]outcome{{block: true, goTo: "6502"}}),
		wantOps: []string{"answer", p6501, r3, r3, r3, r3, r3, hold, p6501, r3, r3, hold,
			p6502, r1, "hangup normal"},
		wantEvents: []string{entered("6501"), dstring("6501", "56789"), dstring("6501", "43"),
			left("6501"), entered("6502"), finished("6502", "ok"), left("6502")},
	}, {
		name:  "seed flow: confirm, wrong code, retry in 6503, success in 6502",
		start: "6500",
		script: join(keys("1", "1", "2", "3", "#"), []outcome{{block: true, goTo: "6503"}},
			keys("4", "5", "#"), []outcome{{block: true, goTo: "6502"}}),
		wantOps: []string{"answer", p6500, p6501, r3, r3, r3, hold, p6503, r3, r3, hold,
			p6502, r1, "hangup normal"},
		wantEvents: []string{entered("6500"), left("6500"), entered("6501"), dstring("6501", "123"),
			left("6501"), entered("6503"), dstring("6503", "45"), left("6503"), entered("6502"),
			finished("6502", "ok"), left("6502")},
	}, {
		name:    "invalid key replays the IVR",
		start:   "6500",
		script:  keys("5"),
		wantOps: []string{"answer", p6500, p6500, r1, p6500, r1, "hangup normal"},
		wantEvents: []string{entered("6500"), finished("6500", "confirm"), finished("6500", "confirm"),
			left("6500")},
	}, {
		name:       "fourth invalid entry in a row hangs up",
		start:      "6500",
		script:     keys("5", "5", "5", "5"),
		wantOps:    []string{"answer", p6500, p6500, p6500, p6500, "hangup normal"},
		wantEvents: []string{entered("6500"), left("6500")},
	}, {
		name:    "a valid key resets the invalid count",
		start:   "6500",
		script:  keys("5", "5", "5", "1"),
		wantOps: []string{"answer", p6500, p6500, p6500, p6500, p6501, r4, p6501, r4, "hangup normal"},
		wantEvents: []string{entered("6500"), left("6500"), entered("6501"),
			finished("6501", "password"), finished("6501", "password"), left("6501")},
	}, {
		name:    "digit timeout ends the string as # does (the seed's 4321, no #)",
		start:   "6501",
		script:  keys("4", "3", "2", "1", ""),
		wantOps: []string{"answer", p6501, r3, r3, r3, r3, hold, p6501, r4, p6501, r4, "hangup normal"},
		wantEvents: []string{entered("6501"), dstring("6501", "4321"), finished("6501", "password"),
			finished("6501", "password"), left("6501")},
	}, {
		name: "digit timeout below MinLen is invalid",
		cfg: seedPlus(ivr7("7002", func(i *config.IVR) {
			i.Collect = collect(config.Collect{MinLen: 4, After: hangup})
		})),
		start:      "7002",
		script:     keys("1", "2", ""),
		wantOps:    []string{"answer", pMenu, r3, r3, pMenu, "hangup normal"},
		wantEvents: []string{entered("7002"), finished("7002", "menu"), left("7002")},
	}, {
		name:    "terminator first is invalid",
		start:   "6501",
		script:  keys("#"),
		wantOps: []string{"answer", p6501, p6501, r4, p6501, r4, "hangup normal"},
		wantEvents: []string{entered("6501"), finished("6501", "password"), finished("6501", "password"),
			left("6501")},
	}, {
		name: "MaxLen ends the string without terminator",
		cfg: seedPlus(ivr7("7001", func(i *config.IVR) {
			i.Collect = collect(config.Collect{MaxLen: 4, HoldPrompts: []string{"holdon"}, After: hangup})
		})),
		start:      "7001",
		script:     keys("1", "2", "3", "4"),
		wantOps:    []string{"answer", pMenu, r3, r3, r3, "play holdon", "hangup normal"},
		wantEvents: []string{entered("7001"), dstring("7001", "1234"), left("7001")},
	}, {
		name: "string shorter than MinLen is invalid",
		cfg: seedPlus(ivr7("7002", func(i *config.IVR) {
			i.Collect = collect(config.Collect{MinLen: 4, After: hangup})
		})),
		start:      "7002",
		script:     keys("1", "2", "#"),
		wantOps:    []string{"answer", pMenu, r3, r3, pMenu, "hangup normal"},
		wantEvents: []string{entered("7002"), finished("7002", "menu"), left("7002")},
	}, {
		name: "custom terminator *, with # as a key",
		cfg: seedPlus(ivr7("7002", func(i *config.IVR) {
			i.Collect = collect(config.Collect{Terminator: "*", After: hangup})
			i.Keys = map[string]config.Action{"#": {Type: config.ActIVR, Target: "6502"}}
		})),
		start:      "7002",
		script:     keys("1", "2", "*"),
		wantOps:    []string{"answer", pMenu, r3, r3, "hangup normal"},
		wantEvents: []string{entered("7002"), dstring("7002", "12"), left("7002")},
	}, {
		name: "key that can also start a string: timeout takes the key",
		cfg: seedPlus(ivr7("7003", func(i *config.IVR) {
			i.Keys = map[string]config.Action{"1": {Type: config.ActIVR, Target: "6502"}}
			i.Collect = collect(config.Collect{After: hangup})
		})),
		start:   "7003",
		script:  keys("1", ""),
		wantOps: []string{"answer", pMenu, r3, p6502, r1, "hangup normal"},
		wantEvents: []string{entered("7003"), left("7003"), entered("6502"), finished("6502", "ok"),
			left("6502")},
	}, {
		name: "key that can also start a string: more digits make a string",
		cfg: seedPlus(ivr7("7003", func(i *config.IVR) {
			i.Keys = map[string]config.Action{"1": {Type: config.ActIVR, Target: "6502"}}
			i.Collect = collect(config.Collect{After: hangup})
		})),
		start:      "7003",
		script:     keys("1", "2", "#"),
		wantOps:    []string{"answer", pMenu, r3, r3, "hangup normal"},
		wantEvents: []string{entered("7003"), dstring("7003", "12"), left("7003")},
	}, {
		name: "API control plays music until Goto",
		cfg: seedPlus(ivr7("7004", func(i *config.IVR) {
			i.Keys = map[string]config.Action{"0": {Type: config.ActAPI}}
		})),
		start:   "7004",
		script:  join(keys("0"), []outcome{{block: true, goTo: "6502"}}),
		wantOps: []string{"answer", pMenu, "play music", p6502, r1, "hangup normal"},
		wantEvents: []string{entered("7004"), left("7004"), entered("6502"),
			finished("6502", "ok"), left("6502")},
	}, {
		name: "API control loops the hold prompts until the caller hangs up",
		cfg: seedPlus(ivr7("7005", func(i *config.IVR) {
			i.Keys = map[string]config.Action{"0": {Type: config.ActAPI}}
			i.Collect = collect(config.Collect{HoldPrompts: []string{"holdon"}})
		})),
		start: "7005",
		// 0 could start a digit string: the digit timeout decides it is the key.
		script:     join(keys("0", "", "", ""), []outcome{{took: time.Minute}, {hangup: true}}),
		wantOps:    []string{"answer", pMenu, r3, "play holdon", "play holdon", "play holdon", "play holdon"},
		wantEvents: []string{entered("7005"), left("7005")},
	}, {
		name: "API-control step given back: the step's next action follows",
		cfg: seedPlus(ivr7("7010", func(i *config.IVR) {
			next := config.Action{Type: config.ActIVR, Target: "6502"}
			i.Keys = map[string]config.Action{"0": {Type: config.ActAPI,
				API: &config.APIStep{Key: "abc", Params: `{"a":1}`, Timeout: 7}, Next: &next}}
		})),
		start:   "7010",
		steps:   "released",
		script:  keys("0"),
		wantOps: []string{"answer", pMenu, "offer abc {\"a\":1} 7s music", p6502, r1, "hangup normal"},
		wantEvents: []string{entered("7010"), left("7010"), entered("6502"),
			finished("6502", "ok"), left("6502")},
	}, {
		name: "cloud control: the greeting once, the offer under key cloud, given back: the cloud next action",
		cfg: seedPlus(ivr7("7020", func(i *config.IVR) {
			i.Control, i.Prompts = config.ControlCloud, []string{"greet"}
			i.Cloud = &config.CloudIVR{FirstCommand: 5, Next: config.Action{Type: config.ActIVR, Target: "6502"},
				Fallback: config.Action{Type: config.ActHangup}}
		})),
		start:   "7020",
		steps:   "released",
		wantOps: []string{"answer", "play greet", "offer cloud 7020 5s ", p6502, r1, "hangup normal"},
		wantEvents: []string{entered("7020"), left("7020"), entered("6502"),
			finished("6502", "ok"), left("6502")},
	}, {
		name: "cloud control: no application in time (defaults 10 s): the fallback runs",
		cfg: seedPlus(ivr7("7021", func(i *config.IVR) {
			i.Control, i.Prompts = config.ControlCloud, nil
			i.Cloud = &config.CloudIVR{Fallback: config.Action{Type: config.ActIVR, Target: "6502"}}
		})),
		start:      "7021",
		steps:      "timeout",
		wantOps:    []string{"answer", "offer cloud 7021 10s ", p6502, r1, "hangup normal"},
		wantEvents: []string{entered("7021"), left("7021"), entered("6502"), finished("6502", "ok"), left("6502")},
	}, {
		name: "cloud control without settings: lost application, hang up",
		cfg: seedPlus(ivr7("7022", func(i *config.IVR) {
			i.Control, i.Prompts = config.ControlCloud, nil
		})),
		start:      "7022",
		steps:      "lost",
		wantOps:    []string{"answer", "offer cloud 7022 10s ", "hangup normal"},
		wantEvents: []string{entered("7022"), left("7022")},
	}, {
		name: "API-control step nobody takes: defaults (key = IVR number, 30 s), then hang up",
		cfg: seedPlus(ivr7("7011", func(i *config.IVR) {
			i.Keys = map[string]config.Action{"0": {Type: config.ActAPI}}
			i.Collect = collect(config.Collect{HoldPrompts: []string{"holdon"}})
		})),
		start:      "7011",
		steps:      "timeout",
		script:     keys("0", ""),
		wantOps:    []string{"answer", pMenu, r3, "offer 7011  30s holdon", "hangup normal"},
		wantEvents: []string{entered("7011"), left("7011")},
	}, {
		name: "record step, then the next action; an IVR that records the whole call starts it on entry",
		cfg: seedPlus(ivr7("7012", func(i *config.IVR) {
			next := config.Action{Type: config.ActIVR, Target: "6502"}
			i.Record = "stereo"
			i.Keys = map[string]config.Action{"5": {Type: config.ActRecord,
				Record: &config.RecordStep{MaxSeconds: 20, Beep: true, SilenceSeconds: 3}, Next: &next}}
		})),
		start:   "7012",
		steps:   "released",
		script:  keys("5"),
		wantOps: []string{"answer", "record-call stereo", pMenu, "record 20s # beep 3s in", p6502, r1, "hangup normal"},
		wantEvents: []string{entered("7012"), left("7012"), entered("6502"),
			finished("6502", "ok"), left("6502")},
	}, {
		name: "transfer to an IVR number enters it",
		cfg: seedPlus(ivr7("7006", func(i *config.IVR) {
			i.Keys = map[string]config.Action{"2": {Type: config.ActTransfer, Target: "6502"}}
		})),
		start:   "7006",
		script:  keys("2"),
		wantOps: []string{"answer", pMenu, p6502, r1, "hangup normal"},
		wantEvents: []string{entered("7006"), left("7006"), entered("6502"), finished("6502", "ok"),
			left("6502")},
	}, {
		name: "transfer out of the box with a Transferer",
		cfg: seedPlus(ivr7("7006", func(i *config.IVR) {
			i.Keys = map[string]config.Action{"3": {Type: config.ActTransfer, Target: "13900139000"}}
		})),
		start:      "7006",
		script:     keys("3"),
		transfer:   true,
		wantOps:    []string{"answer", pMenu, "transfer 13900139000"},
		wantEvents: []string{entered("7006"), left("7006")},
	}, {
		name: "transfer out of the box fails",
		cfg: seedPlus(ivr7("7006", func(i *config.IVR) {
			i.Keys = map[string]config.Action{"3": {Type: config.ActTransfer, Target: "13900139000"}}
		})),
		start:      "7006",
		script:     keys("3"),
		transfer:   true,
		transErr:   errors.New("trunk down"),
		wantOps:    []string{"answer", pMenu, "transfer 13900139000", "hangup no-route"},
		wantEvents: []string{entered("7006"), left("7006")},
	}, {
		name: "transfer out of the box without a Transferer",
		cfg: seedPlus(ivr7("7006", func(i *config.IVR) {
			i.Keys = map[string]config.Action{"3": {Type: config.ActTransfer, Target: "13900139000"}}
		})),
		start:      "7006",
		script:     keys("3"),
		wantOps:    []string{"answer", pMenu, "hangup no-route"},
		wantEvents: []string{entered("7006"), left("7006")},
	}, {
		name: "timeout action goes to another IVR",
		cfg: seedPlus(ivr7("7007", func(i *config.IVR) {
			i.RingSeconds = 2
			i.Timeout = config.Action{Type: config.ActIVR, Target: "6502"}
		})),
		start:   "7007",
		wantOps: []string{"ring 2s", "answer", pMenu, p6502, r1, "hangup normal"},
		wantEvents: []string{entered("7007"), finished("7007", "menu"), left("7007"), entered("6502"),
			finished("6502", "ok"), left("6502")},
	}, {
		name:    "Goto during the wait",
		start:   "6500",
		script:  []outcome{{}, {block: true, goTo: "6502"}},
		wantOps: []string{"answer", p6500, r1, p6502, r1, "hangup normal"},
		wantEvents: []string{entered("6500"), finished("6500", "confirm"), left("6500"), entered("6502"),
			finished("6502", "ok"), left("6502")},
	}, {
		name:    "Goto to the current IVR replays it without leaving",
		start:   "6501",
		script:  []outcome{{block: true, goTo: "6501"}},
		wantOps: []string{"answer", p6501, p6501, r4, p6501, r4, "hangup normal"},
		wantEvents: []string{entered("6501"), finished("6501", "password"), finished("6501", "password"),
			left("6501")},
	}, {
		name:       "IVR removed from the config under the call",
		cfg:        withoutIVR(config.Defaults(), "6501"),
		start:      "6500",
		script:     keys("1"),
		wantOps:    []string{"answer", p6500, "hangup no-ivr"},
		wantEvents: []string{entered("6500"), left("6500")},
	}, {
		name:    "Run on a number that is no IVR",
		start:   "9999",
		wantOps: []string{"hangup no-ivr"},
		wantErr: "no such IVR",
	}, {
		name:       "caller hangs up during prompts",
		start:      "6500",
		script:     []outcome{{hangup: true}},
		wantOps:    []string{"answer", p6500},
		wantEvents: []string{entered("6500"), left("6500")},
	}, {
		name:       "a panicking call is recovered and hung up",
		start:      "6500",
		script:     []outcome{{panic: true}},
		wantOps:    []string{"answer", p6500, "hangup error"},
		wantEvents: []string{entered("6500"), left("6500")},
		wantErr:    "panic",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			if cfg.IVRs == nil {
				cfg = config.Defaults()
			}
			f := newFakeCall("call-1", tt.script)
			var c Call = f
			if tt.transfer {
				c = transferCall{fakeCall: f, err: tt.transErr}
			}
			if tt.steps != "" {
				c = stepsCall{fakeCall: f, outcome: tt.steps}
			}
			events, err := run(t, cfg, c, tt.start)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("Run error = %v, want %q", err, tt.wantErr)
			}
			if got := f.Ops(); !slices.Equal(got, tt.wantOps) {
				t.Errorf("ops:\n got %q\nwant %q", got, tt.wantOps)
			}
			if !slices.Equal(events, tt.wantEvents) {
				t.Errorf("events:\n got %q\nwant %q", events, tt.wantEvents)
			}
			for _, err := range f.GotoErrs() {
				if err != nil {
					t.Errorf("Goto from the script: %v", err)
				}
			}
		})
	}
}
