package admin

import (
	"errors"
	"net/http"
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
// records. Every step runs; their errors are joined. It does not restart
// the box.
func (a *API) FactoryReset() error {
	err := errors.Join(
		a.opt.Store.ResetToDefaults(),
		a.auth.Reset(),
		a.clearPrompts(),
		a.opt.Records.Clear(),
	)
	a.opt.Prompts.Expire()
	return err
}
