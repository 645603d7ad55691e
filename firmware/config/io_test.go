package config

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestImportErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want string // substring of the error
	}{
		{"empty", ``, "config: import: not a config document: unexpected end of JSON input"},
		{"broken", `{"version": 2,`, "not a config document"},
		{"array", `[1,2]`, "not a config document"},
		{"null", `null`, "config: import: version: missing"},
		{"no version", `{"ivrs": []}`, "config: import: version: missing"},
		{"version string", `{"version": "2"}`, "config: import: version: not a whole number"},
		{"version fraction", `{"version": 1.5}`, "config: import: version: not a whole number"},
		{"version huge", `{"version": 1e999}`, "config: import: version: not a whole number"},
		{"version zero", `{"version": 0}`, "config: import: version 0 is not a config version (1 to 2)"},
		{"version null", `{"version": null}`, "config: import: version 0 is not a config version"},
		{"newer", `{"version": 3, "future": true}`, "config: document is from a newer firmware: version 3, this firmware reads versions 1 to 2; update the firmware first"},
		{"unknown top field", `{"version": 2, "ivrs": [], "queues": []}`, `config: import: json: unknown field "queues"`},
		{"unknown nested field", `{"version": 2, "ivrs": [{"number": "1", "colour": "red"}]}`, `unknown field "colour"`},
		{"two documents", `{"version": 2} {"version": 2}`, "not a config document: invalid character '{' after top-level value"},
		{"trailing garbage", `{"version": 2}]`, "not a config document"},
		{"huge number", `{"version": 2, "ivrs": [{"number": "1", "repeat": 1e30}]}`, "ivrs[0].repeat: 1e30 is too big"},
		{"wrong type", `{"version": 2, "ivrs": [{"number": 6500}]}`, "cannot unmarshal number into Go struct field"},
		{"invalid config", `{"version": 2, "ivrs": [{"number": "65a0"}]}`, `ivrs[0].number: "65a0" must be digits`},
		{"too large", `{"version": 2, "system": {"name": "` + strings.Repeat("a", MaxDocumentSize) + `"}}`, "config: document larger than 4 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Import([]byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Import = %v, want an error containing %q", err, tt.want)
			}
			if !reflect.DeepEqual(c, Config{}) {
				t.Errorf("Import returned %+v with an error", c)
			}
		})
	}
}

func TestImportSentinels(t *testing.T) {
	if _, err := Import([]byte(`{"version": 99}`)); !errors.Is(err, ErrNewerVersion) {
		t.Errorf("newer: %v", err)
	}
	big := bytes.Repeat([]byte(" "), MaxDocumentSize+1)
	if _, err := Import(big); !errors.Is(err, ErrTooLarge) {
		t.Errorf("large: %v", err)
	}
	_, err := Import([]byte(`{"version": 2, "system": {"max_calls": -1}, "ivrs": [{"number": ""}]}`))
	if n := len(Problems(err)); n != 2 {
		t.Errorf("invalid: %d problems in %v, want 2", n, err)
	}
}

func TestExportRoundTrip(t *testing.T) {
	c := Defaults()
	c.System.SN = "368182384620"
	c.System.MaxCalls = 100
	c.IVRs[0].Prompts = append(c.IVRs[0].Prompts, "/tmp/media/networkdisk1/${EXTEN}", "a&b<c>")
	c.IVRs[2].Keys = map[string]Action{"9": {Type: ActTransfer, Target: "+861"}, "0": {Type: ActAPI}, "*": {Type: ActRepeat}}
	c.IVRs = append(c.IVRs, IVR{Number: "7000"}) // nil prompts are exported as []
	var b bytes.Buffer
	if err := Export(&b, c); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"a&b<c>"`) || !strings.Contains(b.String(), `"prompts": []`) {
		t.Errorf("export:\n%s", b.String())
	}
	if strings.Index(b.String(), `"*"`) > strings.Index(b.String(), `"0"`) {
		t.Error("keys not sorted")
	}
	back, err := Import(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	c.IVRs[4].Prompts = []string{}
	if !reflect.DeepEqual(back, c) {
		t.Errorf("round trip:\n got %+v\nwant %+v", back, c)
	}
	again, _ := Marshal(back)
	if !bytes.Equal(again, b.Bytes()) {
		t.Error("export is not stable")
	}
}

func TestExportWriteError(t *testing.T) {
	if err := Export(failWriter{}, Defaults()); err == nil || !strings.Contains(err.Error(), "config: export: disk full") {
		t.Errorf("Export = %v", err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestMarshalTooLarge(t *testing.T) {
	c := Config{Version: SchemaVersion}
	name := strings.Repeat("a", MaxPromptLen)
	for range MaxIVRs {
		c.IVRs = append(c.IVRs, IVR{Number: "1", Prompts: make([]string, MaxPrompts)})
	}
	for n := range c.IVRs {
		for p := range c.IVRs[n].Prompts {
			c.IVRs[n].Prompts[p] = name
		}
	}
	if _, err := Marshal(c); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Marshal = %v, want ErrTooLarge", err)
	}
}

// TestImportExamples imports every example document in testdata/ (the
// examples of docs/CONFIG.md).
func TestImportExamples(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	if len(files) < 2 {
		t.Fatalf("examples: %v", files)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Import(data); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}
