package config

import (
	"errors"
	"fmt"
	"github.com/ivrbox/ivrbox/board"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	digits := func(n int) string { return strings.Repeat("1", n) }
	tests := []struct {
		name string
		edit func(c *Config)
		want []string
	}{
		{"defaults", func(c *Config) {}, nil},
		{"empty box", func(c *Config) { *c = Config{Version: SchemaVersion} }, nil},
		{"version", func(c *Config) { c.Version = 1 }, []string{
			"version: 1 is not 2, the version this firmware writes"}},

		// system
		{"system name long", func(c *Config) { c.System.Name = long(65) }, []string{
			"system.name: is 65 bytes long, the limit is 64"}},
		{"system name utf8", func(c *Config) { c.System.Name = "\xff" }, []string{
			"system.name: is not valid UTF-8"}},
		{"system name control", func(c *Config) { c.System.Name = "a\nb" }, []string{
			"system.name: contains a control character"}},
		{"sn letters", func(c *Config) { c.System.SN = "12a" }, []string{
			`system.sn: "12a" must be digits`}},
		{"sn long", func(c *Config) { c.System.SN = digits(33) }, []string{
			"system.sn: is 33 bytes long, the limit is 32 digits"}},
		{"sn ok", func(c *Config) { c.System.SN = "368182384620" }, nil},
		{"max calls negative", func(c *Config) { c.System.MaxCalls = -1 }, []string{
			"system.max_calls: -1 must not be negative (0 means 4000)"}},
		{"max calls big", func(c *Config) { c.System.MaxCalls = 10001 }, []string{
			"system.max_calls: 10001 is more than the limit 10000"}},

		// board pins
		{"pins ok", func(c *Config) { c.System.Pins = &board.Pins{LEDs: []int{17, 27, 22}, Button: 23} }, nil},
		{"pins reused", func(c *Config) { c.System.Pins = &board.Pins{LEDs: []int{17}, Button: 17} }, []string{
			"system.pins: board: bad pins: GPIO 17 used twice"}},

		// service number
		{"service number ok", func(c *Config) { c.System.ServiceNumber = "7000" }, nil},
		{"service number letters", func(c *Config) { c.System.ServiceNumber = "70a" }, []string{
			`system.service_number: "70a" must be 1 to 32 digits`}},
		{"service number clash", func(c *Config) { c.System.ServiceNumber = "6501" }, []string{
			`system.service_number: "6501" is also the number of ivrs[1]`}},
		{"ivr on default service number", func(c *Config) { c.IVRs[3].Number = "6599" }, []string{
			`ivrs[3].number: "6599" is the service number; set system.service_number to another one`}},

		// api
		{"api ok", func(c *Config) {
			c.API = API{User: "app", PasswordMD5: "5f4dcc3b5aa765d61d8327deb882cf99", AppURL: "http://10.0.0.5:8080/events", Secret: "s"}
		}, nil},
		{"api password without user", func(c *Config) { c.API.PasswordMD5 = "5f4dcc3b5aa765d61d8327deb882cf99" }, []string{
			"api.user: is needed when a password is set"}},
		{"api user chars", func(c *Config) { c.API = API{User: "a b", PasswordMD5: "5f4dcc3b5aa765d61d8327deb882cf99"} }, []string{
			`api.user: "a b" must be 1 to 64 letters, digits, or _ - . @`}},
		{"api md5 upper", func(c *Config) { c.API = API{User: "app", PasswordMD5: "5F4DCC3B5AA765D61D8327DEB882CF99"} }, []string{
			"api.password_md5: must be 32 lower-case hex digits (the MD5 of the password)"}},
		{"api url scheme", func(c *Config) { c.API.AppURL = "ftp://x/y" }, []string{
			`api.app_url: "ftp://x/y" must be an http:// or https:// URL`}},
		{"api secret long", func(c *Config) { c.API.Secret = long(257) }, []string{
			"api.secret: is 257 bytes long, the limit is 256"}},

		// ivrs and numbers
		{"too many ivrs", func(c *Config) {
			c.IVRs = nil
			for n := range MaxIVRs + 1 {
				c.IVRs = append(c.IVRs, IVR{Number: strconv.Itoa(10000 + n)})
			}
		}, []string{"ivrs: 1001 IVRs, the limit is 1000"}},
		{"number empty", func(c *Config) { c.IVRs[2].Number = "" }, []string{
			"ivrs[2].number: is required"}},
		{"number letters", func(c *Config) { c.IVRs[2].Number = "65a0" }, []string{
			`ivrs[2].number: "65a0" must be digits`}},
		{"number long", func(c *Config) { c.IVRs[2].Number = digits(33) }, []string{
			"ivrs[2].number: is 33 bytes long, the limit is 32 digits"}},
		{"number duplicate", func(c *Config) { c.IVRs[3].Number = "6500" }, []string{
			`ivrs[3].number: "6500" is also the number of ivrs[0]`}},

		// ivr fields
		{"ivr name long", func(c *Config) { c.IVRs[0].Name = long(65) }, []string{
			"ivrs[0].name: is 65 bytes long, the limit is 64"}},
		{"ring negative", func(c *Config) { c.IVRs[0].RingSeconds = -1 }, []string{
			"ivrs[0].ring: -1 must not be negative"}},
		{"ring big", func(c *Config) { c.IVRs[0].RingSeconds = 601 }, []string{
			"ivrs[0].ring: 601 is more than 600 seconds"}},
		{"digit timeout big", func(c *Config) { c.IVRs[0].DigitTimeout = 601 }, []string{
			"ivrs[0].digit_timeout: 601 is more than 600 seconds"}},
		{"wait negative", func(c *Config) { c.IVRs[0].WaitSeconds = -5 }, []string{
			"ivrs[0].wait: -5 must not be negative"}},
		{"times at the limits", func(c *Config) {
			c.IVRs[0].RingSeconds, c.IVRs[0].DigitTimeout, c.IVRs[0].WaitSeconds, c.IVRs[0].Repeat = 600, 600, 600, 100
		}, nil},
		{"repeat negative", func(c *Config) { c.IVRs[0].Repeat = -1 }, []string{
			"ivrs[0].repeat: -1 must be between 1 and 100 (0 means 1)"}},
		{"repeat big", func(c *Config) { c.IVRs[0].Repeat = 101 }, []string{
			"ivrs[0].repeat: 101 must be between 1 and 100 (0 means 1)"}},

		// prompts
		{"too many prompts", func(c *Config) { c.IVRs[0].Prompts = slices.Repeat([]string{"notice"}, 51) }, []string{
			"ivrs[0].prompts: 51 prompts, the limit is 50"}},
		{"prompt empty", func(c *Config) { c.IVRs[0].Prompts[1] = "" }, []string{
			"ivrs[0].prompts[1]: prompt name is empty"}},
		{"prompt long", func(c *Config) { c.IVRs[0].Prompts[0] = long(256) }, []string{
			"ivrs[0].prompts[0]: prompt name is 256 bytes long, the limit is 255"}},
		{"prompt NUL", func(c *Config) { c.IVRs[0].Prompts[0] = "a\x00b" }, []string{
			"ivrs[0].prompts[0]: prompt name contains a control character"}},
		{"prompt utf8", func(c *Config) { c.IVRs[0].Prompts[0] = "a\xffb" }, []string{
			"ivrs[0].prompts[0]: prompt name is not valid UTF-8"}},
		{"prompt dotdot", func(c *Config) {
			c.IVRs[0].Prompts = []string{"../etc/passwd", "/tmp/media/../x", `a\..\b`, "..", "a..b", "./a"}
		}, []string{
			`ivrs[0].prompts[0]: prompt name contains a ".." path element`,
			`ivrs[0].prompts[1]: prompt name contains a ".." path element`,
			`ivrs[0].prompts[2]: prompt name contains a ".." path element`,
			`ivrs[0].prompts[3]: prompt name contains a ".." path element`,
		}},
		{"prompt unknown variable", func(c *Config) { c.IVRs[0].Prompts[0] = "/x/${FOO}" }, []string{
			"ivrs[0].prompts[0]: unknown variable ${FOO} (known: EXTEN, CALLERID, CALLEE, CALLID)"}},
		{"prompt open variable", func(c *Config) { c.IVRs[0].Prompts[0] = "/x/${EXTEN" }, []string{
			`ivrs[0].prompts[0]: prompt name has "${" without a closing "}"`}},
		{"prompt variables ok", func(c *Config) {
			c.IVRs[0].Prompts = []string{"/tmp/media/networkdisk1/${EXTEN}", "${CALLERID}-${CALLEE}", "${CALLID}", "digits/5", "price$5", "{x}"}
		}, nil},

		// keys and actions
		{"key letter", func(c *Config) { c.IVRs[0].Keys["x"] = Action{Type: ActHangup} }, []string{
			`ivrs[0].keys["x"]: key must be one of 0-9, *, #`}},
		{"key two digits", func(c *Config) { c.IVRs[0].Keys["12"] = Action{Type: ActHangup} }, []string{
			`ivrs[0].keys["12"]: key must be one of 0-9, *, #`}},
		{"key no type", func(c *Config) { c.IVRs[0].Keys["2"] = Action{} }, []string{
			`ivrs[0].keys["2"].type: is required`}},
		{"ivr without target", func(c *Config) { c.IVRs[0].Keys["2"] = Action{Type: ActIVR} }, []string{
			`ivrs[0].keys["2"].target: is required for type ivr`}},
		{"ivr missing target", func(c *Config) { c.IVRs[0].Keys["2"] = Action{Type: ActIVR, Target: "9999"} }, []string{
			`ivrs[0].keys["2"].target: no IVR has number "9999"`}},
		{"transfer without target", func(c *Config) { c.IVRs[0].Keys["*"] = Action{Type: ActTransfer} }, []string{
			`ivrs[0].keys["*"].target: is required for type transfer`}},
		{"transfer bad target", func(c *Config) {
			c.IVRs[0].Keys["*"] = Action{Type: ActTransfer, Target: "abc"}
			c.IVRs[0].Keys["#"] = Action{Type: ActTransfer, Target: "+"}
			c.IVRs[0].Keys["0"] = Action{Type: ActTransfer, Target: "+" + digits(32)}
		}, []string{
			`ivrs[0].keys["#"].target: "+" is not a number (digits, *, #, a leading +; at most 32)`,
			`ivrs[0].keys["*"].target: "abc" is not a number (digits, *, #, a leading +; at most 32)`,
			`ivrs[0].keys["0"].target: "+11111111111111111111111111111111" is not a number (digits, *, #, a leading +; at most 32)`,
		}},
		{"transfer ok", func(c *Config) {
			c.IVRs[0].Keys["0"] = Action{Type: ActTransfer, Target: "+8613800138000"}
			c.IVRs[0].Keys["9"] = Action{Type: ActTransfer, Target: "6502"}
			c.IVRs[0].Keys["*"] = Action{Type: ActAPI}
			c.IVRs[0].Keys["#"] = Action{Type: ActRepeat}
		}, nil},
		{"hangup with target", func(c *Config) { c.IVRs[0].Keys["2"] = Action{Type: ActHangup, Target: "1"} }, []string{
			`ivrs[0].keys["2"].target: must be empty for type hangup`}},
		{"unknown type", func(c *Config) { c.IVRs[0].Keys["2"] = Action{Type: "jump"} }, []string{
			`ivrs[0].keys["2"].type: unknown action type "jump" (one of ivr, transfer, hangup, api, repeat, record)`}},
		{"timeout target without type", func(c *Config) { c.IVRs[0].Timeout = Action{Target: "6501"} }, []string{
			"ivrs[0].timeout.target: must be empty when type is empty"}},
		{"invalid to missing ivr", func(c *Config) { c.IVRs[0].Invalid = Action{Type: ActIVR, Target: "1"} }, []string{
			`ivrs[0].invalid.target: no IVR has number "1"`}},
		{"target of a renamed ivr", func(c *Config) { c.IVRs[1].Number = "7000" }, []string{
			`ivrs[0].keys["1"].target: no IVR has number "6501"`}},

		// steps: API control, record, next; whole-call recording; media settings
		{"steps ok", func(c *Config) {
			next := Action{Type: ActIVR, Target: "6502"}
			after := Action{Type: ActRecord, Record: &RecordStep{MaxSeconds: 30, FinishKeys: "#*", Beep: true, SilenceSeconds: 5, Format: "stereo"}, Next: &next}
			c.IVRs[0].Keys["2"] = Action{Type: ActAPI, API: &APIStep{Key: "abc", Params: `{"a":1}`, Timeout: 60}, Next: &after}
			c.IVRs[0].Record = "split"
			c.System.Recording.MaxMB = 500
			c.System.Fork = Fork{MaxPerCall: 4, MaxTotal: 200, AllowLoopback: true}
		}, nil},
		{"step settings on the wrong type", func(c *Config) {
			c.IVRs[0].Keys["2"] = Action{Type: ActHangup, API: &APIStep{}, Record: &RecordStep{}, Next: &Action{Type: ActHangup}}
		}, []string{
			`ivrs[0].keys["2"].api: is only for type api`,
			`ivrs[0].keys["2"].record: is only for type record`,
			`ivrs[0].keys["2"].next: is only for types api and record`,
		}},
		{"absurd record step", func(c *Config) {
			c.IVRs[0].Keys["2"] = Action{Type: ActRecord, Record: &RecordStep{MaxSeconds: 99999}}
			c.IVRs[0].Keys["3"] = Action{Type: ActRecord, Record: &RecordStep{SilenceSeconds: 120, FinishKeys: "x", Format: "5.1"}}
		}, []string{
			`ivrs[0].keys["2"].record.max_seconds: 99999 must be between 1 and 3600 (0 means 60)`,
			`ivrs[0].keys["3"].record.silence_seconds: 120 must be between 0 and max_seconds`,
			`ivrs[0].keys["3"].record.finish_keys: "x" must be keys 0-9, *, #`,
			`ivrs[0].keys["3"].record.format: "5.1" must be in, mixed, stereo or split`,
		}},
		{"bad API step", func(c *Config) {
			c.IVRs[0].Keys["2"] = Action{Type: ActAPI, API: &APIStep{Key: "a\x01", Timeout: -1}}
			c.IVRs[0].Keys["3"] = Action{Type: ActAPI, API: &APIStep{Params: long(5000)}, Next: &Action{Type: ActIVR, Target: "9"}}
		}, []string{
			`ivrs[0].keys["2"].api.key: must be at most 64 printable characters`,
			`ivrs[0].keys["2"].api.timeout: -1 must not be negative`,
			`ivrs[0].keys["3"].api.params: must be at most 4096 bytes of UTF-8 text`,
			`ivrs[0].keys["3"].next.target: no IVR has number "9"`,
		}},
		{"next nested too deep", func(c *Config) {
			a := Action{Type: ActHangup}
			for range 5 {
				n := a
				a = Action{Type: ActAPI, Next: &n}
			}
			c.IVRs[0].Keys["2"] = a
		}, []string{`ivrs[0].keys["2"].next: nests more than 4 steps (through next and api.fallback)`}},
		{"fallback nested too deep", func(c *Config) {
			a := Action{Type: ActHangup}
			for range 4 {
				n := a
				a = Action{Type: ActAPI, API: &APIStep{Fallback: &n}}
			}
			c.IVRs[0].Keys["2"] = a                                                 // 4 deep: fine
			c.IVRs[0].Keys["3"] = Action{Type: ActAPI, Next: &a}                    // 5 through next
			c.IVRs[0].Keys["4"] = Action{Type: ActAPI, API: &APIStep{Fallback: &a}} // 5 through fallback
		}, []string{
			`ivrs[0].keys["3"].next: nests more than 4 steps (through next and api.fallback)`,
			`ivrs[0].keys["4"].api.fallback: nests more than 4 steps (through next and api.fallback)`,
		}},
		{"API step name, id and fallback ok", func(c *Config) {
			next, fb := Action{Type: ActIVR, Target: "6502"}, Action{Type: ActTransfer, Target: "+8610"}
			c.IVRs[0].Keys["2"] = Action{Type: ActAPI, Next: &next,
				API: &APIStep{Name: "Внешнее управление 3", ID: 14, Fallback: &fb}}
			c.IVRs[0].Keys["3"] = Action{Type: ActAPI, API: &APIStep{Name: long(100), ID: MaxComponentID,
				Fallback: &Action{Type: ActRecord, Next: &Action{Type: ActHangup}}}}
		}, nil},
		{"bad API step name, id and fallback", func(c *Config) {
			c.IVRs[0].Keys["2"] = Action{Type: ActAPI, API: &APIStep{Name: long(101), ID: -1,
				Fallback: &Action{Type: ActIVR, Target: "9"}}}
			c.IVRs[0].Keys["3"] = Action{Type: ActAPI, API: &APIStep{Name: "a\tb", ID: -5,
				Fallback: &Action{}}}
			c.IVRs[0].Keys["4"] = Action{Type: ActAPI, API: &APIStep{Name: "\xff",
				Fallback: &Action{Type: ActHangup, API: &APIStep{}}}}
		}, []string{
			`ivrs[0].keys["2"].api.name: must be at most 100 bytes of printable characters`,
			`ivrs[0].keys["2"].api.id: -1 must be between 1 and 2147483647 (0: derived from the IVR's number and the key)`,
			`ivrs[0].keys["2"].api.fallback.target: no IVR has number "9"`,
			`ivrs[0].keys["3"].api.name: must be at most 100 bytes of printable characters`,
			`ivrs[0].keys["3"].api.id: -5 must be between 1 and 2147483647 (0: derived from the IVR's number and the key)`,
			`ivrs[0].keys["3"].api.fallback.type: is required`,
			`ivrs[0].keys["4"].api.name: must be at most 100 bytes of printable characters`,
			`ivrs[0].keys["4"].api.fallback.api: is only for type api`,
		}},
		{"fallback on a record step", func(c *Config) {
			c.IVRs[0].Keys["2"] = Action{Type: ActRecord, API: &APIStep{Fallback: &Action{Type: ActHangup}}}
		}, []string{`ivrs[0].keys["2"].api: is only for type api`}},
		{"next missing type", func(c *Config) { c.IVRs[0].Keys["2"] = Action{Type: ActAPI, Next: &Action{}} }, []string{
			`ivrs[0].keys["2"].next.type: is required`}},
		{"bad whole-call recording and media settings", func(c *Config) {
			c.IVRs[0].Record = "in"
			c.System.Recording.MaxMB = -1
			c.System.Fork = Fork{MaxPerCall: -1, MaxTotal: 5000}
		}, []string{
			"system.recording.max_mb: -1 must not be negative (0 means no limit)",
			"system.fork.max_per_call: -1 must be between 0 and 1024 (0 means the default)",
			"system.fork.max_total: 5000 must be between 0 and 1024 (0 means the default)",
			`ivrs[0].record: "in" must be mixed, stereo or split (or empty: no recording)`,
		}},

		// collect
		{"collect lengths out of range", func(c *Config) { c.IVRs[1].Collect.MinLen, c.IVRs[1].Collect.MaxLen = -1, 65 }, []string{
			"ivrs[1].collect.min_len: -1 must be between 1 and 64 (0 means the default)",
			"ivrs[1].collect.max_len: 65 must be between 1 and 64 (0 means the default)",
		}},
		{"collect min over max", func(c *Config) { c.IVRs[1].Collect.MinLen, c.IVRs[1].Collect.MaxLen = 10, 5 }, []string{
			"ivrs[1].collect.min_len: 10 is more than max_len 5"}},
		{"collect min over default max", func(c *Config) { c.IVRs[1].Collect.MinLen, c.IVRs[1].Collect.MaxLen = 40, 0 }, []string{
			"ivrs[1].collect.min_len: 40 is more than max_len 32"}},
		{"collect zero", func(c *Config) { c.IVRs[1].Collect = &Collect{} }, nil},
		{"terminator bad", func(c *Config) { c.IVRs[1].Collect.Terminator = "a"; c.IVRs[3].Collect.Terminator = "##" }, []string{
			`ivrs[1].collect.terminator: "a" must be one of #, *, 0-9`,
			`ivrs[3].collect.terminator: "##" must be one of #, *, 0-9`,
		}},
		{"terminator is a key", func(c *Config) {
			c.IVRs[1].Collect.Terminator = "5"
			c.IVRs[1].Keys = map[string]Action{"5": {Type: ActHangup}}
			c.IVRs[3].Keys = map[string]Action{"#": {Type: ActHangup}}
		}, []string{
			`ivrs[1].collect.terminator: "5" is also a key in keys`,
			`ivrs[3].collect.terminator: "#" is also a key in keys`,
		}},
		{"terminator star and digit keys", func(c *Config) {
			c.IVRs[1].Collect.Terminator = "*"
			c.IVRs[1].Keys = map[string]Action{"#": {Type: ActHangup}}
		}, nil},
		{"hold prompts", func(c *Config) { c.IVRs[1].Collect.HoldPrompts[2] = "" }, []string{
			"ivrs[1].collect.hold_prompts[2]: prompt name is empty"}},
		{"too many hold prompts", func(c *Config) { c.IVRs[1].Collect.HoldPrompts = slices.Repeat([]string{"music"}, 51) }, []string{
			"ivrs[1].collect.hold_prompts: 51 prompts, the limit is 50"}},
		{"after to missing ivr", func(c *Config) { c.IVRs[1].Collect.After = Action{Type: ActIVR, Target: "x"} }, []string{
			`ivrs[1].collect.after.target: no IVR has number "x"`}},

		{"several problems in order", func(c *Config) {
			c.Version = 0
			c.System.MaxCalls = -2
			c.IVRs[3].Number = "6500"
			c.IVRs[2].Prompts = []string{""}
		}, []string{
			"version: 0 is not 2, the version this firmware writes",
			"system.max_calls: -2 must not be negative (0 means 4000)",
			`ivrs[3].number: "6500" is also the number of ivrs[0]`,
			"ivrs[2].prompts[0]: prompt name is empty",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Defaults()
			tt.edit(&c)
			err := Validate(c)
			var got []string
			for _, p := range Problems(err) {
				got = append(got, p.Error())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("problems:\n got %q\nwant %q", got, tt.want)
			}
			if (err == nil) != (len(tt.want) == 0) {
				t.Errorf("err = %v", err)
			}
			if err != nil {
				var ve *ValidationError
				if !errors.As(err, &ve) || ve.Error() != tt.want[0] {
					t.Errorf("errors.As = %v", ve)
				}
				if err.Error() != strings.Join(tt.want, "\n") {
					t.Errorf("Error() = %q", err.Error())
				}
			}
		})
	}
}

