package box

import (
	"strings"

	"golang.org/x/sys/unix"

	"github.com/ivrbox/ivrbox/api/admin"
	"github.com/ivrbox/ivrbox/firmware/event"
	"github.com/ivrbox/ivrbox/firmware/logring"
	"github.com/ivrbox/ivrbox/firmware/metrics"
	"github.com/ivrbox/ivrbox/firmware/sip"
	"github.com/ivrbox/ivrbox/firmware/trace"
)

// openDiag builds the metrics and the call traces, fed by the bus and the
// SIP transport. Call it once the bus, calls, prompts, disks and media
// exist; the trunks and the outbox are read when scraped, so they may come
// later.
func (b *Box) openDiag() {
	b.Metrics = metrics.New(metrics.Sources{
		Calls:   b.liveCalls,
		Shards:  b.Media.ShardTotals,
		Trunks:  b.trunkMetrics,
		Disks:   b.diskMetrics,
		Outbox:  b.outboxMetrics,
		Prompts: func() (uint64, uint64) { st := b.Prompts.Stats(); return st.Hits, st.Misses },
	})
	b.Traces = trace.New(trace.Options{LiveRTP: b.liveRTP, Count: b.Metrics.CountSIP})
	b.Bus.Hook(b.Metrics.Hook)
	b.Bus.Hook(b.Traces.Hook)
	sip.SetTracer(b.Traces)
}

func (b *Box) liveCalls() []event.Call {
	if b.Calls == nil {
		return nil
	}
	return b.Calls.Calls()
}

func (b *Box) liveRTP(id string) (event.RTP, bool) {
	if b.Calls == nil {
		return event.RTP{}, false
	}
	c := b.Calls.Call(id)
	if c == nil {
		return event.RTP{}, false
	}
	return c.RTP(), true
}

func (b *Box) trunkMetrics() []metrics.Trunk {
	var out []metrics.Trunk
	for _, t := range b.Store.Current().Trunks {
		st, _ := b.trunkState(t.Name)
		out = append(out, metrics.Trunk{Name: t.Name, Status: st})
	}
	return out
}

func (b *Box) diskMetrics() []metrics.Disk {
	var out []metrics.Disk
	for _, d := range b.Store.Current().Disks {
		out = append(out, metrics.Disk{Number: d.Number, State: b.Disks.Info(d.Number).State})
	}
	return out
}

func (b *Box) outboxMetrics() metrics.Outbox {
	if b.outbox == nil {
		return metrics.Outbox{}
	}
	st := b.outbox.Stats()
	return metrics.Outbox{Queued: st.Queued, Pending: st.Pending, Delivered: st.Delivered,
		Retried: st.Retried, Dropped: st.Dropped, OldestAge: st.OldestAge}
}

// registrations lists the phones registered to local accounts.
func (b *Box) registrations() []admin.Registration {
	if b.SIP == nil {
		return nil
	}
	var out []admin.Registration
	for _, p := range b.SIP.Phones() {
		out = append(out, admin.Registration{User: p.User, Contact: p.Contact, Source: p.Source.String(),
			Transport: strings.ToLower(p.Transport), UserAgent: p.UserAgent, Expires: p.Expires.UTC()})
	}
	return out
}

// storage is the data folder's free and total bytes.
func (b *Box) storage() (free, total uint64, err error) {
	var st unix.Statfs_t
	if err := unix.Statfs(b.opt.DataDir, &st); err != nil {
		return 0, 0, err
	}
	return st.Bavail * uint64(st.Bsize), st.Blocks * uint64(st.Bsize), nil
}

// logLines adapts the log ring to the admin API (nil: none).
func logLines(r *logring.Ring) admin.LogLines {
	if r == nil {
		return nil
	}
	return r
}
