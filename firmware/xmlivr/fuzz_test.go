package xmlivr

import (
	"testing"
)

// FuzzParse checks that Parse never panics, never returns both an answer
// and an error, and keeps its limits, from the seed guide's bodies and
// malformed ones.
func FuzzParse(f *testing.F) {
	for _, b := range seedBodies(f) {
		f.Add(b)
	}
	for _, s := range []string{
		"", "<Response/>", "<Response><Get><Play>a</Play></Get></Response>",
		"<Response><Dial/></Response>", `<!DOCTYPE r [<!ENTITY a "b">]><Response/>`,
		"<Response><Play loop='-1'>a;b;c</Play><PlayMix type='40'>x;123</PlayMix></Response>",
		"<Response><Get numdigits='8' timeout='30' finishkey='#'><Play>a</Play></Get><Redirect tag='2'>x</Redirect></Response>",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := Parse(b)
		if (res == nil) == (err == nil) {
			t.Fatalf("answer %v and error %v", res, err)
		}
		if err != nil {
			return
		}
		n := 0
		for _, v := range res.Verbs {
			n += 1 + len(v.Plays)
			if v.Name != VerbGet && len(v.Plays) > 0 {
				t.Fatalf("plays nested in %s", v.Name)
			}
			if len(v.Files) > MaxFiles {
				t.Fatalf("%d files", len(v.Files))
			}
		}
		if n > MaxVerbs {
			t.Fatalf("%d verbs", n)
		}
	})
}
