// The caller of the cloud IVR tests: a sipgo user agent on loopback that
// knows its own SIP Call-ID and tags (which IvrStartedEvent must repeat) and
// hangs up when the test says so.

package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"
)

// sipCaller is one call placed to the box by a sipgo user agent, its audio
// carried by a peer (rtp_test.go).
type sipCaller struct {
	t       *testing.T
	ua      *sipgo.UserAgent
	conn    net.PacketConn
	serving sync.WaitGroup
	sess    *sipgo.DialogClientSession

	// The dialog's ids, as the caller sent and received them.
	callID, fromTag, toTag string

	byeOnce sync.Once
	bye     chan struct{} // closed when the box sends BYE
	hungUp  bool          // the caller sent BYE
}

// dialBox calls number on the box from the user from (the caller's number),
// with an SDP offer of the peer's codec (p.pt: 0 PCMU, 8 PCMA) and
// telephone-event whose media port is p's, and
// returns once the call is answered and acknowledged. The call is hung up,
// if still up, when the test ends.
func dialBox(t *testing.T, b *box, number, from string, p *peer) *sipCaller {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("ivrbox-e2e-caller"),
		sipgo.WithUserAgentTransactionLayerOptions(sipmsg.WithTransactionLayerLogger(quiet),
			sipmsg.WithTransactionLayerUnhandledResponseHandler(func(*sipmsg.Response) {})),
		sipgo.WithUserAgentTransportLayerOptions(sipmsg.WithTransportLayerLogger(quiet)))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &sipCaller{t: t, ua: ua, conn: pc, bye: make(chan struct{})}
	c.serving.Go(func() { _ = srv.ServeUDP(pc) })
	t.Cleanup(c.close)
	laddr := pc.LocalAddr().String()
	waitUDPListener(t, ua, laddr)
	cli, err := sipgo.NewClient(ua, sipgo.WithClientConnectionAddr(laddr), sipgo.WithClientLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := sipmsg.ParseAddr(laddr)
	dc := sipgo.NewDialogClientCache(cli, sipmsg.ContactHeader{Address: sipmsg.Uri{Scheme: "sip", User: from, Host: host, Port: port}})
	srv.OnBye(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		c.byeOnce.Do(func() { close(c.bye) })
		if err := dc.ReadBye(req, tx); err != nil {
			_ = tx.Respond(sipmsg.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
		}
	})
	fromHdr := &sipmsg.FromHeader{DisplayName: "Caller", Address: sipmsg.Uri{Scheme: "sip", User: from, Host: "127.0.0.1"}}
	fromHdr.Params.Add("tag", sipmsg.GenerateTagN(12))
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	codec := map[uint8]string{0: "PCMU", 8: "PCMA"}[p.pt]
	sdp := fmt.Sprintf("v=0\r\no=caller 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"+
		"m=audio %d RTP/AVP %d 101\r\na=rtpmap:%d %s/8000\r\na=rtpmap:101 telephone-event/8000\r\n"+
		"a=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n", p.port(), p.pt, p.pt, codec)
	target := sipmsg.Uri{Scheme: "sip", User: number, Host: "127.0.0.1", Port: b.sipPort}
	sess, err := dc.Invite(ctx, target, []byte(sdp), fromHdr, sipmsg.NewHeader("Content-Type", "application/sdp"))
	if err != nil {
		t.Fatalf("INVITE %s: %v", number, err)
	}
	if err := sess.WaitAnswer(ctx, sipgo.AnswerOptions{}); err != nil {
		t.Fatalf("INVITE %s: not answered: %v", number, err)
	}
	if err := sess.Ack(ctx); err != nil {
		t.Fatalf("ACK: %v", err)
	}
	c.sess = sess
	c.callID = sess.InviteRequest.CallID().Value()
	c.fromTag, _ = sess.InviteRequest.From().Params.Get("tag")
	c.toTag, _ = sess.InviteResponse.To().Params.Get("tag")
	if c.callID == "" || c.fromTag == "" || c.toTag == "" {
		t.Fatalf("dialog ids: Call-ID %q, From tag %q, To tag %q", c.callID, c.fromTag, c.toTag)
	}
	return c
}

// hangup sends BYE and waits for its answer.
func (c *sipCaller) hangup() {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c.hungUp = true
	if err := c.sess.Bye(ctx); err != nil {
		c.t.Fatalf("BYE: %v", err)
	}
}

// waitBye waits until the box hangs up (sends BYE) and fails the test if it
// does not within d.
func (c *sipCaller) waitBye(d time.Duration) {
	c.t.Helper()
	select {
	case <-c.bye:
	case <-time.After(d):
		c.t.Fatalf("the box did not hang up within %v", d)
	}
}

// close hangs up a call still up (best effort) and stops the user agent.
func (c *sipCaller) close() {
	select {
	case <-c.bye:
	default:
		if c.sess != nil && !c.hungUp {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			_ = c.sess.Bye(ctx)
			cancel()
		}
	}
	c.conn.Close() // stop reading first: sipgo may open sockets to answer what it reads after Close
	c.serving.Wait()
	c.ua.Close()
}

// waitUDPListener waits until sipgo has registered the UDP listener at addr,
// so the requests the client sends leave from it.
func waitUDPListener(t *testing.T, ua *sipgo.UserAgent, addr string) {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
	for {
		if c, err := ua.TransportLayer().GetConnection("udp", addr); err == nil {
			c.TryClose()
			return
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("UDP listener %s not registered", addr)
		}
	}
}
