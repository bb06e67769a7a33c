package feeds

import (
	"testing"
	"time"
)

func TestParseLooseDate(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2018-01-06T08:00", time.Date(2018, 1, 6, 8, 0, 0, 0, time.UTC)},
		{"2020/1/10 14:33:00", time.Date(2020, 1, 10, 14, 33, 0, 0, time.UTC)},
		{"Seg, 24 Set 2018 19:18:49 -0300", time.Date(2018, 9, 24, 22, 18, 49, 0, time.UTC)},
		{"mer, 16 nov 2022", time.Date(2022, 11, 16, 0, 0, 0, 0, time.UTC)},
		{"mar, 15 mar 2022 10:00:00 +0100", time.Date(2022, 3, 15, 9, 0, 0, 0, time.UTC)},
		{"Sat, Dec 16 2023 02:02:33 PM", time.Date(2023, 12, 16, 14, 2, 33, 0, time.UTC)},
		{"Mon, 21 Jan 2008 8:56 am PST", time.Date(2008, 1, 21, 16, 56, 0, 0, time.UTC)},
		{"Sun, 20 Apr 2014 8:19 pm CEST", time.Date(2014, 4, 20, 18, 19, 0, 0, time.UTC)},
		{"2006-01-17T12:35:9+01:00", time.Date(2006, 1, 17, 11, 35, 9, 0, time.UTC)},
		{"lunedì, 3 giugno 2024 09:15:00 +0200", time.Date(2024, 6, 3, 7, 15, 0, 0, time.UTC)},
		{"Dienstag, 5. März 2024 10:00:00 +0100", time.Date(2024, 3, 5, 9, 0, 0, 0, time.UTC)},
		{"mercredi 7 février 2024 18:30", time.Date(2024, 2, 7, 18, 30, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		got, ok := parseLooseDate(tt.in)
		if !ok || !got.Equal(tt.want) {
			t.Errorf("parseLooseDate(%q) = %v, %v; want %v", tt.in, got, ok, tt.want)
		}
	}
	for _, bad := range []string{"", "unknown", "soon", "0000-00-00", "1970-01-01T00:00:00Z", "2999-01-01", "12"} {
		if got, ok := parseLooseDate(bad); ok {
			t.Errorf("parseLooseDate(%q) = %v, want failure", bad, got)
		}
	}
}

func FuzzParseLooseDate(f *testing.F) {
	for _, s := range []string{"2018-01-06T08:00", "Seg, 24 Set 2018 19:18:49 -0300", "mer, 16 nov 2022", "Sat, Dec 16 2023 02:02:33 PM"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, ok := parseLooseDate(s); ok && (got.Year() < earliestYear || got.Year() > latestYear || got.Location() != time.UTC) {
			t.Errorf("parseLooseDate(%q) = %v", s, got)
		}
	})
}
