package journal

import (
	"context"
	"log/slog"

	"github.com/ivrbox/ivrbox/firmware/event"
	"github.com/ivrbox/ivrbox/firmware/xmlivr"
)

// The application servers a journaled call can be steered by (Entry.App).
const (
	AppCloud = "cloud" // a cloud IVR's application (the cloud IVR API), from ControlOffered of a "cloud" step
	AppXML   = "xml"   // an XML IVR's application, from xmlivr.EventStarted
)

// Entry is one journaled call: its last snapshot and the application
// server that steered it when it was written.
type Entry struct {
	event.Call
	App    string `json:"app,omitempty"`     // AppCloud, AppXML, or "" (no application server was told of the call)
	AppIVR string `json:"app_ivr,omitempty"` // the IVR whose application it is
}

// note applies e to a live entry and reports whether it changed.
func (en *Entry) note(e event.Event) bool {
	switch e.Kind {
	case event.IVREntered, event.CallTransferred:
		if e.Call == nil {
			return false
		}
		en.Call = *e.Call
	case event.IVRLeft:
		if en.App == "" {
			return false
		}
		en.App, en.AppIVR = "", "" // an application steers a call only in its IVR
	case event.ControlOffered:
		if e.Control == nil || e.Control.Step != AppCloud {
			return false
		}
		en.App, en.AppIVR = AppCloud, e.Control.Params
		if en.AppIVR == "" {
			en.AppIVR = en.IVR
		}
	case event.ControlEnded:
		if e.Control == nil || e.Control.Step != AppCloud || en.App != AppCloud {
			return false
		}
		en.App, en.AppIVR = "", ""
	case xmlivr.EventStarted:
		en.App, en.AppIVR = AppXML, e.IVR
	default:
		return false
	}
	return true
}

// apps counts the live calls an application server steers (for the log).
func (j *Journal) apps() int {
	if !j.log.Enabled(context.Background(), slog.LevelDebug) {
		return 0
	}
	n := 0
	for _, en := range j.live {
		if en.App != "" {
			n++
		}
	}
	return n
}
