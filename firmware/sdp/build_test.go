package sdp

import (
	"bytes"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s mismatch:\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

var local = netip.MustParseAddrPort("192.0.2.10:20000")

func TestAnswerGolden(t *testing.T) {
	tests := []struct {
		golden  string
		offer   []byte
		version uint64
	}{
		{"answer_pcmu_dtmf101.sdp", withHead("m=audio 4000 RTP/AVP 0 8 101", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-16"), 1},
		{"answer_pcma_dtmf96.sdp", withHead("m=audio 4000 RTP/AVP 8 96", "a=rtpmap:96 telephone-event/8000"), 1},
		{"answer_dynamic_pcmu.sdp", withHead("m=audio 4000 RTP/AVP 112", "a=rtpmap:112 PCMU/8000"), 1},
		{"answer_hold_sendonly.sdp", withHead("m=audio 4000 RTP/AVP 0 101", "a=rtpmap:101 telephone-event/8000", "a=sendonly"), 2},
		{"answer_hold_inactive.sdp", withHead("m=audio 4000 RTP/AVP 0", "a=inactive"), 3},
		{"answer_recvonly.sdp", withHead("m=audio 4000 RTP/AVP 0", "a=recvonly"), 4},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			m, err := Negotiate(tt.offer, g711)
			if err != nil {
				t.Fatal(err)
			}
			ans := Answer(local, m, 42, tt.version)
			golden(t, tt.golden, ans)
			// Our answer must read back as what we meant.
			back, err := Parse(ans)
			if err != nil {
				t.Fatalf("Parse(answer): %v", err)
			}
			if back.Audio.Addr != local || back.Audio.Codecs[0] != m.Codecs[0] || back.Audio.DTMFPT != m.DTMFPT ||
				back.Audio.Direction != mirror(m.Direction) || back.Audio.Ptime != 20 || back.Version != tt.version {
				t.Errorf("answer reads back as %+v", back)
			}
		})
	}
}

func TestAnswerIPv6(t *testing.T) {
	m, err := Negotiate(sdpOf("v=0", "o=- 1 1 IN IP6 2001:db8::1", "s=-", "c=IN IP6 2001:db8::1", "t=0 0", "m=audio 4000 RTP/AVP 8"), g711)
	if err != nil {
		t.Fatal(err)
	}
	l := netip.MustParseAddrPort("[2001:db8::10]:30000")
	back, err := Parse(Answer(l, m, 1, 1))
	if err != nil {
		t.Fatal(err)
	}
	if back.Audio.Addr != l || back.Audio.DTMFPT != 0 {
		t.Errorf("got %+v", back.Audio)
	}
}

func TestAnswerWithoutCodecRejects(t *testing.T) {
	d, err := Parse(Answer(local, Media{}, 1, 1))
	if err == nil {
		t.Fatalf("rejected answer parsed as a stream: %+v", d)
	}
}

func TestOfferGolden(t *testing.T) {
	off := Offer(local, 7, 1)
	golden(t, "offer.sdp", off)
	d, err := Parse(off)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.Audio.Codecs, []uint8{0, 8, 101}) || d.Audio.DTMFPT != 101 || d.Audio.Addr != local {
		t.Errorf("offer reads back as %+v", d.Audio)
	}
	// A peer that answers our offer with its choice.
	m, err := ParseAnswer(withHead("m=audio 6000 RTP/AVP 8 101", "a=rtpmap:101 telephone-event/8000"))
	if err != nil || m.Codecs[0] != PCMA {
		t.Errorf("ParseAnswer = %+v, %v", m, err)
	}
}

func TestMirror(t *testing.T) {
	for in, want := range map[string]string{SendRecv: SendRecv, SendOnly: RecvOnly, RecvOnly: SendOnly, Inactive: Inactive, "": SendRecv} {
		if got := mirror(in); got != want {
			t.Errorf("mirror(%q) = %q, want %q", in, got, want)
		}
	}
}

func BenchmarkNegotiateAnswer(b *testing.B) {
	offer, err := os.ReadFile(filepath.Join("testdata", "offers", "baresip.sdp"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		m, err := Negotiate(offer, g711)
		if err != nil {
			b.Fatal(err)
		}
		Answer(local, m, 1, 1)
	}
}
