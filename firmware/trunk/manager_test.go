package trunk

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/sip"
	"github.com/ivrbox/ivrbox/firmware/status"
)

var (
	prov = config.Trunk{Name: "prov", Type: config.TrunkRegister, Host: "sip.example.net", Transport: "tcp",
		User: "02150001234", AuthUser: "auth01", Expiry: 600}
	alt = config.Trunk{Name: "alt", Type: config.TrunkRegister, Host: "10.0.0.9:5080", User: "77"}
	pbx = config.Trunk{Name: "pbx", Type: config.TrunkPeer, Host: "10.0.0.1"}
)

func wantState(t *testing.T, m *Manager, name, status, detail string) State {
	t.Helper()
	st := m.State(name)
	if st.Status != status || st.Detail != detail {
		t.Errorf("%s: %+v, want %s %q", name, st, status, detail)
	}
	return st
}

func TestApplyReconciles(t *testing.T) {
	fs := &fakeSIP{}
	sec := newSecrets(config.TrunkSecretKey("prov"), "pw1")
	var changes atomic.Int32
	m := newTestManager(t, Options{Secret: sec.Secret, Retry: 3 * time.Second, OnChange: func() { changes.Add(1) },
		register: fs.register, lookup: newLookups(map[string]string{"sip.example.net": "192.0.2.10"}).lookup})
	if m.Summary() != status.TrunkNone || m.State("prov").Status != StatusUnknown {
		t.Fatal("a new Manager has trunks")
	}
	cfg := trunks(prov, alt, pbx)
	m.Apply(cfg)

	if n := len(fs.all()); n != 2 {
		t.Fatalf("%d registrations, want 2", n)
	}
	want := sip.RegisterOptions{Registrar: "sip.example.net:5060", Transport: "TCP", User: "02150001234",
		AuthUser: "auth01", Password: "pw1", Domain: "sip.example.net", Expiry: 600 * time.Second, Retry: 3 * time.Second}
	if got := fs.last(t, "02150001234").opts; got != want {
		t.Errorf("prov registers with\n%+v, want\n%+v", got, want)
	}
	want = sip.RegisterOptions{Registrar: "10.0.0.9:5080", Transport: "UDP", User: "77", AuthUser: "77",
		Domain: "10.0.0.9", Expiry: 300 * time.Second, Retry: 3 * time.Second}
	if got := fs.last(t, "77").opts; got != want {
		t.Errorf("alt registers with\n%+v, want\n%+v", got, want)
	}
	wantState(t, m, "prov", StatusRegistering, "")
	wantState(t, m, "alt", StatusRegistering, "")
	peer := wantState(t, m, "pbx", StatusPeer, "")
	wantState(t, m, "nobody", StatusUnknown, "")
	if peer.Since.IsZero() || len(m.States()) != 3 || m.Summary() != status.TrunkDown {
		t.Errorf("states %v, summary %v", m.States(), m.Summary())
	}
	if changes.Load() == 0 {
		t.Error("Apply did not call OnChange")
	}

	// Registration states show, each change is told.
	n := changes.Load()
	fs.last(t, "02150001234").set(sip.RegState{Status: sip.RegRegistered, Code: 200})
	fs.last(t, "77").set(sip.RegState{Status: sip.RegFailed, Code: 403,
		Cause: &sip.StatusError{Code: 403, Reason: "Forbidden", Err: errors.New("registration refused")}})
	wantState(t, m, "prov", StatusRegistered, "")
	failed := wantState(t, m, "alt", StatusFailed, "403 Forbidden")
	if changes.Load() != n+2 || m.Summary() != status.TrunkDown {
		t.Errorf("changes %d (want %d), summary %v", changes.Load(), n+2, m.Summary())
	}
	fs.last(t, "77").set(sip.RegState{Status: sip.RegFailed, Cause: errors.New("sip: REGISTER: transaction timeout")})
	if st := wantState(t, m, "alt", StatusFailed, "sip: REGISTER: transaction timeout"); !st.Since.Equal(failed.Since) {
		t.Errorf("Since moved on a new detail: %v → %v", failed.Since, st.Since)
	}
	n = changes.Load()
	fs.last(t, "77").set(sip.RegState{Status: sip.RegRegistered, Code: 200})
	fs.last(t, "77").set(sip.RegState{Status: sip.RegRegistered, Code: 200}) // a refresh: no change
	if changes.Load() != n+1 || m.Summary() != status.TrunkUp {
		t.Errorf("changes %d (want %d), summary %v", changes.Load(), n+1, m.Summary())
	}

	// The same config again changes nothing.
	m.Apply(cfg)
	if len(fs.all()) != 2 || fs.all()[0].isClosed() || fs.all()[1].isClosed() {
		t.Fatal("an unchanged config restarted a registration")
	}
	wantState(t, m, "prov", StatusRegistered, "")

	// A new password restarts that trunk only, once the old one un-registered.
	old := fs.last(t, "02150001234")
	sec.set(config.TrunkSecretKey("prov"), "pw2")
	m.Apply(cfg)
	eventually(t, "the new registration", func() bool { return len(fs.all()) == 3 })
	if !old.isClosed() || fs.last(t, "02150001234").opts.Password != "pw2" || fs.last(t, "77").isClosed() {
		t.Error("password change: wrong registrations closed or started")
	}
	wantState(t, m, "prov", StatusRegistering, "")
	old.set(sip.RegState{Status: sip.RegRegistered}) // a late report of the old one is ignored
	wantState(t, m, "prov", StatusRegistering, "")

	// A changed setting restarts too; removing a trunk stops it; a peer
	// turned register trunk starts registering.
	changed := prov
	changed.Expiry = 900
	pbxReg := pbx
	pbxReg.Type, pbxReg.User = config.TrunkRegister, "pbxuser"
	altReg := fs.last(t, "77")
	m.Apply(trunks(changed, pbxReg))
	eventually(t, "the restarts", func() bool { return len(fs.all()) == 5 })
	if !altReg.isClosed() || fs.last(t, "02150001234").opts.Expiry != 900*time.Second {
		t.Error("alt not stopped, or prov not restarted")
	}
	wantState(t, m, "alt", StatusUnknown, "")
	wantState(t, m, "pbx", StatusRegistering, "")
	if _, ok := m.States()["alt"]; ok || m.Summary() != status.TrunkDown {
		t.Errorf("states %v", m.States())
	}

	// Back to a peer: its registration stops.
	pbxRegistration := fs.last(t, "pbxuser")
	m.Apply(trunks(changed, pbx))
	eventually(t, "the peer's registration to stop", pbxRegistration.isClosed)
	wantState(t, m, "pbx", StatusPeer, "")

	m.Close()
	for _, r := range fs.all() {
		if !r.isClosed() {
			t.Errorf("registration %s still running after Close", r.opts.User)
		}
	}
	m.Close()
	m.Apply(trunks(alt))
	if len(fs.all()) != 5 {
		t.Error("Apply after Close registered")
	}
}

