package admin

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/ivrbox/ivrbox/api/cloud"
	"github.com/ivrbox/ivrbox/firmware/config"
)

// Cloud is the cloud IVR API's event subscriptions (an *api/cloud API),
// as the admin API manages them.
type Cloud interface {
	// Subscriptions lists the subscriptions with their delivery counts,
	// never their secrets.
	Subscriptions() []cloud.Subscription
	// Subscribe validates, stores and starts s; it returns s as stored (id,
	// created, default topics). An error means s was refused.
	Subscribe(s cloud.Subscription) (cloud.Subscription, error)
	// Unsubscribe stops and deletes the subscription id; an unknown id
	// wraps fs.ErrNotExist.
	Unsubscribe(id string) error
}

// cloudJSON is GET|PUT cloud: the box-wide settings of the cloud IVR API
// but its tokens. namespace "" means DefaultNamespace; default is read-only.
type cloudJSON struct {
	Namespace string `json:"namespace"`
	Default   string `json:"default,omitempty"`
}

// cloudTokenJSON is a cloud API token as listed: never its hash. APIs are
// the APIs it opens (config.APICloud, config.APIWS; ["cloud"] for a token
// stored without any). Token, the raw token, is set only in the answer to
// POST, this once.
type cloudTokenJSON struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
	APIs    []string  `json:"apis"`
	Token   string    `json:"token,omitempty"`
}

// cloudTokenBody is POST cloud/tokens. APIs empty means ["cloud"].
type cloudTokenBody struct {
	Name string   `json:"name"`
	APIs []string `json:"apis"`
}

// newCloudTokenJSON is t as listed.
func newCloudTokenJSON(t config.CloudToken) cloudTokenJSON {
	return cloudTokenJSON{ID: t.ID, Name: t.Name, Created: t.Created, APIs: slices.Clone(t.Opens())}
}

// cloudSubBody is POST cloud/subscriptions.
type cloudSubBody struct {
	URL       string   `json:"url"`
	Topics    []string `json:"topics"`
	Namespace string   `json:"namespace"`
	Secret    string   `json:"secret"`
}

func (a *API) getCloud(w http.ResponseWriter, r *http.Request) error {
	c := a.opt.Store.Config().Cloud
	writeJSON(w, http.StatusOK, cloudJSON{Namespace: c.Namespace, Default: config.DefaultNamespace})
	return nil
}

// putCloud sets the namespace (validated by the store: cloud.namespace).
func (a *API) putCloud(w http.ResponseWriter, r *http.Request) error {
	var body cloudJSON
	if err := decodeJSON(w, r, maxJSONBody, &body); err != nil {
		return err
	}
	ns := strings.TrimSpace(body.Namespace)
	err := a.opt.Store.Update(func(c *config.Config) error {
		c.Cloud.Namespace = ns
		return nil
	})
	if err != nil {
		return storeError(err, "cloud")
	}
	a.log.Info("admin: cloud namespace changed", "namespace", ns, "addr", clientAddr(r))
	return a.getCloud(w, r)
}

