package call

import (
	"errors"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/config"
)

func TestLatenessWindow(t *testing.T) {
	var l lateness
	t0 := time.Unix(1000, 0)
	steps := []struct {
		after time.Duration
		total uint64
		want  uint64
	}{
		{0, 5, 0},                 // the first sample: nothing recent
		{2 * time.Second, 30, 25}, // 25 skipped since
		{9 * time.Second, 30, 25},
		{13 * time.Second, 30, 0}, // the skips are older than the window
		{14 * time.Second, 31, 1},
	}
	for _, s := range steps {
		if got := l.recent(t0.Add(s.after), s.total); got != s.want {
			t.Errorf("at %v with %d: %d recent, want %d", s.after, s.total, got, s.want)
		}
	}
}

func TestShedByCalls(t *testing.T) {
	m := &Manager{}
	if err := m.shed(config.Capacity{Calls: 2}, 1); err != nil {
		t.Fatal(err)
	}
	err := m.shed(config.Capacity{Calls: 2}, 2)
	if !errors.Is(err, errShed) || !errors.Is(err, ErrBusy) {
		t.Errorf("at capacity: %v, want ErrBusy wrapping errShed", err)
	}
	if err := m.shed(config.Capacity{}, 5000); err != nil {
		t.Errorf("no capacity set: %v", err)
	}
}
