package store

import (
	"bytes"
	"errors"
	"log/slog"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/ivrbox/ivrbox/firmware/config"
)

// v1IVRs is the factory flow as schema 1 stored it: one record per IVR,
// keyed by number, times in milliseconds.
var v1IVRs = map[string]string{
	"6500": `{"name": "Exam booking", "prompts": ["notice", "confirm"], "repeat": 2, "digit_timeout_ms": 3000,
		"wait_ms": 1000, "keys": {"1": {"type": "ivr", "target": "6501"}}, "timeout": {"type": "hangup"}}`,
	"6501": `{"name": "Enter code", "prompts": ["password"], "repeat": 2, "digit_timeout_ms": 3000, "wait_ms": 4000,
		"collect": {"min_len": 1, "max_len": 32, "terminator": "#", "hold_prompts": ["holdon", "music", "holdon", "music"],
		"after": {"type": "repeat"}}, "timeout": {"type": "hangup"}}`,
	"6502": `{"number": "6502", "name": "Booking confirmed", "prompts": ["ok"], "repeat": 1, "digit_timeout_ms": 3000,
		"wait_ms": 1000, "timeout": {"type": "hangup"}}`,
	"6503": `{"name": "Wrong code", "prompts": ["password1"], "repeat": 2, "digit_timeout_ms": 2500, "wait_ms": 4000,
		"collect": {"min_len": 1, "max_len": 32, "terminator": "#", "hold_prompts": ["holdon", "music", "holdon", "music"],
		"after": {"type": "repeat"}}, "timeout": {"type": "hangup"}}`,
}

// writeV1 builds a schema 1 file with bbolt directly. An empty sn leaves
// meta/sn out.
func writeV1(t *testing.T, path, system string, ivrs map[string]string, sn string) {
	t.Helper()
	withDB(t, path, func(tx *bbolt.Tx) error {
		meta, _ := tx.CreateBucket([]byte(BucketMeta))
		_ = meta.Put(keySchema, []byte("1"))
		if sn != "" {
			_ = meta.Put(keySN, []byte(sn))
		}
		cfg, _ := tx.CreateBucket([]byte(BucketConfig))
		if system != "" {
			_ = cfg.Put(v1KeySystem, []byte(system))
		}
		b, _ := tx.CreateBucket(v1BucketIVRs)
		for number, ivr := range ivrs {
			if err := b.Put([]byte(number), []byte(ivr)); err != nil {
				return err
			}
		}
		return nil
	})
}

func TestMigrateV1(t *testing.T) {
	path := tempPath(t)
	writeV1(t, path, `{"name": "ivrbox"}`, v1IVRs, "368182384620")
	s := openT(t, path)
	want := withSN(config.Defaults(), "368182384620")
	if got := s.Config(); !reflect.DeepEqual(got, want) {
		t.Errorf("migrated config:\n%+v\nwant\n%+v", got, want) // 2500 ms rounds up to the default 3 s
	}
	_ = s.Close()
	d := dump(t, path)
	if d[BucketMeta]["schema"] != "2" || d[BucketMeta]["sn"] != "368182384620" {
		t.Errorf("meta = %v", d[BucketMeta])
	}
	if _, ok := d["ivrs"]; ok {
		t.Error("v1 ivrs bucket left behind")
	}
	if _, ok := d[BucketConfig]["system"]; ok {
		t.Error("v1 config/system left behind")
	}
	for _, b := range reserved {
		if _, ok := d[b]; !ok {
			t.Errorf("bucket %s not created", b)
		}
	}
}

func TestMigrateV1Variants(t *testing.T) {
	t.Run("serial from v1 system", func(t *testing.T) {
		path := tempPath(t)
		writeV1(t, path, `{"sn": "123456789012", "max_calls": 50}`, nil, "")
		s := openT(t, path)
		if s.SN() != "123456789012" || s.Config().System.MaxCalls != 50 || len(s.Config().IVRs) != 0 {
			t.Errorf("sn %q, config %+v", s.SN(), s.Config())
		}
	})
	t.Run("no system, no serial", func(t *testing.T) {
		path := tempPath(t)
		writeV1(t, path, "", map[string]string{"7000": `{"prompts": ["ok"]}`}, "")
		s := openT(t, path)
		if len(s.SN()) != 12 || s.Config().IVRs[0].Number != "7000" {
			t.Errorf("sn %q, config %+v", s.SN(), s.Config())
		}
	})
}

