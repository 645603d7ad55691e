package call

import "net/netip"

// advertised is the address to put in SDP for a peer whose media goes to
// media (zero when unknown) and whose signalling comes from signal, when
// Options.Advertise has one for it.
func (m *Manager) advertised(media, signal netip.Addr) (netip.Addr, bool) {
	if m.opt.Advertise == nil {
		return netip.Addr{}, false
	}
	peer := media.Unmap()
	if !peer.IsValid() || peer.IsUnspecified() {
		peer = signal.Unmap()
	}
	if !peer.IsValid() {
		return netip.Addr{}, false
	}
	return m.opt.Advertise(peer)
}

// bindIP is the address to bind a stream's sockets to (zero: every one).
func (m *Manager) bindIP() netip.Addr { return m.opt.BindIP }

// SetDraining makes DialIVR refuse new calls (CodeShutdown) while on: a
// draining box places no call either. Calls in progress, and their
// transfers, go on.
func (m *Manager) SetDraining(on bool) { m.draining.Store(on) }
