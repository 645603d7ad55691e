package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"time"
)

// benchPassword is the admin password the load generator sets on its
// throw-away box.
const benchPassword = "loadgen-bench-password"

// admin is a client of the box's admin API, authenticated with a token.
type admin struct {
	base  string // http://host:port/api/admin/
	token string
	hc    *http.Client
}

// boxCall is the part of a GET calls entry the load generator uses.
type boxCall struct {
	ID        string `json:"id"`
	SIPCallID string `json:"sip_call_id"`
}

// newAdmin sets the admin password of a new box, makes a token with the
// session and returns a client that uses it.
func newAdmin(ctx context.Context, httpAddr string) (*admin, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	a := &admin{base: "http://" + httpAddr + "/api/admin/",
		hc: &http.Client{Timeout: 10 * time.Second, Jar: jar,
			Transport: &http.Transport{MaxIdleConnsPerHost: 16}}}
	if err := a.do(ctx, "POST", "setup", map[string]string{"password": benchPassword}, http.StatusOK, nil); err != nil {
		return nil, fmt.Errorf("admin setup: %w", err)
	}
	var tok struct {
		Token string `json:"token"`
	}
	if err := a.do(ctx, "POST", "tokens", map[string]string{"name": "bench"}, http.StatusCreated, &tok); err != nil {
		return nil, fmt.Errorf("admin token: %w", err)
	}
	a.token, a.hc.Jar = tok.Token, nil
	return a, nil
}

// calls lists the box's live calls.
func (a *admin) calls(ctx context.Context) ([]boxCall, error) {
	var out []boxCall
	err := a.do(ctx, "GET", "calls", nil, http.StatusOK, &out)
	return out, err
}

// fork starts a media fork of the box call id, both directions to target
// (host:port).
func (a *admin) fork(ctx context.Context, id, target string) error {
	body := map[string]string{"in": "udp://" + target, "out": "udp://" + target, "tag": "bench"}
	return a.do(ctx, "POST", "calls/"+url.PathEscape(id)+"/forks", body, http.StatusCreated, nil)
}

// forkStats is the box's count of a call's fork packets: sent in both
// directions, send errors and frames dropped.
type forkStats struct{ sent, errors, dropped uint64 }

// forkStats sums the counters of the forks of the box call id.
func (a *admin) forkStats(ctx context.Context, id string) (forkStats, error) {
	type dir struct {
		Packets uint64 `json:"packets"`
		Errors  uint64 `json:"errors"`
	}
	var fs []struct {
		Stats struct {
			In      dir    `json:"in"`
			Out     dir    `json:"out"`
			Dropped uint64 `json:"dropped"`
		} `json:"stats"`
	}
	var s forkStats
	if err := a.do(ctx, "GET", "calls/"+url.PathEscape(id)+"/forks", nil, http.StatusOK, &fs); err != nil {
		return s, err
	}
	for _, f := range fs {
		s.sent += f.Stats.In.Packets + f.Stats.Out.Packets
		s.errors += f.Stats.In.Errors + f.Stats.Out.Errors
		s.dropped += f.Stats.Dropped
	}
	return s, nil
}

// boxRecord is the part of a call record the load generator uses.
type boxRecord struct {
	ID      string    `json:"id"`
	Started time.Time `json:"started"`
	Digits  string    `json:"digits"`
}

// records returns up to n of the newest call records, newest first, in
// pages of 1000.
func (a *admin) records(ctx context.Context, n int) ([]boxRecord, error) {
	var all []boxRecord
	before := ""
	for len(all) < n {
		var page []boxRecord
		path := "records?limit=1000" + before
		if err := a.do(ctx, "GET", path, nil, http.StatusOK, &page); err != nil {
			return all, err
		}
		all = append(all, page...)
		if len(page) < 1000 {
			break
		}
		before = "&before=" + url.QueryEscape(page[len(page)-1].Started.Format(time.RFC3339Nano))
	}
	return all, nil
}

// delivery is the event outbox's counters (GET api-access).
type delivery struct {
	Pending   int    `json:"pending"`
	Delivered uint64 `json:"delivered"`
	Retried   uint64 `json:"retried"`
	Dropped   uint64 `json:"dropped"`
}

// delivery returns the box's event outbox counters.
func (a *admin) delivery(ctx context.Context) (delivery, error) {
	var out struct {
		Delivery delivery `json:"delivery"`
	}
	err := a.do(ctx, "GET", "api-access", nil, http.StatusOK, &out)
	return out.Delivery, err
}

// do sends one request with a JSON body (nil: none), checks the status and
// decodes the JSON answer into out (nil: discarded).
func (a *admin) do(ctx context.Context, method, path string, body any, want int, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %s: %.200s", method, path, resp.Status, data)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}

// events opens the SSE event stream; the caller closes the body.
func (a *admin) events(ctx context.Context) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", a.base+"events", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("Accept", "text/event-stream")
	hc := &http.Client{Transport: a.hc.Transport} // no timeout: the stream lasts; ctx ends it
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("GET events: %s", resp.Status)
	}
	return resp, nil
}
