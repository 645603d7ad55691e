package admin

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"testing"

	"github.com/ivrbox/ivrbox/firmware/config"
)

// entry is one file of a hand-made bundle.
type entry struct {
	name string
	data []byte
	kind byte // tar.TypeReg when 0
}

// makeBundle builds a gzipped tar of entries.
func makeBundle(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		kind := e.kind
		if kind == 0 {
			kind = tar.TypeReg
		}
		hdr := &tar.Header{Name: e.name, Mode: 0o640, Size: int64(len(e.data)), Typeflag: kind}
		if kind != tar.TypeReg {
			hdr.Size, hdr.Linkname = 0, "/etc/passwd"
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		_, _ = tw.Write(e.data)
	}
	_ = tw.Close()
	_ = zw.Close()
	return b.Bytes()
}

// A bundle made by one box makes another identical: IVRs and prompt files
// copied, prompts the source lacks removed, the target's serial kept.
func TestBundleRoundTrip(t *testing.T) {
	src, dst := newEnv(t), newEnv(t)
	sa, da := src.login(), dst.login()
	src.do(sa, "POST", "prompts", multipartForm(t, "file", "welcome.wav", toneWAV(600, 300), nil)).want(t, http.StatusCreated)
	src.do(sa, "POST", "ivrs", map[string]any{"number": "6600", "prompts": []string{"welcome"}}).want(t, http.StatusCreated)
	dst.do(da, "POST", "prompts", multipartForm(t, "file", "old.wav", toneWAV(900, 300), nil)).want(t, http.StatusCreated)
	sn := dst.st.Config().System.SN

	bundle := src.do(sa, "GET", "fleet/bundle", nil).want(t, http.StatusOK).body
	var res BundleResult
	dst.do(da, "PUT", "fleet/bundle", bundle).want(t, http.StatusOK).decode(t, &res)
	if res.Prompts != 1 {
		t.Errorf("applied %+v, want 1 prompt", res)
	}
	if c := dst.st.Config(); !hasIVR(&c, "6600") {
		t.Error("the target lacks the source's IVR 6600")
	}
	if got := dst.st.Config().System.SN; got != sn {
		t.Errorf("the target's serial changed from %s to %s", sn, got)
	}
	if _, err := os.Stat(filepath.Join(dst.dir, "prompts", "welcome.wav")); err != nil {
		t.Error("welcome.wav not copied:", err)
	}
	if _, err := os.Stat(filepath.Join(dst.dir, "prompts", "old.wav")); !os.IsNotExist(err) {
		t.Error("old.wav, which the source lacks, is still there")
	}
}

func hasIVR(c *config.Config, number string) bool { _, ok := c.IVR(number); return ok }

// A bad bundle gets a 4xx saying why, and its configuration is not applied.
func TestBundleRefused(t *testing.T) {
	e := newEnv(t)
	a := e.login()
	doc, err := config.Marshal(config.Defaults())
	if err != nil {
		t.Fatal(err)
	}
	bad := config.Defaults()
	bad.System.MaxCalls = -1
	badDoc, _ := config.Marshal(bad)
	wav := toneWAV(600, 100)
	for _, tt := range []struct {
		name string
		body []byte
		code int
	}{
		{"not gzip", []byte("hello"), http.StatusBadRequest},
		{"no config first", makeBundle(t, entry{name: "prompts/a.wav", data: wav}), http.StatusBadRequest},
		{"invalid config", makeBundle(t, entry{name: "config.json", data: badDoc}), http.StatusUnprocessableEntity},
		{"escape", makeBundle(t, entry{name: "config.json", data: doc}, entry{name: "prompts/../x.wav", data: wav}), http.StatusBadRequest},
		{"symlink", makeBundle(t, entry{name: "config.json", data: doc}, entry{name: "prompts/l.wav", kind: tar.TypeSymlink}), http.StatusBadRequest},
		{"stray file", makeBundle(t, entry{name: "config.json", data: doc}, entry{name: "etc/x", data: wav}), http.StatusBadRequest},
		{"not audio", makeBundle(t, entry{name: "config.json", data: doc}, entry{name: "prompts/a.wav", data: []byte("RIFF....")}), http.StatusUnsupportedMediaType},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(a, "PUT", "fleet/bundle", tt.body).want(t, tt.code)
			if r.errorText(t) == "" {
				t.Error("no error message")
			}
			if e.st.Config().System.MaxCalls != 0 {
				t.Error("a refused bundle changed the config")
			}
		})
	}
	if _, err := os.Stat(filepath.Join(e.dir, "x.wav")); !os.IsNotExist(err) {
		t.Error("a bundle wrote outside the prompt folder")
	}
}

// FuzzBundle: whatever the body, parseBundle answers a 4xx or a valid
// configuration, and saves only clean prompt names with an audio extension.
func FuzzBundle(f *testing.F) {
	doc, _ := config.Marshal(config.Defaults())
	f.Add(makeBundle(f, entry{name: "config.json", data: doc}))
	f.Add(makeBundle(f, entry{name: "config.json", data: doc}, entry{name: "prompts/a.wav", data: toneWAV(600, 60)}))
	f.Add(makeBundle(f, entry{name: "config.json", data: doc}, entry{name: "prompts/../../x.wav", data: []byte("x")}))
	f.Add([]byte("\x1f\x8b\x08\x00"))
	f.Fuzz(func(t *testing.T, body []byte) {
		save := func(name, ext string, data []byte) error {
			if checkPromptName(name) != nil || promptExt(name+ext) == "" || path.Clean(name) != name {
				t.Fatalf("saved %q %q", name, ext)
			}
			return nil
		}
		c, _, err := parseBundle(bytes.NewReader(body), save)
		var he *HTTPError
		switch {
		case err != nil && (!errors.As(err, &he) || he.Code >= 500 || he.Code < 400):
			t.Fatalf("error %v", err)
		case err == nil && config.Validate(c) != nil:
			t.Fatal("an invalid configuration passed")
		}
	})
}

// PUT system sets and shows the drain time and the network settings; a bad
// address is refused with its field.
func TestSystemNetwork(t *testing.T) {
	e := newEnv(t)
	a := e.login()
	body := map[string]any{"name": "box", "drain_seconds": 60, "network": map[string]any{
		"external_media_address": "203.0.113.7", "local_nets": []string{"10.0.0.0/8"}}}
	var got struct {
		DrainSeconds int         `json:"drain_seconds"`
		Network      networkConf `json:"network"`
	}
	e.do(a, "PUT", "system", body).want(t, http.StatusOK).decode(t, &got)
	if got.DrainSeconds != 60 || got.Network.ExternalMediaAddress != "203.0.113.7" || len(got.Network.LocalNets) != 1 {
		t.Fatalf("PUT system answered %+v", got)
	}
	body["network"] = map[string]any{"external_media_address": "box.example.com"}
	var bad errorBody
	e.do(a, "PUT", "system", body).want(t, http.StatusUnprocessableEntity).decode(t, &bad)
	if len(bad.Problems) != 1 || bad.Problems[0].Field != "system.network.external_media_address" || bad.Problems[0].Code != "ip.invalid" {
		t.Fatalf("problems %+v", bad.Problems)
	}
}
