package admin

import (
	"errors"
	"net/http"
	"time"

	"github.com/ivrbox/ivrbox/firmware/conf"
	"github.com/ivrbox/ivrbox/firmware/event"
)

// Conferences are the live conference rooms (a *firmware/conf.Manager), as
// the page shows and steers them.
type Conferences interface {
	List() []conf.Info
	// Members lists room id's members; an unknown room wraps
	// conf.ErrNoRoom.
	Members(id string) ([]conf.MemberInfo, error)
	// Mute, Kick and End wrap conf.ErrNoRoom or conf.ErrNoMember.
	Mute(id, callID string, mute bool) error
	Kick(id, callID string) error
	End(id string) error
}

// conferenceJSON is a live room as listed, with its members.
type conferenceJSON struct {
	ID         string       `json:"id"`
	Created    time.Time    `json:"created"`
	MaxMembers int          `json:"max_members"`
	Owner      string       `json:"owner,omitempty"`
	Members    []memberJSON `json:"members"`
}

// memberJSON is one member: its call, the number at the call's other end
// (when the call is live), when it joined, muted and talking.
type memberJSON struct {
	CallID  string    `json:"call_id"`
	Number  string    `json:"number,omitempty"`
	Joined  time.Time `json:"joined"`
	Muted   bool      `json:"muted"`
	Talking bool      `json:"talking"`
}

// confRoutes are the conference endpoints, appended to routes.
func (a *API) confRoutes() []route {
	return []route{
		{"GET", "conferences", false, a.getConferences},
		{"DELETE", "conferences/{id}", false, a.deleteConference},
		{"POST", "conferences/{id}/members/{call}/mute", false, a.confMute(true)},
		{"POST", "conferences/{id}/members/{call}/unmute", false, a.confMute(false)},
		{"DELETE", "conferences/{id}/members/{call}", false, a.deleteConfMember},
	}
}

// rooms returns the conferences, or 501 when the box runs none.
func (a *API) rooms() (Conferences, error) {
	if a.opt.Conferences == nil {
		return nil, httpErr(http.StatusNotImplemented, "this box runs no conferences")
	}
	return a.opt.Conferences, nil
}

// getConferences lists the live rooms, oldest first, each with its members.
func (a *API) getConferences(w http.ResponseWriter, r *http.Request) error {
	c, err := a.rooms()
	if err != nil {
		return err
	}
	numbers := map[string]string{}
	for _, ci := range a.opt.Calls.Calls() {
		if ci.Dir == event.Outbound {
			numbers[ci.ID] = ci.To
		} else {
			numbers[ci.ID] = ci.From
		}
	}
	list := c.List()
	out := make([]conferenceJSON, 0, len(list))
	for _, in := range list {
		ms, err := c.Members(in.ID)
		if errors.Is(err, conf.ErrNoRoom) {
			continue // ended since List
		} else if err != nil {
			return err
		}
		cj := conferenceJSON{ID: in.ID, Created: in.Created, MaxMembers: in.MaxMembers, Owner: in.Owner,
			Members: make([]memberJSON, 0, len(ms))}
		for _, m := range ms {
			cj.Members = append(cj.Members, memberJSON{CallID: m.CallID, Number: numbers[m.CallID],
				Joined: m.Joined, Muted: m.Muted, Talking: m.Talking})
		}
		out = append(out, cj)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// confMute makes POST .../mute (mute true) and .../unmute.
func (a *API) confMute(mute bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, err := a.rooms()
		if err != nil {
			return err
		}
		id, callID := r.PathValue("id"), r.PathValue("call")
		if err := c.Mute(id, callID, mute); err != nil {
			return confError(err, id, callID)
		}
		a.log.Info("admin: conference member muted", "conf", id, "call", callID, "mute", mute, "addr", clientAddr(r))
		return noContent(w)
	}
}

// deleteConfMember kicks a member out of its room.
func (a *API) deleteConfMember(w http.ResponseWriter, r *http.Request) error {
	c, err := a.rooms()
	if err != nil {
		return err
	}
	id, callID := r.PathValue("id"), r.PathValue("call")
	if err := c.Kick(id, callID); err != nil {
		return confError(err, id, callID)
	}
	a.log.Info("admin: conference member kicked", "conf", id, "call", callID, "addr", clientAddr(r))
	return noContent(w)
}

// deleteConference ends a room: every member leaves, the room is deleted.
func (a *API) deleteConference(w http.ResponseWriter, r *http.Request) error {
	c, err := a.rooms()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := c.End(id); err != nil {
		return confError(err, id, "")
	}
	a.log.Info("admin: conference ended", "conf", id, "addr", clientAddr(r))
	return noContent(w)
}

// confError maps a room error to its answer: 404 for an unknown room or
// member, 503 while the box shuts down, else 500.
func confError(err error, id, callID string) error {
	switch {
	case errors.Is(err, conf.ErrNoRoom):
		return &HTTPError{Code: http.StatusNotFound, Msg: "no such conference: " + id, Err: err}
	case errors.Is(err, conf.ErrNoMember):
		return &HTTPError{Code: http.StatusNotFound, Msg: "call " + callID + " is not in conference " + id, Err: err}
	case errors.Is(err, conf.ErrClosed):
		return &HTTPError{Code: http.StatusServiceUnavailable, Msg: "the box is shutting down", Err: err}
	}
	return err
}
