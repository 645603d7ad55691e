package ivr

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/ivrbox/ivrbox/firmware/config"
)

// xmlCall is a fake call that runs XML applications by recording them;
// err is what RunXML returns, block makes it wait for its context.
type xmlCall struct {
	*fakeCall
	err     error
	block   bool
	started chan struct{} // closed by RunXML, when set
}

func (c xmlCall) RunXML(ctx context.Context, ivr config.IVR) error {
	c.record("xml " + ivr.XMLSettings().URL)
	if c.started != nil {
		close(c.started)
	}
	if c.block {
		<-ctx.Done()
		return ctx.Err()
	}
	return c.err
}

func xmlIVR(number string) config.IVR {
	return config.IVR{Number: number, Control: config.ControlXML, App: &config.XMLApp{URL: "http://app/ivr"}}
}

func runXML(t *testing.T, c Call, cfg config.Config, fake *fakeCall) error {
	t.Helper()
	e := New(Options{Config: func() *config.Config { return &cfg }, Clock: newFakeClock()})
	fake.eng = e
	return e.Run(context.Background(), c, "6510")
}

func TestXMLControl(t *testing.T) {
	cfg := seedPlus(xmlIVR("6510"))
	f := newFakeCall("x1", nil)
	if err := runXML(t, xmlCall{fakeCall: f}, cfg, f); err != nil {
		t.Fatal(err)
	}
	if got := f.Ops(); !slices.Equal(got, []string{"answer", "xml http://app/ivr"}) {
		t.Errorf("ops %q", got)
	}
	// A failing application run: the call is hung up with cause error.
	f = newFakeCall("x2", nil)
	if err := runXML(t, xmlCall{fakeCall: f, err: errors.New("boom")}, cfg, f); err == nil {
		t.Error("no error")
	}
	if got := f.Ops(); !slices.Equal(got, []string{"answer", "xml http://app/ivr", "hangup error"}) {
		t.Errorf("ops %q", got)
	}
	// A call that cannot run XML applications is hung up.
	f = newFakeCall("x3", nil)
	if err := runXML(t, f, cfg, f); err != nil {
		t.Fatal(err)
	}
	if got := f.Ops(); !slices.Equal(got, []string{"answer", "hangup error"}) {
		t.Errorf("ops %q", got)
	}
}

// A Goto moves a call out of an XML application into another IVR.
func TestXMLControlGoto(t *testing.T) {
	cfg := seedPlus(xmlIVR("6510"))
	e := New(Options{Config: func() *config.Config { return &cfg }, Clock: newFakeClock()})
	f := newFakeCall("x4", nil)
	f.eng = e
	started := make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		errc <- e.Run(context.Background(), xmlCall{fakeCall: f, block: true, started: started}, "6510")
	}()
	<-started
	if err := e.Goto("x4", "6501"); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	ops := f.Ops()
	if len(ops) < 3 || ops[1] != "xml http://app/ivr" || !strings.HasPrefix(ops[2], "play ") {
		t.Errorf("ops %q", ops)
	}
}
