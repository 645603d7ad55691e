package box

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/config"
)

func TestAnnouncement(t *testing.T) {
	got := announcement(netip.MustParseAddr("192.168.1.20"), false)
	want := []string{"ipaddress", "digits/1", "digits/9", "digits/2", "dot", "digits/1", "digits/6",
		"digits/8", "dot", "digits/1", "dot", "digits/2", "digits/0", "state-ready"}
	if !slices.Equal(got, want) {
		t.Fatalf("announcement = %v", got)
	}
	if got := announcement(netip.Addr{}, true); !slices.Equal(got, []string{"ipaddress", "state-fault"}) {
		t.Fatalf("no address, fault: %v", got)
	}
}

func TestServiceArming(t *testing.T) {
	now := time.Unix(1000, 0)
	s := &service{
		config: func() *config.Config { c := config.Defaults(); return &c },
		fault:  func() bool { return false },
		now:    func() time.Time { return now },
	}
	if s.isService("6599") {
		t.Fatal("service number answered before a press")
	}
	s.Arm()
	if !s.isService("6599") || s.isService("6500") {
		t.Fatal("armed service number not answered, or an IVR number taken")
	}
	now = now.Add(armFor + time.Second)
	if s.isService("6599") {
		t.Fatal("still armed after the period")
	}
}
