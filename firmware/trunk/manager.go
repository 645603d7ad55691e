package trunk

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/sip"
	"github.com/ivrbox/ivrbox/firmware/store"
)

// RefreshInterval is how often the Manager re-applies the config (Options.
// Config) and resolves the trunks' host names again.
const RefreshInterval = 5 * time.Minute

// Registerer starts registrations: a *sip.Server.
type Registerer interface {
	Register(ctx context.Context, opts sip.RegisterOptions) *sip.Registration
}

// registration is what the Manager uses of a *sip.Registration.
type registration interface {
	State() sip.RegState
	OnChange(f func(sip.RegState))
	Close() error
}

// Options wires a Manager.
type Options struct {
	// SIP starts the registrations of register trunks (a *sip.Server).
	// nil: register trunks show as failed.
	SIP Registerer
	// Config returns the current config (store.Store.Config). Accounts
	// reads the local accounts from it on each REGISTER, and the Manager
	// re-applies it every RefreshInterval, which picks up a trunk password
	// changed after the config change that Apply saw. nil: no re-apply
	// (host names are still resolved again).
	Config func() config.Config
	// Secret returns a stored password (store.Store.Secret): trunks' under
	// config.TrunkSecretKey, accounts' under config.AccountSecretKey. An
	// error wrapping store.ErrNoSecret means no password (empty for a
	// trunk); another error keeps the password a running registration
	// has. nil: no passwords.
	Secret func(key string) (string, error)
	// Log receives the trunks' state changes; nil discards.
	Log *slog.Logger
	// OnChange, if set, is called after any change of a trunk's state
	// (State, States, Summary), not under a lock: from Apply's caller or
	// from a registration's goroutine. It must be quick.
	OnChange func()
	// Retry is the first back-off after a failed registration, doubled
	// after each further failure up to five minutes; zero means the sip
	// package's default (2 s).
	Retry time.Duration

	// Tests only.
	register func(ctx context.Context, opts sip.RegisterOptions) registration // nil: SIP.Register
	lookup   func(ctx context.Context, host string) ([]netip.Addr, error)     // nil: DNS
	refresh  time.Duration                                                    // zero: RefreshInterval
}

// Manager runs the trunks of the applied config. Build it with New; its
// methods are safe for concurrent use.
type Manager struct {
	opts     Options
	log      *slog.Logger
	register func(ctx context.Context, opts sip.RegisterOptions) registration
	lookup   func(ctx context.Context, host string) ([]netip.Addr, error)

	ctx       context.Context // of the registrations and lookups; ends with Close
	cancel    context.CancelFunc
	bg        sync.WaitGroup // the refresher, closing registrations, delayed starts
	closeOnce sync.Once

	applyMu sync.Mutex              // serialises Apply and re-resolution; guards hosts
	hosts   map[string][]netip.Addr // what each host name last resolved to
	ids     atomic.Pointer[idTable] // for Identify

	mu       sync.Mutex // guards the fields below
	closed   bool
	trunks   []config.Trunk           // of the applied config
	entries  map[string]*entry        // by trunk name
	retiring map[string]chan struct{} // by trunk name: closed once its old registration ended
}

// entry is one trunk of the applied config.
type entry struct {
	name string
	peer bool
	ro   sip.RegisterOptions // what a register trunk registers with, password included
	reg  registration        // nil for peers and until started
	st   State
}

// New builds a Manager with no trunks and starts its refresher goroutine;
// call Apply with the config, and Close.
func New(opts Options) *Manager {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	m := &Manager{opts: opts, log: opts.Log, register: opts.register, lookup: opts.lookup,
		hosts: map[string][]netip.Addr{}, entries: map[string]*entry{}, retiring: map[string]chan struct{}{}}
	if m.register == nil && opts.SIP != nil {
		m.register = func(ctx context.Context, ro sip.RegisterOptions) registration { return opts.SIP.Register(ctx, ro) }
	}
	if m.lookup == nil {
		m.lookup = func(ctx context.Context, host string) ([]netip.Addr, error) {
			return defaultResolver.LookupNetIP(ctx, "ip", host)
		}
	}
	every := opts.refresh
	if every <= 0 {
		every = RefreshInterval
	}
	m.ids.Store(&idTable{})
	m.ctx, m.cancel = context.WithCancel(context.Background())
	m.bg.Go(func() { m.refresher(every) })
	return m
}

