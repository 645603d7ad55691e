package ws

import (
	"encoding/json"
	"runtime/debug"
)

// handler answers one request kind; slow ones run on their own goroutine.
type handler struct {
	do   func(c *conn, f frame) (any, *Error)
	slow bool
}

// handlers are the requests by name.
var handlers map[string]handler

func init() {
	handlers = map[string]handler{
		MsgSubscribe: {do: (*conn).subscribe},
		MsgUnsub:     {do: (*conn).unsubscribe},
		MsgPing:      {do: (*conn).ping},
		MsgConnInfo:  {do: (*conn).connectionInfo},
		MsgAccept:    {do: (*conn).accept},
		MsgReaccept:  {do: (*conn).reaccept},
		MsgAbort:     {do: (*conn).abort},
		MsgApply:     {do: (*conn).apply, slow: true},
		MsgTerminate: {do: (*conn).terminate},
		MsgGetPath:   {do: (*conn).getPath},
		MsgUpTemp:    {do: (*conn).uploadTemp, slow: true},
		MsgUpStatic:  {do: (*conn).uploadStatic, slow: true},
		MsgUpStatic2: {do: (*conn).uploadStatic, slow: true},
	}
}

// deferred is what a handler returns when it answers later itself (a
// terminate answers once the component has stopped).
type deferred struct{}

// handle answers one message.
func (c *conn) handle(data []byte) {
	f, e := parseFrame(data)
	if e != nil {
		name := MsgError
		if f.name != "" {
			name = f.name + resultSuffix
		}
		c.a.authLog.Info("ws: malformed message", "conn", c.id, "err", e.Message)
		c.reply(name, f.qid, e)
		return
	}
	h, ok := handlers[f.name]
	if !ok {
		c.reply(f.name+resultSuffix, f.qid, errr(CodeNotFound, "unknown-request", "no request is named %.64q", f.name))
		return
	}
	if !h.slow {
		c.run(h, f)
		return
	}
	if c.slow.Add(1) > MaxInFlight {
		c.slow.Add(-1)
		c.reply(f.name+resultSuffix, f.qid, errf(CodeTooMany, "at most %d slow requests (applies, uploads) at once per connection", MaxInFlight))
		return
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		defer c.slow.Add(-1)
		c.run(h, f)
	}()
}

// run calls the handler, answers, and turns a panic into an internal error.
func (c *conn) run(h handler, f frame) {
	defer func() {
		if p := recover(); p != nil {
			c.a.log.Error("ws: request panicked", "conn", c.id, "request", f.name, "panic", p, "stack", string(debug.Stack()))
			c.reply(f.name+resultSuffix, f.qid, errf(CodeInternal, "internal error"))
		}
	}()
	v, e := h.do(c, f)
	if _, later := v.(deferred); later && e == nil {
		return
	}
	c.replyWith(f.name+resultSuffix, f.qid, v, e)
}

// reply answers a request with an error (or a bare success when e is nil).
func (c *conn) reply(name string, qid json.RawMessage, e *Error) { c.replyWith(name, qid, nil, e) }

// replyWith answers a request: {"qid": …} plus the fields of v (a
// map[string]any) on success, or {"qid": …, "error": {…}}.
func (c *conn) replyWith(name string, qid json.RawMessage, v any, e *Error) {
	out := map[string]any{"qid": rawOrNull(qid)}
	if e != nil {
		out["error"] = errorBody{Code: e.Code, Reason: e.Reason, Message: e.Message}
	} else if m, ok := v.(map[string]any); ok {
		for k, x := range m {
			out[k] = x
		}
	}
	c.queue(encode(name, out))
}

func rawOrNull(q json.RawMessage) json.RawMessage {
	if len(q) == 0 {
		return json.RawMessage("null")
	}
	return q
}

func (c *conn) ping(f frame) (any, *Error) {
	return map[string]any{"result": "pong", "ts": c.a.eventTS()}, nil
}

// connectionInfo answers connection_info: who the connection is and what
// it can do.
func (c *conn) connectionInfo(f frame) (any, *Error) {
	now := c.a.opt.Now()
	return map[string]any{"result": "ok", "ownertype": "token", "connectionid": c.name,
		"capabilities": []string{"ivrapi", "subscr"}, "datetime": now.UTC().Format("2006-01-02T15:04:05.000Z"),
		"timestamp": now.UnixMilli()}, nil
}
