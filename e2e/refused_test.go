package e2e

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// refusedRecord is what the test reads of a call record.
type refusedRecord struct {
	ID      string `json:"id"`
	From    string `json:"from"`
	To      string `json:"to"`
	Trunk   string `json:"trunk"`
	Cause   string `json:"cause"`
	Refused bool   `json:"refused"`
	Status  int    `json:"status"`
	Reason  string `json:"reason"`
}

// waitRecords polls GET records?query until it lists n records (the
// recorder writes them just after the call's last event).
func waitRecords(t *testing.T, adm *adminClient, query string, n int) []refusedRecord {
	t.Helper()
	var recs []refusedRecord
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		adm.must("GET", "records?"+query, nil, http.StatusOK, &recs)
		if len(recs) >= n {
			return recs
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("records?%s: %+v, want %d", query, recs, n)
	return nil
}

// TestRefusedCallsRecorded: a trunk's call to a DID no inbound route takes
// and a local call to a number no IVR has are answered 404 and each leaves
// a call record and a call.refused event with its true reason, found by the
// refused and cause filters and in the CSV export.
func TestRefusedCallsRecorded(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{})
	adm := admin(t, b)
	port := freePortOn(t, "127.0.0.3")
	configure(t, adm, nil, pbxSetup{
		trunks:  []map[string]any{peerTrunk("provider", fmt.Sprintf("127.0.0.3:%d", port))},
		inbound: []map[string]any{{"name": "did", "trunk": "provider", "did": "0215000", "ivr": "6500"}},
	})
	uac := sippTrunkUAC(t, b, "127.0.0.3", port, "13800138000", "6600", new(scenario).invite(false).refused(404), nil)
	uac.wait(t, 30*time.Second)
	sipp(t, b, "9999", new(scenario).invite(false).refused(404), nil, "udp").wait(t)

	wantTrunk := `no inbound route for DID "6600" from trunk "provider"`
	b.waitLog(10*time.Second, "call refused", "no_route", "6600")
	recs := waitRecords(t, adm, "refused=1", 2)
	byCause := map[string]refusedRecord{}
	for _, r := range recs {
		byCause[r.Cause] = r
	}
	if r := byCause["no_route"]; !r.Refused || r.Status != 404 || r.Reason != wantTrunk || r.Trunk != "provider" ||
		r.From != "13800138000" || r.To != "6600" {
		t.Errorf("trunk call's record: %+v", r)
	}
	if r := byCause["no_ivr"]; !r.Refused || r.Status != 404 || r.Reason != `no IVR has number "9999"` || r.To != "9999" {
		t.Errorf("local call's record: %+v", r)
	}
	if strings.Contains(b.logs(), "no IVR on this number") {
		t.Error("the log still says \"no IVR on this number\"")
	}
	if got := waitRecords(t, adm, "cause=no_route&number=6600", 1); len(got) != 1 || got[0].Reason != wantTrunk {
		t.Errorf("cause=no_route&number=6600: %+v", got)
	}
	var none []refusedRecord
	adm.must("GET", "records?refused=0", nil, http.StatusOK, &none)
	if len(none) != 0 {
		t.Errorf("refused=0: %+v", none)
	}

	var evs []struct {
		Kind   string `json:"kind"`
		Cause  string `json:"cause"`
		Status int    `json:"status"`
		Reason string `json:"reason"`
	}
	adm.must("GET", "events/recent", nil, http.StatusOK, &evs)
	found := 0
	for _, e := range evs {
		if e.Kind == "call.refused" && e.Status == 404 && (e.Reason == wantTrunk || e.Cause == "no_ivr") {
			found++
		}
	}
	if found != 2 {
		t.Errorf("call.refused events: %+v", evs)
	}

	code, h, data := adm.do("GET", "records?format=csv&refused=1", nil)
	if code != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") ||
		!strings.Contains(h.Get("Content-Disposition"), "attachment") {
		t.Fatalf("CSV export: %d %v", code, h)
	}
	rows, err := csv.NewReader(strings.NewReader(string(data))).ReadAll()
	if err != nil || len(rows) != 3 || rows[0][0] != "started" {
		t.Fatalf("CSV rows %q (%v)", rows, err)
	}
	if !strings.Contains(string(data), wantTrunk[:20]) {
		t.Errorf("CSV lacks the reason: %s", data)
	}
}
