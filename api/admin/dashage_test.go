package admin

import (
	"net/http"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/api/cloud"
)

// TestDashboardDeliveryAges: the dashboard lists each cloud subscription's
// delivery with its queue age (seconds, one decimal) and last latency
// (milliseconds, one decimal, left out before the first delivery).
func TestDashboardDeliveryAges(t *testing.T) {
	fc := &fakeCloud{subs: []cloud.Subscription{
		{ID: "a1", URL: "http://127.0.0.1:9/ev", Pending: 3, Failed: 7, LastError: "connection refused",
			QueueAge: 90*time.Second + 140*time.Millisecond},
		{ID: "b2", URL: "http://127.0.0.1:9/ok", Delivered: 5, LastLatency: 12345 * time.Microsecond},
		{ID: "c3", URL: "http://127.0.0.1:9/fast", Delivered: 1, LastLatency: 20 * time.Microsecond},
	}}
	e := newEnv(t, envOpts{cloud: fc})
	var d struct {
		Delivery []map[string]any `json:"delivery"`
	}
	e.do(e.login(), "GET", "dashboard", nil).want(t, http.StatusOK).decode(t, &d)
	if len(d.Delivery) != 3 {
		t.Fatalf("delivery %v, want the 3 subscriptions", d.Delivery)
	}
	want := []map[string]any{
		{"app": "cloud", "id": "a1", "pending": 3.0, "retried": 7.0, "last_error": "connection refused", "queue_age_s": 90.1},
		{"app": "cloud", "id": "b2", "queue_age_s": 0.0, "last_delivery_latency_ms": 12.3},
		{"app": "cloud", "id": "c3", "last_delivery_latency_ms": 0.1},
	}
	for i, w := range want {
		for k, v := range w {
			if d.Delivery[i][k] != v {
				t.Errorf("delivery[%d].%s = %v, want %v (%v)", i, k, d.Delivery[i][k], v, d.Delivery[i])
			}
		}
	}
	if _, ok := d.Delivery[0]["last_delivery_latency_ms"]; ok {
		t.Errorf("latency listed before any delivery: %v", d.Delivery[0])
	}
}
