package sdp

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// sdpOf joins lines with CRLF, the way SDP travels.
func sdpOf(lines ...string) []byte {
	return []byte(strings.Join(lines, "\r\n") + "\r\n")
}

// head is a session header with a session-level c= line.
var head = []string{"v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0"}

func withHead(lines ...string) []byte { return sdpOf(append(slices.Clone(head), lines...)...) }

var g711 = []uint8{PCMU, PCMA}

func TestNegotiate(t *testing.T) {
	ap := netip.MustParseAddrPort
	tests := []struct {
		name      string
		offer     []byte
		supported []uint8
		wantPT    uint8
		wantAddr  netip.AddrPort
		wantDTMF  uint8
		wantDir   string
		wantPtime int
		wantErr   error
	}{
		{name: "PCMU only", offer: withHead("m=audio 4000 RTP/AVP 0"), wantPT: 0, wantAddr: ap("192.0.2.1:4000"), wantDir: SendRecv},
		{name: "PCMA only", offer: withHead("m=audio 4000 RTP/AVP 8"), wantPT: 8, wantAddr: ap("192.0.2.1:4000"), wantDir: SendRecv},
		{name: "PCMU first", offer: withHead("m=audio 4000 RTP/AVP 0 8"), wantPT: 0, wantAddr: ap("192.0.2.1:4000"), wantDir: SendRecv},
		{name: "PCMA first", offer: withHead("m=audio 4000 RTP/AVP 8 0"), wantPT: 8, wantAddr: ap("192.0.2.1:4000"), wantDir: SendRecv},
		{name: "only PCMA supported", offer: withHead("m=audio 4000 RTP/AVP 0 8"), supported: []uint8{PCMA}, wantPT: 8, wantAddr: ap("192.0.2.1:4000"), wantDir: SendRecv},
		{name: "unknown codecs skipped", offer: withHead("m=audio 4000 RTP/AVP 9 18 3 8", "a=rtpmap:9 G722/8000"), wantPT: 8, wantAddr: ap("192.0.2.1:4000"), wantDir: SendRecv},
		{name: "dynamic PCMU", offer: withHead("m=audio 4000 RTP/AVP 112 101", "a=rtpmap:112 pcmu/8000", "a=rtpmap:101 telephone-event/8000"), wantPT: 112, wantAddr: ap("192.0.2.1:4000"), wantDTMF: 101, wantDir: SendRecv},
		{name: "telephone-event 101", offer: withHead("m=audio 4000 RTP/AVP 0 101", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-16", "a=ptime:20"), wantPT: 0, wantAddr: ap("192.0.2.1:4000"), wantDTMF: 101, wantDir: SendRecv, wantPtime: 20},
		{name: "telephone-event 96", offer: withHead("m=audio 4000 RTP/AVP 8 96", "a=rtpmap:96 telephone-event/8000", "a=fmtp:96 0-15"), wantPT: 8, wantAddr: ap("192.0.2.1:4000"), wantDTMF: 96, wantDir: SendRecv},
		{name: "telephone-event 48k ignored", offer: withHead("m=audio 4000 RTP/AVP 0 101", "a=rtpmap:101 telephone-event/48000"), wantPT: 0, wantAddr: ap("192.0.2.1:4000"), wantDir: SendRecv},
		{name: "no common codec", offer: withHead("m=audio 4000 RTP/AVP 9 18", "a=rtpmap:9 G722/8000"), wantErr: ErrNoCodec},
		{name: "PCMU at 16k is not G.711", offer: withHead("m=audio 4000 RTP/AVP 96", "a=rtpmap:96 PCMU/16000"), wantErr: ErrNoCodec},
		{name: "static PT remapped", offer: withHead("m=audio 4000 RTP/AVP 0", "a=rtpmap:0 G729/8000"), wantErr: ErrNoCodec},
		{name: "hold sendonly", offer: withHead("m=audio 4000 RTP/AVP 0", "a=sendonly"), wantPT: 0, wantAddr: ap("192.0.2.1:4000"), wantDir: SendOnly},
		{name: "hold inactive", offer: withHead("m=audio 4000 RTP/AVP 0", "a=inactive"), wantPT: 0, wantAddr: ap("192.0.2.1:4000"), wantDir: Inactive},
		{name: "recvonly", offer: withHead("m=audio 4000 RTP/AVP 0", "a=recvonly"), wantPT: 0, wantAddr: ap("192.0.2.1:4000"), wantDir: RecvOnly},
		{name: "session-level sendonly", offer: sdpOf("v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0", "a=sendonly", "m=audio 4000 RTP/AVP 0"), wantPT: 0, wantAddr: ap("192.0.2.1:4000"), wantDir: SendOnly},
		{name: "media direction overrides session", offer: sdpOf("v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0", "a=sendonly", "m=audio 4000 RTP/AVP 0", "a=sendrecv"), wantPT: 0, wantAddr: ap("192.0.2.1:4000"), wantDir: SendRecv},
		{name: "hold c=0.0.0.0", offer: sdpOf("v=0", "o=- 1 2 IN IP4 192.0.2.1", "s=-", "c=IN IP4 0.0.0.0", "t=0 0", "m=audio 4000 RTP/AVP 0"), wantPT: 0, wantAddr: ap("0.0.0.0:4000"), wantDir: SendOnly},
		{name: "hold c=0.0.0.0 recvonly", offer: sdpOf("v=0", "o=- 1 2 IN IP4 192.0.2.1", "s=-", "c=IN IP4 0.0.0.0", "t=0 0", "m=audio 4000 RTP/AVP 0", "a=recvonly"), wantPT: 0, wantAddr: ap("0.0.0.0:4000"), wantDir: Inactive},
		{name: "missing c=", offer: sdpOf("v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "t=0 0", "m=audio 4000 RTP/AVP 0"), wantErr: ErrMalformed},
		{name: "media-level c= only", offer: sdpOf("v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "t=0 0", "m=audio 4000 RTP/AVP 0", "c=IN IP4 198.51.100.7"), wantPT: 0, wantAddr: ap("198.51.100.7:4000"), wantDir: SendRecv},
		{name: "media-level c= overrides session-level", offer: withHead("m=audio 4000 RTP/AVP 0", "c=IN IP4 198.51.100.7"), wantPT: 0, wantAddr: ap("198.51.100.7:4000"), wantDir: SendRecv},
		{name: "video first", offer: withHead("m=video 5000 RTP/AVP 96", "a=rtpmap:96 VP8/90000", "m=audio 4000 RTP/AVP 8 0", "c=IN IP4 198.51.100.7"), wantPT: 8, wantAddr: ap("198.51.100.7:4000"), wantDir: SendRecv},
		{name: "rejected audio then usable audio", offer: withHead("m=audio 0 RTP/AVP 0", "m=audio 4002 RTP/AVP 0"), wantPT: 0, wantAddr: ap("192.0.2.1:4002"), wantDir: SendRecv},
		{name: "only rejected audio", offer: withHead("m=audio 0 RTP/AVP 0"), wantErr: ErrNoAudio},
		{name: "SRTP audio", offer: withHead("m=audio 4000 RTP/SAVP 0", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"), wantPT: 0, wantAddr: ap("192.0.2.1:4000"), wantDir: SendRecv},
		{name: "SRTP without crypto", offer: withHead("m=audio 4000 RTP/SAVP 0"), wantErr: ErrCrypto},
		{name: "DTLS-SRTP only", offer: withHead("m=audio 4000 UDP/TLS/RTP/SAVP 0", "a=fingerprint:sha-256 AB:CD"), wantErr: ErrNoAudio},
		{name: "no audio", offer: withHead("m=video 5000 RTP/AVP 96"), wantErr: ErrNoAudio},
		{name: "session only", offer: withHead(), wantErr: ErrNoAudio},
		{name: "IPv6", offer: sdpOf("v=0", "o=- 1 1 IN IP6 2001:db8::1", "s=-", "c=IN IP6 2001:db8::1", "t=0 0", "m=audio 4000 RTP/AVP 0 101", "a=rtpmap:101 telephone-event/8000"), wantPT: 0, wantAddr: ap("[2001:db8::1]:4000"), wantDTMF: 101, wantDir: SendRecv},
		{name: "IP6 type with IPv4 address", offer: sdpOf("v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP6 192.0.2.1", "t=0 0", "m=audio 4000 RTP/AVP 0"), wantErr: ErrMalformed},
		{name: "hostname in c=", offer: sdpOf("v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 pbx.example.com", "t=0 0", "m=audio 4000 RTP/AVP 0"), wantErr: ErrMalformed},
		{name: "LF line endings, no final newline", offer: []byte("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\nm=audio 4000 RTP/AVP 8\na=ptime:30"), wantPT: 8, wantAddr: ap("192.0.2.1:4000"), wantDir: SendRecv, wantPtime: 30},
		{name: "bad payload type", offer: withHead("m=audio 4000 RTP/AVP 0 abc"), wantErr: ErrMalformed},
		{name: "payload type over 127", offer: withHead("m=audio 4000 RTP/AVP 200"), wantErr: ErrMalformed},
		{name: "bad ptime", offer: withHead("m=audio 4000 RTP/AVP 0", "a=ptime:x"), wantErr: ErrMalformed},
		{name: "garbage line", offer: withHead("m=audio 4000 RTP/AVP 0", "hello world"), wantErr: ErrMalformed},
		{name: "empty", offer: nil, wantErr: ErrMalformed},
		{name: "not SDP", offer: []byte("Signal=5\r\nDuration=160\r\n"), wantErr: ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sup := tt.supported
			if sup == nil {
				sup = g711
			}
			m, err := Negotiate(tt.offer, sup)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Negotiate: %v", err)
			}
			if !slices.Equal(m.Codecs, []uint8{tt.wantPT}) || m.Addr != tt.wantAddr || m.DTMFPT != tt.wantDTMF ||
				m.Direction != tt.wantDir || m.Ptime != tt.wantPtime {
				t.Errorf("got codecs %v addr %v dtmf %d dir %s ptime %d; want [%d] %v %d %s %d",
					m.Codecs, m.Addr, m.DTMFPT, m.Direction, m.Ptime, tt.wantPT, tt.wantAddr, tt.wantDTMF, tt.wantDir, tt.wantPtime)
			}
		})
	}
}

func TestErrorNamesLine(t *testing.T) {
	_, err := Parse(withHead("m=audio 4000 RTP/AVP 0", "hello world"))
	if err == nil || !strings.Contains(err.Error(), "line 7") || !strings.Contains(err.Error(), "hello world") {
		t.Errorf("err = %v, want it to name line 7 and its text", err)
	}
	_, err = Parse(withHead("m=audio x RTP/AVP 0"))
	if err == nil || !strings.Contains(err.Error(), `line 6: "m=audio x RTP/AVP 0"`) {
		t.Errorf("err = %v, want it to name line 6", err)
	}
	_, err = Parse(withHead("m=audio 4000 RTP/AVP 0 abc"))
	if err == nil || !strings.Contains(err.Error(), `"abc"`) {
		t.Errorf("err = %v, want it to name the payload type", err)
	}
}

// TestRealOffers negotiates offers captured from common user agents.
func TestRealOffers(t *testing.T) {
	tests := []struct {
		file             string
		wantPT, wantDTMF uint8
		wantCodec        uint8
		wantAddr         string
	}{
		{"sipp.sdp", 0, 0, PCMU, "127.0.0.1:6000"},
		{"baresip.sdp", 0, 101, PCMU, "192.168.1.20:10310"},
		{"asterisk.sdp", 8, 101, PCMA, "10.0.0.5:17826"},
		{"linphone.sdp", 0, 100, PCMU, "192.168.0.12:7078"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", "offers", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			m, err := Negotiate(body, g711)
			if err != nil {
				t.Fatalf("Negotiate: %v", err)
			}
			c, _ := m.Codec(m.Codecs[0])
			if m.Codecs[0] != tt.wantPT || m.DTMFPT != tt.wantDTMF || c != tt.wantCodec || m.Addr.String() != tt.wantAddr {
				t.Errorf("got pt %d dtmf %d codec %d addr %v", m.Codecs[0], m.DTMFPT, c, m.Addr)
			}
		})
	}
}

func TestParseKeepsOrderAndOrigin(t *testing.T) {
	body, err := os.ReadFile(filepath.Join("testdata", "offers", "baresip.sdp"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	if want := []uint8{96, 97, 9, 0, 8, 101}; !slices.Equal(d.Audio.Codecs, want) {
		t.Errorf("Codecs = %v, want %v", d.Audio.Codecs, want)
	}
	if d.SessionID != 1628173373 || d.Version != 3152346563 {
		t.Errorf("origin = %d %d", d.SessionID, d.Version)
	}
	if d.Audio.Rtpmap[96] != "opus/48000/2" {
		t.Errorf("rtpmap[96] = %q", d.Audio.Rtpmap[96])
	}
	if d.Audio.OnHold() {
		t.Error("OnHold for a sendrecv offer")
	}
}

func TestCodec(t *testing.T) {
	m := Media{Rtpmap: map[uint8]string{96: "PCMA/8000/1", 97: "PCMU/8000/2", 98: "PCMU", 0: "PCMU/8000"}}
	tests := []struct {
		pt     uint8
		want   uint8
		wantOK bool
	}{
		{0, PCMU, true}, {8, PCMA, true}, {96, PCMA, true}, {97, 0, false}, {98, 0, false}, {18, 0, false},
	}
	for _, tt := range tests {
		if got, ok := m.Codec(tt.pt); got != tt.want || ok != tt.wantOK {
			t.Errorf("Codec(%d) = %d, %v; want %d, %v", tt.pt, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestParseAnswer(t *testing.T) {
	tests := []struct {
		name     string
		body     []byte
		wantPT   uint8
		wantDTMF uint8
		wantErr  error
	}{
		{name: "PCMA with DTMF", body: withHead("m=audio 5000 RTP/AVP 8 101", "a=rtpmap:101 telephone-event/8000"), wantPT: 8, wantDTMF: 101},
		{name: "PCMU", body: withHead("m=audio 5000 RTP/AVP 0"), wantPT: 0},
		{name: "rejected", body: withHead("m=audio 0 RTP/AVP 0"), wantErr: ErrNoAudio},
		{name: "foreign codec", body: withHead("m=audio 5000 RTP/AVP 18"), wantErr: ErrNoCodec},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseAnswer(tt.body)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil || m.Codecs[0] != tt.wantPT || m.DTMFPT != tt.wantDTMF {
				t.Errorf("got %+v, %v", m, err)
			}
		})
	}
}

// TestNegotiatePrefersStatic: G.711 offered both under a dynamic type and
// statically is answered with the static type, whatever the offer's order.
func TestNegotiatePrefersStatic(t *testing.T) {
	offer := "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n" +
		"m=audio 4000 RTP/AVP 96 8 101\r\na=rtpmap:96 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
	m, err := Negotiate([]byte(offer), []uint8{PCMU, PCMA})
	if err != nil {
		t.Fatal(err)
	}
	if m.Codecs[0] != PCMA {
		t.Fatalf("chose %v, want the static PCMA (8)", m.Codecs)
	}
}
