package ivr

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/event"
)

// Operations of the seed configuration (config.Defaults) as the fake call records them.
const (
	p6500 = "play notice,confirm barge"
	p6501 = "play password barge"
	p6502 = "play ok barge"
	p6503 = "play password1 barge"
	hold  = "play holdon,music,holdon,music"
	r1    = "read 1s"
	r3    = "read 3s"
	r4    = "read 4s"
)

const waitRun = 10 * time.Second // generous: only a broken engine takes long

// keys scripts one outcome per key.
func keys(ks ...string) []outcome {
	out := make([]outcome, len(ks))
	for i, k := range ks {
		out[i] = outcome{key: k}
	}
	return out
}

func join(parts ...[]outcome) []outcome { return slices.Concat(parts...) }

// seedPlus is the factory config with extra IVRs.
func seedPlus(extra ...config.IVR) config.Config {
	c := config.Defaults()
	c.IVRs = append(c.IVRs, extra...)
	return c
}

func withoutIVR(c config.Config, number string) config.Config {
	c.IVRs = slices.DeleteFunc(c.IVRs, func(i config.IVR) bool { return i.Number == number })
	return c
}

// run runs call c on a fresh engine over cfg from number and returns the
// events published, formatted by evString, and Run's error.
func run(t *testing.T, cfg config.Config, c Call, number string) ([]string, error) {
	t.Helper()
	bus := event.NewBus(nil)
	sub := bus.Subscribe(4096)
	defer sub.Close()
	clock := newFakeClock()
	e := New(Options{Config: func() *config.Config { return &cfg }, Bus: bus, Clock: clock})
	fake := fakeOf(c)
	fake.eng, fake.clock = e, clock
	errc := make(chan error, 1)
	go func() { errc <- e.Run(context.Background(), c, number) }()
	var err error
	select {
	case err = <-errc:
	case <-time.After(waitRun):
		t.Fatalf("Run did not return; ops so far: %q", fake.Ops())
	}
	if ids := e.Calls(); len(ids) != 0 {
		t.Errorf("Calls() after Run = %q, want none", ids)
	}
	return drain(t, sub, c.ID()), err
}

func fakeOf(c Call) *fakeCall {
	switch x := c.(type) {
	case transferCall:
		return x.fakeCall
	case stepsCall:
		return x.fakeCall
	}
	return c.(*fakeCall)
}

// drain returns the events already published, checking ids and order.
func drain(t *testing.T, sub *event.Subscription, callID string) []string {
	t.Helper()
	var out []string
	var seq uint64
	for {
		select {
		case e := <-sub.C():
			if e.CallID != callID {
				t.Errorf("event %+v: call id %q, want %q", e, e.CallID, callID)
			}
			if e.Seq <= seq {
				t.Errorf("event %+v out of order (after seq %d)", e, seq)
			}
			seq = e.Seq
			out = append(out, evString(e))
		default:
			return out
		}
	}
}

func evString(e event.Event) string {
	s := string(e.Kind) + " " + e.IVR
	if e.Prompt != "" {
		s += " prompt=" + e.Prompt
	}
	if e.Digits != "" {
		s += " digits=" + e.Digits
	}
	return s
}

func entered(n string) string { return "ivr.entered " + n }
func left(n string) string    { return "ivr.left " + n }
func finished(n, p string) string {
	return "prompt.finished " + n + " prompt=" + p
}
func dstring(n, d string) string { return "dtmf.string " + n + " digits=" + d }

func TestLoopGuard(t *testing.T) {
	cfg := config.Config{IVRs: []config.IVR{
		{Number: "8000", Prompts: []string{"a"}, Timeout: config.Action{Type: config.ActIVR, Target: "8001"}},
		{Number: "8001", Prompts: []string{"b"}, Timeout: config.Action{Type: config.ActIVR, Target: "8000"}},
	}}
	f := newFakeCall("loop", nil)
	events, err := run(t, cfg, f, "8000")
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	ops := f.Ops()
	if n := len(ops); n != guardEntries+2 || ops[n-1] != "hangup "+CauseLoop {
		t.Fatalf("ops: %d, last %q; want %d ending in hangup loop", n, ops[n-1], guardEntries+2)
	}
	if got := events[len(events)-1]; got != left("8001") {
		t.Errorf("last event %q, want %q", got, left("8001"))
	}
}

