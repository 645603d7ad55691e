package admin

import (
	"net/http"
	"slices"

	"github.com/ivrbox/ivrbox/firmware/config"
)

// accountBody is an account as the API takes it: the config plus an
// optional password (absent: keep the stored one; "": remove it).
type accountBody struct {
	config.Account
	Password *string `json:"password,omitempty"`
}

// accountView is an account as the API shows it: config (outbound_routes
// always a list) and whether a password is stored, never the password.
type accountView struct {
	config.Account
	OutboundRoutes []string `json:"outbound_routes"`
	HasPassword    bool     `json:"has_password"`
}

func accountOf(s Secrets, acc config.Account) accountView {
	routes := acc.OutboundRoutes
	if routes == nil {
		routes = []string{}
	}
	return accountView{Account: acc, OutboundRoutes: routes, HasPassword: hasSecret(s, config.AccountSecretKey(acc.Ext))}
}

func (a *API) getAccounts(w http.ResponseWriter, r *http.Request) error {
	s, err := a.secrets()
	if err != nil {
		return err
	}
	cfg := a.opt.Store.Config()
	out := make([]accountView, 0, len(cfg.Accounts))
	for _, acc := range cfg.Accounts {
		out = append(out, accountOf(s, acc))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) getAccount(w http.ResponseWriter, r *http.Request) error {
	return a.answerAccount(w, r.PathValue("ext"), http.StatusOK)
}

// answerAccount answers with the stored account ext.
func (a *API) answerAccount(w http.ResponseWriter, ext string, code int) error {
	s, err := a.secrets()
	if err != nil {
		return err
	}
	cfg := a.opt.Store.Config()
	acc, ok := cfg.Account(ext)
	if !ok {
		return httpErr(http.StatusNotFound, "no account %q", ext)
	}
	writeJSON(w, code, accountOf(s, acc))
	return nil
}

// saveAccount adds b (replace false; its ext must be new) or replaces the
// account of the same ext, then applies its password.
func (a *API) saveAccount(r *http.Request, b accountBody, replace bool) error {
	s, err := a.secrets()
	if err != nil {
		return err
	}
	err = a.opt.Store.Update(func(c *config.Config) error {
		n := slices.IndexFunc(c.Accounts, func(acc config.Account) bool { return acc.Ext == b.Ext })
		switch {
		case n >= 0 && !replace:
			return httpErr(http.StatusConflict, "account %q exists already", b.Ext)
		case n < 0 && replace:
			return httpErr(http.StatusNotFound, "no account %q", b.Ext)
		case n >= 0:
			c.Accounts[n] = b.Account
		default:
			c.Accounts = append(c.Accounts, b.Account)
		}
		return nil
	})
	if err != nil {
		return storeError(err, "account "+b.Ext)
	}
	if err := setPassword(s, config.AccountSecretKey(b.Ext), b.Password); err != nil {
		return err
	}
	a.log.Info("admin: account saved", "ext", b.Ext, "routes", len(b.OutboundRoutes), "addr", clientAddr(r))
	return nil
}

func (a *API) postAccount(w http.ResponseWriter, r *http.Request) error {
	var b accountBody
	if err := decodeJSON(w, r, maxJSONBody, &b); err != nil {
		return err
	}
	if err := a.saveAccount(r, b, false); err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"accounts/"+b.Ext)
	return a.answerAccount(w, b.Ext, http.StatusCreated)
}

// putAccount replaces the account of the path's ext. The body's ext may be
// left out; another ext is refused (the password is kept under the ext).
func (a *API) putAccount(w http.ResponseWriter, r *http.Request) error {
	ext := r.PathValue("ext")
	var b accountBody
	if err := decodeJSON(w, r, maxJSONBody, &b); err != nil {
		return err
	}
	if b.Ext != "" && b.Ext != ext {
		return &HTTPError{Code: http.StatusUnprocessableEntity,
			Msg:      "an account's ext cannot change: delete it and add it under the new ext",
			Problems: []Problem{{Field: "ext", Problem: "is not the account's ext " + ext}}}
	}
	b.Ext = ext
	if err := a.saveAccount(r, b, true); err != nil {
		return err
	}
	return a.answerAccount(w, ext, http.StatusOK)
}

// deleteAccount removes an account and its password.
func (a *API) deleteAccount(w http.ResponseWriter, r *http.Request) error {
	s, err := a.secrets()
	if err != nil {
		return err
	}
	ext := r.PathValue("ext")
	err = a.opt.Store.Update(func(c *config.Config) error {
		n := slices.IndexFunc(c.Accounts, func(acc config.Account) bool { return acc.Ext == ext })
		if n < 0 {
			return httpErr(http.StatusNotFound, "no account %q", ext)
		}
		c.Accounts = slices.Delete(c.Accounts, n, n+1)
		return nil
	})
	if err != nil {
		return storeError(err, "account "+ext)
	}
	if err := s.DeleteSecret(config.AccountSecretKey(ext)); err != nil {
		return err
	}
	a.log.Info("admin: account deleted", "ext", ext, "addr", clientAddr(r))
	return noContent(w)
}
