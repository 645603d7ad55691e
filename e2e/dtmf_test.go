package e2e

import (
	"strings"
	"testing"
	"time"
)

// TestDTMFWays: pressing 1 during 6500's prompts moves the call to 6501, with
// the key sent as RFC 4733, SIP INFO or an in-band tone.
func TestDTMFWays(t *testing.T) {
	for _, way := range []string{"rfc4733", "info", "inband"} {
		t.Run(way, func(t *testing.T) {
			t.Parallel()
			b := startBox(t, boxOpts{tones: true})
			p := newPeer(t, 0)
			sc := &scenario{noEvents: way == "inband"}
			sc.invite(false).answered(false)
			if way == "info" {
				sc.pause(900 * time.Millisecond).info('1') // during confirm
			}
			sc.pause(3 * time.Second).bye()
			r := sipp(t, b, "6500", sc, p, "udp")
			switch way {
			case "rfc4733":
				p.waitHeard(5*time.Second, "confirm")
				p.rfc4733('1')
			case "inband":
				p.waitHeard(5*time.Second, "confirm")
				p.inband('1')
			}
			p.waitHeard(5*time.Second, "password")
			r.wait(t)
			id := r.callID(t)
			digits := b.events("dtmf.digit", id)
			if len(digits) != 1 || !containsAll(digits[0], []string{"event.digit=1", "event.source=" + way, "event.flag=0"}) {
				t.Fatalf("digit events: %q", digits)
			}
			if got := p.heard(); got[0] != "notice" || got[len(got)-1] != "password" {
				t.Fatalf("heard %v", got)
			}
		})
	}
}

// TestExamBookingFlow: the seed's flow by key: 6500, press 1, 6501 asks for
// the code, 56789# is reported as a string and the caller hears hold-on and
// music.
func TestExamBookingFlow(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true})
	p := newPeer(t, 0)
	r := sipp(t, b, "6500", new(scenario).invite(false).answered(false).pause(9*time.Second).bye(), p, "udp")
	p.waitHeard(5*time.Second, "confirm")
	p.rfc4733('1')
	p.waitHeard(5*time.Second, "password")
	for _, k := range []byte("56789#") {
		p.rfc4733(k)
		time.Sleep(60 * time.Millisecond)
	}
	p.waitHeard(5*time.Second, "holdon", "music")
	r.wait(t)
	id := r.callID(t)
	str := b.events("dtmf.string", id)
	if len(str) != 1 || !containsAll(str[0], []string{"event.digits=56789", "event.ivr=6501"}) {
		t.Fatalf("string events: %q", str)
	}
	digits := b.events("dtmf.digit", id)
	var keys []string
	for i, line := range digits {
		if !strings.Contains(line, "event.flag="+string(rune('0'+i))) {
			t.Errorf("digit %d has the wrong flag: %s", i, line)
		}
		_, after, _ := strings.Cut(line, "event.digit=")
		keys = append(keys, strings.Fields(after)[0])
	}
	if strings.Join(keys, "") != "156789#" {
		t.Fatalf("digits %v, want 1 5 6 7 8 9 #", keys)
	}
	got := strings.Join(p.heard(), ",")
	if !strings.HasPrefix(got, "notice,confirm,password,holdon,music") {
		t.Fatalf("heard %s", got)
	}
}