// TestRestartWaitsForUnregister: the new registration of a changed trunk
// starts only once the old one has un-registered (they would bind the
// same Contact), and Apply does not wait for that.
func TestRestartWaitsForUnregister(t *testing.T) {
	release := make(chan struct{})
	fs := &fakeSIP{release: release}
	sec := newSecrets(config.TrunkSecretKey("alt"), "one")
	m := newTestManager(t, Options{Secret: sec.Secret, register: fs.register})
	m.Apply(trunks(alt))
	first := fs.last(t, "77")

	sec.set(config.TrunkSecretKey("alt"), "two")
	m.Apply(trunks(alt)) // returns although first's Close is held
	sec.set(config.TrunkSecretKey("alt"), "three")
	m.Apply(trunks(alt))
	if n := len(fs.all()); n != 1 {
		t.Fatalf("%d registrations while the old one un-registers, want 1", n)
	}
	wantState(t, m, "alt", StatusRegistering, "")
	close(release)
	eventually(t, "the new registration", func() bool { return len(fs.all()) == 2 })
	if !first.isClosed() || fs.last(t, "77").opts.Password != "three" {
		t.Errorf("started %+v", fs.last(t, "77").opts)
	}
	m.Close()
	if len(fs.all()) != 2 {
		t.Error("the intermediate password was registered")
	}
}