func TestValidateProblemCap(t *testing.T) {
	c := Config{Version: SchemaVersion}
	for range 150 {
		c.IVRs = append(c.IVRs, IVR{Number: "a"})
	}
	probs := Problems(Validate(c))
	if len(probs) != maxProblems+1 {
		t.Fatalf("%d problems, want %d", len(probs), maxProblems+1)
	}
	if got, want := probs[maxProblems].Error(), "config: 50 more problems not shown"; got != want {
		t.Errorf("last = %q, want %q", got, want)
	}
}

func TestProblemsWrapped(t *testing.T) {
	c := Defaults()
	c.IVRs[0].Repeat = -1
	c.IVRs[0].Prompts[0] = ""
	err := fmt.Errorf("store: %w", Validate(c))
	if n := len(Problems(err)); n != 2 {
		t.Errorf("Problems(wrapped) = %d, want 2", n)
	}
	if Problems(nil) != nil || Problems(errors.New("x")) != nil {
		t.Error("Problems of a non-validation error is not nil")
	}
}

// TestComponentIDUpperBound: an id over MaxComponentID is refused. On a
// 32-bit int (the armv6 build, run under qemu in CI too) no int exceeds it,
// so there is nothing to check there.
func TestComponentIDUpperBound(t *testing.T) {
	if strconv.IntSize < 64 {
		t.Skip("32-bit int: no value exceeds MaxComponentID (same under CI)")
	}
	over := int64(MaxComponentID) + 1
	c := Defaults()
	if c.IVRs[0].Keys == nil {
		c.IVRs[0].Keys = map[string]Action{}
	}
	c.IVRs[0].Keys["3"] = Action{Type: ActAPI, API: &APIStep{ID: int(over)}}
	err := Validate(c)
	if err == nil || !strings.Contains(err.Error(), "api.id: 2147483648 must be between 1 and 2147483647") {
		t.Errorf("id %d: %v", over, err)
	}
}
