package trunk

import (
	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/sip"
)

// Accounts are the config's local SIP accounts as the SIP server's
// registrar sees them (sip.Server.SetRegistrar). Both functions are read
// on each REGISTER, so changes apply at once.
type Accounts struct {
	// Config returns the current config (store.Store.Config).
	Config func() config.Config
	// Secret returns a stored password (store.Store.Secret).
	Secret func(key string) (string, error)
}

var _ sip.Registrar = Accounts{}

// Password returns the password of the account whose extension is user.
// An unknown user, and an account with no password stored (which cannot
// authenticate), give false: the registrar answers both alike.
func (a Accounts) Password(user string) (string, bool) {
	if a.Config == nil || a.Secret == nil || user == "" {
		return "", false
	}
	cfg := a.Config()
	if _, ok := cfg.Account(user); !ok {
		return "", false
	}
	pw, err := a.Secret(config.AccountSecretKey(user))
	if err != nil || pw == "" {
		return "", false
	}
	return pw, true
}

// Accounts returns the local accounts of Options.Config with the passwords
// of Options.Secret.
func (m *Manager) Accounts() Accounts {
	return Accounts{Config: m.opts.Config, Secret: m.opts.Secret}
}
