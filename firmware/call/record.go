package call

import (
	"errors"
	"fmt"
	"time"

	"github.com/ivrbox/ivrbox/firmware/event"
	"github.com/ivrbox/ivrbox/media/record"
)

// RecordingInfo describes a recording of a live call.
type RecordingInfo struct {
	ID      string    `json:"id"`     // the recording's id on the call ("r1")
	Format  string    `json:"format"` // in, mixed, stereo or split
	Started time.Time `json:"started"`
	Step    bool      `json:"step"` // made by a record command, not a whole-call recording
}

// StartRecording records the whole call in format (mixed, stereo, split or
// in) until StopRecording or the call ends, and returns the recording's id.
// Events RecordingStarted and RecordingFinished tell about it. Errors:
// CodeUnsupported (no recorder), CodeBadRequest, CodeStorageFull,
// CodeEnded.
func (c *Call) StartRecording(format string) (string, error) {
	if !validFormat(format) {
		return "", fail(CodeBadRequest, "record", nil, "format %q (in, mixed, stereo or split)", format)
	}
	r, err := c.startRecording(Command{Format: format}, "")
	if err != nil {
		return "", err
	}
	return r.id, nil
}

// StopRecording stops the recording id and waits until its files are
// final. Error: CodeBadRequest for an unknown id.
func (c *Call) StopRecording(id string) error {
	c.mu.Lock()
	r := c.recs[id]
	c.mu.Unlock()
	if r == nil {
		return fail(CodeBadRequest, "record", nil, "call %s has no recording %q", c.id, id)
	}
	c.stopRecording(r, record.ReasonStopped)
	return nil
}

// Recordings lists the call's recordings in progress.
func (c *Call) Recordings() []RecordingInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]RecordingInfo, 0, len(c.recs))
	for _, r := range c.recs {
		out = append(out, RecordingInfo{ID: r.id, Format: r.format, Started: r.started, Step: r.step})
	}
	return out
}

// Recording reports whether a whole-call recording is in progress.
func (c *Call) Recording() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range c.recs {
		if !r.step {
			return true
		}
	}
	return false
}

// startRecording starts a recording of cmd's format, duration limits and
// silence stop; step marks a record command's.
func (c *Call) startRecording(cmd Command, _ string) (*recording, error) {
	rc := c.m.opt.Recorder
	if rc == nil {
		return nil, fail(CodeUnsupported, "record", nil, "recording is not set up on this box")
	}
	format, err := record.ParseFormat(cmd.Format)
	if err != nil {
		return nil, fail(CodeBadRequest, "record", err, "")
	}
	st := c.stream()
	if st == nil || c.ctx.Err() != nil {
		return nil, fail(CodeEnded, "record", errEnded, "call %s", c.id)
	}
	step := cmd.Kind == KindRecord
	c.mu.Lock()
	c.recSeq++
	id := fmt.Sprintf("r%d", c.recSeq)
	c.mu.Unlock()
	rec, err := rc.Start(st, record.Spec{Format: format, CallID: c.id, Name: id,
		MaxDuration: cmd.MaxDuration, SilenceStop: cmd.SilenceStop})
	switch {
	case errors.Is(err, record.ErrFull):
		c.publish(event.Event{Kind: event.RecordingFinished, Recording: &event.Recording{ID: id,
			Format: cmd.Format, Reason: record.ReasonStorageFull}})
		return nil, fail(CodeStorageFull, "record", err, "")
	case errors.Is(err, record.ErrSpec):
		return nil, fail(CodeBadRequest, "record", err, "")
	case err != nil:
		return nil, fail(CodeInternal, "record", err, "")
	}
	r := &recording{id: id, format: format.String(), rec: rec, step: step, started: time.Now(), final: make(chan struct{})}
	c.mu.Lock()
	if c.recs == nil {
		c.recs = map[string]*recording{}
	}
	c.recs[id] = r
	c.mu.Unlock()
	c.recWG.Add(1)
	go c.watchRecording(r)
	c.log.Info("recording started", "recording", id, "format", r.format, "step", step)
	c.publish(event.Event{Kind: event.RecordingStarted, Recording: &event.Recording{ID: id, Format: r.format}})
	return r, nil
}

// watchRecording waits for r to end (stopped, or by itself: its limit, the
// storage limit, a full disk) and tells about it.
func (c *Call) watchRecording(r *recording) {
	defer c.recWG.Done()
	<-r.rec.Done()
	res := r.rec.Result()
	r.result = res
	c.mu.Lock()
	delete(c.recs, r.id)
	c.mu.Unlock()
	files := make([]string, len(res.Files))
	var bytes int64
	for i, f := range res.Files {
		files[i] = f.Path
		bytes += f.Bytes
	}
	c.log.Info("recording finished", "recording", r.id, "reason", res.Reason, "duration", res.Duration,
		"files", files, "dropped_frames", res.Dropped, "err", res.Err)
	c.publish(event.Event{Kind: event.RecordingFinished, Recording: &event.Recording{ID: r.id, Format: r.format,
		Files: files, Duration: res.Duration.Seconds(), Bytes: bytes, Reason: res.Reason}})
	close(r.final)
}

// stopRecording stops r and returns its result once told about.
func (c *Call) stopRecording(r *recording, reason string) record.Result {
	r.rec.Stop(reason)
	<-r.final
	return r.result
}

// finishRecording returns the result of r, which has ended, once told
// about.
func (c *Call) finishRecording(r *recording) record.Result {
	<-r.final
	return r.result
}

// stopRecordings stops every recording of the call and waits until each is
// told about.
func (c *Call) stopRecordings(reason string) {
	c.mu.Lock()
	recs := make([]*recording, 0, len(c.recs))
	for _, r := range c.recs {
		recs = append(recs, r)
	}
	c.mu.Unlock()
	for _, r := range recs {
		r.rec.Stop(reason)
	}
	c.recWG.Wait()
}

// recordResult fills a record command's result from the recording's.
func recordResult(r record.Result, res Result) Result {
	for _, f := range r.Files {
		res.Files = append(res.Files, f.Path)
	}
	res.File, res.Length = first(res.Files), r.Duration
	if res.Reason == "" {
		res.Reason = r.Reason
	}
	if r.Err != nil && res.Status == StatusDone {
		res.Status, res.Reason = StatusFailed, r.Reason
	}
	return res
}
