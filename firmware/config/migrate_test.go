package config

import (
	"strconv"
	"strings"
	"testing"
)

func TestDocStepsCoverVersions(t *testing.T) {
	if len(docSteps) != SchemaVersion-1 {
		t.Fatalf("%d migration steps for schema version %d", len(docSteps), SchemaVersion)
	}
}

// v1Doc is the factory flow as version 1 wrote it.
const v1Doc = `{
  "version": 1,
  "system": {"name": "ivrbox"},
  "ivrs": [
    {"number": "6500", "name": "Exam booking", "prompts": ["notice", "confirm"], "repeat": 2,
     "digit_timeout_ms": 3000, "wait_ms": 1000, "keys": {"1": {"type": "ivr", "target": "6501"}},
     "timeout": {"type": "hangup"}},
    {"number": "6501", "name": "Enter code", "prompts": ["password"], "repeat": 2,
     "digit_timeout_ms": 3000, "wait_ms": 4000,
     "collect": {"min_len": 1, "max_len": 32, "terminator": "#",
                 "hold_prompts": ["holdon", "music", "holdon", "music"], "after": {"type": "repeat"}},
     "timeout": {"type": "hangup"}},
    {"number": "6502", "name": "Booking confirmed", "prompts": ["ok"], "repeat": 1,
     "digit_timeout_ms": 3000, "wait_ms": 1000, "timeout": {"type": "hangup"}},
    {"number": "6503", "name": "Wrong code", "prompts": ["password1"], "repeat": 2,
     "digit_timeout_ms": 3000, "wait_ms": 4000,
     "collect": {"min_len": 1, "max_len": 32, "terminator": "#",
                 "hold_prompts": ["holdon", "music", "holdon", "music"], "after": {"type": "repeat"}},
     "timeout": {"type": "hangup"}}
  ]
}`

func TestImportV1(t *testing.T) {
	c, err := Import([]byte(v1Doc))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Marshal(Defaults())
	got, _ := Marshal(c)
	if string(got) != string(want) {
		t.Errorf("migrated v1 defaults:\n%s\nwant\n%s", got, want)
	}
}

func TestUpgrade1to2(t *testing.T) {
	tests := []struct {
		name, ivr string
		want      string // digit_timeout and wait after migration, or the error
	}{
		{"exact", `{"number": "1", "digit_timeout_ms": 5000, "wait_ms": 0}`, "5 0"},
		{"rounds up", `{"number": "1", "digit_timeout_ms": 1, "wait_ms": 2001}`, "1 3"},
		{"absent", `{"number": "1"}`, "0 0"},
		{"both", `{"number": "1", "wait_ms": 1000, "wait": 1}`, "config: migrating version 1 to 2: ivrs[0]: both wait_ms and wait"},
		{"negative", `{"number": "1", "wait_ms": -1}`, "config: migrating version 1 to 2: ivrs[0].wait_ms: -1 must not be negative"},
		{"not a number", `{"number": "1", "digit_timeout_ms": "3s"}`, "config: migrating version 1 to 2: ivrs[0].digit_timeout_ms: not a whole number of milliseconds"},
		{"huge", `{"number": "1", "wait_ms": 9223372036854775807}`, "9223372036854776"}, // too many seconds (or, where int is 32 bits, too big for an int)
		{"too long after migration", `{"number": "1", "wait_ms": 600001}`, "ivrs[0].wait: 601 is more than 600 seconds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Import([]byte(`{"version": 1, "ivrs": [` + tt.ivr + `]}`))
			var got string
			if err != nil {
				got = err.Error()
			} else {
				got = strings.Join([]string{strconv.Itoa(c.IVRs[0].DigitTimeout), strconv.Itoa(c.IVRs[0].WaitSeconds)}, " ")
			}
			if !strings.Contains(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	if _, err := Import([]byte(`{"version": 1, "ivrs": {"number": "1"}}`)); err == nil ||
		!strings.Contains(err.Error(), "config: migrating version 1 to 2: ivrs: json: cannot unmarshal object") {
		t.Errorf("ivrs object: %v", err)
	}
	if _, err := Import([]byte(`{"version": 1, "ivrs": [{"number": "1", "digit_timeout": 3, "typo": 1}]}`)); err == nil ||
		!strings.Contains(err.Error(), `unknown field "typo"`) {
		t.Errorf("unknown field in v1: %v", err)
	}
}
