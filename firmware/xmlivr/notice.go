package xmlivr

import (
	"bytes"
	"encoding/xml"
	"time"
)

// The notices' actions (Notice.Action), named as the vendor names them.
const (
	ActStart      = "startservice" // the call reached the application (to its URL)
	ActDigits     = "dtmfreport"   // a Get collected digits (to its action)
	ActRedirect   = "redirect"     // a Redirect (to its URL)
	ActCreateConf = "createconf"   // a CreateConf made a room (to its action)
	ActJoinConf   = "joinconf"     // the call joined a room (to the JoinConf's action, or the CreateConf's joinurl)
	ActQuitConf   = "quitconf"     // the room let the call go (to quiturl, else the join's action)
	ActDelConf    = "delconf"      // a room made by the call was deleted (to the CreateConf's delreporturl)
	ActStop       = "stopservice"  // the session ended (to the application's URL; retried)
)

// Why a session ended (Notice.ByeType of stopservice).
const (
	ByeCaller   = "caller"   // the caller (or the far end) hung up
	ByeApp      = "app"      // a Hangup verb, or the application had nothing more to run
	ByeFallback = "fallback" // the application failed: the fallback prompt and a hang-up
	ByeMoved    = "moved"    // the call was moved to another IVR (it goes on)
	ByeError    = "error"    // the box failed the call
	// ByeRestarted: the box crashed (or lost power) during the session and
	// closed the call at its next start (sent by Engine.Restarted).
	ByeRestarted = "restarted"
)

// Notice is the XML body POSTed to the application, in the vendor's
// style: <Request><action>…</action>…</Request>. Empty fields are left
// out; Result is "0" for success.
type Notice struct {
	XMLName   xml.Name `xml:"Request"`
	Action    string   `xml:"action"`
	CallSid   string   `xml:"callSid"`
	Caller    string   `xml:"caller,omitempty"`
	Called    string   `xml:"called,omitempty"`
	Type      string   `xml:"type,omitempty"` // 0 the call came in, 1 the box placed it
	IVR       string   `xml:"ivr,omitempty"`
	Tag       string   `xml:"tag,omitempty"`
	Digits    *string  `xml:"digits,omitempty"`
	ConfID    string   `xml:"confid,omitempty"`
	Result    string   `xml:"result,omitempty"`
	Reason    string   `xml:"reason,omitempty"`
	ByeType   string   `xml:"byetype,omitempty"`
	Timestamp string   `xml:"timestamp"`
}

// Marshal returns the notice as an XML document.
func (n Notice) Marshal() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(n); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// stamp is the notices' time format (the vendor's yyyyMMddHHmmss).
func stamp(t time.Time) string { return t.Format("20060102150405") }
