package engine

import (
	"testing"
	"time"
)

func TestBackoffDelay(t *testing.T) {
	tests := []struct {
		name       string
		failures   int
		retryAfter time.Duration
		u          float64
		want       time.Duration
	}{
		{"no failure", 0, 0, 0.5, 0},
		{"first failure", 1, 0, 0.5, time.Minute},
		{"doubles", 3, 0, 0.5, 4 * time.Minute},
		{"jitter low", 3, 0, 0, time.Duration(float64(4*time.Minute) * 0.8)},
		{"jitter high", 3, 0, 0.999999, time.Duration(float64(4*time.Minute) * 1.1999996)},
		{"capped", 40, 0, 0.5, backoffCap},
		{"retry-after wins when longer", 1, time.Hour, 0.5, time.Hour},
		{"retry-after ignored when shorter", 5, time.Second, 0.5, 16 * time.Minute},
		{"retry-after capped", 1, 30 * 24 * time.Hour, 0.5, maxRetryAfter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := backoffDelay(tt.failures, tt.retryAfter, tt.u)
			if diff := got - tt.want; diff < -time.Millisecond || diff > time.Millisecond {
				t.Errorf("backoffDelay(%d, %v, %v) = %v, want %v", tt.failures, tt.retryAfter, tt.u, got, tt.want)
			}
		})
	}
}

func TestSourceScheduleSpreadsEverySchedules(t *testing.T) {
	base := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	seen := map[time.Time]bool{}
	for _, name := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		s, err := SourceSchedule(name, "@every 1h")
		if err != nil {
			t.Fatal(err)
		}
		next := s.Next(base)
		if !next.After(base) || next.Sub(base) > time.Hour {
			t.Errorf("%s: next %v not within the hour after %v", name, next, base)
		}
		if again := s.Next(next); again.Sub(next) != time.Hour {
			t.Errorf("%s: runs %v apart, want 1h", name, again.Sub(next))
		}
		seen[next] = true
	}
	if len(seen) < 6 {
		t.Errorf("8 sources share %d slots; they should be spread", len(seen))
	}
	// Cron specs keep their exact times.
	s, err := SourceSchedule("x", "0 7 * * MON")
	if err != nil {
		t.Fatal(err)
	}
	if next := s.Next(base); next.Weekday() != time.Monday || next.Hour() != 7 {
		t.Errorf("cron spec moved: %v", next)
	}
}
