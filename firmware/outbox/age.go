package outbox

import "time"

// oldestAge is how long the oldest undelivered event has waited (see
// Stats.OldestAge): the oldest of the events not yet stored (the batch
// being written, then the queue) and of each worker's events.
func (o *Outbox) oldestAge() time.Duration {
	var oldest int64
	found := false
	o.qmu.Lock()
	if o.storingAt != 0 { // older than the queue
		oldest, found = o.storingAt, true
	} else if len(o.queue) > 0 {
		oldest, found = o.queue[0].at, true
	}
	o.qmu.Unlock()
	for _, s := range o.shards {
		if at, ok := s.oldest(); ok && (!found || at < oldest) {
			oldest, found = at, true
		}
	}
	if !found {
		return 0
	}
	return max(0, time.Duration(o.opts.Now().UnixNano()-oldest))
}

// delivered1 records the latency of it, just answered with 2xx.
func (o *Outbox) delivered1(it item) {
	d := max(time.Duration(o.opts.Now().UnixNano()-it.at), 1) // 0 means "none yet"
	o.lastLatency.Store(int64(d))
	if o.opts.Latency != nil {
		o.opts.Latency(d)
	}
}
