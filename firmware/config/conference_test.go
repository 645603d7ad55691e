package config

import (
	"strings"
	"testing"
	"time"
)

func TestConferenceRules(t *testing.T) {
	for _, tt := range []struct {
		c           Conference
		idle, empty time.Duration
	}{
		{Conference{}, 10 * time.Minute, 0},
		{Conference{IdleMinutes: 3, EmptySeconds: 30}, 3 * time.Minute, 30 * time.Second},
		{Conference{IdleMinutes: -1, EmptySeconds: -1}, -1, -1},
	} {
		if got := tt.c.Idle(); got != tt.idle {
			t.Errorf("%+v: idle %v, want %v", tt.c, got, tt.idle)
		}
		if got := tt.c.Empty(); got != tt.empty {
			t.Errorf("%+v: empty %v, want %v", tt.c, got, tt.empty)
		}
	}
	c := Defaults()
	c.System.Conference = Conference{IdleMinutes: -2, EmptySeconds: MaxConfEmptySeconds + 1}
	err := Validate(c)
	for _, want := range []string{"system.conference.idle_minutes", "system.conference.empty_seconds"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("bad conference rules: %v, want a problem on %s", err, want)
		}
	}
	c.System.Conference = Conference{IdleMinutes: 5, EmptySeconds: 60}
	if err := Validate(c); err != nil {
		t.Errorf("good conference rules refused: %v", err)
	}
}
