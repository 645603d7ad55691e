package stream

import (
	"log/slog"
	"testing"
	"time"
)

func TestSkippedFrames(t *testing.T) {
	sh := newShard(0, nil, slog.New(slog.DiscardHandler))
	start := time.Unix(100, 0)
	sh.next = start
	if send, skip := sh.due(start.Add(10 * frameDur)); send != maxCatchUp || skip != 11-maxCatchUp {
		t.Fatalf("due: send %d skip %d", send, skip)
	}
	e := &Engine{shards: []*shard{sh, newShard(1, nil, slog.New(slog.DiscardHandler))}}
	if n := e.SkippedFrames(); n != 11-maxCatchUp {
		t.Errorf("SkippedFrames %d, want %d", n, 11-maxCatchUp)
	}
}
