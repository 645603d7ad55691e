package sdp

import (
	"encoding/base64"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
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
	f.Add(withHead("m=audio 4000 RTP/AVP 0", "m=video 4002 RTP/AVP 96", "a=rtpmap:96 H264/90000"))
	f.Add(sdpOf("v=0", "o=- 1 1 IN IP6 ::1", "s=-", "c=IN IP6 ::1", "t=0 0", "m=audio 1 RTP/AVP 96", "a=rtpmap:96 telephone-event/8000"))
	f.Add([]byte("v=0\n"))
	f.Add([]byte("v=0\r\no=\r\n"))
	f.Add([]byte{})
	f.Add(withHead("m=audio 4000 RTP/SAVP 0", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"+testKeyB64+"|2^31|1:4"))
	f.Add(withHead("m=audio 4000 RTP/AVP 0", "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:"+testKeyB64))
}

func FuzzParse(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		d, err := Parse(body)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrNoAudio) && !errors.Is(err, ErrNoCodec) && !errors.Is(err, ErrCrypto) {
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
		ans := Answer(local, m, 1, 1)
		if _, err := Parse(ans); err != nil {
			t.Fatalf("our answer does not parse: %v", err)
		}
		if got := len(mLinesOf(ans)); got != len(m.Lines) {
			t.Fatalf("answer has %d m= lines, offer %d", got, len(m.Lines))
		}
	})
}

// FuzzParseCrypto: any a=crypto value parses or fails with one of the two
// crypto sentinels, never quoting the key; what parses writes back as an
// attribute that parses to the same thing.
func FuzzParseCrypto(f *testing.F) {
	for _, v := range []string{
		"1 AES_CM_128_HMAC_SHA1_80 inline:" + testKeyB64,
		"2 AES_CM_128_HMAC_SHA1_32 inline:" + testKeyB64 + "|2^31|1:4",
		"3 AES_CM_128_HMAC_SHA1_80 inline:" + testKeyB64 + "|1048576",
		"1 AES_CM_128_HMAC_SHA1_80 inline:" + testKeyB64 + "|2^20|1:4;inline:" + testKeyB64 + "|2^20|2:4",
		"1 AEAD_AES_128_GCM inline:" + testKeyB64,
		"1 AES_CM_128_HMAC_SHA1_80 inline:" + testKeyB64 + " KDR=1",
		"1 AES_CM_128_HMAC_SHA1_80 inline:",
		"", "1", "1 x y",
	} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, value string) {
		c, err := ParseCrypto(value)
		if err != nil {
			if !errors.Is(err, ErrCrypto) && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("error wraps no crypto sentinel: %v", err)
			}
			return
		}
		if len(c.Key) != KeyLen || c.Tag < 1 || (c.Suite != SuiteAES80 && c.Suite != SuiteAES32) || c.MKILen > maxMKILen {
			t.Fatalf("accepted %#v (key %d bytes, MKI %d bytes)", c, len(c.Key), c.MKILen)
		}
		back, err := ParseCrypto(c.attribute())
		if err != nil || back.Tag != c.Tag || back.Suite != c.Suite || string(back.Key) != string(c.Key) ||
			back.Lifetime != c.Lifetime || back.MKI != c.MKI || back.MKILen != c.MKILen {
			t.Fatalf("%#v writes back as %q which reads %#v, %v", c, c.attribute(), back, err)
		}
		if strings.Contains(c.String(), base64.StdEncoding.EncodeToString(c.Key)) {
			t.Fatalf("String shows the key")
		}
	})
}
