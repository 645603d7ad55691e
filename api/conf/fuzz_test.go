package conf

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// FuzzDecode feeds request bodies to the decoding and checks of every
// endpoint that takes one: no panic, every refusal is a client error with a
// code, and what is accepted is within the limits.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		``, `{}`, `null`, `[]`, `{"confid":"12345678","maxmember":10,"voicemod":1}`,
		`{"maxmember":3}`, `{"maxmember":301}`, `{"voicemod":-1}`, `{"confid":"../x"}`,
		`{"number":"13800000000","fromext":"1000"}`, `{"number":"","fromext":"1000"}`,
		`{"prompts":["welcome","https://example.com/a.wav"]}`, `{"prompts":["file:///etc/passwd"]}`,
		`{"prompts":[""]}`, `{"prompts":"a"}`, `{"unknown":1}`, `{} {}`, `{"a":`, "\xff\xfe",
		`{"maxmember":1e400}`, `{"confid":"\u0000"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		check := func(what string, e *apiError) {
			if e == nil {
				return
			}
			if e.status < 400 || e.status >= 500 || e.code == "" || e.code == CodeOK || e.msg == "" {
				t.Fatalf("%s: refusal %d %q %q", what, e.status, e.code, e.msg)
			}
		}
		var c createBody
		e := decodeBody(bytes.NewReader(body), &c, true)
		if e == nil {
			spec, ce := c.spec()
			e = ce
			if ce == nil && (spec.MaxMembers < 0 || spec.MaxMembers > MaxMembers || (spec.ID != "" && !confIDRE.MatchString(spec.ID))) {
				t.Fatalf("accepted spec %+v", spec)
			}
		}
		check("create", e)
		var in inviteBody
		e = decodeBody(bytes.NewReader(body), &in, false)
		if e == nil {
			if e = in.check(); e == nil && (!numberRE.MatchString(in.Number) || !numberRE.MatchString(in.FromExt)) {
				t.Fatalf("accepted invite %+v", in)
			}
		}
		check("invite", e)
		var p playBody
		e = decodeBody(bytes.NewReader(body), &p, false)
		if e == nil {
			if e = p.check(); e == nil {
				if len(p.Prompts) == 0 || len(p.Prompts) > MaxPrompts {
					t.Fatalf("accepted %d prompts", len(p.Prompts))
				}
				for _, s := range p.Prompts {
					url := strings.Contains(s, "://")
					if s == "" || !url && slices.Contains(strings.Split(s, "/"), "..") ||
						url && !strings.HasPrefix(s, "http://") && !strings.HasPrefix(s, "https://") {
						t.Fatalf("accepted prompt %q", s)
					}
				}
			}
		}
		check("play", e)
		if e := decodeBody(http.MaxBytesReader(nil, bytesReader(body), 16), &c, true); e != nil && len(body) <= 16 && e.code == CodeTooLarge {
			t.Fatalf("a %d-byte body is too large for 16", len(body))
		}
	})
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

func bytesReader(b []byte) nopCloser { return nopCloser{bytes.NewReader(b)} }