// Apply makes the running trunks match cfg: it starts a registration for
// each new register trunk, stops (un-registers) those of removed trunks,
// restarts those whose settings or password changed, once the old one has
// un-registered, and leaves unchanged ones alone. It resolves the trunks'
// host names for Identify (waiting up to a few seconds for DNS), but does
// not wait for registrations. After Close it does nothing.
func (m *Manager) Apply(cfg config.Config) {
	m.applyMu.Lock()
	defer m.applyMu.Unlock()
	want := make(map[string]sip.RegisterOptions, len(cfg.Trunks))
	known := make(map[string]bool, len(cfg.Trunks)) // password read
	for _, t := range cfg.Trunks {
		if t.Type == config.TrunkRegister {
			pw, ok := m.password(t.Name)
			want[t.Name], known[t.Name] = m.registerOptions(t, pw), ok
		}
	}
	changed, ok := m.reconcile(cfg.Trunks, want, known)
	if !ok {
		return
	}
	if changed {
		m.notify()
	}
	m.resolve(cfg.Trunks)
}

// registerOptions is how trunk t registers.
func (m *Manager) registerOptions(t config.Trunk, password string) sip.RegisterOptions {
	ro := sip.RegisterOptions{Registrar: t.Addr(), Transport: strings.ToUpper(t.Net()), User: t.User,
		AuthUser: t.AuthName(), Password: password, Domain: t.Realm(), Expiry: t.RegisterExpiry(), Retry: m.opts.Retry}
	if t.Net() == config.TransportTLS {
		ro.ServerName, ro.CA = t.ServerName(), t.CAPEM // the certificate is checked against Host's name
	}
	return ro
}

// password reads trunk name's password; false when it could not be read.
func (m *Manager) password(name string) (string, bool) {
	if m.opts.Secret == nil {
		return "", true
	}
	pw, err := m.opts.Secret(config.TrunkSecretKey(name))
	switch {
	case err == nil:
		return pw, true
	case errors.Is(err, store.ErrNoSecret):
		return "", true
	}
	m.log.Warn("trunk: cannot read the password", "trunk", name, "error", err)
	return "", false
}

// reconcile updates the entries to trunks (want: the register trunks'
// options; known: whether their password could be read) and reports
// whether any changed; false once closed.
func (m *Manager) reconcile(trunks []config.Trunk, want map[string]sip.RegisterOptions, known map[string]bool) (changed, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return false, false
	}
	now := time.Now()
	seen := make(map[string]bool, len(trunks))
	for _, t := range trunks {
		seen[t.Name] = true
		cur := m.entries[t.Name]
		if t.Type != config.TrunkRegister {
			if cur != nil && cur.peer {
				continue
			}
			m.retireLocked(t.Name)
			m.entries[t.Name] = &entry{name: t.Name, peer: true, st: State{Status: StatusPeer, Since: now}}
			m.log.Info("trunk: peer", "trunk", t.Name, "host", t.Host)
			changed = true
			continue
		}
		ro := want[t.Name]
		if !known[t.Name] && cur != nil && !cur.peer {
			ro.Password = cur.ro.Password
		}
		if cur != nil && !cur.peer && cur.ro == ro {
			continue
		}
		m.retireLocked(t.Name)
		e := &entry{name: t.Name, ro: ro, st: State{Status: StatusRegistering, Since: now}}
		m.entries[t.Name] = e
		m.log.Info("trunk: registering", "trunk", t.Name, "registrar", ro.Registrar, "user", ro.User,
			"transport", ro.Transport, "restart", cur != nil)
		m.startLocked(e)
		changed = true
	}
	for name := range m.entries {
		if !seen[name] {
			m.retireLocked(name)
			delete(m.entries, name)
			m.log.Info("trunk: removed", "trunk", name)
			changed = true
		}
	}
	m.trunks = slices.Clone(trunks)
	return changed, true
}

