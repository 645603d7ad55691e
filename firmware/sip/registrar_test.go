package sip

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
)

// accounts is a Registrar over a map.
type accounts map[string]string

func (a accounts) Password(user string) (string, bool) { p, ok := a[user]; return p, ok }

// regStates collects a Registration's states: the one it has when
// OnChange takes effect (a state set before that is not reported; the
// registration may have been quicker than the caller), then each new one.
func regStates(r *Registration) chan RegState {
	ch := make(chan RegState, 32)
	r.OnChange(func(st RegState) { ch <- st })
	ch <- r.State()
	return ch
}

// awaitStatus waits for a state with status want.
func awaitStatus(t *testing.T, ch chan RegState, want RegStatus) RegState {
	t.Helper()
	deadline := time.After(wait)
	for {
		select {
		case st := <-ch:
			if st.Status == want {
				return st
			}
		case <-deadline:
			t.Fatalf("no %v state", want)
		}
	}
}

// TestRegisterToRegistrar registers one of our servers at another's
// registrar: challenge, 200, Location, then un-REGISTER on Close.
func TestRegisterToRegistrar(t *testing.T) {
	before := ourGoroutines()
	registrar := startServer(t, HandlerFunc(func(context.Context, *Dialog) {}))
	registrar.SetRegistrar(accounts{"2001": "pw2001"})
	phone := startServer(t, HandlerFunc(func(context.Context, *Dialog) {}))

	r := phone.Register(context.Background(), RegisterOptions{Registrar: registrar.Addr().String(), User: "2001", Password: "pw2001", Expiry: 120 * time.Second})
	states := regStates(r)
	st := awaitStatus(t, states, RegRegistered)
	if st.Code != 200 || time.Until(st.Expires) > 121*time.Second || time.Until(st.Expires) < 100*time.Second {
		t.Errorf("state %+v", st)
	}
	contact, src, ok := registrar.Location("2001")
	if !ok || !strings.Contains(contact, "2001@") || src != phone.Addr() {
		t.Errorf("Location = %q %v %v, phone at %v", contact, src, ok, phone.Addr())
	}
	if r.Close() != nil || r.State().Status != RegClosed || r.State().Cause != nil {
		t.Errorf("after Close: %+v", r.State())
	}
	if _, _, ok := registrar.Location("2001"); ok {
		t.Error("binding survived un-REGISTER")
	}
	phone.Close()
	registrar.Close()
	checkNoLeaks(t, before)
}

// TestRegisterRefused: a wrong password fails with 403 and is retried.
func TestRegisterRefused(t *testing.T) {
	registrar := startServer(t, HandlerFunc(func(context.Context, *Dialog) {}))
	registrar.SetRegistrar(accounts{"2001": "pw2001"})
	phone := startServer(t, HandlerFunc(func(context.Context, *Dialog) {}))
	r := phone.Register(context.Background(), RegisterOptions{Registrar: registrar.Addr().String(), User: "2001", Password: "wrong", Retry: 100 * time.Millisecond})
	states := regStates(r)
	st := awaitStatus(t, states, RegFailed)
	var se *StatusError
	if st.Code != 403 || !errors.As(st.Cause, &se) || se.Code != 403 {
		t.Errorf("state %+v", st)
	}
	awaitStatus(t, states, RegFailed) // retried
	r.Close()
	if registrar.Bindings() != 0 {
		t.Error("bound with a wrong password")
	}
}

// TestRegistrarAnswers checks the registrar's answers request by request.
func TestRegistrarAnswers(t *testing.T) {
	registrar := startServer(t, HandlerFunc(func(context.Context, *Dialog) {}))
	registrar.SetRegistrar(accounts{"2001": "pw2001"})
	u := newUAC(t, "udp", registrar)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	send := func(user, auth, expires string) *sipmsg.Response {
		t.Helper()
		host, port, _ := sipmsg.ParseAddr(u.target)
		req := sipmsg.NewRequest(sipmsg.REGISTER, sipmsg.Uri{Scheme: "sip", Host: host, Port: port})
		aor := sipmsg.Uri{Scheme: "sip", User: user, Host: host}
		req.AppendHeader(&sipmsg.ToHeader{Address: aor})
		req.AppendHeader(sipmsg.NewHeader("Contact", "<sip:"+user+"@192.168.7.7:5062>"))
		if expires != "" {
			req.AppendHeader(sipmsg.NewHeader("Expires", expires))
		}
		if auth != "" {
			req.AppendHeader(sipmsg.NewHeader("Authorization", auth))
		}
		res, err := u.cli.Do(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	// Unknown and known users get the same challenge.
	known, unknown := send("2001", "", ""), send("9999", "", "")
	if known.StatusCode != 401 || unknown.StatusCode != 401 {
		t.Fatalf("status %d / %d, want 401", known.StatusCode, unknown.StatusCode)
	}
	shape := func(res *sipmsg.Response) string {
		v := res.GetHeader("WWW-Authenticate").Value()
		i := strings.Index(v, `nonce="`)
		j := strings.Index(v[i+7:], `"`)
		return v[:i] + v[i+7+j:] // without the nonce
	}
	if shape(known) != shape(unknown) || !strings.Contains(shape(known), `qop="auth"`) {
		t.Errorf("challenges differ:\n%s\n%s", shape(known), shape(unknown))
	}
	answer := func(user, pw string, chal *sipmsg.Response, expires string) *sipmsg.Response {
		host, port, _ := sipmsg.ParseAddr(u.target)
		req := sipmsg.NewRequest(sipmsg.REGISTER, sipmsg.Uri{Scheme: "sip", Host: host, Port: port})
		if err := authorize(req, chal, user, pw); err != nil {
			t.Fatal(err)
		}
		return send(user, req.GetHeader("Authorization").Value(), expires)
	}
	if res := answer("9999", "x", unknown, ""); res.StatusCode != 403 {
		t.Errorf("unknown user: %d, want 403", res.StatusCode)
	}
	if res := answer("2001", "wrong", known, ""); res.StatusCode != 403 {
		t.Errorf("wrong password: %d, want 403", res.StatusCode)
	}
	// The same nonce count again is a replay: a new challenge.
	if res := answer("2001", "pw2001", known, ""); res.StatusCode != 401 {
		t.Errorf("replayed nonce count: %d, want 401", res.StatusCode)
	}
	if res := answer("2001", "pw2001", send("2001", "", ""), "10"); res.StatusCode != 423 || res.GetHeader("Min-Expires") == nil {
		t.Errorf("too brief: %d, want 423 with Min-Expires", res.StatusCode)
	}
	res := answer("2001", "pw2001", send("2001", "", ""), "7200")
	if res.StatusCode != 200 || !strings.Contains(res.GetHeader("Contact").Value(), "expires=3600") {
		t.Fatalf("good password: %d %v", res.StatusCode, res.GetHeader("Contact"))
	}
	contact, src, ok := registrar.Location("2001")
	if !ok || contact != "sip:2001@192.168.7.7:5062" || !src.Addr().IsLoopback() {
		t.Errorf("Location = %q %v %v", contact, src, ok)
	}
	// Expiry: move the registrar's clock past the binding's lifetime.
	reg, _ := registrar.registrar()
	reg.mu.Lock()
	reg.now = func() time.Time { return time.Now().Add(time.Hour + time.Second) }
	reg.mu.Unlock()
	if _, _, ok := registrar.Location("2001"); ok {
		t.Error("binding outlived its expiry")
	}
}
