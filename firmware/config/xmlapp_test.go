package config

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestXMLAppValidate(t *testing.T) {
	ivr := func(app *XMLApp) Config {
		c := Defaults()
		c.IVRs = append(c.IVRs, IVR{Number: "6510", Control: ControlXML, App: app})
		return c
	}
	problems := func(c Config) []string {
		var out []string
		for _, p := range Problems(Validate(c)) {
			out = append(out, p.Error())
		}
		return out
	}
	if got := problems(ivr(&XMLApp{URL: "http://app/ivr", FallbackURL: "https://fb/x", FallbackPrompt: "sorry",
		Secret: "s", TimeoutSeconds: 30})); len(got) != 0 {
		t.Errorf("a good app: %q", got)
	}
	for _, tt := range []struct {
		app  *XMLApp
		want string
	}{
		{nil, "app.url: is required"},
		{&XMLApp{}, "app.url: is required"},
		{&XMLApp{URL: "ftp://app"}, "app.url"},
		{&XMLApp{URL: "file:///etc/passwd"}, "app.url"},
		{&XMLApp{URL: "http://u:p@app/"}, "app.url"},
		{&XMLApp{URL: "http://" + strings.Repeat("a", MaxXMLURLLen)}, "app.url"},
		{&XMLApp{URL: "http://app", FallbackURL: "app"}, "app.fallback_url"},
		{&XMLApp{URL: "http://app", FallbackPrompt: "../x"}, "app.fallback_prompt"},
		{&XMLApp{URL: "http://app", Secret: strings.Repeat("s", 257)}, "app.secret"},
		{&XMLApp{URL: "http://app", Secret: "a\nb"}, "app.secret"},
		{&XMLApp{URL: "http://app", TimeoutSeconds: 31}, "app.timeout"},
		{&XMLApp{URL: "http://app", TimeoutSeconds: -1}, "app.timeout"},
	} {
		got := problems(ivr(tt.app))
		if !slices.ContainsFunc(got, func(p string) bool { return strings.Contains(p, tt.want) }) {
			t.Errorf("%+v: problems %q, want one with %q", tt.app, got, tt.want)
		}
	}
	c := Defaults()
	c.IVRs[0].Control = "soap"
	if got := problems(c); len(got) != 1 || !strings.Contains(got[0], "must be cloud or xml") {
		t.Errorf("unknown control: %q", got)
	}
}

func TestXMLAppDefaultsAndClone(t *testing.T) {
	if d := (XMLApp{}).Timeout(); d != 5*time.Second {
		t.Errorf("default timeout %v", d)
	}
	if d := (XMLApp{TimeoutSeconds: 9}).Timeout(); d != 9*time.Second {
		t.Errorf("timeout %v", d)
	}
	if (IVR{}).XMLSettings() != (XMLApp{}) {
		t.Error("XMLSettings of an IVR without App")
	}
	c := Defaults()
	c.IVRs[0].Control, c.IVRs[0].App = ControlXML, &XMLApp{URL: "http://a"}
	d := c.Clone()
	if !reflect.DeepEqual(c, d) {
		t.Fatal("clone differs")
	}
	d.IVRs[0].App.URL = "http://changed"
	if c.IVRs[0].App.URL != "http://a" {
		t.Error("changing a clone's app changed the original")
	}
}
