package cloud

import (
	"testing"

	"github.com/ivrbox/ivrbox/firmware/event"
)

// TestRestarted: the IvrEndedEvent of a call lost in a crash has cause
// BOX_RESTARTED and the call's ids, in the IVR's device.
func TestRestarted(t *testing.T) {
	app := newAppServer(t)
	r := newRig(t, nil, nil)
	if a := r.post("/event/subscribe", testToken, map[string]any{"url": app.URL, "topics": []string{"ivr"}}); a.Body["result"] != "success" {
		t.Fatalf("subscribe: %+v", a)
	}
	r.api.Restarted(event.Call{ID: "c9", Leg: "leg9", IVR: "6001"}, "6001")
	ev := app.wait(t, 1)[0]
	want := map[string]any{"eventName": "IvrEndedEvent", "eventSrc": "6001@test.cc", "callId": "c9",
		"connectionId": "leg9", "deviceId": "6001@test.cc", "localConnectionState": "Idle", "cause": CauseRestarted}
	for k, v := range want {
		if ev[k] != v {
			t.Errorf("%s = %v, want %v", k, ev[k], v)
		}
	}
}
