package conf

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/ivrbox/ivrbox/firmware/event"
	"github.com/ivrbox/ivrbox/media/mix"
	"github.com/ivrbox/ivrbox/media/record"
)

// Errors of Record and StopRecord; the errors returned wrap them (and,
// from the recorder, record.ErrFull and the like).
var (
	ErrRecording    = errors.New("conf: room already recording")
	ErrNotRecording = errors.New("conf: room not recording")
	ErrNoRecorder   = errors.New("conf: recording is not set up")
)

// RecordFormat is the format of a room's recordings: one mono file of the
// room's mix.
const RecordFormat = record.In

// Recorder starts recordings (a *record.Recorder): of a room, its mix
// room is the source.
type Recorder interface {
	Start(src record.Attacher, spec record.Spec) (*record.Recording, error)
}

// roomRec is a room's recording, from Record until it is told finished.
type roomRec struct {
	id   string // "r1", "r2"... on the room
	file string // relative to the recordings folder
	stop chan struct{}
	// final is closed once RecordingFinished is published.
	final chan struct{}

	// Guarded by Manager.mu.
	rec *record.Recording // nil while starting
	why string            // why it was asked to stop; set when stop is closed
}

// stopLocked asks the recording to end for why, once.
func (rr *roomRec) stopLocked(why string) {
	if rr.why == "" {
		rr.why = why
		close(rr.stop)
	}
}

// Record starts recording room id: one mono WAV file of the room's mix
// (every member heard and what the room plays), conf-<id>-<hhmmss>.wav in
// the recorder's folder of the day, until StopRecord, the room's end
// (reason: why the room ended) or the recorder's limits. It returns the
// file, relative to the recordings folder, and publishes RecordingStarted
// (RecordingFinished when it ends), with the room in the Conf payload and
// no call id. A room has one recording at a time. Errors: ErrNoRoom,
// ErrRecording, ErrNoRecorder, ErrClosed, or the recorder's (record.ErrFull
// when the storage limit is reached).
func (m *Manager) Record(id string) (file string, err error) {
	r, rr, err := m.reserveRec(id)
	if err != nil {
		return "", err
	}
	rec, err := m.startRec(r, rr)
	if err != nil {
		m.abandonRec(r, rr, err)
		if errors.Is(err, mix.ErrClosed) { // the room ended meanwhile
			return "", fmt.Errorf("%w: %q", ErrNoRoom, id)
		}
		return "", err
	}
	m.pub.Lock()
	m.mu.Lock()
	rr.rec = rec
	ended := r.ended
	ev := m.recEventLocked(r, event.RecordingStarted, rr, record.Result{})
	m.mu.Unlock()
	m.publish([]event.Event{ev})
	m.pub.Unlock()
	go m.watchRec(r, rr, rec)
	m.log.Info("conference recording started", "conf", id, "file", rr.file)
	if ended { // the room ended while the recorder opened the file
		<-rr.final
		return "", fmt.Errorf("%w: %q", ErrNoRoom, id)
	}
	return rr.file, nil
}

// reserveRec takes room id's recording place.
func (m *Manager) reserveRec(id string) (*room, *roomRec, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.rooms[id]
	switch {
	case m.closed:
		return nil, nil, ErrClosed
	case !ok:
		return nil, nil, fmt.Errorf("%w: %q", ErrNoRoom, id)
	case m.opt.Recorder == nil:
		return nil, nil, ErrNoRecorder
	case r.rec != nil:
		return nil, nil, fmt.Errorf("%w: %q records into %s", ErrRecording, id, r.rec.file)
	}
	r.recSeq++
	rr := &roomRec{id: "r" + strconv.Itoa(r.recSeq), stop: make(chan struct{}), final: make(chan struct{})}
	r.rec = rr
	m.recWG.Add(1) // before Close can wait: closed is false under mu
	return r, rr, nil
}

