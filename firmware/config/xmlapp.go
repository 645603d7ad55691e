package config

import (
	"net/url"
	"time"
)

// ControlXML hands the call to an XML IVR application (IVR.App): the box
// POSTs notifications to the application's URL and runs the <Response>
// verbs it answers with (docs/API-XML.md). The IVR's Prompts, Keys,
// Collect, Timeout and Invalid are not used.
const ControlXML = "xml"

// Limits and defaults of the XML application settings.
const (
	DefaultXMLTimeout = 5  // XMLApp.TimeoutSeconds, seconds
	MaxXMLTimeout     = 30 // XMLApp.TimeoutSeconds, seconds
	MaxXMLURLLen      = 1024
	MaxXMLSecretLen   = 256
)

// XMLApp configures an IVR whose control is ControlXML. Zero values are
// the documented defaults.
type XMLApp struct {
	// URL is the application's address (http:// or https://): the call
	// start notice is POSTed to it, and the relative URLs of its verbs
	// (action, Redirect) are resolved against it as a folder
	// ("http://app/ivr" + "firstget" is "http://app/ivr/firstget").
	// Required.
	URL string `json:"url"`
	// FallbackURL, when set, is tried once (with the same notice) when a
	// request to the application fails: no answer in time, an HTTP error,
	// a body that is not a valid <Response>. "": no fallback application.
	FallbackURL string `json:"fallback_url,omitempty"`
	// FallbackPrompt is played before the call is hung up when the
	// application and its fallback both failed. "": hang up at once.
	FallbackPrompt string `json:"fallback_prompt,omitempty"`
	// Secret, when set, signs every request (an HMAC-SHA256 of the
	// timestamp and body in the X-Ivrbox-Signature header). It is kept in
	// the config as the PBX API's secret is: exported with the config and
	// shown to admins.
	Secret string `json:"secret,omitempty"`
	// TimeoutSeconds bounds each request (connect, send, answer). 0 means
	// DefaultXMLTimeout; at most MaxXMLTimeout.
	TimeoutSeconds int `json:"timeout,omitempty"`
}

// Timeout returns TimeoutSeconds as a duration, with its default.
func (a XMLApp) Timeout() time.Duration { return secondsOr(a.TimeoutSeconds, DefaultXMLTimeout) }

// XMLSettings returns the IVR's XML application settings (zero value when
// unset).
func (i IVR) XMLSettings() XMLApp {
	if i.App == nil {
		return XMLApp{}
	}
	return *i.App
}

// control checks an IVR's control mode and the settings of that mode.
func (v *validator) control(p string, i IVR) {
	switch i.Control {
	case ControlKeys, ControlCloud:
		v.cloudIVR(p, i)
	case ControlXML:
		v.xmlIVR(p, i)
	default:
		v.add(p+".control", "%q must be cloud or xml (or empty: the IVR's own keys)", i.Control)
	}
}

// xmlIVR checks the XML application settings of an IVR whose control is
// ControlXML.
func (v *validator) xmlIVR(p string, i IVR) {
	p += ".app"
	if i.App == nil {
		v.add(p+".url", "is required when control is xml")
		return
	}
	a := *i.App
	if a.URL == "" {
		v.add(p+".url", "is required when control is xml")
	} else if !httpURL(a.URL) {
		v.add(p+".url", "%q must be an http:// or https:// URL (at most %d bytes)", a.URL, MaxXMLURLLen)
	}
	if a.FallbackURL != "" && !httpURL(a.FallbackURL) {
		v.add(p+".fallback_url", "%q must be an http:// or https:// URL (at most %d bytes)", a.FallbackURL, MaxXMLURLLen)
	}
	if a.FallbackPrompt != "" {
		if prob := promptProblem(a.FallbackPrompt); prob != "" {
			v.add(p+".fallback_prompt", "%s", prob)
		}
	}
	if len(a.Secret) > MaxXMLSecretLen {
		v.add(p+".secret", "is %d bytes long, the limit is %d", len(a.Secret), MaxXMLSecretLen)
	} else {
		v.label(p+".secret", a.Secret)
	}
	if a.TimeoutSeconds < 0 || a.TimeoutSeconds > MaxXMLTimeout {
		v.add(p+".timeout", "%d must be between 1 and %d seconds (0 means %d)", a.TimeoutSeconds, MaxXMLTimeout, DefaultXMLTimeout)
	}
}

// httpURL reports whether s is an absolute http:// or https:// URL with a
// host, without user info, of at most MaxXMLURLLen bytes.
func httpURL(s string) bool {
	if len(s) > MaxXMLURLLen {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.User == nil
}
