package ws

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/ivrbox/ivrbox/api/internal/authlimit"
	"github.com/ivrbox/ivrbox/firmware/config"
)

// conn is one client connection.
type conn struct {
	a      *API
	id     uint64
	name   string // "ws:<id>", the controller's name on calls
	remote string
	base   string // scheme://host of the box as the client reached it, for links
	ws     *websocket.Conn
	ctx    context.Context
	cancel context.CancelFunc
	send   chan []byte
	subMu  sync.Mutex
	subs   map[string]*subscription // by id
	slow   atomic.Int32             // requests in flight on their own goroutines
	why    atomic.Pointer[string]
	code   atomic.Int32 // the close status; 0: normal closure
	wg     sync.WaitGroup
}

// tokenOf is the token a client presents: in the path (/ws/token/v1/<t>),
// ?token=, Authorization: Bearer, or X-Auth-Token.
func tokenOf(r *http.Request) string {
	if t := r.PathValue("token"); t != "" {
		return t
	}
	if t := r.URL.Query().Get("token"); t != "" {
		return t
	}
	if h := r.Header.Get("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return r.Header.Get("X-Auth-Token")
}

// serveWS authenticates, upgrades and serves one connection until it ends.
func (a *API) serveWS(w http.ResponseWriter, r *http.Request) {
	addr := authlimit.ClientAddr(r)
	if a.throttle.Blocked(addr) {
		a.authLog.Warn("ws: refused: too many failures", "remote", addr)
		http.Error(w, `{"error":{"code":429,"reason":"too-many","message":"too many failed attempts from this address; try again later"}}`, http.StatusTooManyRequests)
		return
	}
	raw := tokenOf(r)
	if raw == "" || !a.opt.Config().Cloud.TokenAllows(raw, config.APIWS) {
		a.throttle.Fail(addr)
		a.authLog.Warn("ws: refused: bad or missing token", "remote", addr)
		http.Error(w, `{"error":{"code":401,"reason":"unauthorized","message":"a token for the WebSocket API is required (?token= or Authorization: Bearer)"}}`, http.StatusUnauthorized)
		return
	}
	c, err := a.register(r)
	if err != nil {
		http.Error(w, `{"error":{"code":503,"reason":"unavailable","message":"`+err.Error()+`"}}`, http.StatusServiceUnavailable)
		return
	}
	defer a.wg.Done()
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: a.opt.OriginPatterns})
	if err != nil {
		a.authLog.Info("ws: upgrade failed", "remote", r.RemoteAddr, "err", err)
		a.unregister(c)
		return
	}
	ws.SetReadLimit(MaxMessage)
	c.ws = ws
	a.log.Info("ws: connected", "conn", c.id, "remote", c.remote)
	c.serve()
	a.unregister(c)
	a.log.Info("ws: disconnected", "conn", c.id, "remote", c.remote, "why", c.reason())
}

// register makes a connection's state, within MaxConns.
func (a *API) register(r *http.Request) (*conn, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case a.closed:
		return nil, errors.New("the box is shutting down")
	case len(a.conns) >= MaxConns:
		return nil, errors.New("too many connections (" + strconv.Itoa(MaxConns) + ")")
	}
	a.connSeq++
	ctx, cancel := context.WithCancel(context.Background())
	c := &conn{a: a, id: a.connSeq, remote: r.RemoteAddr, base: baseURL(r), ctx: ctx, cancel: cancel,
		send: make(chan []byte, SendQueue), subs: map[string]*subscription{}}
	c.name = "ws:" + strconv.FormatUint(c.id, 10)
	a.conns[c.id] = c
	a.wg.Add(1)
	return c, nil
}

// unregister forgets a closed connection; the calls it controlled are
// orphaned (their steps wait for a reaccept, then run their fallback).
func (a *API) unregister(c *conn) {
	c.stop("closed")
	a.mu.Lock()
	delete(a.conns, c.id)
	var owned []*session
	for _, s := range a.sessions {
		owned = append(owned, s)
	}
	a.mu.Unlock()
	for _, s := range owned {
		s.connGone(c)
	}
}

// baseURL is how the client reached the box, for the links it is given.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	if host == "" {
		host = "localhost"
	}
	return scheme + "://" + host
}

// serve runs the connection: the writer and the pinger on their own
// goroutines, the reader here. It returns when the connection is over and
// its goroutines have stopped.
func (c *conn) serve() {
	c.wg.Add(2)
	go c.writer()
	go c.pinger()
	c.reader()
	c.stop("closed")
	c.wg.Wait()
}

// stop ends the connection (once) with why.
func (c *conn) stop(why string) {
	c.why.CompareAndSwap(nil, &why)
	c.cancel()
}

func (c *conn) reason() string {
	if p := c.why.Load(); p != nil {
		return *p
	}
	return ""
}

// reader reads messages until the connection fails or ends.
func (c *conn) reader() {
	for {
		typ, data, err := c.ws.Read(c.ctx)
		if err != nil {
			var ce websocket.CloseError
			switch {
			case errors.As(err, &ce):
				c.stop("client closed: " + strconv.Itoa(int(ce.Code)))
			case websocket.CloseStatus(err) == -1 && strings.Contains(err.Error(), "read limited"):
				c.stop("message too big")
			default:
				c.stop("read: " + shortErr(err))
			}
			return
		}
		if typ != websocket.MessageText {
			c.reply(MsgError, nil, errf(CodeMalformed, "messages are JSON text frames"))
			continue
		}
		c.handle(data)
	}
}

// writer sends queued messages in order.
func (c *conn) writer() {
	defer c.wg.Done()
	defer func() {
		code := websocket.StatusNormalClosure
		if v := c.code.Load(); v != 0 {
			code = websocket.StatusCode(v)
		}
		_ = c.ws.Close(code, c.closeText())
	}()
	for {
		select {
		case <-c.ctx.Done():
			return
		case m := <-c.send:
			ctx, cancel := context.WithTimeout(c.ctx, 10*time.Second)
			err := c.ws.Write(ctx, websocket.MessageText, m)
			cancel()
			if err != nil {
				c.stop("write: " + shortErr(err))
				return
			}
		}
	}
}

func (c *conn) closeText() string {
	r := c.reason()
	if len(r) > 100 {
		r = r[:100]
	}
	return r
}

// pinger pings the client; one that does not answer within PingEvery is
// gone.
func (c *conn) pinger() {
	defer c.wg.Done()
	t := time.NewTicker(c.a.opt.PingEvery)
	defer t.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(c.ctx, c.a.opt.PingEvery)
			err := c.ws.Ping(ctx)
			cancel()
			if err != nil && c.ctx.Err() == nil {
				c.stop("no pong")
				return
			}
		}
	}
}

// queue hands a message to the writer without blocking; a client too slow
// to take its messages is disconnected.
func (c *conn) queue(m []byte) {
	if c.ctx.Err() != nil {
		return
	}
	select {
	case c.send <- m:
	default:
		c.a.log.Warn("ws: client too slow: disconnected", "conn", c.id, "queue", SendQueue)
		c.code.Store(int32(websocket.StatusPolicyViolation))
		c.stop("send queue full")
	}
}
