package admin

import (
	"time"

	"crypto/md5"
	"encoding/hex"
	"fmt"
	"mime"
	"net/http"
	"slices"

	"github.com/ivrbox/ivrbox/firmware/config"
)

// writeConfig answers with the config as its export document.
func writeConfig(w http.ResponseWriter, c config.Config) error {
	data, err := config.Marshal(c)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(data)
	return nil
}

func (a *API) getConfig(w http.ResponseWriter, r *http.Request) error {
	return writeConfig(w, a.opt.Store.Config())
}

// putConfig replaces the whole config with the body, an export document.
func (a *API) putConfig(w http.ResponseWriter, r *http.Request) error {
	data, err := readBody(w, r, maxConfigBody)
	if err != nil {
		return err
	}
	return a.replaceConfig(w, r, data, "config")
}

// replaceConfig imports data (migrated and validated) and stores it.
func (a *API) replaceConfig(w http.ResponseWriter, r *http.Request, data []byte, what string) error {
	c, err := config.Import(data)
	if err != nil {
		return importError(err, what)
	}
	if err := a.opt.Store.Replace(c); err != nil {
		return storeError(err, what)
	}
	a.log.Info("admin: config replaced", "by", what, "ivrs", len(c.IVRs), "addr", clientAddr(r))
	return writeConfig(w, a.opt.Store.Config())
}

// getBackup downloads the config export document.
func (a *API) getBackup(w http.ResponseWriter, r *http.Request) error {
	c := a.opt.Store.Config()
	name := fmt.Sprintf("ivrbox-config-%s-%s.json", c.System.SN, a.opt.Now().Format("20060102-150405"))
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	return writeConfig(w, c)
}

// postRestore replaces the config with a backup: the body is the document,
// or a multipart form with it in "file".
func (a *API) postRestore(w http.ResponseWriter, r *http.Request) error {
	var data []byte
	var err error
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		data, _, err = readFilePart(w, r, "file", maxConfigBody)
	} else {
		data, err = readBody(w, r, maxConfigBody)
	}
	if err != nil {
		return err
	}
	return a.replaceConfig(w, r, data, "restore")
}

// ivrList is the IVRs with nil lists written as [].
func ivrList(ivrs []config.IVR) []config.IVR {
	out := make([]config.IVR, len(ivrs))
	for n, i := range ivrs {
		if i.Prompts == nil {
			i.Prompts = []string{}
		}
		out[n] = i
	}
	return out
}

func (a *API) getIVRs(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, ivrList(a.opt.Store.Config().IVRs))
	return nil
}

func (a *API) getIVR(w http.ResponseWriter, r *http.Request) error {
	c := a.opt.Store.Config()
	i, ok := c.IVR(r.PathValue("number"))
	if !ok {
		return httpErr(http.StatusNotFound, "no IVR with number %q", r.PathValue("number"))
	}
	writeJSON(w, http.StatusOK, ivrList([]config.IVR{i})[0])
	return nil
}

// postIVR adds an IVR (its number must be new).
func (a *API) postIVR(w http.ResponseWriter, r *http.Request) error {
	var ivr config.IVR
	if err := decodeJSON(w, r, maxJSONBody, &ivr); err != nil {
		return err
	}
	err := a.opt.Store.Update(func(c *config.Config) error {
		if _, dup := c.IVR(ivr.Number); dup && ivr.Number != "" {
			return httpErr(http.StatusConflict, "an IVR with number %q exists already", ivr.Number)
		}
		c.IVRs = append(c.IVRs, ivr)
		return nil
	})
	if err != nil {
		return storeError(err, "ivr "+ivr.Number)
	}
	a.log.Info("admin: IVR added", "ivr", ivr.Number, "addr", clientAddr(r))
	w.Header().Set("Location", Prefix+"ivrs/"+ivr.Number)
	return a.answerIVR(w, ivr.Number, http.StatusCreated)
}

