package conf

import (
	"net/http"
	"time"

	rooms "github.com/ivrbox/ivrbox/firmware/conf"
	"github.com/ivrbox/ivrbox/firmware/event"
)

// IVRPrefix is what DialIVR's ivr is for a call that joins a room:
// IVRPrefix + confid.
const IVRPrefix = "conf:"

// Conference is a room as answered: its id, when it was made, its maximum
// and current number of members and, from GET conferences/{confid}, the
// members.
type Conference struct {
	ConfID      string    `json:"confid"`
	Created     time.Time `json:"created"`
	MaxMember   int       `json:"maxmember"`
	MemberCount int       `json:"membercount"`
	Owner       string    `json:"owner,omitempty"`     // the call that created it (an XML IVR's CreateConf), if any
	Recording   string    `json:"recording,omitempty"` // the file it is being recorded into, if it is
	Members     []Member  `json:"members,omitempty"`
}

// Member is one member of a room: its call (callSid, the box's call id),
// the number at the other end of that call when the call is known, when it
// joined, and whether it is muted or talking now.
type Member struct {
	CallSid string    `json:"callSid"`
	Number  string    `json:"number,omitempty"`
	Joined  time.Time `json:"joined"`
	Muted   bool      `json:"muted"`
	Talking bool      `json:"talking"`
}

// The success answers.
type (
	okResp struct {
		StatusCode Code `json:"statusCode"`
	}
	confResp struct {
		StatusCode Code       `json:"statusCode"`
		ConfID     string     `json:"confid"`
		Conference Conference `json:"conference"`
	}
	listResp struct {
		StatusCode  Code         `json:"statusCode"`
		Conferences []Conference `json:"conferences"`
	}
	membersResp struct {
		StatusCode Code     `json:"statusCode"`
		ConfID     string   `json:"confid"`
		Members    []Member `json:"members"`
	}
	recordResp struct {
		StatusCode Code   `json:"statusCode"`
		ConfID     string `json:"confid"`
		Recording  string `json:"recording"`
	}
	inviteResp struct {
		StatusCode Code   `json:"statusCode"`
		ConfID     string `json:"confid"`
		CallSid    string `json:"callSid"`
	}
)

var ok = okResp{StatusCode: CodeOK}

func newConference(in rooms.Info) Conference {
	return Conference{ConfID: in.ID, Created: in.Created, MaxMember: in.MaxMembers, MemberCount: in.Members, Owner: in.Owner,
		Recording: in.Recording}
}

// create is POST conferences.
func (a *API) create(rq *request) (int, any, *apiError) {
	var body createBody
	if e := decode(rq.w, rq.r, &body, true); e != nil {
		return 0, nil, e
	}
	spec, e := body.spec()
	if e != nil {
		return 0, nil, e
	}
	in, err := a.opt.Rooms.Create(spec)
	if err != nil {
		return 0, nil, roomError(err, spec.ID)
	}
	a.log.Info("conf api: conference created", "conf", in.ID, "maxmember", in.MaxMembers, "remote", rq.r.RemoteAddr)
	return http.StatusCreated, confResp{StatusCode: CodeOK, ConfID: in.ID, Conference: newConference(in)}, nil
}

// list is GET conferences (without members).
func (a *API) list(rq *request) (int, any, *apiError) {
	all := a.opt.Rooms.List()
	out := make([]Conference, 0, len(all))
	for _, in := range all {
		out = append(out, newConference(in))
	}
	return http.StatusOK, listResp{StatusCode: CodeOK, Conferences: out}, nil
}

// get is GET conferences/{confid}, with the members.
func (a *API) get(rq *request) (int, any, *apiError) {
	in, found := a.opt.Rooms.Get(rq.confID)
	if !found {
		return 0, nil, roomError(rooms.ErrNoRoom, rq.confID)
	}
	ms, e := a.memberList(rq.confID)
	if e != nil {
		return 0, nil, e
	}
	c := newConference(in)
	c.Members = ms
	return http.StatusOK, confResp{StatusCode: CodeOK, ConfID: in.ID, Conference: c}, nil
}

// members is GET conferences/{confid}/members.
func (a *API) members(rq *request) (int, any, *apiError) {
	ms, e := a.memberList(rq.confID)
	if e != nil {
		return 0, nil, e
	}
	return http.StatusOK, membersResp{StatusCode: CodeOK, ConfID: rq.confID, Members: ms}, nil
}

// memberList is the room id's members, with their numbers.
func (a *API) memberList(id string) ([]Member, *apiError) {
	ms, err := a.opt.Rooms.Members(id)
	if err != nil {
		return nil, roomError(err, id)
	}
	out := make([]Member, 0, len(ms))
	for _, m := range ms {
		out = append(out, Member{CallSid: m.CallID, Number: a.numberOf(m.CallID), Joined: m.Joined, Muted: m.Muted, Talking: m.Talking})
	}
	return out, nil
}

