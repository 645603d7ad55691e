package sdp

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
)

// addSeeds adds the captured offers and a few edge cases to f.
func addSeeds(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "offers", "*.sdp"))
	for _, name := range files {
		body, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(body)
	}
	f.Add(withHead("m=audio 4000 RTP/AVP 0", "a=sendonly"))
	f.Add(withHead("m=audio 0 RTP/AVP 0"))
	f.Add(sdpOf("v=0", "o=- 1 1 IN IP6 ::1", "s=-", "c=IN IP6 ::1", "t=0 0", "m=audio 1 RTP/AVP 96", "a=rtpmap:96 telephone-event/8000"))
	f.Add([]byte("v=0\n"))
	f.Add([]byte("v=0\r\no=\r\n"))
	f.Add([]byte{})
}

func FuzzParse(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		d, err := Parse(body)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrNoAudio) && !errors.Is(err, ErrNoCodec) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			return
		}
		if !d.Audio.Addr.IsValid() || d.Audio.Addr.Port() == 0 {
			t.Fatalf("accepted stream with address %v", d.Audio.Addr)
		}
		switch d.Audio.Direction {
		case SendRecv, SendOnly, RecvOnly, Inactive:
		default:
			t.Fatalf("direction %q", d.Audio.Direction)
		}
	})
}

func FuzzNegotiate(f *testing.F) {
	addSeeds(f)
	local := netip.MustParseAddrPort("192.0.2.10:20000")
	f.Fuzz(func(t *testing.T, offer []byte) {
		m, err := Negotiate(offer, []uint8{PCMU, PCMA})
		if err != nil {
			return
		}
		if len(m.Codecs) != 1 {
			t.Fatalf("negotiated %v", m.Codecs)
		}
		if c, ok := m.Codec(m.Codecs[0]); !ok || (c != PCMU && c != PCMA) {
			t.Fatalf("negotiated unsupported payload type %d", m.Codecs[0])
		}
		// Whatever we negotiated, our answer must parse back.
		if _, err := Parse(Answer(local, m, 1, 1)); err != nil {
			t.Fatalf("our answer does not parse: %v", err)
		}
	})
}
