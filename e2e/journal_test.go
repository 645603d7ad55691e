package e2e

import (
	"net/http"
	"testing"
	"time"
)

// TestCrashJournal: the box is SIGKILLed in the middle of an answered
// call; at the next start the call gets its record with cause "box
// restarted" and the application server its HANGUP, which it would
// otherwise wait for for ever.
func TestCrashJournal(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true})
	adm := admin(t, b)
	app := newAppServer(t, apiSecret)
	configure(t, adm, app, pbxSetup{})
	p := newPeer(t, 0)
	r := sipp(t, b, "6501", new(scenario).invite(false).answered(false).pause(60*time.Second).bye(), p, "udp")
	id := b.boxID(r.callID(t))
	for id == r.callID(t) { // the inbound call line comes with the INVITE
		b.waitLog(5*time.Second, "inbound call")
		id = b.boxID(r.callID(t))
	}
	app.waitSig(10*time.Second, id, "ANSWERED")
	b.waitLog(5*time.Second, "journal written", "live=1")
	if err := b.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-b.exited
	_ = b.cmd.Wait()
	_ = r.cmd.Process.Kill() // the caller is gone with the box

	b2 := startBox(t, boxOpts{dir: b.dir, ports: b})
	b2.waitLog(5*time.Second, "call lost in a crash closed", "id="+id)
	app.waitSig(20*time.Second, id, "HANGUP box restarted")
	var recs []struct {
		ID       string   `json:"id"`
		Cause    string   `json:"cause"`
		IVRs     []string `json:"ivrs"`
		Answered string   `json:"answered"`
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(recs) == 0 && time.Now().Before(deadline) {
		adm.must("GET", "records", nil, http.StatusOK, &recs)
		time.Sleep(50 * time.Millisecond)
	}
	if len(recs) != 1 || recs[0].ID != id || recs[0].Cause != "box restarted" || recs[0].Answered == "" ||
		len(recs[0].IVRs) != 1 || recs[0].IVRs[0] != "6501" {
		t.Fatalf("records after the restart: %+v", recs)
	}
	// A clean stop leaves nothing to close: the next start closes no call.
	b2.stop()
	b3 := startBox(t, boxOpts{dir: b.dir, ports: b})
	if l := b3.logs(); containsAll(l, []string{"calls left by a crash closed"}) {
		t.Fatalf("a clean restart closed calls again:\n%s", l)
	}
}