// numberOf is the number at the other end of the live call id ("" when
// unknown): the caller's for an inbound call, the one dialled for an
// outbound one.
func (a *API) numberOf(id string) string {
	if a.opt.Calls == nil {
		return ""
	}
	c, found := a.opt.Calls.Lookup(id)
	switch {
	case !found:
		return ""
	case c.Dir == event.Outbound:
		return c.To
	default:
		return c.From
	}
}

// invite is POST conferences/{confid}/invite: number is called and joins
// the room when it answers.
func (a *API) invite(rq *request) (int, any, *apiError) {
	var body inviteBody
	if e := decode(rq.w, rq.r, &body, false); e != nil {
		return 0, nil, e
	}
	if e := body.check(); e != nil {
		return 0, nil, e
	}
	if a.opt.Calls == nil {
		return 0, nil, fail(http.StatusServiceUnavailable, CodeUnavailable, "the box cannot place calls")
	}
	in, found := a.opt.Rooms.Get(rq.confID)
	if !found {
		return 0, nil, roomError(rooms.ErrNoRoom, rq.confID)
	}
	if in.MaxMembers > 0 && in.Members >= in.MaxMembers {
		return 0, nil, roomError(rooms.ErrFull, rq.confID)
	}
	c, err := a.opt.Calls.DialIVR(rq.r.Context(), IVRPrefix+rq.confID, body.Number, body.FromExt)
	if err != nil {
		return 0, nil, dialError(err)
	}
	a.log.Info("conf api: invited", "conf", rq.confID, "number", body.Number, "fromext", body.FromExt, "call", c.ID)
	return http.StatusOK, inviteResp{StatusCode: CodeOK, ConfID: rq.confID, CallSid: c.ID}, nil
}

// muteBy makes POST conferences/{confid}/members/{callSid}/mute (mute
// true) and .../unmute.
func (a *API) muteBy(mute bool) handler {
	return func(rq *request) (int, any, *apiError) {
		if e := decode(rq.w, rq.r, &struct{}{}, true); e != nil {
			return 0, nil, e
		}
		if err := a.opt.Rooms.Mute(rq.confID, rq.callID, mute); err != nil {
			return 0, nil, roomError(err, rq.confID)
		}
		a.log.Info("conf api: member muted", "conf", rq.confID, "call", rq.callID, "mute", mute)
		return http.StatusOK, ok, nil
	}
}

// kick is DELETE conferences/{confid}/members/{callSid}.
func (a *API) kick(rq *request) (int, any, *apiError) {
	if err := a.opt.Rooms.Kick(rq.confID, rq.callID); err != nil {
		return 0, nil, roomError(err, rq.confID)
	}
	a.log.Info("conf api: member kicked", "conf", rq.confID, "call", rq.callID)
	return http.StatusOK, ok, nil
}

// play is POST conferences/{confid}/play.
func (a *API) play(rq *request) (int, any, *apiError) {
	var body playBody
	if e := decode(rq.w, rq.r, &body, false); e != nil {
		return 0, nil, e
	}
	if e := body.check(); e != nil {
		return 0, nil, e
	}
	if err := a.opt.Rooms.Play(rq.r.Context(), rq.confID, body.Prompts); err != nil {
		return 0, nil, playError(err, rq.confID)
	}
	return http.StatusOK, ok, nil
}

// playError is roomError, but a prompt that cannot be had is the
// client's: 422 with the cause.
func playError(err error, id string) *apiError {
	e := roomError(err, id)
	if e.code == CodeInternal {
		e = &apiError{status: http.StatusUnprocessableEntity, code: CodePlay, msg: "the prompts cannot be played: " + err.Error(), field: "prompts", err: err}
	}
	return e
}

// end is DELETE conferences/{confid}: every member leaves, the room is
// deleted.
func (a *API) end(rq *request) (int, any, *apiError) {
	if err := a.opt.Rooms.End(rq.confID); err != nil {
		return 0, nil, roomError(err, rq.confID)
	}
	a.log.Info("conf api: conference ended", "conf", rq.confID, "remote", rq.r.RemoteAddr)
	return http.StatusOK, ok, nil
}

// record is POST conferences/{confid}/record: the room's mix is recorded
// into one file until DELETE, or the room's end.
func (a *API) record(rq *request) (int, any, *apiError) {
	if e := decode(rq.w, rq.r, &struct{}{}, true); e != nil {
		return 0, nil, e
	}
	file, err := a.opt.Rooms.Record(rq.confID)
	if err != nil {
		return 0, nil, roomError(err, rq.confID)
	}
	a.log.Info("conf api: recording", "conf", rq.confID, "file", file)
	return http.StatusOK, recordResp{StatusCode: CodeOK, ConfID: rq.confID, Recording: file}, nil
}

// stopRecord is DELETE conferences/{confid}/record; it answers once the
// file is final.
func (a *API) stopRecord(rq *request) (int, any, *apiError) {
	if err := a.opt.Rooms.StopRecord(rq.confID); err != nil {
		return 0, nil, roomError(err, rq.confID)
	}
	a.log.Info("conf api: recording stopped", "conf", rq.confID)
	return http.StatusOK, ok, nil
}