func TestMigrateV1FailsLeavingFileUnchanged(t *testing.T) {
	tests := []struct {
		name, system string
		ivrs         map[string]string
		want         string
	}{
		{"target missing", `{}`, map[string]string{"6500": `{"keys": {"1": {"type": "ivr", "target": "6501"}}}`},
			`ivrs[0].keys["1"].target: no IVR has number "6501"`},
		{"number not digits", `{}`, map[string]string{"65a0": `{}`}, `ivrs[0].number: "65a0" must be digits`},
		{"record not JSON", `{}`, map[string]string{"6500": `{`}, `ivrs/"6500": unexpected end of JSON input`},
		{"system not JSON", `{`, nil, "config/system: json: error calling MarshalJSON"},
		{"negative ms", `{}`, map[string]string{"6500": `{"wait_ms": -1}`}, "ivrs[0].wait_ms: -1 must not be negative"},
		{"unknown field", `{}`, map[string]string{"6500": `{"colour": "red"}`}, `unknown field "colour"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tempPath(t)
			writeV1(t, path, tt.system, tt.ivrs, "368182384620")
			before := dump(t, path)
			raw := readFile(t, path)
			_, err := Open(path, Options{LockTimeout: time.Second})
			if err == nil || !strings.Contains(err.Error(), "store: migrating schema 1 to 2 (the file is left at 1)") ||
				!strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Open = %v, want a migration error with %q", err, tt.want)
			}
			if !bytes.Equal(readFile(t, path), raw) {
				t.Error("the file's bytes changed")
			}
			if after := dump(t, path); !reflect.DeepEqual(after, before) {
				t.Errorf("file changed:\n%v\nwas\n%v", after, before)
			}
		})
	}
}

// TestMigrateStepByStep runs a made-up chain 1 → 2 → 3 whose last step
// fails after writing: the file ends at version 2, with none of step 3's
// writes.
func TestMigrateStepByStep(t *testing.T) {
	path := tempPath(t)
	writeV1(t, path, `{}`, v1IVRs, "368182384620")
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	errStep := errors.New("step 3 broke")
	broken := func(tx *bbolt.Tx) error {
		if err := tx.Bucket([]byte(BucketConfig)).Put([]byte("half"), []byte("done")); err != nil {
			return err
		}
		return errStep
	}
	err = migrate(db, []step{migrate1to2, broken}, 3, slog.New(slog.DiscardHandler))
	if !errors.Is(err, errStep) || !strings.Contains(err.Error(), "migrating schema 2 to 3 (the file is left at 2)") {
		t.Errorf("migrate = %v", err)
	}
	if v, _ := schemaOf(db); v != 2 {
		t.Errorf("schema = %d, want 2", v)
	}
	// A document-only step (rewriteConfig) then succeeds, stamping 3.
	if err := migrate(db, []step{migrate1to2, rewriteConfig}, 3, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	_ = db.Close()
	d := dump(t, path)
	if _, ok := d[BucketConfig]["half"]; ok {
		t.Error("the failed step's write survived")
	}
	if d[BucketMeta]["schema"] != "3" {
		t.Errorf("schema = %q", d[BucketMeta]["schema"])
	}
	if _, err := config.Import([]byte(d[BucketConfig]["current"])); err != nil {
		t.Errorf("rewritten config: %v", err)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	path := tempPath(t)
	s := openT(t, path)
	_ = s.Close()
	withDB(t, path, func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte(BucketMeta)).Put(keySchema, []byte(strconv.Itoa(config.SchemaVersion+1)))
	})
	raw := readFile(t, path)
	_, err := Open(path, Options{})
	if !errors.Is(err, ErrNewerSchema) || !strings.Contains(err.Error(), "schema version 3, this firmware knows up to 2") {
		t.Errorf("Open = %v, want ErrNewerSchema", err)
	}
	if !bytes.Equal(readFile(t, path), raw) {
		t.Error("the file changed")
	}
}

func TestOpenRefusesOtherFiles(t *testing.T) {
	tests := []struct {
		name  string
		build func(t *testing.T, path string)
		want  error
		text  string
	}{
		{"foreign buckets", func(t *testing.T, path string) {
			withDB(t, path, func(tx *bbolt.Tx) error { _, err := tx.CreateBucket([]byte("widgets")); return err })
		}, ErrNotStore, `it has buckets but no "meta" bucket`},
		{"bad schema", func(t *testing.T, path string) {
			withDB(t, path, func(tx *bbolt.Tx) error {
				b, _ := tx.CreateBucket([]byte(BucketMeta))
				return b.Put(keySchema, []byte("two"))
			})
		}, ErrNotStore, `schema version "two"`},
		{"no config", func(t *testing.T, path string) {
			withDB(t, path, func(tx *bbolt.Tx) error {
				b, _ := tx.CreateBucket([]byte(BucketMeta))
				return b.Put(keySchema, []byte("2"))
			})
		}, ErrNotStore, `no config in bucket "config"`},
		{"invalid stored config", func(t *testing.T, path string) {
			s := openT(t, path)
			_ = s.Close()
			withDB(t, path, func(tx *bbolt.Tx) error {
				return tx.Bucket([]byte(BucketConfig)).Put(keyCurrent, []byte(`{"version": 2, "ivrs": [{"number": "x"}]}`))
			})
		}, nil, `store: the stored config is unusable: ivrs[0].number: "x" must be digits`},
		{"not bbolt", func(t *testing.T, path string) {
			if err := writeFile(path, bytes.Repeat([]byte("not a database "), 1000)); err != nil {
				t.Fatal(err)
			}
		}, nil, "store: open "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tempPath(t)
			tt.build(t, path)
			s, err := Open(path, Options{LockTimeout: time.Second})
			if err == nil {
				_ = s.Close()
				t.Fatal("Open succeeded")
			}
			if (tt.want != nil && !errors.Is(err, tt.want)) || !strings.Contains(err.Error(), tt.text) {
				t.Errorf("Open = %v, want %v with %q", err, tt.want, tt.text)
			}
		})
	}
}
