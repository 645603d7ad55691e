package admin

import (
	"net/http"
	"slices"

	"github.com/ivrbox/ivrbox/firmware/config"
)

// TrunkUnused is the state every trunk shows on a box that does not run
// its trunks (Options.TrunkState nil): no registration state is made up.
const TrunkUnused = "unused"

// trunkBody is a trunk as the API takes it: the config plus an optional
// password (absent: keep the stored one; "": remove it).
type trunkBody struct {
	config.Trunk
	Password *string `json:"password,omitempty"`
}

// trunkView is a trunk as the API shows it: config, whether a password is
// stored (never the password) and its state: "registered", "registering",
// "failed" (state_detail says why, e.g. "403 Forbidden"), "peer", or
// TrunkUnused.
type trunkView struct {
	config.Trunk
	HasPassword bool   `json:"has_password"`
	State       string `json:"state"`
	StateDetail string `json:"state_detail"`
}

// trunkView shows t.
func (a *API) trunkView(s Secrets, t config.Trunk) trunkView {
	v := trunkView{Trunk: t, HasPassword: hasSecret(s, config.TrunkSecretKey(t.Name)), State: TrunkUnused}
	if a.opt.TrunkState != nil {
		v.State, v.StateDetail = a.opt.TrunkState(t.Name)
	}
	return v
}

// secrets returns the password keeper, or 501 on a box without one.
func (a *API) secrets() (Secrets, error) {
	if a.opt.Secrets == nil {
		return nil, httpErr(http.StatusNotImplemented, "this box cannot keep passwords")
	}
	return a.opt.Secrets, nil
}

// hasSecret reports whether a secret is stored under key.
func hasSecret(s Secrets, key string) bool {
	_, err := s.Secret(key)
	return err == nil
}

// setPassword applies a write-only password after the config change
// succeeded: nil keeps the stored one, "" removes it.
func setPassword(s Secrets, key string, pw *string) error {
	switch {
	case pw == nil:
		return nil
	case *pw == "":
		return s.DeleteSecret(key)
	}
	return s.SetSecret(key, *pw)
}

func (a *API) getTrunks(w http.ResponseWriter, r *http.Request) error {
	s, err := a.secrets()
	if err != nil {
		return err
	}
	cfg := a.opt.Store.Config()
	out := make([]trunkView, 0, len(cfg.Trunks))
	for _, t := range cfg.Trunks {
		out = append(out, a.trunkView(s, t))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) getTrunk(w http.ResponseWriter, r *http.Request) error {
	return a.answerTrunk(w, r.PathValue("name"), http.StatusOK)
}

// answerTrunk answers with the stored trunk name.
func (a *API) answerTrunk(w http.ResponseWriter, name string, code int) error {
	s, err := a.secrets()
	if err != nil {
		return err
	}
	cfg := a.opt.Store.Config()
	t, ok := cfg.Trunk(name)
	if !ok {
		return httpErr(http.StatusNotFound, "no trunk named %q", name)
	}
	writeJSON(w, code, a.trunkView(s, t))
	return nil
}

// stagePassword applies a write-only password before the config change
// (nil keeps the stored one, "" removes it), so that whoever reacts to the
// change, such as the trunk manager re-registering, reads the new one.
// undo puts the old password back when the change is refused.
func stagePassword(s Secrets, key string, pw *string) (undo func(), err error) {
	if pw == nil {
		return func() {}, nil
	}
	old, oldErr := s.Secret(key)
	if err := setPassword(s, key, pw); err != nil {
		return nil, err
	}
	return func() {
		if oldErr == nil {
			_ = s.SetSecret(key, old)
		} else {
			_ = s.DeleteSecret(key)
		}
	}, nil
}

// saveTrunk adds b (replace false; its name must be new) or replaces the
// trunk of the same name, with its password.
func (a *API) saveTrunk(r *http.Request, b trunkBody, replace bool) error {
	s, err := a.secrets()
	if err != nil {
		return err
	}
	undo, err := stagePassword(s, config.TrunkSecretKey(b.Name), b.Password)
	if err != nil {
		return err
	}
	err = a.opt.Store.Update(func(c *config.Config) error {
		n := slices.IndexFunc(c.Trunks, func(t config.Trunk) bool { return t.Name == b.Name })
		switch {
		case n >= 0 && !replace:
			return httpErr(http.StatusConflict, "a trunk named %q exists already", b.Name)
		case n < 0 && replace:
			return httpErr(http.StatusNotFound, "no trunk named %q", b.Name)
		case n >= 0:
			c.Trunks[n] = b.Trunk
		default:
			c.Trunks = append(c.Trunks, b.Trunk)
		}
		return nil
	})
	if err != nil {
		undo()
		return storeError(err, "trunk "+b.Name)
	}
	a.log.Info("admin: trunk saved", "trunk", b.Name, "type", b.Type, "host", b.Host, "addr", clientAddr(r))
	return nil
}

func (a *API) postTrunk(w http.ResponseWriter, r *http.Request) error {
	var b trunkBody
	if err := decodeJSON(w, r, maxJSONBody, &b); err != nil {
		return err
	}
	if err := a.saveTrunk(r, b, false); err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"trunks/"+b.Name)
	return a.answerTrunk(w, b.Name, http.StatusCreated)
}

// putTrunk replaces the trunk of the path's name. The body's name may be
// left out; another name is refused (routes and the password are kept
// under the name: delete and add instead).
func (a *API) putTrunk(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	var b trunkBody
	if err := decodeJSON(w, r, maxJSONBody, &b); err != nil {
		return err
	}
	if b.Name != "" && b.Name != name {
		return &HTTPError{Code: http.StatusUnprocessableEntity,
			Msg:      "a trunk cannot be renamed: delete it and add it under the new name",
			Problems: []Problem{{Field: "name", Problem: "is not the trunk's name " + name}}}
	}
	b.Name = name
	if err := a.saveTrunk(r, b, true); err != nil {
		return err
	}
	return a.answerTrunk(w, name, http.StatusOK)
}

// deleteTrunk removes a trunk (refused with 422 while a route names it)
// and its password.
func (a *API) deleteTrunk(w http.ResponseWriter, r *http.Request) error {
	s, err := a.secrets()
	if err != nil {
		return err
	}
	name := r.PathValue("name")
	err = a.opt.Store.Update(func(c *config.Config) error {
		n := slices.IndexFunc(c.Trunks, func(t config.Trunk) bool { return t.Name == name })
		if n < 0 {
			return httpErr(http.StatusNotFound, "no trunk named %q", name)
		}
		c.Trunks = slices.Delete(c.Trunks, n, n+1)
		return nil
	})
	if err != nil {
		return storeError(err, "trunk "+name)
	}
	if err := s.DeleteSecret(config.TrunkSecretKey(name)); err != nil {
		return err
	}
	a.log.Info("admin: trunk deleted", "trunk", name, "addr", clientAddr(r))
	return noContent(w)
}
