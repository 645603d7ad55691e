package sip

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/sip/sipptest"
)

// sippScenario is a UAC: INVITE with SDP, 200, ACK, a DTMF INFO, then it
// waits for our BYE and answers it.
const sippScenario = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="ivrbox interop">
  <send retrans="500">
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "SIPp" <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0 101
      a=rtpmap:0 PCMU/8000
      a=rtpmap:101 telephone-event/8000
    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200" rrs="true"/>
  <send>
    <![CDATA[
      ACK [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "SIPp" <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      [routes]
      Contact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <send retrans="500">
    <![CDATA[
      INFO [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "SIPp" <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 INFO
      [routes]
      Contact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>
      Max-Forwards: 70
      Content-Type: application/dtmf-relay
      Content-Length: [len]

      Signal=5
      Duration=160
    ]]>
  </send>
  <recv response="200"/>
  <recv request="BYE"/>
  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>
      Content-Length: 0
    ]]>
  </send>
</scenario>
`

// freePort returns a port that was free on 127.0.0.1 for network.
func freePort(t *testing.T, network string) int {
	t.Helper()
	if network == "udp" {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer pc.Close()
		return pc.LocalAddr().(*net.UDPAddr).Port
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestSIPp calls the server from SIPp: the call is answered, SIPp's INFO
// key reaches OnInfo, and our BYE reaches SIPp.
func TestSIPp(t *testing.T) {
	sipp := sipptest.NeedTool(t, "sipp")
	for _, tp := range []struct{ name, mode string }{{"udp", "u1"}, {"tcp", "t1"}} {
		t.Run(tp.name, func(t *testing.T) {
			dialogs := make(chan *Dialog, 1)
			s := startServer(t, HandlerFunc(func(ctx context.Context, d *Dialog) {
				dialogs <- d
				keys := make(chan byte, 1)
				d.OnInfo(func(k byte) { keys <- k })
				d.Ringing()
				if _, err := d.Answer(ctx, answerSDP(t, d, d.Offer(), 1)); err != nil {
					t.Errorf("Answer: %v", err)
					return
				}
				select {
				case k := <-keys:
					if k != '5' {
						t.Errorf("key %q, want '5'", k)
					}
				case <-ctx.Done():
					t.Error("no INFO key")
				}
				if err := d.Hangup(ctx); err != nil {
					t.Errorf("Hangup: %v", err)
				}
			}))
			dir := t.TempDir()
			scen := filepath.Join(dir, "uac.xml")
			if err := os.WriteFile(scen, []byte(sippScenario), 0o644); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, sipp, "-sf", scen, "-m", "1", "-timeout", "20s", "-timeout_error",
				"-nostdin", "-t", tp.mode, "-s", "6500", "-i", "127.0.0.1",
				"-p", strconv.Itoa(freePort(t, tp.name)), "-mp", strconv.Itoa(freePort(t, "udp")),
				"-trace_err", "-error_file", filepath.Join(dir, "errors.log"), s.Addr().String())
			if os.Getenv("SIP_TEST_LOG") != "" {
				cmd.Args = append(cmd.Args, "-trace_msg", "-message_file", filepath.Join(dir, "messages.log"))
				defer func() {
					msgs, _ := os.ReadFile(filepath.Join(dir, "messages.log"))
					t.Logf("SIPp messages:\n%s", msgs)
				}()
			}
			cmd.Dir = dir
			out, err := cmd.CombinedOutput()
			if err != nil {
				errs, _ := os.ReadFile(filepath.Join(dir, "errors.log"))
				t.Fatalf("sipp: %v\n%s\nerrors:\n%s", err, tail(out, 3000), errs)
			}
			waitDone(t, expect(t, dialogs, "dialog"), CauseHangup)
		})
	}
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
