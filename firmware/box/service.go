package box

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/ivrbox/ivrbox/firmware/call"
	"github.com/ivrbox/ivrbox/firmware/config"
)

// armFor is how long a short press of the button keeps the service number
// answering.
const armFor = 10 * time.Minute

// service answers the service number with the box's IP address and state,
// for armFor after a short press of the board's button; at other times the
// number is not answered, so the address is not told to any caller. Every
// other number goes to next (the IVR engine).
type service struct {
	next   runner
	config func() *config.Config
	fault  func() bool // the box shows a fault (error or disk fault)
	now    func() time.Time

	mu    sync.Mutex
	until time.Time // guarded by mu: armed until then
}

// Arm makes the service number answer for armFor from now.
func (s *service) Arm() {
	s.mu.Lock()
	s.until = s.now().Add(armFor)
	s.mu.Unlock()
}

func (s *service) armed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now().Before(s.until)
}

func (s *service) isService(number string) bool {
	return number == s.config().System.Service() && s.armed()
}

// Has reports whether a call to number is taken.
func (s *service) Has(number string) bool { return s.isService(number) || s.next.Has(number) }

// Run answers the service number, or hands the call to the IVR engine.
func (s *service) Run(ctx context.Context, c *call.Control, number string) error {
	if !s.isService(number) {
		return s.next.Run(ctx, c, number)
	}
	if err := c.Answer(ctx); err != nil {
		return err
	}
	prompts := announcement(firstAddr(), s.fault())
	if _, err := c.Play(ctx, prompts, false); err != nil {
		return err
	}
	return c.Hangup(ctx, "normal")
}

// announcement is what the service number says: "the IP address is", the
// address digit by digit with "dot" between the parts, and the state.
func announcement(ip netip.Addr, fault bool) []string {
	out := []string{"ipaddress"}
	if ip.IsValid() {
		for _, r := range ip.String() {
			switch {
			case r >= '0' && r <= '9':
				out = append(out, fmt.Sprintf("digits/%c", r))
			case r == '.':
				out = append(out, "dot")
			}
		}
	}
	if fault {
		return append(out, "state-fault")
	}
	return append(out, "state-ready")
}

// firstAddr is the box's first IPv4 address that is not loopback (the one a
// caller on the LAN would use), or the zero Addr.
func firstAddr() netip.Addr {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return netip.Addr{}
	}
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil {
			if ip := p.Addr(); ip.Is4() && !ip.IsLoopback() && !ip.IsLinkLocalUnicast() {
				return ip
			}
		}
	}
	return netip.Addr{}
}
