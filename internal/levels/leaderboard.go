package levels

import (
	"cmp"
	"slices"
	"time"
)

// Period kinds.
const (
	PeriodWeek  = "week"
	PeriodMonth = "month"
)

// Shanghai is the shop's time zone, Asia/Shanghai.
//
// note: China has had no daylight saving time since 1991, so when the
// system has no tz database the fixed UTC+8 zone is exact for any date the
// shop will see.
var Shanghai = func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*60*60)
}()

// Period returns the week or month that contains t in loc (Shanghai when
// loc is nil), as the half-open range [start, end): a week starts on Monday
// at 00:00, a month on its first day at 00:00, and end is the start of the
// next period. For an unknown kind it returns two zero times.
func Period(kind string, t time.Time, loc *time.Location) (start, end time.Time) {
	if loc == nil {
		loc = Shanghai
	}
	t = t.In(loc)
	y, m, d := t.Date()

	switch kind {
	case PeriodWeek:
		// time.Weekday has Sunday = 0; count days back to Monday
		back := (int(t.Weekday()) + 6) % 7
		start = time.Date(y, m, d-back, 0, 0, 0, 0, loc)
		return start, start.AddDate(0, 0, 7)
	case PeriodMonth:
		start = time.Date(y, m, 1, 0, 0, 0, 0, loc)
		return start, start.AddDate(0, 1, 0)
	default:
		return time.Time{}, time.Time{}
	}
}

// Entry is one leaderboard candidate.
type Entry struct {
	UserId string
	Value  int64
}

// Ranked is a leaderboard row.
type Ranked struct {
	Rank   int // 1-based
	UserId string
	Value  int64
}

// Rank orders entries by Value, highest first, and ranks them with
// standard competition ranking: equal values share a rank and the next
// value skips the places they take (1, 2, 2, 4). Ties are listed by
// UserId, so the order is stable whatever order the entries came in.
// entries is not modified.
func Rank(entries []Entry) []Ranked {
	sorted := slices.Clone(entries)
	slices.SortFunc(sorted, func(a, b Entry) int {
		if c := cmp.Compare(b.Value, a.Value); c != 0 {
			return c
		}
		return cmp.Compare(a.UserId, b.UserId)
	})

	out := make([]Ranked, len(sorted))
	for i, e := range sorted {
		rank := i + 1
		if i > 0 && e.Value == sorted[i-1].Value {
			rank = out[i-1].Rank
		}
		out[i] = Ranked{Rank: rank, UserId: e.UserId, Value: e.Value}
	}
	return out
}
