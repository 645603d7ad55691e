package outbox

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

var benchBody = []byte(`{"action": "DTMF", "callid": "1553672645.217", "call": [{"outbound": {"from": "6500", "to": "500", "trunk": "192.168.9.121", "outboundid": "1553672645.219"}}], "info": "5", "flag": "1", "sn": "368182384620"}`)

// BenchmarkEnqueue measures one Enqueue, the publisher's cost, while the
// committer writes the queue to a real bbolt file (synced) as fast as it
// can. MaxPending is the default, so once 10000 are stored every commit also
// drops the oldest. Run is not started.
func BenchmarkEnqueue(b *testing.B) {
	o := newT(b, tempDB(b), testOptions("http://127.0.0.1:1/events"))
	b.ReportAllocs()
	for b.Loop() {
		if err := o.Enqueue("1553672645.217", benchBody); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(o.Stats().Dropped)/float64(b.N), "dropped/op")
}

// BenchmarkEnqueueCommitHeld measures Enqueue while one commit is held for
// the whole run (a stuck disk): the memory queue fills up to MaxPending and
// then drops its oldest on every Enqueue.
func BenchmarkEnqueueCommitHeld(b *testing.B) {
	o, g := newGated(b, tempDB(b), testOptions("http://127.0.0.1:1/events"))
	enqueue(b, o, "1553672645.217", string(benchBody))
	g.waitCommit(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := o.Enqueue("1553672645.217", benchBody); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEnqueueLatency reports the spread of single Enqueue times while
// the committer writes to a real file: p50, p99 and the worst of the run.
func BenchmarkEnqueueLatency(b *testing.B) {
	o := newT(b, tempDB(b), testOptions("http://127.0.0.1:1/events"))
	took := make([]time.Duration, 0, 1<<20)
	for b.Loop() {
		t0 := time.Now()
		if err := o.Enqueue("1553672645.217", benchBody); err != nil {
			b.Fatal(err)
		}
		if d := time.Since(t0); len(took) < cap(took) {
			took = append(took, d)
		}
	}
	b.StopTimer()
	slices.Sort(took)
	q := func(f float64) float64 { return float64(took[int(f*float64(len(took)-1))].Nanoseconds()) }
	b.ReportMetric(q(0.50), "p50-ns")
	b.ReportMetric(q(0.99), "p99-ns")
	b.ReportMetric(q(1), "max-ns")
}

// BenchmarkCommit measures the committer's throughput on a real bbolt file:
// each op enqueues batch events and waits (Sync) until they are stored in
// one synced transaction. batch=1 is what every event cost the caller when
// Enqueue wrote it itself.
func BenchmarkCommit(b *testing.B) {
	for _, batch := range []int{1, 10, 100, 1000} {
		b.Run("batch="+strconv.Itoa(batch), func(b *testing.B) {
			opts := testOptions("http://127.0.0.1:1/events")
			opts.MaxPending = 1 << 30
			o := newT(b, tempDB(b), opts)
			ctx := context.Background()
			for b.Loop() {
				for range batch {
					if err := o.Enqueue("1553672645.217", benchBody); err != nil {
						b.Fatal(err)
					}
				}
				if err := o.Sync(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/event")
		})
	}
}

// BenchmarkCommitAtLimit is BenchmarkCommit at MaxPending: every commit of
// 100 also drops the 100 oldest stored events.
func BenchmarkCommitAtLimit(b *testing.B) {
	const batch = 100
	opts := testOptions("http://127.0.0.1:1/events")
	opts.MaxPending = 1000
	o := newT(b, tempDB(b), opts)
	for range opts.MaxPending {
		enqueue(b, o, "1553672645.217", string(benchBody))
	}
	syncT(b, o)
	for b.Loop() {
		for range batch {
			if err := o.Enqueue("1553672645.217", benchBody); err != nil {
				b.Fatal(err)
			}
		}
		syncT(b, o)
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkDeliver measures delivery throughput: b.N events of 64 calls,
// stored beforehand in a real bbolt file, POSTed by the default 4 workers
// to an app server on loopback that answers 200 at once, until every one
// is removed from the file. It reports the bbolt writes (synced) per
// event: the removals of deliveries share the committer's writes.
func BenchmarkDeliver(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	b.Cleanup(srv.Close)
	opts := testOptions(srv.URL)
	opts.MaxPending = 1 << 30
	var commits atomic.Int64
	committed := make(chan struct{}, 1)
	opts.afterCommit = func() {
		commits.Add(1)
		select {
		case committed <- struct{}{}:
		default:
		}
	}
	o := newT(b, tempDB(b), opts)
	for i := range b.N {
		if err := o.Enqueue("call-"+strconv.Itoa(i%64), benchBody); err != nil {
			b.Fatal(err)
		}
	}
	syncT(b, o)
	commits.Store(0)
	b.ResetTimer()
	start(b, o)
	for o.Stats().Delivered < uint64(b.N) {
		<-committed // signalled after the counters of each commit
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(commits.Load())/float64(b.N), "writes/event")
}