// putIVR replaces the IVR with the path's number. The body's number may be
// left out; a different one renames the IVR (references to the old number
// must be changed first, or validation refuses it).
func (a *API) putIVR(w http.ResponseWriter, r *http.Request) error {
	number := r.PathValue("number")
	var ivr config.IVR
	if err := decodeJSON(w, r, maxJSONBody, &ivr); err != nil {
		return err
	}
	if ivr.Number == "" {
		ivr.Number = number
	}
	err := a.opt.Store.Update(func(c *config.Config) error {
		n := slices.IndexFunc(c.IVRs, func(i config.IVR) bool { return i.Number == number })
		if n < 0 {
			return httpErr(http.StatusNotFound, "no IVR with number %q", number)
		}
		c.IVRs[n] = ivr
		return nil
	})
	if err != nil {
		return storeError(err, "ivr "+number)
	}
	a.log.Info("admin: IVR changed", "ivr", number, "addr", clientAddr(r))
	return a.answerIVR(w, ivr.Number, http.StatusOK)
}

func (a *API) deleteIVR(w http.ResponseWriter, r *http.Request) error {
	number := r.PathValue("number")
	err := a.opt.Store.Update(func(c *config.Config) error {
		n := slices.IndexFunc(c.IVRs, func(i config.IVR) bool { return i.Number == number })
		if n < 0 {
			return httpErr(http.StatusNotFound, "no IVR with number %q", number)
		}
		c.IVRs = slices.Delete(c.IVRs, n, n+1)
		return nil
	})
	if err != nil {
		return storeError(err, "ivr "+number)
	}
	a.log.Info("admin: IVR deleted", "ivr", number, "addr", clientAddr(r))
	return noContent(w)
}

// answerIVR answers with the stored IVR number.
func (a *API) answerIVR(w http.ResponseWriter, number string, code int) error {
	c := a.opt.Store.Config()
	i, _ := c.IVR(number)
	writeJSON(w, code, ivrList([]config.IVR{i})[0])
	return nil
}

// systemJSON is GET|PUT system; sn is read-only (ignored in PUT). In PUT,
// recording, fork and http_hosts left out (or null) stay as they are.
type systemJSON struct {
	Name      string         `json:"name"`
	SN        string         `json:"sn"`
	MaxCalls  int            `json:"max_calls"`
	Recording *recordingConf `json:"recording"`
	Fork      *forkConf      `json:"fork"`
	HTTPHosts *[]string      `json:"http_hosts"`
	// MediaEncryption is SRTP for calls to the box: off, optional or
	// required; left out of a PUT: unchanged.
	MediaEncryption *string `json:"media_encryption"`
	// RTPLearnAny is system.rtp_learn_any; left out (null): unchanged.
	RTPLearnAny *bool `json:"rtp_learn_any"`
	// DrainSeconds and Network: left out, unchanged (drain.go).
	DrainSeconds *int         `json:"drain_seconds"`
	Network      *networkConf `json:"network"`
}

// recordingConf is system.recording with every field shown.
type recordingConf struct {
	MaxMB int `json:"max_mb"`
}

// forkConf is system.fork with every field shown.
type forkConf struct {
	MaxPerCall     int  `json:"max_per_call"`
	MaxTotal       int  `json:"max_total"`
	AllowLoopback  bool `json:"allow_loopback"`
	AllowMulticast bool `json:"allow_multicast"`
	LANOnly        bool `json:"lan_only"`
}

func (a *API) getSystem(w http.ResponseWriter, r *http.Request) error {
	s := a.opt.Store.Config().System
	f := s.Fork
	hosts, learnAny := append([]string{}, s.HTTPHosts...), s.RTPLearnAny
	enc := s.Encryption()
	drain, net := s.DrainSeconds, showNetwork(s.Network)
	writeJSON(w, http.StatusOK, systemJSON{Name: s.Name, SN: s.SN, MaxCalls: s.MaxCalls, HTTPHosts: &hosts, MediaEncryption: &enc,
		RTPLearnAny:  &learnAny,
		Recording:    &recordingConf{MaxMB: s.Recording.MaxMB},
		DrainSeconds: &drain, Network: &net,
		Fork: &forkConf{MaxPerCall: f.MaxPerCall, MaxTotal: f.MaxTotal, AllowLoopback: f.AllowLoopback,
			AllowMulticast: f.AllowMulticast, LANOnly: f.LANOnly}})
	return nil
}

