// The client of the WebSocket ivrapi tests (docs/API-WS.md): a connection
// to the box's /ws with a token, a reader that keeps every message the box
// sends, requests answered by their qid, and waits on messages and events
// with deadlines.

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// wsMsg is one message the box sent: ["name", {...}].
type wsMsg struct {
	name string
	body map[string]any // numbers as json.Number
	raw  string
	at   time.Time // when it arrived
}

// str returns the body's key as a string.
func (m wsMsg) str(key string) string { return anyStr(m.body[key]) }

// data is the data object of a notify.
func (m wsMsg) data() map[string]any { d, _ := m.body["data"].(map[string]any); return d }

// results is the results object of ivrapi_component_stopped.
func (m wsMsg) results() map[string]any { r, _ := m.body["results"].(map[string]any); return r }

// wsErr is the error object of a refused request ("" when there is none).
type wsErr struct{ code, reason, message string }

// refusal returns the message's error object, and whether it has one.
func (m wsMsg) refusal() (wsErr, bool) {
	e, ok := m.body["error"].(map[string]any)
	if !ok {
		return wsErr{}, false
	}
	return wsErr{anyStr(e["code"]), anyStr(e["reason"]), anyStr(e["message"])}, true
}

// wsClient is one connection to the box's WebSocket API.
type wsClient struct {
	t    *testing.T
	name string // in messages: "A", "B"
	ws   *websocket.Conn
	qid  int

	mu   sync.Mutex
	msgs []wsMsg
	bad  []string      // frames that are not a text [name, object]
	more chan struct{} // closed and renewed on every message and when the reader ends
	err  error         // why the reader stopped; nil while it reads
	done chan struct{} // closed when the reader has stopped
}

// wsURL is the API's address on the box with token ("": none).
func wsURL(b *box, token string) string {
	u := fmt.Sprintf("ws://127.0.0.1:%d/ws", b.httpPort)
	if token != "" {
		u += "?token=" + url.QueryEscape(token)
	}
	return u
}

// dialWS connects to the box with token and starts reading; the connection
// is closed when the test ends.
func dialWS(t *testing.T, b *box, name, token string) *wsClient {
	t.Helper()
	return dialWSWith(t, name, wsURL(b, token), nil)
}

// dialWSWith connects to rawURL with the request headers header.
func dialWSWith(t *testing.T, name, rawURL string, header http.Header) *wsClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, resp, err := websocket.Dial(ctx, rawURL, &websocket.DialOptions{HTTPHeader: header})
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("ws %s: dial: HTTP %d: %v", name, status, err)
	}
	ws.SetReadLimit(1 << 20)
	c := &wsClient{t: t, name: name, ws: ws, more: make(chan struct{}), done: make(chan struct{})}
	go c.read()
	t.Cleanup(c.close)
	return c
}

// dialRefused tries to connect with url and returns the HTTP status and
// body of the refusal; it fails the test if the upgrade succeeds.
func dialRefused(t *testing.T, rawURL string, header http.Header) (int, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, resp, err := websocket.Dial(ctx, rawURL, &websocket.DialOptions{HTTPHeader: header})
	if err == nil {
		ws.CloseNow()
		t.Fatalf("ws dial %s: connected, want a refusal", rawURL)
	}
	if resp == nil {
		t.Fatalf("ws dial %s: %v, without an HTTP answer", rawURL, err)
	}
	var body []byte
	if resp.Body != nil {
		body, _ = io.ReadAll(resp.Body)
	}
	return resp.StatusCode, body
}

// read keeps every message until the connection ends.
func (c *wsClient) read() {
	defer close(c.done)
	for {
		typ, data, err := c.ws.Read(context.Background())
		c.mu.Lock()
		if err != nil {
			c.err = err
			close(c.more)
			c.more = make(chan struct{})
			c.mu.Unlock()
			return
		}
		m, ok := parseWSMsg(data)
		if typ != websocket.MessageText || !ok {
			c.bad = append(c.bad, fmt.Sprintf("%v %.200s", typ, data))
		} else {
			c.msgs = append(c.msgs, m)
		}
		close(c.more)
		c.more = make(chan struct{})
		c.mu.Unlock()
	}
}

