package sip

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"
)

// wait is how long tests wait for something that should happen promptly.
const wait = 10 * time.Second

func TestMain(m *testing.M) {
	// Shorter SIP timers keep the 64*T1 waits (ACK timeout) test-sized.
	sipmsg.SetTimers(100*time.Millisecond, 800*time.Millisecond, time.Second)
	SetLibraryLogger(testLog())
	os.Exit(m.Run())
}

// testLog discards logs unless SIP_TEST_LOG is set.
func testLog() *slog.Logger {
	if os.Getenv("SIP_TEST_LOG") == "" {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// startServer runs a Server on 127.0.0.1 until the test ends.
func startServer(t *testing.T, h Handler) *Server {
	t.Helper()
	s, err := NewServer(Options{Addr: "127.0.0.1:0", UserAgent: "ivrbox/test", Log: testLog()}, h)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	select {
	case <-s.Ready():
	case err := <-done:
		t.Fatalf("Run: %v", err)
	case <-time.After(wait):
		t.Fatal("server not ready")
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return s
}

// uac is a sipgo user agent that places calls to the server under test and
// takes the requests the server sends back (BYE).
type uac struct {
	t         *testing.T
	ua        *sipgo.UserAgent
	cli       *sipgo.Client
	dc        *sipgo.DialogClientCache
	transport string
	target    string // server host:port
	byes      chan *sipmsg.Request
	closer    io.Closer
	serving   sync.WaitGroup
	onStatus  func(code int) // sees each INVITE response status, if set
	notifyMu  sync.Mutex
	notify    func(*sipmsg.Request) // sees each NOTIFY, if set
}

// onNotify sets the function that sees NOTIFYs sent to the UAC.
func (u *uac) onNotify(f func(*sipmsg.Request)) {
	u.notifyMu.Lock()
	u.notify = f
	u.notifyMu.Unlock()
}

func newUAC(t *testing.T, transport string, server *Server) *uac {
	t.Helper()
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("test-uac"),
		sipgo.WithUserAgentTransactionLayerOptions(sipmsg.WithTransactionLayerLogger(testLog()),
			sipmsg.WithTransactionLayerUnhandledResponseHandler(func(*sipmsg.Response) {})),
		sipgo.WithUserAgentTransportLayerOptions(sipmsg.WithTransportLayerLogger(testLog())))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(testLog()))
	if err != nil {
		t.Fatal(err)
	}
	u := &uac{t: t, ua: ua, transport: transport, target: server.Addr().String(), byes: make(chan *sipmsg.Request, 4)}
	var laddr string
	var opts []sipgo.ClientOption
	switch transport {
	case "udp":
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		laddr, u.closer = pc.LocalAddr().String(), pc
		opts = append(opts, sipgo.WithClientConnectionAddr(laddr)) // send from the listener
		u.serving.Go(func() { srv.ServeUDP(pc) })
		waitListener(t, ua, laddr) // requests must leave from this socket
	default:
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		laddr, u.closer = l.Addr().String(), l
		u.serving.Go(func() { srv.ServeTCP(l) })
	}
	opts = append(opts, sipgo.WithClientLogger(testLog()))
	if u.cli, err = sipgo.NewClient(ua, opts...); err != nil {
		t.Fatal(err)
	}
	host, port, _ := sipmsg.ParseAddr(laddr)
	contact := sipmsg.ContactHeader{Address: sipmsg.Uri{Scheme: "sip", User: "uac", Host: host, Port: port}}
	if transport == "tcp" {
		contact.Address.UriParams = sipmsg.HeaderParams{{K: "transport", V: "tcp"}}
	}
	u.dc = sipgo.NewDialogClientCache(u.cli, contact)
	srv.OnBye(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		u.byes <- req
		if err := u.dc.ReadBye(req, tx); err != nil {
			tx.Respond(sipmsg.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
		}
	})
	srv.OnNotify(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		u.notifyMu.Lock()
		f := u.notify
		u.notifyMu.Unlock()
		if f != nil {
			f(req)
		}
		tx.Respond(sipmsg.NewResponseFromRequest(req, 200, "OK", nil))
	})
	t.Cleanup(u.close)
	return u
}

