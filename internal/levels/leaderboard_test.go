package levels

import (
	"slices"
	"testing"
	"time"
)

func TestPeriod(t *testing.T) {
	sh := Shanghai
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}

	cases := []struct {
		name       string
		kind       string
		t          time.Time
		loc        *time.Location
		start, end string // RFC3339 in Shanghai
	}{
		{"week, midweek", PeriodWeek, at("2026-03-11T12:00:00+08:00"), sh, "2026-03-09T00:00:00+08:00", "2026-03-16T00:00:00+08:00"},
		{"week, Monday 00:00 starts it", PeriodWeek, at("2026-03-09T00:00:00+08:00"), sh, "2026-03-09T00:00:00+08:00", "2026-03-16T00:00:00+08:00"},
		{"week, Sunday 23:59 still the old week", PeriodWeek, at("2026-03-15T23:59:59+08:00"), sh, "2026-03-09T00:00:00+08:00", "2026-03-16T00:00:00+08:00"},
		// Sunday 17:00 UTC is Monday 01:00 in Shanghai
		{"week, UTC Sunday is Shanghai Monday", PeriodWeek, at("2026-03-15T17:00:00Z"), sh, "2026-03-16T00:00:00+08:00", "2026-03-23T00:00:00+08:00"},
		{"week across a month", PeriodWeek, at("2026-04-01T10:00:00+08:00"), sh, "2026-03-30T00:00:00+08:00", "2026-04-06T00:00:00+08:00"},
		{"week across a year", PeriodWeek, at("2026-01-01T10:00:00+08:00"), sh, "2025-12-29T00:00:00+08:00", "2026-01-05T00:00:00+08:00"},
		{"week, Dec 31 of a year", PeriodWeek, at("2025-12-31T23:59:59+08:00"), sh, "2025-12-29T00:00:00+08:00", "2026-01-05T00:00:00+08:00"},
		{"month, middle", PeriodMonth, at("2026-03-11T12:00:00+08:00"), sh, "2026-03-01T00:00:00+08:00", "2026-04-01T00:00:00+08:00"},
		{"month, first instant", PeriodMonth, at("2026-03-01T00:00:00+08:00"), sh, "2026-03-01T00:00:00+08:00", "2026-04-01T00:00:00+08:00"},
		{"month, last instant", PeriodMonth, at("2026-02-28T23:59:59+08:00"), sh, "2026-02-01T00:00:00+08:00", "2026-03-01T00:00:00+08:00"},
		{"month, leap February", PeriodMonth, at("2028-02-29T12:00:00+08:00"), sh, "2028-02-01T00:00:00+08:00", "2028-03-01T00:00:00+08:00"},
		// 2026-03-31 16:30 UTC is already April in Shanghai
		{"month, UTC March 31 is Shanghai April", PeriodMonth, at("2026-03-31T16:30:00Z"), sh, "2026-04-01T00:00:00+08:00", "2026-05-01T00:00:00+08:00"},
		{"month, December to next year", PeriodMonth, at("2025-12-31T23:59:59+08:00"), sh, "2025-12-01T00:00:00+08:00", "2026-01-01T00:00:00+08:00"},
		{"month, UTC new year's eve is Shanghai January", PeriodMonth, at("2025-12-31T16:00:00Z"), sh, "2026-01-01T00:00:00+08:00", "2026-02-01T00:00:00+08:00"},
		{"nil location means Shanghai", PeriodMonth, at("2025-12-31T16:00:00Z"), nil, "2026-01-01T00:00:00+08:00", "2026-02-01T00:00:00+08:00"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start, end := Period(c.kind, c.t, c.loc)
			if !start.Equal(at(c.start)) || !end.Equal(at(c.end)) {
				t.Fatalf("Period(%s, %s) = [%s, %s), want [%s, %s)", c.kind, c.t.Format(time.RFC3339), start.Format(time.RFC3339), end.Format(time.RFC3339), c.start, c.end)
			}
			if c.t.Before(start) || !c.t.Before(end) {
				t.Fatalf("%s is outside [%s, %s)", c.t, start, end)
			}
			if start.Location() != Shanghai {
				t.Fatalf("start is in %s, want Shanghai", start.Location())
			}
		})
	}

	if s, e := Period("year", time.Now(), nil); !s.IsZero() || !e.IsZero() {
		t.Fatal("unknown kind should give zero times")
	}
}

func TestRank(t *testing.T) {
	cases := []struct {
		name string
		in   []Entry
		want []Ranked
	}{
		{"empty", nil, []Ranked{}},
		{
			"distinct values, highest first",
			[]Entry{{"a", 100}, {"b", 300}, {"c", 200}},
			[]Ranked{{1, "b", 300}, {2, "c", 200}, {3, "a", 100}},
		},
		{
			"ties share a rank, ordered by user id, next rank skips",
			[]Entry{{"z", 500}, {"m", 700}, {"b", 500}, {"a", 100}, {"k", 500}},
			[]Ranked{{1, "m", 700}, {2, "b", 500}, {2, "k", 500}, {2, "z", 500}, {5, "a", 100}},
		},
		{
			"all tied",
			[]Entry{{"c", 0}, {"a", 0}, {"b", 0}},
			[]Ranked{{1, "a", 0}, {1, "b", 0}, {1, "c", 0}},
		},
		{
			"negative values rank last",
			[]Entry{{"a", -5}, {"b", 0}},
			[]Ranked{{1, "b", 0}, {2, "a", -5}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := slices.Clone(c.in)
			got := Rank(c.in)
			if !slices.Equal(got, c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
			if !slices.Equal(c.in, in) {
				t.Fatal("Rank modified its input")
			}
			// stable whatever the input order
			rev := slices.Clone(c.in)
			slices.Reverse(rev)
			if !slices.Equal(Rank(rev), c.want) {
				t.Fatal("result depends on input order")
			}
		})
	}
}
