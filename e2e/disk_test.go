package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/disk/smbtest"
	"github.com/ivrbox/ivrbox/media/tone"
)

// diskState is GET disks/{n}'s status part.
type diskState struct {
	Status struct {
		State string `json:"state"`
		Error string `json:"error"`
	} `json:"status"`
	HasPassword bool `json:"has_password"`
}

func toneWAV(name string) []byte { return tone.WAV(tone.Sine([]float64{toneOf[name]}, 600, 0.4)) }

// waitDisk waits until disk 1 is in state.
func waitDisk(c *adminClient, state string, d time.Duration) diskState {
	c.t.Helper()
	deadline := time.Now().Add(d)
	var got diskState
	for time.Now().Before(deadline) {
		c.must("GET", "disks/1", nil, http.StatusOK, &got)
		if got.Status.State == state {
			return got
		}
		time.Sleep(100 * time.Millisecond)
	}
	c.t.Fatalf("disk 1 is %q (%s), want %q within %v", got.Status.State, got.Status.Error, state, d)
	return got
}

func goroutines(c *adminClient) int {
	var st struct {
		Load struct {
			Goroutines int `json:"goroutines"`
		} `json:"load"`
	}
	c.must("GET", "status", nil, http.StatusOK, &st)
	return st.Load.Goroutines
}

// setPrompts makes 6502 play prompts rounds times, a second apart.
func setPrompts(c *adminClient, rounds int, prompts ...string) {
	c.t.Helper()
	ivr := map[string]any{}
	c.must("GET", "ivrs/6502", nil, http.StatusOK, &ivr)
	ivr["prompts"], ivr["repeat"], ivr["wait"] = prompts, rounds, 1
	c.must("PUT", "ivrs/6502", ivr, http.StatusOK, nil)
}

// TestNetworkDiskOutage: a disk added through the admin API serves an IVR's
// prompts; when its server dies (killed, or frozen with SIGSTOP) mid-call the
// call goes on with the cached prompts, the disk shows an error, goroutines
// do not pile up, and once the server is back the disk recovers by itself
// and a new prompt file plays.
func TestNetworkDiskOutage(t *testing.T) {
	for _, how := range []string{"stop", "freeze"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			srv := smbtest.Start(t)
			for _, n := range []string{"confirm", "ok"} {
				srv.WriteGuest("ivr/"+n+".wav", toneWAV(n))
			}
			b := startBox(t, boxOpts{tones: true})
			c := admin(t, b)
			c.must("POST", "disks", map[string]any{"number": 1, "server": srv.Addr, "share": smbtest.GuestShare, "folder": "ivr"}, http.StatusCreated, nil)
			waitDisk(c, "mounted", 20*time.Second)
			var warm struct{ Files int }
			c.must("POST", "disks/1/warm", nil, http.StatusOK, &warm)
			if warm.Files != 2 {
				t.Fatalf("warm fetched %d files, want 2", warm.Files)
			}
			setPrompts(c, 4, "/tmp/media/networkdisk1/confirm", "/tmp/media/networkdisk1/ok")
			before := goroutines(c)

			p := newPeer(t, 0)
			r := sipp(t, b, "6502", new(scenario).invite(false).answered(false).awaitBye(60*time.Second), p, "udp")
			p.waitHeard(15*time.Second, "confirm")
			if how == "stop" {
				srv.Stop()
			} else {
				srv.Freeze()
			}
			waitDisk(c, "error", 20*time.Second)
			r.wait(t)
			heard := strings.Join(p.heard(), ",")
			if heard != "confirm,ok,confirm,ok,confirm,ok,confirm,ok" {
				t.Fatalf("heard %s, want 4 rounds of confirm,ok", heard)
			}
			if after := goroutines(c); after > before+40 {
				t.Errorf("goroutines: %d before the outage, %d after", before, after)
			}

			if how == "stop" {
				srv.Start()
			} else {
				srv.Thaw()
			}
			srv.WriteGuest("ivr/password.wav", toneWAV("password"))
			waitDisk(c, "mounted", 40*time.Second)
			setPrompts(c, 1, "/tmp/media/networkdisk1/password")
			p2 := newPeer(t, 0)
			sipp(t, b, "6502", new(scenario).invite(false).answered(false).awaitBye(30*time.Second), p2, "udp").wait(t)
			if heard := strings.Join(p2.heard(), ","); heard != "password" {
				t.Fatalf("after recovery heard %s, want password", heard)
			}
		})
	}
}

// TestNetworkDiskBadInput: wrong passwords, missing shares and bad fields
// give clear answers, and the password is never shown back.
func TestNetworkDiskBadInput(t *testing.T) {
	t.Parallel()
	srv := smbtest.Start(t)
	b := startBox(t, boxOpts{})
	c := admin(t, b)
	var res struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	}
	c.must("POST", "disks/test", map[string]any{"server": srv.Addr, "share": smbtest.SecureShare, "user": smbtest.User, "password": "wrong-pw"}, http.StatusOK, &res)
	if res.OK || !strings.Contains(res.Error, "login refused") || strings.Contains(res.Error, "wrong-pw") {
		t.Errorf("wrong password: %+v", res)
	}
	c.must("POST", "disks/test", map[string]any{"server": srv.Addr, "share": "nosuch"}, http.StatusOK, &res)
	if res.OK || !strings.Contains(res.Error, "nosuch") {
		t.Errorf("missing share: %+v", res)
	}
	c.must("POST", "disks/test", map[string]any{"server": srv.Addr, "share": smbtest.SecureShare, "user": smbtest.User, "password": smbtest.Password}, http.StatusOK, &res)
	if !res.OK {
		t.Errorf("good password: %+v", res)
	}
	for _, bad := range []map[string]any{
		{"number": 1, "server": srv.Addr, "share": "a/b"},
		{"number": 1, "server": srv.Addr, "share": "p", "folder": "../etc"},
		{"number": 9, "server": srv.Addr, "share": "p"},
		{"number": 1, "server": "", "share": "p"},
	} {
		if code, _, body := c.do("POST", "disks", bad); code != http.StatusUnprocessableEntity {
			t.Errorf("POST disks %v: %d %s", bad, code, body)
		}
	}
	c.must("POST", "disks", map[string]any{"number": 1, "server": srv.Addr, "share": smbtest.SecureShare, "user": smbtest.User, "password": smbtest.Password}, http.StatusCreated, nil)
	got := waitDisk(c, "mounted", 20*time.Second)
	if !got.HasPassword {
		t.Error("has_password is false")
	}
	for _, path := range []string{"disks", "disks/1", "config", "backup"} {
		if _, _, body := c.do("GET", path, nil); strings.Contains(string(body), smbtest.Password) {
			t.Errorf("GET %s shows the password", path)
		}
	}
}
