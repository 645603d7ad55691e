package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestOptionsPing: an out-of-dialog OPTIONS (a trunk's or phone's keepalive)
// gets 200.
func TestOptionsPing(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{})
	sc := new(scenario).send(`OPTIONS sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
From: <sip:ping@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 OPTIONS
Max-Forwards: 70
Content-Length: 0
`, `retrans="500"`).recv(`response="200"`)
	sipp(t, b, "6500", sc, nil, "udp").wait(t)
}

// TestCorruptPromptSkipped: a corrupt WAV in the prompt folder is logged and
// skipped; the call carries on with the next prompt, and other calls too.
func TestCorruptPromptSkipped(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true})
	bad := []byte("RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00") // cut inside the fmt chunk
	if err := os.WriteFile(filepath.Join(b.dir, "prompts", "notice.wav"), bad, 0o644); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2500 * time.Millisecond) // past the cache's revalidation period
	p := newPeer(t, 0)
	sipp(t, b, "6500", new(scenario).invite(false).answered(false).awaitBye(20*time.Second), p, "udp").wait(t)
	if got := strings.Join(p.heard(), ","); got != "confirm" { // confirm, wait, confirm again: one run
		t.Fatalf("heard %s, want confirm only", got)
	}
	b.waitLog(time.Second, "prompt skipped", "notice")
	if ev := b.events("prompt.skipped", ""); len(ev) != 2 || !containsAll(ev[0], []string{"event.prompt=notice", "event.cause="}) {
		t.Fatalf("prompt.skipped events (one per round): %q", ev)
	}
	p2 := newPeer(t, 0)
	sipp(t, b, "6502", new(scenario).invite(false).answered(false).awaitBye(20*time.Second), p2, "udp").wait(t)
	if got := strings.Join(p2.heard(), ","); got != "ok" {
		t.Fatalf("next call heard %s", got)
	}
}

// TestConfigImportInvalid: importing a broken or invalid file fails with a
// message naming the problem and changes nothing.
func TestConfigImportInvalid(t *testing.T) {
	t.Parallel()
	bin := ivrboxBin(t)
	dir := t.TempDir()
	export := func() string {
		out, err := exec.Command(bin, "config", "export", "-data", dir).Output()
		if err != nil {
			t.Fatalf("export: %v", err)
		}
		return string(out)
	}
	before := export()
	cases := map[string]string{
		"broken.json":  `{"version": 2, "ivrs": [`,
		"unknown.json": `{"version": 2, "ivrs": [], "colour": "red"}`,
		"invalid.json": `{"version": 2, "ivrs": [{"number": "65a0", "prompts": ["notice"], "keys": {"x": {"type": "hangup"}}}]}`,
	}
	want := map[string][]string{
		"broken.json":  {"nothing changed"},
		"unknown.json": {"nothing changed", "colour"},
		"invalid.json": {"nothing changed", "ivrs[0].number", `"65a0" must be digits`, `ivrs[0].keys["x"]`},
	}
	for name, body := range cases {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(bin, "config", "import", "-data", dir, f).CombinedOutput()
		if err == nil {
			t.Errorf("%s: import succeeded", name)
		}
		if !containsAll(string(out), want[name]) {
			t.Errorf("%s: message %q lacks %q", name, out, want[name])
		}
	}
	if after := export(); after != before {
		t.Fatalf("config changed by failed imports:\n%s", after)
	}
}
