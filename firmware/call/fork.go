package call

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/ivrbox/ivrbox/firmware/event"
	"github.com/ivrbox/ivrbox/media/fork"
)

// ForkInfo describes a media fork of a live call.
type ForkInfo struct {
	ID      string     `json:"id"`            // the fork's id on the call ("f1")
	In      string     `json:"in,omitempty"`  // udp://… getting the caller's audio (monitor-call's c-rtp)
	Out     string     `json:"out,omitempty"` // udp://… getting the box's audio (monitor-call's a-rtp)
	Tag     string     `json:"tag,omitempty"` // the requester's own label (monitor-call's id)
	Started time.Time  `json:"started"`
	Stats   fork.Stats `json:"stats"`
}

// StartFork copies the call's audio as RTP to UDP targets given as
// udp://host:port: in gets the caller's side, out the box's (either may be
// empty, not both). A host name is resolved within ctx. The config's fork
// settings apply: targets the policy refuses (the box itself, multicast)
// and forks past the per-call or per-box limit are refused. The fork runs
// until StopFork or the call ends (events ForkStarted, ForkStopped).
// Errors: CodeBadRequest (a bad or refused target), CodeLimit,
// CodeUnsupported (no forker), CodeEnded.
func (c *Call) StartFork(ctx context.Context, in, out, tag string) (ForkInfo, error) {
	fk := c.m.opt.Forker
	if fk == nil {
		return ForkInfo{}, fail(CodeUnsupported, "fork", nil, "media forks are not set up on this box")
	}
	set := c.m.opt.Config().System.Fork
	policy := fork.Policy{AllowLoopback: set.AllowLoopback, AllowMulticast: set.AllowMulticast,
		LANOnly: set.LANOnly, Own: c.m.opt.Own}
	var spec fork.Spec
	for _, t := range []struct {
		name, s string
		to      *netip.AddrPort
	}{{"in", in, &spec.In}, {"out", out, &spec.Out}} {
		if t.s == "" {
			continue
		}
		ap, err := fork.Parser{}.Parse(ctx, t.s)
		if err == nil {
			err = policy.Check(ap)
		}
		if err != nil {
			return ForkInfo{}, fail(CodeBadRequest, "fork", err, "%s target", t.name)
		}
		*t.to = ap
	}
	if !spec.In.IsValid() && !spec.Out.IsValid() {
		return ForkInfo{}, fail(CodeBadRequest, "fork", nil, "no target: give in, out or both")
	}
	st := c.stream()
	if st == nil || c.ctx.Err() != nil {
		return ForkInfo{}, fail(CodeEnded, "fork", errEnded, "call %s", c.id)
	}
	c.mu.Lock()
	if len(c.forks) >= set.PerCall() {
		c.mu.Unlock()
		return ForkInfo{}, fail(CodeLimit, "fork", nil, "call %s already has %d forks", c.id, set.PerCall())
	}
	c.forkSeq++
	id := fmt.Sprintf("f%d", c.forkSeq)
	c.mu.Unlock()
	spec.ID, spec.Call = id, c.id
	f, err := fk.Start(st, spec)
	switch {
	case errors.Is(err, fork.ErrLimit):
		return ForkInfo{}, fail(CodeLimit, "fork", err, "")
	case err != nil:
		return ForkInfo{}, fail(CodeInternal, "fork", err, "")
	}
	mf := &mediaFork{info: ForkInfo{ID: id, In: in, Out: out, Tag: tag, Started: time.Now()}, f: f}
	c.mu.Lock()
	if c.forks == nil {
		c.forks = map[string]*mediaFork{}
	}
	c.forks[id] = mf
	c.mu.Unlock()
	c.forkWG.Add(1)
	go c.watchFork(mf)
	c.log.Info("fork started", "fork", id, "in", in, "out", out)
	c.publish(event.Event{Kind: event.ForkStarted, Fork: &event.Fork{ID: id, In: in, Out: out}})
	return mf.snapshot(), nil
}

// StopFork stops the fork id. Error: CodeBadRequest for an unknown id.
func (c *Call) StopFork(id string) error {
	c.mu.Lock()
	mf := c.forks[id]
	c.mu.Unlock()
	if mf == nil {
		return fail(CodeBadRequest, "fork", nil, "call %s has no fork %q", c.id, id)
	}
	mf.stop("stopped")
	return nil
}

// Forks lists the call's media forks.
func (c *Call) Forks() []ForkInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]ForkInfo, 0, len(c.forks))
	for _, f := range c.forks {
		out = append(out, f.snapshot())
	}
	return out
}

// snapshot is the fork's info with its counters now.
func (mf *mediaFork) snapshot() ForkInfo {
	in := mf.info
	in.Stats = mf.f.Stats()
	return in
}

// stop stops the fork, saying why in its ForkStopped event.
func (mf *mediaFork) stop(reason string) {
	mf.once.Do(func() { mf.reason = reason })
	mf.f.Stop()
}

// watchFork waits for the fork to end and tells about it.
func (c *Call) watchFork(mf *mediaFork) {
	defer c.forkWG.Done()
	<-mf.f.Done()
	mf.once.Do(func() { mf.reason = "stopped" })
	c.mu.Lock()
	delete(c.forks, mf.info.ID)
	c.mu.Unlock()
	st := mf.f.Stats()
	c.log.Info("fork stopped", "fork", mf.info.ID, "reason", mf.reason, "packets_in", st.In.Packets,
		"packets_out", st.Out.Packets, "errors", st.In.Errors+st.Out.Errors, "dropped", st.Dropped)
	c.publish(event.Event{Kind: event.ForkStopped, Fork: &event.Fork{ID: mf.info.ID, In: mf.info.In, Out: mf.info.Out,
		Packets: st.In.Packets + st.Out.Packets, Errors: st.In.Errors + st.Out.Errors, Reason: mf.reason}})
}

// stopForks stops every fork of the call and waits until each is told about.
func (c *Call) stopForks(reason string) {
	c.mu.Lock()
	forks := make([]*mediaFork, 0, len(c.forks))
	for _, f := range c.forks {
		forks = append(forks, f)
	}
	c.mu.Unlock()
	for _, f := range forks {
		f.stop(reason)
	}
	c.forkWG.Wait()
}
