package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// newTab opens another tab of the same browser on the box's page; each
// of scripts runs in it before the page's own.
func (br *browser) newTab(scripts ...string) *browser {
	br.t.Helper()
	ctx, cancel := chromedp.NewContext(br.ctx)
	nb := &browser{t: br.t, ctx: ctx, base: br.base, arts: br.arts}
	br.t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		br.t.Fatalf("open a tab: %v", err)
	}
	go nb.collect(chromedp.Console(ctx))
	nb.before(scripts...)
	nb.do("open the page in a new tab", chromedp.Navigate(nb.base))
	return nb
}

// before makes each script run in the tab before the page's own, from the
// next page load on.
func (br *browser) before(scripts ...string) {
	br.t.Helper()
	for _, s := range scripts {
		if _, err := chromedp.Call(br.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: s}); err != nil {
			br.t.Fatalf("add a script: %v", err)
		}
	}
}

// noLocks hides the Web Locks API, as a page over plain HTTP to a LAN
// address (not a secure context) has it.
const noLocks = `Object.defineProperty(Navigator.prototype, "locks", {get: () => undefined})`

// TestWebUIEightTabsNoLocks: the same eight tabs without Web Locks (plain
// HTTP to a LAN address): a lease in localStorage elects the one tab that
// streams; the eighth loads, every tab answers within 2 s and sees a
// call's events.
func TestWebUIEightTabsNoLocks(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true, config: liveConfig})
	br := newBrowser(t, b, 1280, 900, false)
	br.setup()
	br.before(noLocks)
	br.do("reload without locks", chromedp.Reload())
	br.untilText("#main h1", "Dashboard")
	tabs := []*browser{br}
	for len(tabs) < 8 {
		tabs = append(tabs, br.newTab(noLocks))
	}
	tabs[7].untilText("#main h1", "Dashboard")
	for i, tb := range tabs {
		if d, err := tb.answers(2 * time.Second); err != nil {
			t.Fatalf("tab %d: %v (after %v)", i+1, err, d.Round(time.Millisecond))
		}
		if js[bool](tb, "!!navigator.locks") {
			t.Fatalf("tab %d has Web Locks", i+1)
		}
	}
	leaders := 0
	for i, tb := range tabs {
		tb.until(fmt.Sprintf("tab %d's live dot green", i+1), 10*time.Second, `document.querySelector("#live-dot").classList.contains("on")`)
		if js[string](tb, "live.mode") == "lead" {
			leaders++
		}
		tb.route("events", "Event log")
	}
	if leaders != 1 {
		t.Fatalf("%d tabs stream, want 1", leaders)
	}
	r := sipp(t, b, "6500", new(scenario).invite(false).answered(false).pause(time.Second).bye(), newPeer(t, 0), "udp")
	for i, tb := range tabs {
		tb.until(fmt.Sprintf("tab %d's event log to show the call", i+1), 15*time.Second,
			`document.querySelector("#event-list").textContent.includes("call started")`)
	}
	r.wait(t)
}

// answers reports how long the page takes to get GET status from the box,
// giving up after limit.
func (br *browser) answers(limit time.Duration) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(br.ctx, limit+5*time.Second)
	defer cancel()
	start := time.Now()
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(async () => {
		const c = new AbortController(); setTimeout(() => c.abort(), %d);
		try { return (await fetch('/api/admin/status', {signal: c.signal, credentials: 'same-origin'})).ok; } catch (e) { return false; }
	})()`, limit.Milliseconds()), chromedp.EvalAwaitPromise))
	if err == nil && !ok {
		err = fmt.Errorf("no answer within %v", limit)
	}
	return time.Since(start), err
}

// TestWebUIEightTabs: eight tabs of the page at once (a browser opens at
// most six HTTP/1.1 connections to a host, and each tab used to keep its
// own event stream): the eighth loads, every tab gets an answer from the
// box within 2 s, one tab holds the only stream, every tab's live dot is
// green, and a call's events reach the event log of every tab; when the
// leader goes another tab takes the stream; when the box goes every dot
// turns grey.
func TestWebUIEightTabs(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true, config: liveConfig})
	br := newBrowser(t, b, 1280, 900, false)
	br.setup()
	tabs := []*browser{br}
	for len(tabs) < 8 {
		tabs = append(tabs, br.newTab())
	}
	tabs[7].untilText("#main h1", "Dashboard")
	for i, tb := range tabs {
		if d, err := tb.answers(2 * time.Second); err != nil {
			t.Fatalf("tab %d: %v (after %v)", i+1, err, d.Round(time.Millisecond))
		}
	}
	var modes []string
	for i, tb := range tabs {
		tb.until(fmt.Sprintf("tab %d's live dot green", i+1), 10*time.Second, `document.querySelector("#live-dot").classList.contains("on")`)
		modes = append(modes, js[string](tb, "live.mode"))
	}
	if n := strings.Count(strings.Join(modes, ","), "lead"); n != 1 || strings.Contains(strings.Join(modes, ","), "own") {
		t.Fatalf("stream modes of the tabs %v: want one leader, the others following", modes)
	}

	// The event log shows live events only through the stream: each tab
	// opens it before the call, then sees the call start.
	for _, tb := range tabs {
		tb.route("events", "Event log")
	}
	p := newPeer(t, 0)
	r := sipp(t, b, "6500", new(scenario).invite(false).answered(false).pause(time.Second).bye(), p, "udp")
	for i, tb := range tabs {
		tb.until(fmt.Sprintf("tab %d's event log to show the call", i+1), 15*time.Second,
			`document.querySelector("#event-list").textContent.includes("call started")`)
	}
	r.wait(t)

	// The leader goes: another tab takes the stream over, and the next
	// call reaches the tabs left.
	lead := slices.Index(modes, "lead")
	js[bool](tabs[lead], "stopLive(), true")
	rest := slices.Delete(slices.Clone(tabs), lead, lead+1)
	streaming := func() (n int) {
		for _, tb := range rest {
			if js[bool](tb, "live.mode === 'lead' && !!live.es && live.es.readyState === EventSource.OPEN") {
				n++
			}
		}
		return n
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for deadline := time.Now().Add(10 * time.Second); streaming() != 1; <-tick.C {
		if time.Now().After(deadline) {
			t.Fatal("no tab took the stream over when the leader stopped")
		}
	}
	r = sipp(t, b, "6500", new(scenario).invite(false).answered(false).pause(time.Second).bye(), newPeer(t, 0), "udp")
	for i, tb := range rest {
		tb.until(fmt.Sprintf("tab %d's event log to show the second call", i+1), 15*time.Second,
			`[...document.querySelectorAll("#event-list td")].filter(td => td.textContent === "call started").length === 2`)
	}
	r.wait(t)

	// The box goes away: every tab's dot turns grey (it tells the truth).
	b.stop()
	for i, tb := range rest {
		tb.until(fmt.Sprintf("tab %d's live dot grey", i+1), 10*time.Second, `!document.querySelector("#live-dot").classList.contains("on")`)
	}
}