// waitListener waits until sipgo has registered the UDP listener at addr.
func waitListener(t *testing.T, ua *sipgo.UserAgent, addr string) {
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		if c, err := ua.TransportLayer().GetConnection("udp", addr); err == nil {
			c.TryClose()
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("UDP listener %s not registered", addr)
}

func (u *uac) close() {
	u.closer.Close() // stop reading first: sipgo may open sockets to answer what it reads after Close
	u.serving.Wait()
	u.ua.Close()
}

// uri is the Request-URI for calling number at the server.
func (u *uac) uri(number string) sipmsg.Uri {
	host, port, _ := sipmsg.ParseAddr(u.target)
	uri := sipmsg.Uri{Scheme: "sip", User: number, Host: host, Port: port}
	if u.transport == "tcp" {
		uri.UriParams = sipmsg.HeaderParams{{K: "transport", V: "tcp"}}
	}
	return uri
}

// call sends an INVITE (with body as SDP if non-nil) and waits for the final
// response, recording every status seen.
func (u *uac) call(ctx context.Context, number string, body []byte) (*sipgo.DialogClientSession, []int, error) {
	var hdrs []sipmsg.Header
	from := &sipmsg.FromHeader{DisplayName: "Alice", Address: sipmsg.Uri{Scheme: "sip", User: "1001", Host: "127.0.0.1"}}
	from.Params.Add("tag", sipmsg.GenerateTagN(8))
	hdrs = append(hdrs, from)
	if body != nil {
		hdrs = append(hdrs, sipmsg.NewHeader("Content-Type", "application/sdp"))
	}
	sess, err := u.dc.Invite(ctx, u.uri(number), body, hdrs...)
	if err != nil {
		return nil, nil, err
	}
	var codes []int
	err = sess.WaitAnswer(ctx, sipgo.AnswerOptions{OnResponse: func(r *sipmsg.Response) error {
		codes = append(codes, r.StatusCode)
		if u.onStatus != nil {
			u.onStatus(r.StatusCode)
		}
		return nil
	}})
	return sess, codes, err
}

// request sends an in-dialog request and returns the final response.
func (u *uac) request(ctx context.Context, sess *sipgo.DialogClientSession, method sipmsg.RequestMethod, ctype string, body []byte) *sipmsg.Response {
	u.t.Helper()
	req := sipmsg.NewRequest(method, sess.InviteResponse.Contact().Address)
	if body != nil {
		req.AppendHeader(sipmsg.NewHeader("Content-Type", ctype))
		req.SetBody(body)
	}
	res, err := sess.Do(ctx, req)
	if err != nil {
		u.t.Fatalf("%s: %v", method, err)
	}
	return res
}

// ack acknowledges the 2xx of the last INVITE in sess, with an optional body.
func (u *uac) ack(ctx context.Context, sess *sipgo.DialogClientSession, body []byte) {
	u.t.Helper()
	req := sipmsg.NewRequest(sipmsg.ACK, sess.InviteResponse.Contact().Address)
	if body != nil {
		req.AppendHeader(sipmsg.NewHeader("Content-Type", "application/sdp"))
	}
	req.SetBody(body)
	if err := sess.WriteAck(ctx, req); err != nil {
		u.t.Fatalf("ACK: %v", err)
	}
}

// expect waits for a value on ch.
func expect[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(wait):
		t.Fatalf("timed out waiting for %s", what)
	}
	var zero T
	return zero
}

// waitDone waits for a dialog to end and checks its cause.
func waitDone(t *testing.T, d *Dialog, cause string) {
	t.Helper()
	select {
	case <-d.Done():
	case <-time.After(wait):
		t.Fatalf("dialog did not end (want cause %q)", cause)
	}
	if got := d.Cause(); got != cause {
		t.Errorf("Cause = %q, want %q", got, cause)
	}
}

// ourGoroutines returns the goroutines running this package's or sipgo's
// code, by id, other than test functions.
func ourGoroutines() map[string]string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	ours := map[string]string{}
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "firmware/sip.Test") {
			continue
		}
		if strings.Contains(g, "emiago/sipgo") || strings.Contains(g, "ivrbox/firmware/sip.") {
			id, _, _ := strings.Cut(strings.TrimPrefix(g, "goroutine "), " ")
			ours[id] = g
		}
	}
	return ours
}

// checkNoLeaks fails if goroutines of ours or sipgo's that were not in
// before outlive a grace period.
func checkNoLeaks(t *testing.T, before map[string]string) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		var leaked []string
		for id, g := range ourGoroutines() {
			if _, old := before[id]; !old {
				leaked = append(leaked, g)
			}
		}
		if len(leaked) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines leaked:\n%s", len(leaked), strings.Join(leaked, "\n\n"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// sdpOffer is a minimal offer from the UAC.
func sdpOffer(dir string) []byte {
	return []byte(fmt.Sprintf("v=0\r\no=uac 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"+
		"m=audio 40000 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\na=%s\r\n", dir))
}
