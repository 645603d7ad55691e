package logring

import (
	"encoding/json"
	"testing"
	"time"
)

// FuzzAppendLine: the hand-written encoding is byte for byte what
// encoding/json writes for a Line.
func FuzzAppendLine(f *testing.F) {
	for _, s := range []string{"", "plain", `q"uote\back`, "ctl\x00\x1f\n\r\t", "<a>&b", "bad\xff\xfeutf8", "é中文\u2028\u2029", "\U0001F600"} {
		f.Add(uint64(7), int64(1700000000123456789), "INFO", s, "k="+s)
	}
	f.Fuzz(func(t *testing.T, seq uint64, ns int64, level, msg, attrs string) {
		l := Line{Seq: seq, Time: time.Unix(0, ns).UTC(), Level: level, Msg: msg, Attrs: attrs}
		if y := l.Time.Year(); y < 0 || y > 9999 {
			return // json refuses such times
		}
		want, err := json.Marshal(l)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendLine(nil, l); string(got) != string(want) {
			t.Fatalf("got  %s\nwant %s", got, want)
		}
	})
}
