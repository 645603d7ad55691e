package box

import (
	"context"
	"fmt"
	"net/netip"
	"path/filepath"
	"time"

	"github.com/ivrbox/ivrbox/firmware/call"
	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/procs"
	"github.com/ivrbox/ivrbox/firmware/xmlivr"
	"github.com/ivrbox/ivrbox/media/fork"
	"github.com/ivrbox/ivrbox/media/record"
)

// RecordingsDir is the folder of the call recordings inside dataDir.
func RecordingsDir(dataDir string) string { return filepath.Join(dataDir, "recordings") }

// openMediaServices starts the call recorder (repairing files a crash left
// open) and the media forker, bound to the SIP address when one is named.
func (b *Box) openMediaServices(sipIP netip.Addr) error {
	cfg := b.Store.Current()
	var err error
	b.Rec, err = record.New(record.Options{Dir: RecordingsDir(b.opt.DataDir), MaxBytes: cfg.System.Recording.Bytes(),
		Log: b.log.With("component", "record"), Blocking: procs.Borrow})
	if err != nil {
		return fmt.Errorf("recordings: %w", err)
	}
	var local netip.AddrPort
	if sipIP.IsValid() && !sipIP.IsUnspecified() {
		local = netip.AddrPortFrom(sipIP, 0)
	}
	b.Forks, err = fork.New(fork.Options{MaxForks: cfg.System.Fork.Total(), Local: local,
		Log: b.log.With("component", "fork")})
	if err != nil {
		return fmt.Errorf("media forks: %w", err)
	}
	return nil
}

// ivrCall is a call as the IVR engine steers it: its control, plus the
// steps the engine declares as optional interfaces (API control, record
// steps, whole-call recording). cloudReady, when set, says whether any
// cloud application subscribed to the IVR events: without one, a cloud
// IVR's offer ends at once as if nobody came, so its fallback runs without
// the caller waiting in silence. xml runs XML applications (RunXML).
type ivrCall struct {
	*call.Control
	cloudReady func() bool
	xml        *xmlivr.Engine
}

// Offer runs an API-control step (ivr.Offerer). The engine has filled in
// the step's ID (its ComponentID); it and the step's Name are passed on to
// controllers as they are.
func (c ivrCall) Offer(ctx context.Context, step config.APIStep, hold []string) (string, error) {
	kind := "api"
	if step.Key == config.CloudOfferKey {
		kind = "cloud"
		if c.cloudReady != nil && !c.cloudReady() {
			return call.OfferTimeout, nil
		}
	}
	return c.Control.Offer(ctx, call.OfferSpec{Key: step.Key, Params: step.Params, Step: kind,
		ID: step.ID, Name: step.Name, Timeout: step.Wait(), Hold: hold})
}

// RecordStep runs a record step (ivr.StepRecorder).
func (c ivrCall) RecordStep(ctx context.Context, s config.RecordStep) (file, reason string, err error) {
	res, err := c.Do(ctx, call.Command{Kind: call.KindRecord, Tag: "record-step", Format: s.Format,
		MaxDuration: time.Duration(s.MaxSeconds) * time.Second, SilenceStop: time.Duration(s.SilenceSeconds) * time.Second,
		FinishKeys: s.FinishKeys, Beep: s.Beep})
	if err != nil {
		return "", "", err
	}
	if res.Status == call.StatusFailed || res.Status == call.StatusHungUp {
		return res.File, res.Reason, fmt.Errorf("record: %s: %s", res.Status, res.Reason)
	}
	return res.File, res.Reason, nil
}

// RecordCall starts the whole-call recording an IVR asks for
// (ivr.CallRecorder), unless the call is recorded already.
func (c ivrCall) RecordCall(format string) error {
	if c.Call().Recording() {
		return nil
	}
	_, err := c.Call().StartRecording(format)
	return err
}
