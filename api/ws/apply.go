package ws

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/ivrbox/ivrbox/api/ws/files"
	"github.com/ivrbox/ivrbox/firmware/call"
)

// The component types (the Era platform's oType) the box runs.
const (
	OTypeHangup   = 201 // bye
	OTypeTransfer = 203 // refer: number, reinviteMode
	OTypePlay     = 204 // play: mode, file
	OTypeDTMF     = 206 // DTMF input: timeoutSec, symbolTimeoutSec, maxSymbolCount, interruptSymbols
	OTypeRecord   = 208 // record: recTimeSec, maxSymbolCount, interruptSymbols, abortOnSilence
)

// The exit branches of ivrapi_component_stopped (transferKey).
const (
	ExitNormal  = "transfer"
	ExitTimeout = "transferTimeout"
	ExitError   = "transferError"
)

// applyReq is the body of ivrapi_component_apply.
type applyReq struct {
	Key   string          `json:"key"`
	IVRID string          `json:"ivrid"`
	Data  json.RawMessage `json:"data"`
}

// component is the one component running on a session.
type component struct {
	seq        int // the API's own number of it, in the command's tag
	oID        int
	oType      int
	conn       *conn
	stopKeys   string // keys that end a play (anyKey: every key)
	anyKey     bool
	maxKeys    int // record: keys that end it (0: no limit)
	keys       []byte
	byKey      bool // the API stopped it for a key
	terminated bool
	terminates []*pending
	temp       string
}

// pending is a request answered later (a terminate).
type pending struct {
	c    *conn
	name string
	qid  json.RawMessage
}

// apply runs a component on a call the connection controls.
func (c *conn) apply(f frame) (any, *Error) {
	var r applyReq
	if e := f.decode(&r); e != nil {
		return nil, e
	}
	if r.Key == "" {
		return nil, errf(CodeMalformed, "key is required (the key of api_start)")
	}
	if len(r.Data) == 0 || r.Data[0] != '{' {
		return nil, errf(CodeMalformed, "data must be an object with the component's oType and settings")
	}
	var d compData
	if err := json.Unmarshal(r.Data, &d); err != nil {
		return nil, errf(CodeMalformed, "data: %s", shortErr(err))
	}
	s, e := c.a.byIVRID(r.IVRID)
	if e != nil {
		return nil, e
	}
	st, _, e := s.owned(c, r.Key)
	if e != nil {
		return nil, e
	}
	p, e := c.plan(d, st)
	if e != nil {
		return nil, e
	}
	return s.run(c, f, r.Key, p)
}

// plan is a component ready to run: a command, or an action at once.
type plan struct {
	oType   int
	oID     int
	cmd     *call.Command
	number  string // transfer
	comp    component
	summary string
}

// run starts the plan on the session, within its order of control
// requests.
func (s *session) run(c *conn, f frame, key string, p plan) (any, *Error) {
	s.ctlMu.Lock()
	defer s.ctlMu.Unlock()
	st, ctl, e := s.owned(c, key)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	if s.comp != nil {
		oid := s.comp.oID
		s.mu.Unlock()
		return nil, errr(CodeConflict, "component-running", "component %d still runs on %s: wait for its ivrapi_component_stopped or terminate it", oid, s.ivrid)
	}
	s.oSeq++
	ok := map[string]any{"result": "ok", "oId": p.oID}
	if p.cmd == nil {
		s.mu.Unlock()
		c.replyWith(f.name+resultSuffix, f.qid, ok, nil)
		s.act(c, p)
		return deferred{}, nil
	}
	comp := p.comp
	comp.seq, comp.oID, comp.oType, comp.conn, comp.temp = s.oSeq, p.oID, p.oType, c, st.temp
	p.cmd.Tag = "ws:" + strconv.Itoa(comp.seq)
	s.comp = &comp
	// s.mu is held while submitting so that the component's result (on the
	// call's executor) waits for the answer to be queued first.
	if _, err := ctl.Submit(*p.cmd); err != nil {
		s.comp = nil
		s.mu.Unlock()
		return nil, fromCall(err)
	}
	c.replyWith(f.name+resultSuffix, f.qid, ok, nil)
	s.mu.Unlock()
	s.a.log.Info("ws: component", "ivrid", s.ivrid, "conn", c.id, "oType", p.oType, "oId", p.oID, "what", p.summary)
	return deferred{}, nil
}