func TestLoopGuardAllowsSlowLoops(t *testing.T) {
	cfg := config.Config{IVRs: []config.IVR{
		{Number: "8000", Prompts: []string{"a"}, Timeout: config.Action{Type: config.ActRepeat}},
	}}
	script := make([]outcome, 3*guardEntries)
	for i := range script {
		script[i].took = time.Second // a minute holds only 60 entries
	}
	f := newFakeCall("slow", script)
	f.budget = len(script)
	if _, err := run(t, cfg, f, "8000"); err != nil {
		t.Fatalf("Run: %v", err)
	}
	ops := f.Ops()
	if last := ops[len(ops)-1]; last != "budget exhausted" {
		t.Fatalf("last op %q: the guard tripped on a slow loop", last)
	}
}

func TestLiveConfig(t *testing.T) {
	cfg := config.Defaults()
	var e *Engine
	f := newFakeCall("live", []outcome{{key: "1", do: func() {
		// An admin edits 6501 while the caller listens to 6500.
		cfg.IVRs[1].Prompts = []string{"password2"}
	}}})
	errc := make(chan error, 1)
	e = New(Options{Config: func() *config.Config { return &cfg }, Clock: newFakeClock()})
	f.eng = e
	go func() { errc <- e.Run(context.Background(), f, "6500") }()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(waitRun):
		t.Fatal("Run did not return")
	}
	want := []string{"answer", p6500, "play password2 barge", r4, "play password2 barge", r4, "hangup normal"}
	if got := f.Ops(); !slices.Equal(got, want) {
		t.Errorf("ops:\n got %q\nwant %q", got, want)
	}
}

// start runs a call whose first Play blocks, and waits until it does.
func start(t *testing.T, ctx context.Context, e *Engine, id string) (*fakeCall, chan error) {
	t.Helper()
	f := newFakeCall(id, []outcome{{block: true}})
	f.eng, f.blocked = e, make(chan string, 1)
	errc := make(chan error, 1)
	go func() { errc <- e.Run(ctx, f, "6500") }()
	select {
	case <-f.blocked:
	case err := <-errc:
		t.Fatalf("Run returned early: %v", err)
	case <-time.After(waitRun):
		t.Fatal("call never started playing")
	}
	return f, errc
}

func wait(t *testing.T, errc chan error) error {
	t.Helper()
	select {
	case err := <-errc:
		return err
	case <-time.After(waitRun):
		t.Fatal("Run did not return")
		return nil
	}
}

func TestGotoFromAnotherGoroutine(t *testing.T) {
	e := New(Options{Config: defaults, Clock: newFakeClock()})
	if err := e.Goto("nope", "6502"); !errors.Is(err, ErrUnknownCall) {
		t.Errorf("Goto unknown call = %v, want ErrUnknownCall", err)
	}
	f, errc := start(t, context.Background(), e, "c-7")
	if got := e.Calls(); !slices.Equal(got, []string{"c-7"}) {
		t.Errorf("Calls() = %q", got)
	}
	if err := e.Goto("nope", "6502"); !errors.Is(err, ErrUnknownCall) {
		t.Errorf("Goto unknown call = %v, want ErrUnknownCall", err)
	}
	if err := e.Goto("c-7", "9999"); !errors.Is(err, ErrUnknownIVR) {
		t.Errorf("Goto unknown IVR = %v, want ErrUnknownIVR", err)
	}
	if err := e.Goto("c-7", "6502"); err != nil {
		t.Fatalf("Goto: %v", err)
	}
	if err := wait(t, errc); err != nil {
		t.Fatalf("Run: %v", err)
	}
	want := []string{"answer", p6500, p6502, r1, "hangup normal"}
	if got := f.Ops(); !slices.Equal(got, want) {
		t.Errorf("ops:\n got %q\nwant %q", got, want)
	}
	if got := e.Calls(); len(got) != 0 {
		t.Errorf("Calls() after the call = %q", got)
	}
	if err := e.Goto("c-7", "6502"); !errors.Is(err, ErrUnknownCall) {
		t.Errorf("Goto ended call = %v, want ErrUnknownCall", err)
	}
}

