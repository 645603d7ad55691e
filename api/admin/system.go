package admin

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
)

// restartJSON answers restart and factory-reset.
type restartJSON struct {
	Status string `json:"status"` // "restarting"
}

// postRestart asks the box to restart in-process (202); the answer is sent
// before the HTTP server goes down.
func (a *API) postRestart(w http.ResponseWriter, r *http.Request) error {
	if a.opt.Restart == nil {
		return httpErr(http.StatusNotImplemented, "this box cannot restart itself")
	}
	a.log.Warn("admin: restart requested", "addr", clientAddr(r))
	writeJSON(w, http.StatusAccepted, restartJSON{"restarting"})
	a.opt.Restart()
	return nil
}

// postFactoryReset puts the box back to its first-run state, then restarts
// it: config to defaults, admin password, sessions and tokens removed,
// uploaded prompts removed, call records cleared. The data is reset before
// the answer; the restart follows it.
func (a *API) postFactoryReset(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Confirm string `json:"confirm"`
	}
	if err := decodeJSON(w, r, maxJSONBody, &body); err != nil {
		return err
	}
	if body.Confirm != "RESET" {
		return &HTTPError{Code: http.StatusUnprocessableEntity, Msg: `send {"confirm": "RESET"} to reset the box`,
			Problems: []Problem{{Field: "confirm", Problem: `must be "RESET"`}}}
	}
	a.log.Warn("admin: factory reset", "addr", clientAddr(r))
	if err := a.FactoryReset(); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, restartJSON{"restarting"})
	if a.opt.Restart != nil {
		a.opt.Restart()
	}
	return nil
}

// FactoryReset returns the data to the first-run state: config defaults,
// no admin password, sessions or tokens, no uploaded prompts, no call
// records, no cached copies of network-disk or HTTP prompts. Every step
// runs; their errors are joined. It does not restart the box.
func (a *API) FactoryReset() error {
	err := errors.Join(
		a.opt.Store.ResetToDefaults(),
		a.auth.Reset(),
		a.clearPrompts(),
		a.opt.Records.Clear(),
		a.clearCache(),
	)
	a.opt.Prompts.Expire()
	return err
}

// clearCache empties the cache folder (its files came from network disks
// and prompt URLs of the old settings, some of them private).
func (a *API) clearCache() error {
	if a.opt.CacheDir == "" {
		return nil
	}
	entries, err := os.ReadDir(a.opt.CacheDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("factory reset: %w", err)
	}
	var errs []error
	for _, e := range entries {
		errs = append(errs, os.RemoveAll(filepath.Join(a.opt.CacheDir, e.Name())))
	}
	return errors.Join(errs...)
}
