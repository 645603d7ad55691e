package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// sippScenario places a call, streams µ-law silence (SIPp's rtp_stream) for
// the hold time and hangs up.
const sippScenario = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="ivrbox-load">
<send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
From: <sip:load@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:load@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=sipp 1 1 IN IP4 [local_ip]
s=-
c=IN IP4 [media_ip]
t=0 0
m=audio [auto_media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000
a=ptime:20
]]></send>
<recv response="100" optional="true"/>
<recv response="180" optional="true"/>
<recv response="200" rrs="true"/>
<send><![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
From: <sip:load@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0
]]></send>
<nop><action><exec rtp_stream="%s,-1,0"/></action></nop>
<pause milliseconds="%d"/>
<send retrans="500"><![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
From: <sip:load@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 2 BYE
Max-Forwards: 70
Content-Length: 0
]]></send>
<recv response="200"/>
</scenario>
`

// sippRun places n calls with SIPp (all up at once for hold), measures the
// box's CPU while they are up, and prints SIPp's verdict.
func sippRun(ctx context.Context, b *box, n int, hold time.Duration) error {
	if _, err := exec.LookPath("sipp"); err != nil {
		return fmt.Errorf("sipp not installed")
	}
	dir, err := os.MkdirTemp("", "ivrbox-sipp")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	silence := filepath.Join(dir, "silence.ulaw")
	if err := os.WriteFile(silence, bytes.Repeat([]byte{0xFF}, 8000), 0o644); err != nil {
		return err
	}
	sf := filepath.Join(dir, "load.xml")
	if err := os.WriteFile(sf, fmt.Appendf(nil, sippScenario, silence, hold.Milliseconds()), 0o644); err != nil {
		return err
	}
	rate := max(n/5, 1)
	cmd := exec.CommandContext(ctx, "sipp", b.sipAddr, "-sf", sf, "-s", "7000", "-m", fmt.Sprint(n),
		"-l", fmt.Sprint(n), "-r", fmt.Sprint(rate), "-i", "127.0.0.1", "-mi", "127.0.0.1", "-mp", "40000",
		"-timeout", fmt.Sprint(int(hold.Seconds())+60)+"s",
		"-nostdin", "-trace_stat", "-stf", filepath.Join(dir, "stat.csv"))
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return err
	}
	time.Sleep(6*time.Second + hold/4) // ramp (5 s) then measure mid-hold
	cpu := b.cpuPercent(hold / 4)
	rss := b.rssMB()
	err = cmd.Wait()
	verdict := "all calls succeeded"
	if err != nil {
		verdict = "failed calls: " + lastLines(out.String(), 5)
	}
	fmt.Printf("SIPp cross-check: %d calls, ivrbox CPU %.1f%% (%.0f calls per core), RSS %.1f MB, %s\n",
		n, cpu, float64(n)/(cpu/100), rss, verdict)
	return nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
