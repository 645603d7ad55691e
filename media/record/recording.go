package record

import (
	"sync"
	"sync/atomic"

	"github.com/ivrbox/ivrbox/media/stream"
)

// maxGapFrames caps the silence filled into one gap of the frame numbers
// (a minute): a jump further than that is a new timeline, not lost frames.
const maxGapFrames = 60 * framesPerSecond

// Recording is one recording in progress or finished. Its methods are safe
// for concurrent use.
type Recording struct {
	r    *Recorder
	w    *writer
	src  Attacher
	spec Spec
	tap  *stream.Tap
	res  Result // written once, before done is closed

	stop     atomic.Pointer[string] // the reason to stop, once asked
	detached sync.Once
	done     chan struct{}

	// Set at Start, then owned by the writer goroutine.
	tracks        []*track
	frameBytes    int   // bytes one frame adds to each buffer (the largest)
	maxFrames     int64 // frames to record at most
	silenceFrames int   // silent frames that end the recording; 0 = off
	level         int   // silence level
	begun         bool  // a frame was seen: next is valid
	next          uint64
	frames        int64 // frames recorded, silence fill included
	silentRun     int   // consecutive silent caller frames
	ended         bool  // the writer has handed it to the closer
}

// Stop ends the recording (reason "" means ReasonStopped), detaches its tap,
// waits until its files are final and returns the result. It is
// idempotent: once the recording has ended, for whatever reason, Stop
// returns that result. It blocks on the disk: never call it on a shard.
func (rec *Recording) Stop(reason string) Result {
	if reason == "" {
		reason = ReasonStopped
	}
	rec.detach()
	rec.requestStop(reason)
	<-rec.done
	return rec.res
}

// Done returns a channel closed once the recording has ended and its files
// are final.
func (rec *Recording) Done() <-chan struct{} { return rec.done }

// Result returns the recording's result once Done is closed; before that,
// the zero Result.
func (rec *Recording) Result() Result {
	select {
	case <-rec.done:
		return rec.res
	default:
		return Result{}
	}
}

// requestStop asks the writer to end the recording with reason, unless an
// end was asked already.
func (rec *Recording) requestStop(reason string) {
	if rec.stop.CompareAndSwap(nil, &reason) {
		rec.w.kick()
	}
}

// stopReason returns the reason an end was asked for, or "".
func (rec *Recording) stopReason() string {
	if p := rec.stop.Load(); p != nil {
		return *p
	}
	return ""
}

// detach removes the tap from the stream, once.
func (rec *Recording) detach() {
	rec.detached.Do(func() { rec.src.RemoveSink(rec.tap) })
}

// add records frame f, first filling any gap since the previous frame with
// silence. It returns the reason the recording must end, or "".
func (rec *Recording) add(f *stream.Frame) (string, error) {
	if rec.begun && f.Index > rec.next {
		for range min(f.Index-rec.next, uint64(maxGapFrames)) {
			if reason, err := rec.put(nil); reason != "" {
				return reason, err
			}
		}
	}
	rec.begun, rec.next = true, f.Index+1
	return rec.put(f)
}

// put records one frame (nil: silence), flushing the buffers first when
// they are full.
func (rec *Recording) put(f *stream.Frame) (string, error) {
	if rec.tracks[0].full(rec.frameBytes) {
		if err := rec.flush(); err != nil {
			return reasonOf(err), err
		}
	}
	if rec.convert(f) {
		rec.silentRun++
	} else {
		rec.silentRun = 0
	}
	rec.frames++
	switch {
	case rec.frames >= rec.maxFrames:
		return ReasonMaxDuration, nil
	case rec.silenceFrames > 0 && rec.silentRun >= rec.silenceFrames:
		return ReasonSilence, nil
	}
	return "", nil
}

// flush writes every track's buffer and returns the first error.
func (rec *Recording) flush() error {
	var first error
	for _, t := range rec.tracks {
		if err := t.flush(&rec.r.store); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// end writes what the buffers hold and hands the recording to the closer.
// It runs on the writer; cause is the error that ended the recording.
func (rec *Recording) end(reason string, cause error) {
	rec.res.Reason, rec.res.Err, rec.res.Dropped = reason, cause, rec.tap.Dropped()
	if err := rec.flush(); err != nil && rec.res.Err == nil {
		rec.res.Err = err
	}
	rec.r.closer.push(rec)
}

// seal commits, closes and renames the files, publishes the result, closes
// done and hands the recording to the notifier. It runs on the closer, so
// that a slow disk's fsync never delays a writer.
func (rec *Recording) seal() {
	res := rec.res
	res.CallID, res.Name, res.Format = rec.spec.CallID, rec.spec.Name, rec.spec.Format
	for _, t := range rec.tracks {
		f, err := t.seal(rec.r)
		if err != nil && res.Err == nil {
			res.Err = err
		}
		res.Files = append(res.Files, f)
		res.Duration = max(res.Duration, f.Duration)
	}
	res.End = rec.r.opts.Clock.Now()
	rec.publish(res)
}

// publish sets the result, forgets the recording's files, closes done and
// hands the recording to the notifier, once.
func (rec *Recording) publish(res Result) {
	if rec.isDone() {
		return
	}
	rec.res = res
	rec.r.unregister(rec)
	close(rec.done)
	rec.r.notifier.push(rec)
}

// notify detaches the tap and tells OnFinish. It runs on the notifier.
func (rec *Recording) notify() {
	rec.detach()
	res := rec.res
	rec.r.log.Info("record: finished", "call", res.CallID, "name", res.Name,
		"duration", res.Duration, "reason", short(res.Reason), "dropped", res.Dropped, "err", res.Err)
	if rec.r.opts.OnFinish != nil {
		rec.r.opts.OnFinish(res)
	}
}

// isDone reports whether the recording has ended.
func (rec *Recording) isDone() bool {
	select {
	case <-rec.done:
		return true
	default:
		return false
	}
}