// act runs a component that is an action on the call (hang up,
// transfer): it has ended once the action is under way.
func (s *session) act(c *conn, p plan) {
	ctx, cancel := context.WithTimeout(c.ctx, FetchTimeout)
	defer cancel()
	var err error
	switch p.oType {
	case OTypeHangup:
		c.queue(encode(MsgStopped, stopped{OID: p.oID, TransferKey: ExitNormal, Results: map[string]any{}}))
		err = s.a.opt.Calls.Hangup(ctx, s.callID, call.CauseAPI)
	case OTypeTransfer:
		err = s.a.opt.Calls.Transfer(ctx, s.callID, p.number, "")
		if err == nil {
			c.queue(encode(MsgStopped, stopped{OID: p.oID, TransferKey: ExitNormal, Results: map[string]any{"number": p.number}}))
		}
	}
	s.a.log.Info("ws: component", "ivrid", s.ivrid, "conn", c.id, "oType", p.oType, "what", p.summary, "err", err)
	if err != nil && p.oType == OTypeTransfer {
		e := fromCall(err)
		c.queue(encode(MsgStopped, stopped{OID: p.oID, TransferKey: ExitError,
			Results: map[string]any{"error": e.Reason, "message": e.Message}}))
	}
}

// stopped is ivrapi_component_stopped.
type stopped struct {
	OID         int            `json:"oId"`
	TransferKey string         `json:"transferKey"`
	Results     map[string]any `json:"results"`
}

// onKey hears a key while the session's control owns the call: it ends a
// play on its interrupt keys and a record at maxSymbolCount.
func (s *session) onKey(key string, _ uint64) {
	s.mu.Lock()
	comp, ctl := s.comp, s.ctl
	if comp == nil || ctl == nil || comp.byKey || len(key) != 1 {
		s.mu.Unlock()
		return
	}
	if len(comp.keys) < call.MaxCollect {
		comp.keys = append(comp.keys, key[0])
	}
	stop := false
	switch comp.oType {
	case OTypePlay:
		stop = comp.anyKey || strings.Contains(comp.stopKeys, key)
	case OTypeRecord:
		stop = comp.maxKeys > 0 && len(comp.keys) >= comp.maxKeys
	}
	comp.byKey = stop
	s.mu.Unlock()
	if stop {
		ctl.Stop()
	}
}

// onResult hears a component's end and tells the connection that applied
// it (ivrapi_component_stopped), then answers its terminates.
func (s *session) onResult(res call.Result) {
	seq, ok := strings.CutPrefix(res.Tag, "ws:")
	if !ok {
		return
	}
	s.mu.Lock()
	comp := s.comp
	if comp == nil || strconv.Itoa(comp.seq) != seq {
		s.mu.Unlock()
		return
	}
	s.comp = nil
	s.mu.Unlock()
	ev := s.stoppedOf(comp, res)
	comp.conn.queue(encode(MsgStopped, ev))
	for _, p := range comp.terminates {
		p.c.replyWith(p.name, p.qid, map[string]any{"result": "ok"}, nil)
	}
}

// stoppedOf is the event of a component's end.
func (s *session) stoppedOf(comp *component, res call.Result) stopped {
	ev := stopped{OID: comp.oID, TransferKey: ExitNormal, Results: map[string]any{"dtmfBuffer": string(comp.keys)}}
	if comp.terminated {
		ev.Results["terminated"] = true
	}
	switch res.Status {
	case call.StatusFailed, call.StatusHungUp:
		ev.TransferKey = ExitError
		ev.Results["error"] = string(res.Status)
		if res.Reason != "" {
			ev.Results["message"] = res.Reason
		}
	case call.StatusTimeout:
		ev.TransferKey = ExitTimeout
	}
	switch comp.oType {
	case OTypeDTMF:
		ev.Results["dtmfBuffer"] = res.Digits
		if res.Key != "" {
			ev.Results["interruptSymbol"] = res.Key
		}
	case OTypeRecord:
		if res.File != "" {
			name := "ivr_" + pad6(comp.seq) + "_" + strconv.FormatInt(s.a.eventTS(), 10) + ".wav"
			p := s.a.opt.Files.AddRecording(comp.temp, name, res.File)
			ev.Results["nameVar"], ev.Results["path"] = p.String(), p.String()
			ev.Results["duration"] = res.Length.Seconds()
		}
		if res.Key != "" {
			ev.Results["interruptSymbol"] = res.Key
		}
	}
	return ev
}

func pad6(n int) string {
	s := strconv.Itoa(n)
	for len(s) < 6 {
		s = "0" + s
	}
	return s
}

// resolve turns a component's file paths into prompt names, and checks
// that they load.
func (c *conn) resolve(st *step, paths []string) ([]string, *Error) {
	names := make([]string, 0, len(paths))
	for _, raw := range paths {
		p, err := files.Parse(raw)
		if err != nil {
			return nil, fromFiles(err)
		}
		name, err := c.a.opt.Files.PromptName(st.temp, p)
		if err != nil {
			return nil, fromFiles(err)
		}
		ctx, cancel := context.WithTimeout(c.ctx, c.a.opt.MediaTimeout)
		_, err = c.a.opt.Prompts.Get(ctx, name)
		cancel()
		if err != nil {
			return nil, errr(CodeNotFound, "no-file", "%.80s cannot be played: %s", raw, shortErr(err))
		}
		names = append(names, name)
	}
	return names, nil
}