// startRec starts the recorder on r's mix, trying a second name when one
// of the same second exists.
func (m *Manager) startRec(r *room, rr *roomRec) (*record.Recording, error) {
	now := m.opt.Now()
	spec := record.Spec{Format: RecordFormat, CallID: "conf-" + r.spec.ID, Name: now.Format("150405")}
	base := spec.Name
	for i := 2; ; i++ {
		rec, err := m.opt.Recorder.Start(r.mix, spec)
		if err == nil || !errors.Is(err, record.ErrExists) || i > 5 {
			rr.file = now.Format("2006/01/02") + "/" + spec.CallID + "-" + spec.Name + ".wav"
			if err != nil {
				return nil, fmt.Errorf("conf: record %q: %w", r.spec.ID, err)
			}
			return rec, nil
		}
		spec.Name = base + "-" + strconv.Itoa(i)
	}
}

// abandonRec gives up a recording that did not start; a full storage is
// told (RecordingFinished, reason storage-full) as a call's is.
func (m *Manager) abandonRec(r *room, rr *roomRec, err error) {
	defer m.recWG.Done()
	m.pub.Lock()
	defer m.pub.Unlock()
	m.mu.Lock()
	if r.rec == rr {
		r.rec = nil
	}
	var evs []event.Event
	if errors.Is(err, record.ErrFull) {
		evs = append(evs, m.recEventLocked(r, event.RecordingFinished, rr, record.Result{Reason: record.ReasonStorageFull}))
	}
	m.mu.Unlock()
	close(rr.final)
	m.publish(evs)
	m.log.Warn("conference recording failed", "conf", r.spec.ID, "err", err)
}

// watchRec waits for rr to end (asked to stop, or by itself: the storage
// limit, a full disk) and tells about it.
func (m *Manager) watchRec(r *room, rr *roomRec, rec *record.Recording) {
	defer m.recWG.Done()
	select {
	case <-rec.Done():
	case <-rr.stop:
		m.mu.Lock()
		why := rr.why
		m.mu.Unlock()
		rec.Stop(why)
	}
	res := rec.Result()
	m.pub.Lock()
	m.mu.Lock()
	if r.rec == rr {
		r.rec = nil
	}
	ev := m.recEventLocked(r, event.RecordingFinished, rr, res)
	m.mu.Unlock()
	m.publish([]event.Event{ev})
	m.pub.Unlock()
	close(rr.final)
	m.log.Info("conference recording finished", "conf", r.spec.ID, "file", rr.file, "reason", res.Reason,
		"duration", res.Duration, "dropped_frames", res.Dropped, "err", res.Err)
}

// recEventLocked builds a Recording* event of rr, about room r; res is the
// result of a finished one.
func (m *Manager) recEventLocked(r *room, kind event.Kind, rr *roomRec, res record.Result) event.Event {
	ev := r.eventLocked(kind, nil, "")
	p := &event.Recording{ID: rr.id, Format: RecordFormat.String(), Reason: res.Reason,
		Duration: res.Duration.Seconds()}
	for _, f := range res.Files {
		p.Files = append(p.Files, f.Path)
		p.Bytes += f.Bytes
	}
	if kind == event.RecordingStarted {
		p.Files = []string{rr.file}
	}
	ev.Recording = p
	return ev
}

// StopRecord stops room id's recording and returns once its file is final
// and RecordingFinished published. Errors: ErrNoRoom, ErrNotRecording.
func (m *Manager) StopRecord(id string) error {
	m.mu.Lock()
	r, ok := m.rooms[id]
	if !ok {
		m.mu.Unlock()
		return fmt.Errorf("%w: %q", ErrNoRoom, id)
	}
	rr := r.rec
	if rr == nil {
		m.mu.Unlock()
		return fmt.Errorf("%w: %q", ErrNotRecording, id)
	}
	rr.stopLocked(record.ReasonStopped)
	m.mu.Unlock()
	<-rr.final
	return nil
}

// recordingLocked is the file r records into, "" when none (or while the
// recorder opens it).
func (r *room) recordingLocked() string {
	if r.rec == nil || r.rec.rec == nil {
		return ""
	}
	return r.rec.file
}
