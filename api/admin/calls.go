package admin

import (
	"cmp"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/ivrbox/ivrbox/firmware/call"
	"github.com/ivrbox/ivrbox/media/fork"
)

// callListJSON is one live call in GET calls: its snapshot and how many
// forks and recordings it has.
type callListJSON struct {
	call.Info
	Forks      int `json:"forks,omitempty"`
	Recordings int `json:"recordings,omitempty"`
}

func (a *API) getCalls(w http.ResponseWriter, r *http.Request) error {
	calls := a.opt.Calls.Calls()
	slices.SortFunc(calls, func(x, y call.Info) int { return x.Started.Compare(y.Started) })
	out := make([]callListJSON, len(calls))
	for i, c := range calls {
		out[i].Info = c
		if lc := a.opt.Calls.Call(c.ID); lc != nil {
			out[i].Forks, out[i].Recordings = len(lc.Forks()), len(lc.Recordings())
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// deleteCall hangs up a live call.
func (a *API) deleteCall(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	err := a.opt.Calls.Hangup(r.Context(), id, "admin")
	if errors.Is(err, ErrNoCall) || call.CodeOf(err) == call.CodeUnknownCall {
		return httpErr(http.StatusNotFound, "no live call with id %q", id)
	}
	if err != nil {
		return &HTTPError{Code: http.StatusBadGateway, Msg: "hang-up failed: " + err.Error(), Err: err}
	}
	a.log.Info("admin: call hung up", "call", id, "addr", clientAddr(r))
	return noContent(w)
}

// callJSON answers GET calls/{id}.
type callJSON struct {
	call.Info
	Forks      []forkJSON           `json:"forks"`
	Recordings []call.RecordingInfo `json:"recordings"`
	Offer      *offerJSON           `json:"offer,omitempty"`
}

// offerJSON is the API-control step offering a call.
type offerJSON struct {
	Key      string `json:"key"`
	Params   string `json:"params,omitempty"`
	Step     string `json:"step,omitempty"` // api, or cloud
	ID       int    `json:"id,omitempty"`   // the step's number for controllers (componentid)
	Name     string `json:"name,omitempty"` // the step's label for controllers (componentname)
	TimeoutS int    `json:"timeout_s"`
	Accepted bool   `json:"accepted"` // a controller has the call
}

// forkJSON is a media fork of a live call.
type forkJSON struct {
	ID      string        `json:"id"`
	In      string        `json:"in,omitempty"`
	Out     string        `json:"out,omitempty"`
	Tag     string        `json:"tag,omitempty"`
	Started time.Time     `json:"started"`
	Stats   forkStatsJSON `json:"stats"`
}

type forkStatsJSON struct {
	In      forkDirJSON `json:"in"`
	Out     forkDirJSON `json:"out"`
	Dropped uint64      `json:"dropped"`
}

type forkDirJSON struct {
	Packets uint64 `json:"packets"`
	Bytes   uint64 `json:"bytes"`
	Errors  uint64 `json:"errors"`
}

func newForkJSON(f call.ForkInfo) forkJSON {
	dir := func(d fork.Direction) forkDirJSON { return forkDirJSON{d.Packets, d.Bytes, d.Errors} }
	return forkJSON{ID: f.ID, In: f.In, Out: f.Out, Tag: f.Tag, Started: f.Started.UTC(),
		Stats: forkStatsJSON{In: dir(f.Stats.In), Out: dir(f.Stats.Out), Dropped: f.Stats.Dropped}}
}

// liveCall returns the call of the path's {id}, or 404.
func (a *API) liveCall(r *http.Request) (LiveCall, error) {
	id := r.PathValue("id")
	c := a.opt.Calls.Call(id)
	if c == nil {
		return nil, httpErr(http.StatusNotFound, "no live call with id %q", id)
	}
	return c, nil
}

// forkList is c's forks, oldest first.
func forkList(c LiveCall) []forkJSON {
	fs := c.Forks()
	slices.SortFunc(fs, func(x, y call.ForkInfo) int {
		return cmp.Or(x.Started.Compare(y.Started), cmp.Compare(x.ID, y.ID))
	})
	out := make([]forkJSON, len(fs))
	for i, f := range fs {
		out[i] = newForkJSON(f)
	}
	return out
}

// recordingList is c's recordings in progress, oldest first.
func recordingList(c LiveCall) []call.RecordingInfo {
	rs := c.Recordings()
	slices.SortFunc(rs, func(x, y call.RecordingInfo) int {
		return cmp.Or(x.Started.Compare(y.Started), cmp.Compare(x.ID, y.ID))
	})
	for i := range rs {
		rs[i].Started = rs[i].Started.UTC()
	}
	return rs
}

func (a *API) getCall(w http.ResponseWriter, r *http.Request) error {
	c, err := a.liveCall(r)
	if err != nil {
		return err
	}
	out := callJSON{Info: c.Info(), Forks: forkList(c), Recordings: recordingList(c)}
	if spec, accepted, ok := c.Offered(); ok {
		out.Offer = &offerJSON{Key: spec.Key, Params: spec.Params, Step: spec.Step, ID: spec.ID, Name: spec.Name,
			TimeoutS: int(spec.Timeout / time.Second), Accepted: accepted}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) getForks(w http.ResponseWriter, r *http.Request) error {
	c, err := a.liveCall(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, forkList(c))
	return nil
}

// postFork starts a media fork: {"in": "udp://host:port", "out": …, "tag": …}.
func (a *API) postFork(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		In  string `json:"in"`
		Out string `json:"out"`
		Tag string `json:"tag"`
	}
	if err := decodeJSON(w, r, maxJSONBody, &body); err != nil {
		return err
	}
	if len(body.Tag) > maxTag {
		return &HTTPError{Code: http.StatusUnprocessableEntity, Msg: "tag: at most 128 bytes",
			Problems: []Problem{{Field: "tag", Problem: "at most 128 bytes"}}}
	}
	c, err := a.liveCall(r)
	if err != nil {
		return err
	}
	f, err := c.StartFork(r.Context(), body.In, body.Out, body.Tag)
	if err != nil {
		return callError(err)
	}
	a.log.Info("admin: fork started", "call", c.Info().ID, "fork", f.ID, "in", body.In, "out", body.Out, "addr", clientAddr(r))
	writeJSON(w, http.StatusCreated, newForkJSON(f))
	return nil
}

func (a *API) deleteFork(w http.ResponseWriter, r *http.Request) error {
	c, err := a.liveCall(r)
	if err != nil {
		return err
	}
	id := r.PathValue("fork")
	if err := c.StopFork(id); err != nil {
		if call.CodeOf(err) == call.CodeBadRequest {
			return httpErr(http.StatusNotFound, "call %s has no fork %q", c.Info().ID, id)
		}
		return callError(err)
	}
	a.log.Info("admin: fork stopped", "call", c.Info().ID, "fork", id, "addr", clientAddr(r))
	return noContent(w)
}

func (a *API) getCallRecordings(w http.ResponseWriter, r *http.Request) error {
	c, err := a.liveCall(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, recordingList(c))
	return nil
}

// postCallRecording starts a whole-call recording: {"format": "mixed"}
// (the default), "stereo", "split" or "in".
func (a *API) postCallRecording(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Format string `json:"format"`
	}
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, maxJSONBody, &body); err != nil {
			return err
		}
	}
	if body.Format == "" {
		body.Format = "mixed"
	}
	c, err := a.liveCall(r)
	if err != nil {
		return err
	}
	id, err := c.StartRecording(body.Format)
	if err != nil {
		return callError(err)
	}
	a.log.Info("admin: recording started", "call", c.Info().ID, "recording", id, "format", body.Format, "addr", clientAddr(r))
	writeJSON(w, http.StatusCreated, map[string]string{"id": id})
	return nil
}

// deleteCallRecording stops a recording and answers once its files are
// final.
func (a *API) deleteCallRecording(w http.ResponseWriter, r *http.Request) error {
	c, err := a.liveCall(r)
	if err != nil {
		return err
	}
	id := r.PathValue("rec")
	if err := c.StopRecording(id); err != nil {
		if call.CodeOf(err) == call.CodeBadRequest {
			return httpErr(http.StatusNotFound, "call %s has no recording %q in progress", c.Info().ID, id)
		}
		return callError(err)
	}
	a.log.Info("admin: recording stopped", "call", c.Info().ID, "recording", id, "addr", clientAddr(r))
	return noContent(w)
}

// maxTag is the longest tag of a fork or command.
const maxTag = 128