// parseWSMsg reads ["name", {...}].
func parseWSMsg(data []byte) (wsMsg, bool) {
	var parts []json.RawMessage
	if json.Unmarshal(data, &parts) != nil || len(parts) != 2 {
		return wsMsg{}, false
	}
	m := wsMsg{raw: string(data), at: time.Now()}
	if json.Unmarshal(parts[0], &m.name) != nil || m.name == "" {
		return wsMsg{}, false
	}
	dec := json.NewDecoder(bytes.NewReader(parts[1]))
	dec.UseNumber()
	if dec.Decode(&m.body) != nil || m.body == nil {
		return wsMsg{}, false
	}
	return m, true
}

// close closes the connection normally (if still open), waits for the
// reader and reports frames that broke the protocol.
func (c *wsClient) close() {
	_ = c.ws.Close(websocket.StatusNormalClosure, "")
	<-c.done
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.bad) > 0 {
		c.t.Errorf("ws %s: the box sent frames that are not a text [name, object]: %q", c.name, c.bad)
	}
}

// cut drops the connection without a close frame (the TCP connection is
// closed under it) and waits for the reader.
func (c *wsClient) cut() {
	_ = c.ws.CloseNow()
	<-c.done
}

// sendRaw sends one text frame as it is.
func (c *wsClient) sendRaw(text string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, []byte(text)); err != nil {
		c.t.Fatalf("ws %s: write: %v", c.name, err)
	}
}

// send sends ["name", body] with a new qid (a number, unique on the
// connection) and returns the qid as the box echoes it.
func (c *wsClient) send(name string, body map[string]any) string {
	c.t.Helper()
	c.qid++
	m := map[string]any{"qid": c.qid}
	for k, v := range body {
		m[k] = v
	}
	data, err := json.Marshal([2]any{name, m})
	if err != nil {
		c.t.Fatal(err)
	}
	c.sendRaw(string(data))
	return strconv.Itoa(c.qid)
}

// request sends ["name", body] and returns the body of its answer,
// <name>_result with the same qid.
func (c *wsClient) request(name string, body map[string]any) map[string]any {
	c.t.Helper()
	return c.answer(name, c.send(name, body)).body
}

// answer waits for the answer to the request name sent with qid.
func (c *wsClient) answer(name, qid string) wsMsg {
	c.t.Helper()
	m, _ := c.waitFor(15*time.Second, name+"_result qid "+qid, 0, func(m wsMsg) bool {
		return m.name == name+"_result" && m.str("qid") == qid
	})
	return m
}

// ok sends a request and fails the test unless it is answered without an
// error; it returns the answer.
func (c *wsClient) ok(name string, body map[string]any) wsMsg {
	c.t.Helper()
	m := c.answer(name, c.send(name, body))
	if e, refused := m.refusal(); refused {
		c.t.Fatalf("ws %s: %s %s: refused %s %s: %s", c.name, name, jsonText(body), e.code, e.reason, e.message)
	}
	return m
}

// refused sends a request and reports (the test goes on) unless it is
// refused with code and reason in the documented shape, {"qid": …,
// "error": {"code", "reason", "message"}}.
func (c *wsClient) refused(name string, body map[string]any, code int, reason string) wsMsg {
	c.t.Helper()
	m := c.answer(name, c.send(name, body))
	checkRefusal(c.t, c.name+": "+name+" "+jsonText(body), m, code, reason)
	return m
}