// TestCloseWhileRetiring: Close waits for a registration being stopped.
func TestCloseWhileRetiring(t *testing.T) {
	release := make(chan struct{})
	fs := &fakeSIP{release: release}
	m := newTestManager(t, Options{register: fs.register})
	m.Apply(trunks(alt))
	m.Apply(trunks())
	done := make(chan struct{})
	go func() { m.Close(); close(done) }()
	select {
	case <-done:
		t.Fatal("Close did not wait for the un-registration")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	<-done
	if len(fs.all()) != 1 || !fs.all()[0].isClosed() {
		t.Error("registration not closed")
	}
}

func TestPasswordErrors(t *testing.T) {
	fs := &fakeSIP{}
	sec := newSecrets()
	sec.fail(errors.New("store: closed"))
	m := newTestManager(t, Options{Secret: sec.Secret, register: fs.register})
	m.Apply(trunks(alt)) // unreadable, nothing running: empty
	if pw := fs.last(t, "77").opts.Password; pw != "" {
		t.Errorf("password %q", pw)
	}
	sec.fail(nil)
	sec.set(config.TrunkSecretKey("alt"), "good")
	m.Apply(trunks(alt))
	eventually(t, "the restart", func() bool { return len(fs.all()) == 2 })
	sec.fail(errors.New("store: closed"))
	m.Apply(trunks(alt)) // unreadable: the running password is kept
	if len(fs.all()) != 2 || fs.last(t, "77").isClosed() {
		t.Error("an unreadable password restarted the registration")
	}
}

func TestSummary(t *testing.T) {
	fs := &fakeSIP{}
	m := newTestManager(t, Options{register: fs.register})
	m.Apply(trunks())
	if m.Summary() != status.TrunkNone {
		t.Error("no trunks: not TrunkNone")
	}
	m.Apply(trunks(pbx))
	if m.Summary() != status.TrunkNone {
		t.Error("peers only: not TrunkNone")
	}
	m.Apply(trunks(pbx, alt))
	if m.Summary() != status.TrunkDown {
		t.Error("registering: not TrunkDown")
	}
	fs.last(t, "77").set(sip.RegState{Status: sip.RegRegistered})
	if m.Summary() != status.TrunkUp {
		t.Error("registered: not TrunkUp")
	}
}

func TestNoSIP(t *testing.T) {
	m := newTestManager(t, Options{})
	m.Apply(trunks(alt, pbx))
	wantState(t, m, "alt", StatusFailed, "SIP is not running")
	wantState(t, m, "pbx", StatusPeer, "")
}

func TestFailureDetail(t *testing.T) {
	for _, c := range []struct {
		st   sip.RegState
		want string
	}{
		{sip.RegState{Status: sip.RegFailed, Code: 403, Cause: &sip.StatusError{Code: 403, Reason: "Forbidden"}}, "403 Forbidden"},
		{sip.RegState{Status: sip.RegFailed, Code: 404, Cause: &sip.StatusError{Code: 404}}, "SIP 404"},
		{sip.RegState{Status: sip.RegFailed, Cause: errors.New("lookup x: no such host")}, "lookup x: no such host"},
		{sip.RegState{Status: sip.RegFailed, Code: 500}, "SIP 500"},
		{sip.RegState{Status: sip.RegClosed}, "registration stopped"},
		{sip.RegState{Status: sip.RegFailed}, "not registered"},
	} {
		if st, got := stateOf(c.st); st != StatusFailed || got != c.want {
			t.Errorf("%+v: %s %q, want failed %q", c.st, st, got, c.want)
		}
	}
}