func (a *API) getCloudTokens(w http.ResponseWriter, r *http.Request) error {
	toks := a.opt.Store.Config().Cloud.Tokens
	out := make([]cloudTokenJSON, 0, len(toks))
	for _, t := range toks {
		out = append(out, newCloudTokenJSON(t))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// newTokenID returns a short random token id (12 hex digits) not in toks.
func newTokenID(toks []config.CloudToken) (string, error) {
	for {
		var b [6]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", fmt.Errorf("cloud token id: %w", err)
		}
		id := hex.EncodeToString(b[:])
		if !slices.ContainsFunc(toks, func(t config.CloudToken) bool { return t.ID == id }) {
			return id, nil
		}
	}
}

// postCloudToken makes a token for the APIs the body names (the cloud IVR
// API when none): the raw token is answered this once and only its SHA-256
// is stored. Unknown API names are refused by the store's validation (at
// field "apis").
func (a *API) postCloudToken(w http.ResponseWriter, r *http.Request) error {
	var body cloudTokenBody
	if err := decodeJSON(w, r, maxJSONBody, &body); err != nil {
		return err
	}
	name := strings.TrimSpace(body.Name)
	if name == "" {
		return &HTTPError{Code: http.StatusUnprocessableEntity, Msg: "the token needs a name",
			Problems: []Problem{{Field: "name", Problem: "is required"}}}
	}
	apis := slices.Clone(body.APIs)
	if len(apis) == 0 {
		apis = []string{config.APICloud}
	}
	raw, err := cloud.NewToken()
	if err != nil {
		return err
	}
	var tok config.CloudToken
	err = a.opt.Store.Update(func(c *config.Config) error {
		if len(c.Cloud.Tokens) >= config.MaxCloudTokens {
			return httpErr(http.StatusConflict, "there are %d cloud API tokens already, the limit: revoke one first", len(c.Cloud.Tokens))
		}
		id, err := newTokenID(c.Cloud.Tokens)
		if err != nil {
			return err
		}
		tok = config.CloudToken{ID: id, Name: name, SHA256: cloud.HashToken(raw), Created: a.opt.Now().UTC().Truncate(time.Second),
			APIs: apis}
		// A new slice: the store's current snapshot may share the old one.
		c.Cloud.Tokens = append(slices.Clip(c.Cloud.Tokens), tok)
		return nil
	})
	if err != nil {
		return cloudTokenError(err)
	}
	a.log.Info("admin: cloud token created", "id", tok.ID, "name", tok.Name, "apis", tok.APIs, "addr", clientAddr(r))
	out := newCloudTokenJSON(tok)
	out.Token = raw
	writeJSON(w, http.StatusCreated, out)
	return nil
}

// cloudTokenError maps a store error of a token change; a problem with the
// new token's name or APIs is shown at "name" or "apis".
func cloudTokenError(err error) error {
	err = storeError(err, "cloud token")
	var he *HTTPError
	if errors.As(err, &he) {
		for n, p := range he.Problems {
			if !strings.HasPrefix(p.Field, "cloud.tokens[") {
				continue
			}
			for _, f := range []string{"name", "apis"} {
				if strings.HasSuffix(p.Field, "]."+f) {
					he.Problems[n].Field = f
				}
			}
		}
	}
	return err
}

// deleteCloudToken revokes a token: requests carrying it are refused from
// then on.
func (a *API) deleteCloudToken(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	err := a.opt.Store.Update(func(c *config.Config) error {
		n := slices.IndexFunc(c.Cloud.Tokens, func(t config.CloudToken) bool { return t.ID == id })
		if n < 0 {
			return httpErr(http.StatusNotFound, "no cloud API token with id %q", id)
		}
		// slices.Concat copies: the old slice may be the current snapshot's.
		c.Cloud.Tokens = slices.Concat(c.Cloud.Tokens[:n], c.Cloud.Tokens[n+1:])
		return nil
	})
	if err != nil {
		return cloudTokenError(err)
	}
	a.log.Info("admin: cloud token revoked", "id", id, "addr", clientAddr(r))
	return noContent(w)
}

// cloudSubs returns the subscriptions, or 503 on a box whose cloud IVR
// API is not running.
func (a *API) cloudSubs() (Cloud, error) {
	if a.opt.Cloud == nil {
		return nil, httpErr(http.StatusServiceUnavailable, "the cloud IVR API is not running on this box")
	}
	return a.opt.Cloud, nil
}

func (a *API) getCloudSubs(w http.ResponseWriter, r *http.Request) error {
	c, err := a.cloudSubs()
	if err != nil {
		return err
	}
	list := c.Subscriptions()
	if list == nil {
		list = []cloud.Subscription{}
	}
	for n := range list {
		list[n].Secret = ""
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

// postCloudSub adds a subscription. Its namespace is "" (the box's, which
// it then follows) or the box's; a refusal is a 400 with the cloud API's
// message (an internal failure a 500, a closing API a 503).
func (a *API) postCloudSub(w http.ResponseWriter, r *http.Request) error {
	c, err := a.cloudSubs()
	if err != nil {
		return err
	}
	var b cloudSubBody
	if err := decodeJSON(w, r, maxJSONBody, &b); err != nil {
		return err
	}
	ns := strings.TrimSpace(b.Namespace)
	if want := a.opt.Store.Config().Cloud.NS(); ns != "" && ns != want {
		return httpErr(http.StatusBadRequest, "namespace %q: the box's namespace is %s", ns, want)
	}
	sub, err := c.Subscribe(cloud.Subscription{URL: strings.TrimSpace(b.URL), Topics: b.Topics, Namespace: ns, Secret: b.Secret})
	if err != nil {
		return subscribeError(err)
	}
	sub.Secret = ""
	a.log.Info("admin: cloud subscription added", "id", sub.ID, "url", sub.URL, "topics", sub.Topics, "addr", clientAddr(r))
	w.Header().Set("Location", Prefix+"cloud/subscriptions/"+sub.ID)
	writeJSON(w, http.StatusCreated, sub)
	return nil
}

// subscribeError maps a Subscribe error: the cloud API's internal errors
// and unavailability keep their status, any other refusal is a 400 with
// its message.
func subscribeError(err error) error {
	var ce *cloud.Error
	if !errors.As(err, &ce) {
		return &HTTPError{Code: http.StatusBadRequest, Msg: err.Error(), Err: err}
	}
	switch ce.Code {
	case cloud.CodeInternal:
		return &HTTPError{Code: http.StatusInternalServerError, Msg: "internal error", Err: err}
	case cloud.CodeNoCallManager:
		return &HTTPError{Code: http.StatusServiceUnavailable, Msg: ce.Message, Err: err}
	}
	return &HTTPError{Code: http.StatusBadRequest, Msg: ce.Message, Err: err}
}

func (a *API) deleteCloudSub(w http.ResponseWriter, r *http.Request) error {
	c, err := a.cloudSubs()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := c.Unsubscribe(id); errors.Is(err, fs.ErrNotExist) {
		return &HTTPError{Code: http.StatusNotFound, Msg: fmt.Sprintf("no cloud subscription with id %q", id), Err: err}
	} else if err != nil {
		return err
	}
	a.log.Info("admin: cloud subscription deleted", "id", id, "addr", clientAddr(r))
	return noContent(w)
}