// checkRefusal reports unless m is an error answer with code and reason.
func checkRefusal(t *testing.T, what string, m wsMsg, code int, reason string) {
	t.Helper()
	e, ok := m.refusal()
	switch {
	case !ok:
		t.Errorf("%s: answered %s, want error %d %s", what, m.raw, code, reason)
	case e.code != strconv.Itoa(code) || e.reason != reason || e.message == "":
		t.Errorf("%s: error %s, want code %d, reason %q and a message", what, m.raw, code, reason)
	}
	if body, isObj := m.body["error"].(map[string]any); isObj {
		if _, isNum := body["code"].(json.Number); !isNum {
			t.Errorf("%s: error code %v is not a JSON number", what, body["code"])
		}
	}
	if _, has := m.body["result"]; has {
		t.Errorf("%s: an error answer with a result: %s", what, m.raw)
	}
}

// jsonText shows a request body in messages.
func jsonText(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}

// mark is the number of messages received so far: waits from it see only
// what comes after.
func (c *wsClient) mark() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.msgs)
}

// messages returns the messages received so far.
func (c *wsClient) messages() []wsMsg {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]wsMsg(nil), c.msgs...)
}

// waitFor waits, up to d, for the first message from index from on that
// match accepts, and returns it with its index. It fails the test if none
// comes, or the connection ends first.
func (c *wsClient) waitFor(d time.Duration, what string, from int, match func(wsMsg) bool) (wsMsg, int) {
	c.t.Helper()
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		for i := from; i < len(c.msgs); i++ {
			if match(c.msgs[i]) {
				m := c.msgs[i]
				c.mu.Unlock()
				return m, i
			}
		}
		from = len(c.msgs)
		more, err := c.more, c.err
		c.mu.Unlock()
		if err != nil {
			c.t.Fatalf("ws %s: the connection ended (%v) before %s; received:\n%s", c.name, err, what, c.dump())
		}
		select {
		case <-more:
		case <-deadline.C:
			c.t.Fatalf("ws %s: no %s within %v; received:\n%s", c.name, what, d, c.dump())
		}
	}
}

// waitMsg waits for a message name (from the first one received) that
// pred (nil: any) accepts.
func (c *wsClient) waitMsg(d time.Duration, name string, pred func(wsMsg) bool) wsMsg {
	c.t.Helper()
	m, _ := c.waitFor(d, name, 0, func(m wsMsg) bool { return m.name == name && (pred == nil || pred(m)) })
	return m
}

// waitNotify waits for an event ["notify", {"class", "type", "data"}] of
// class.typ whose data pred (nil: any) accepts, and returns it.
func (c *wsClient) waitNotify(d time.Duration, event string, pred func(data map[string]any) bool) wsMsg {
	c.t.Helper()
	class, typ, _ := strings.Cut(event, ".")
	m, _ := c.waitFor(d, "notify "+event, 0, func(m wsMsg) bool {
		return m.name == "notify" && m.str("class") == class && m.str("type") == typ && (pred == nil || pred(m.data()))
	})
	return m
}

// waitClosed waits, up to d, until the box has closed the connection and
// returns the reader's error (websocket.CloseStatus tells the status).
func (c *wsClient) waitClosed(d time.Duration) error {
	c.t.Helper()
	select {
	case <-c.done:
	case <-time.After(d):
		c.t.Fatalf("ws %s: the box did not close the connection within %v", c.name, d)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// count is how many messages named name (and accepted by pred, if not
// nil) have arrived.
func (c *wsClient) count(name string, pred func(wsMsg) bool) int {
	n := 0
	for _, m := range c.messages() {
		if m.name == name && (pred == nil || pred(m)) {
			n++
		}
	}
	return n
}

// dump shows the messages received, for failure messages.
func (c *wsClient) dump() string {
	var b strings.Builder
	for _, m := range c.messages() {
		fmt.Fprintf(&b, "  %s %s\n", m.at.Format("15:04:05.000"), m.raw)
	}
	if b.Len() == 0 {
		return "  nothing"
	}
	return b.String()
}
