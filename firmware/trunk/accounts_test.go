package trunk

import (
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/status"
	"github.com/ivrbox/ivrbox/firmware/store"
)

// openStore opens a store in a temporary directory with accounts 1000
// (password "acc-pw") and 1001 (no password).
func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "ivrbox.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	err = st.Update(func(c *config.Config) error {
		c.Accounts = append(c.Accounts, config.Account{Ext: "1000"}, config.Account{Ext: "1001"})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetSecret(config.AccountSecretKey("1000"), "acc-pw"); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestAccounts(t *testing.T) {
	st := openStore(t)
	m := newTestManager(t, Options{Config: st.Config, Secret: st.Secret})
	a := m.Accounts()
	for _, c := range []struct {
		user, pw string
		ok       bool
	}{
		{"1000", "acc-pw", true},
		{"1001", "", false}, // no password: cannot authenticate
		{"1002", "", false}, // unknown
		{"", "", false},
		{"6500", "", false}, // an IVR, not an account
	} {
		if pw, ok := a.Password(c.user); pw != c.pw || ok != c.ok {
			t.Errorf("Password(%q) = %q %v, want %q %v", c.user, pw, ok, c.pw, c.ok)
		}
	}
	// Changes apply at once.
	if err := st.SetSecret(config.AccountSecretKey("1001"), "new-pw"); err != nil {
		t.Fatal(err)
	}
	if pw, ok := a.Password("1001"); !ok || pw != "new-pw" {
		t.Errorf("after setting a password: %q %v", pw, ok)
	}
	err := st.Update(func(c *config.Config) error { c.Accounts = c.Accounts[1:]; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := a.Password("1000"); ok {
		t.Error("a removed account still authenticates")
	}
	if _, ok := (Accounts{}).Password("1000"); ok {
		t.Error("zero Accounts knows a user")
	}
}

// TestRegisterTrunkToBox: one box's register trunk registers at another
// box's registrar, which knows the account from the store: refused with a
// wrong password, registered once the password is right, un-registered on
// Close.
func TestRegisterTrunkToBox(t *testing.T) {
	st := openStore(t)
	registrar := startServer(t)
	registrar.SetRegistrar(Accounts{Config: st.Config, Secret: st.Secret})

	client := startServer(t)
	sec := newSecrets(config.TrunkSecretKey("box"), "wrong")
	rec := newStates()
	var m *Manager
	m = newTestManager(t, Options{SIP: client, Secret: sec.Secret, Retry: 100 * time.Millisecond, OnChange: rec.watch(&m, "box")})
	cfg := trunks(config.Trunk{Name: "box", Type: config.TrunkRegister, User: "1000", Expiry: 120,
		Host: "127.0.0.1:" + strconv.Itoa(int(registrar.Addr().Port()))})
	m.Apply(cfg)
	rec.await(t, StatusFailed, "403 Forbidden")
	if m.Summary() != status.TrunkDown || registrar.Bindings() != 0 {
		t.Errorf("refused: summary %v, %d bindings", m.Summary(), registrar.Bindings())
	}

	sec.set(config.TrunkSecretKey("box"), "acc-pw")
	m.Apply(cfg)
	rec.await(t, StatusRegistered, "")
	if _, src, ok := registrar.Location("1000"); !ok || src != client.Addr() {
		t.Errorf("Location: %v %v, client at %v", src, ok, client.Addr())
	}
	if m.Summary() != status.TrunkUp {
		t.Errorf("summary %v", m.Summary())
	}
	m.Close()
	if _, _, ok := registrar.Location("1000"); ok {
		t.Error("still bound after Close")
	}
}
