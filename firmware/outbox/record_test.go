package outbox

import (
	"bytes"
	"testing"
)

func TestRecordRoundTrip(t *testing.T) {
	tests := []struct{ call, body string }{
		{"1553672645.217", `{"action": "DTMF", "info": "5", "flag": "1"}`},
		{"", ""},
		{string(bytes.Repeat([]byte("x"), 300)), "{}"},
	}
	for _, tt := range tests {
		r, err := decode(encode(tt.call, []byte(tt.body)))
		if err != nil || r.callID != tt.call || string(r.body) != tt.body {
			t.Errorf("round trip of %q/%q = %q/%q, %v", tt.call, tt.body, r.callID, r.body, err)
		}
	}
	for _, bad := range [][]byte{nil, {2}, {1}, {1, 5, 'a'}, {1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}} {
		if _, err := decode(bad); err == nil {
			t.Errorf("decode(%x) succeeded", bad)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(encode("1552976047.56", []byte(`{"action": "ALERT"}`)))
	f.Add([]byte{1, 0})
	f.Add([]byte{1, 0x80})
	f.Fuzz(func(t *testing.T, v []byte) {
		r, err := decode(v)
		if err != nil {
			return
		}
		again, err := decode(encode(r.callID, r.body))
		if err != nil || again.callID != r.callID || !bytes.Equal(again.body, r.body) {
			t.Fatalf("re-encoding %x: %q/%q, %v", v, again.callID, again.body, err)
		}
	})
}
