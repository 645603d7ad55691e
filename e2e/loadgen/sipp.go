package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
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
<recv response="200" rrs="true" rtd="true"/>
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

// runSIPp runs one level with SIPp on a fresh box, the load generator's
// scenario: o.calls calls placed at o.rate, each streaming 20 ms µ-law
// packets while the box plays to it, held through the ramp and the window.
// The box's CPU is measured over the window once every call is up; the
// INVITE-to-200 times are SIPp's (whole milliseconds).
func runSIPp(ctx context.Context, o options) (levelResult, error) {
	if _, err := exec.LookPath("sipp"); err != nil {
		return levelResult{}, fmt.Errorf("sipp not installed")
	}
	dir, err := os.MkdirTemp("", "ivrbox-sipp")
	if err != nil {
		return levelResult{}, err
	}
	defer os.RemoveAll(dir)
	b, err := startBox(ctx, o, dir, "")
	if err != nil {
		return levelResult{}, err
	}
	defer b.stop()
	fmt.Printf("== SIPp, %d calls: ivrbox idle RSS %.1f MB\n", o.calls, b.rssMB())
	silence := filepath.Join(dir, "silence.ulaw")
	if err := os.WriteFile(silence, bytes.Repeat([]byte{0xFF}, 8000), 0o644); err != nil {
		return levelResult{}, err
	}
	ramp := time.Duration(o.calls) * time.Second / time.Duration(max(o.rate, 1))
	hold := ramp + o.window + 4*time.Second
	sf := filepath.Join(dir, "load.xml")
	if err := os.WriteFile(sf, fmt.Appendf(nil, sippScenario, silence, hold.Milliseconds()), 0o644); err != nil {
		return levelResult{}, err
	}
	cmd := exec.CommandContext(ctx, "sipp", b.sipAddr, "-sf", sf, "-s", benchIVR, "-m", fmt.Sprint(o.calls),
		"-l", fmt.Sprint(o.calls), "-r", fmt.Sprint(o.rate), "-i", "127.0.0.1", "-mi", "127.0.0.1",
		"-mp", fmt.Sprint(o.sippMedia), "-timeout", fmt.Sprint(int(hold.Seconds())+60)+"s",
		"-nostdin", "-trace_rtt", "-rtt_freq", "1")
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return levelResult{}, err
	}
	time.Sleep(ramp + 2*time.Second) // every call up
	cpu := b.measureCPU(o.window)
	r := levelResult{Generator: "sipp", Calls: o.calls, CPUPercent: cpu.box, RSSMB: b.rssMB(),
		PPSFromBox: -1, PPSToBox: -1, Resent: -1, JitterP99: -1}
	if o := cpu.others(); o > 20 {
		r.Warning = fmt.Sprintf("other processes used %.0f%% of a core", o)
	}
	err = cmd.Wait()
	setup, answered := sippSetupTimes(dir)
	r.Answered = answered
	if err != nil {
		r.Failed = o.calls - answered
		fmt.Println("SIPp:", lastLines(out.String(), 5))
	}
	if r.CPUPercent > 0 {
		r.CallsPerCore = float64(o.calls) / (r.CPUPercent / 100)
	}
	r.SetupP50, r.SetupP95 = percentileMs(setup, 0.50), percentileMs(setup, 0.95)
	r.SetupP99, r.SetupMax = percentileMs(setup, 0.99), percentileMs(setup, 1)
	return r, nil
}

// sippSetupTimes reads the INVITE-to-200 times of SIPp's -trace_rtt file
// in dir (sorted) and their number.
func sippSetupTimes(dir string) ([]time.Duration, int) {
	files, _ := filepath.Glob(filepath.Join(dir, "*_rtt.csv"))
	var out []time.Duration
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n")[1:] {
			fields := strings.Split(line, ";")
			if len(fields) < 2 {
				continue
			}
			if ms, err := strconv.ParseFloat(fields[1], 64); err == nil {
				out = append(out, time.Duration(ms*float64(time.Millisecond)))
			}
		}
	}
	slices.Sort(out)
	return out, len(out)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