// retireLocked stops the registration of trunk name, if it has one, in the
// background. m.mu is held and m.closed false.
func (m *Manager) retireLocked(name string) {
	e := m.entries[name]
	if e == nil || e.reg == nil {
		return
	}
	reg, prev, done := e.reg, m.retiring[name], make(chan struct{})
	e.reg = nil
	m.retiring[name] = done
	m.bg.Go(func() {
		if prev != nil {
			<-prev
		}
		_ = reg.Close() // un-registers, bounded by the sip package
		close(done)
		m.mu.Lock()
		if m.retiring[name] == done {
			delete(m.retiring, name)
		}
		m.mu.Unlock()
	})
}

// startLocked starts e's registration, after the trunk's previous one has
// un-registered (both would bind the same Contact). m.mu is held and
// m.closed false.
func (m *Manager) startLocked(e *entry) {
	wait := m.retiring[e.name]
	if wait == nil {
		m.launchLocked(e)
		return
	}
	m.bg.Go(func() {
		select {
		case <-wait:
		case <-m.ctx.Done():
			return
		}
		m.mu.Lock()
		changed := false
		if !m.closed && m.entries[e.name] == e && e.reg == nil {
			changed = m.launchLocked(e)
		}
		m.mu.Unlock()
		if changed {
			m.notify()
		}
	})
}

// launchLocked registers e now and reports whether its state changed.
// m.mu is held.
func (m *Manager) launchLocked(e *entry) bool {
	if m.register == nil {
		return m.setLocked(e, sip.RegState{Status: sip.RegClosed, Cause: errNoSIP})
	}
	e.reg = m.register(m.ctx, e.ro)
	e.reg.OnChange(func(st sip.RegState) { m.registrationChanged(e, st) })
	// A state set before OnChange took effect was not reported. One set
	// after it is reported on the registration's goroutine, which blocks on
	// m.mu until we are done and sets no newer state meanwhile: what State
	// says now is never newer than what OnChange reports next.
	return m.setLocked(e, e.reg.State())
}

var errNoSIP = errors.New("SIP is not running")

// registrationChanged takes a new state of e's registration.
func (m *Manager) registrationChanged(e *entry, st sip.RegState) {
	m.mu.Lock()
	if m.closed || m.entries[e.name] != e {
		m.mu.Unlock()
		return // stopping: the trunk is gone or replaced
	}
	changed := m.setLocked(e, st)
	m.mu.Unlock()
	if changed {
		m.notify()
	}
}

// setLocked sets e's state from its registration's and reports whether it
// changed. m.mu is held.
func (m *Manager) setLocked(e *entry, st sip.RegState) bool {
	status, detail := stateOf(st)
	if status == e.st.Status && detail == e.st.Detail {
		return false
	}
	if status != e.st.Status {
		e.st.Since = time.Now()
		if status == StatusFailed {
			m.log.Warn("trunk: registration failed", "trunk", e.name, "detail", detail)
		} else {
			m.log.Info("trunk: "+status, "trunk", e.name)
		}
	}
	e.st.Status, e.st.Detail = status, detail
	return true
}

// notify calls OnChange.
func (m *Manager) notify() {
	if m.opts.OnChange != nil {
		m.opts.OnChange()
	}
}

// refresher re-applies the config (or only re-resolves the host names)
// every period until Close.
func (m *Manager) refresher(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-m.ctx.Done():
			return
		case <-t.C:
		}
		if m.opts.Config != nil {
			m.Apply(m.opts.Config())
			continue
		}
		m.applyMu.Lock()
		m.mu.Lock()
		trunks, closed := m.trunks, m.closed
		m.mu.Unlock()
		if !closed {
			m.resolve(trunks)
		}
		m.applyMu.Unlock()
	}
}

// Close stops every registration, un-registering each (in parallel; the
// sip package bounds each un-REGISTER to 32 s), stops the Manager's
// goroutines and waits for them. States keep their last values. It is
// idempotent.
func (m *Manager) Close() {
	m.closeOnce.Do(func() {
		m.mu.Lock()
		m.closed = true
		var regs []registration
		for _, e := range m.entries {
			if e.reg != nil {
				regs = append(regs, e.reg)
				e.reg = nil
			}
		}
		m.mu.Unlock()
		var wg sync.WaitGroup
		for _, r := range regs {
			wg.Go(func() { _ = r.Close() })
		}
		wg.Wait()
		m.cancel()
		m.bg.Wait()
	})
}