func (a *API) putSystem(w http.ResponseWriter, r *http.Request) error {
	var body systemJSON
	if err := decodeJSON(w, r, maxJSONBody, &body); err != nil {
		return err
	}
	err := a.opt.Store.Update(func(c *config.Config) error {
		c.System.Name, c.System.MaxCalls = body.Name, body.MaxCalls
		if rc := body.Recording; rc != nil {
			c.System.Recording = config.Recording{MaxMB: rc.MaxMB}
		}
		if f := body.Fork; f != nil {
			c.System.Fork = config.Fork{MaxPerCall: f.MaxPerCall, MaxTotal: f.MaxTotal, AllowLoopback: f.AllowLoopback,
				AllowMulticast: f.AllowMulticast, LANOnly: f.LANOnly}
		}
		if body.HTTPHosts != nil {
			c.System.HTTPHosts = *body.HTTPHosts
		}
		if body.MediaEncryption != nil {
			c.System.MediaEncryption = *body.MediaEncryption
		}
		if body.RTPLearnAny != nil {
			c.System.RTPLearnAny = *body.RTPLearnAny
		}
		body.applyScale(&c.System)
		return nil
	})
	if err != nil {
		return storeError(err, "system")
	}
	a.log.Info("admin: system settings changed", "addr", clientAddr(r))
	return a.getSystem(w, r)
}

// apiAccessJSON is GET api-access: the secrets only as "set or not".
type apiAccessJSON struct {
	User        string         `json:"user"`
	PasswordSet bool           `json:"password_set"`
	AppURL      string         `json:"app_url"`
	SecretSet   bool           `json:"secret_set"`
	Delivery    *DeliveryStats `json:"delivery,omitempty"`
}

// DeliveryStats are the event outbox's counters since the box started: events
// waiting for the app server, delivered, retried attempts, and dropped.
type DeliveryStats struct {
	Pending   int    `json:"pending"`
	Delivered uint64 `json:"delivered"`
	Retried   uint64 `json:"retried"`
	Dropped   uint64 `json:"dropped"`
	// LastError is the last failed delivery's error ("" when none failed);
	// shown on the dashboard, not in GET api-access.
	LastError string `json:"-"`
	// QueueAge is how long the oldest undelivered event has waited (0: none);
	// LastLatency the last delivered event's time from queueing to the app
	// server's 2xx (0: none yet). Shown on the dashboard.
	QueueAge, LastLatency time.Duration `json:"-"`
}

func (a *API) getAPIAccess(w http.ResponseWriter, r *http.Request) error {
	api := a.opt.Store.Config().API
	out := apiAccessJSON{User: api.User, PasswordSet: api.PasswordMD5 != "",
		AppURL: api.AppURL, SecretSet: api.Secret != ""}
	if a.opt.Delivery != nil {
		st := a.opt.Delivery()
		out.Delivery = &st
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// putAPIAccess sets the API access. password and secret are write-only:
// left out (or null) they stay as they are, "" clears them. The password is
// stored as its MD5 (what the PBX API's login sends). An empty user turns
// the PBX API off and forgets its password.
func (a *API) putAPIAccess(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		User     string  `json:"user"`
		Password *string `json:"password"`
		AppURL   string  `json:"app_url"`
		Secret   *string `json:"secret"`
	}
	if err := decodeJSON(w, r, maxJSONBody, &body); err != nil {
		return err
	}
	err := a.opt.Store.Update(func(c *config.Config) error {
		api := &c.API
		api.User, api.AppURL = body.User, body.AppURL
		if body.Password != nil {
			api.PasswordMD5 = ""
			if *body.Password != "" {
				sum := md5.Sum([]byte(*body.Password))
				api.PasswordMD5 = hex.EncodeToString(sum[:])
			}
		}
		if body.User == "" {
			api.PasswordMD5 = ""
		}
		if body.Secret != nil {
			api.Secret = *body.Secret
		}
		return nil
	})
	if err != nil {
		return storeError(err, "api-access")
	}
	a.log.Info("admin: API access changed", "addr", clientAddr(r))
	return a.getAPIAccess(w, r)
}