func TestRunContextCancelled(t *testing.T) {
	e := New(Options{Config: defaults})
	ctx, cancel := context.WithCancel(context.Background())
	f, errc := start(t, ctx, e, "c-8")
	cancel()
	if err := wait(t, errc); !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v, want context.Canceled", err)
	}
	want := []string{"answer", p6500, "hangup normal"}
	if got := f.Ops(); !slices.Equal(got, want) {
		t.Errorf("ops:\n got %q\nwant %q", got, want)
	}
}

func TestRunDuplicateCall(t *testing.T) {
	e := New(Options{Config: defaults})
	f, errc := start(t, context.Background(), e, "dup")
	g := newFakeCall("dup", nil)
	if err := e.Run(context.Background(), g, "6500"); !errors.Is(err, ErrDuplicateCall) {
		t.Errorf("second Run = %v, want ErrDuplicateCall", err)
	}
	if ops := g.Ops(); len(ops) != 0 {
		t.Errorf("second call was touched: %q", ops)
	}
	f.Hangup(context.Background(), "test")
	if err := wait(t, errc); err != nil {
		t.Errorf("first Run = %v", err)
	}
}

func TestHasAndNilOptions(t *testing.T) {
	e := New(Options{})
	if e.Has("6500") {
		t.Error("engine without config has 6500")
	}
	e = New(Options{Config: defaults})
	for _, n := range []string{"6500", "6501", "6502", "6503"} {
		if !e.Has(n) {
			t.Errorf("Has(%s) = false", n)
		}
	}
	if e.Has("") || e.Has("9999") {
		t.Error("Has on no IVR = true")
	}
}

func ExampleEngine_Goto() {
	e := New(Options{Config: defaults})
	err := e.Goto("1552976047.56", "6502")
	fmt.Println(errors.Is(err, ErrUnknownCall))
	// Output: true
}

func TestGotoWhileRinging(t *testing.T) {
	cfg := seedPlus(config.IVR{Number: "7007", RingSeconds: 2, Prompts: []string{"menu"}})
	f := newFakeCall("ringing", nil)
	f.onRing = func() {
		if err := f.eng.Goto(f.id, "6502"); err != nil {
			t.Errorf("Goto: %v", err)
		}
	}
	events, err := run(t, cfg, f, "7007")
	if err != nil {
		t.Fatal(err)
	}
	wantOps := []string{"ring 2s", "answer", p6502, r1, "hangup normal"}
	if got := f.Ops(); !slices.Equal(got, wantOps) {
		t.Errorf("ops:\n got %q\nwant %q", got, wantOps)
	}
	wantEvents := []string{entered("6502"), finished("6502", "ok"), left("6502")}
	if !slices.Equal(events, wantEvents) {
		t.Errorf("events:\n got %q\nwant %q", events, wantEvents)
	}
}

// TestLogLines checks that every step logs one line tagged with the call id
// and the IVR (the steps every call takes at debug level, so INFO costs a
// busy box little).
func TestLogLines(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f := newFakeCall("logged", join(keys("1", "5", "#"), []outcome{{block: true, goTo: "6502"}}))
	e := New(Options{Config: defaults, Log: log, Clock: newFakeClock()})
	f.eng = e
	if err := e.Run(context.Background(), f, "6500"); err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for line := range strings.Lines(buf.String()) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec["call"] != "logged" {
			t.Errorf("log line without call id: %s", line)
		}
		if _, ok := rec["ivr"]; !ok {
			t.Errorf("log line without ivr: %s", line)
		}
		msgs = append(msgs, rec["msg"].(string))
	}
	for _, want := range []string{"answer", "enter", "play prompts", "key", "digit string",
		"play hold prompts", "goto", "leave", "timeout", "hang up"} {
		if !slices.Contains(msgs, want) {
			t.Errorf("no %q log line in %q", want, msgs)
		}
	}
}

// defaults is the factory config as an Options.Config.
func defaults() *config.Config {
	c := config.Defaults()
	return &c
}
