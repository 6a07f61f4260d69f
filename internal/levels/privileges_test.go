package levels

import (
	"testing"
	"time"
)

func TestCheck(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	later, earlier := now.Add(time.Hour), now.Add(-time.Hour)
	reserved2 := Access{MinLevel: 2}
	early2 := Access{EarlyLevel: 2, OpensAt: later}
	for _, tc := range []struct {
		name       string
		rank       int
		conditions []Access
		want       Verdict
	}{
		{"no conditions", 0, nil, Verdict{Visible: true}},
		{"zero conditions", 0, []Access{{}, {}}, Verdict{Visible: true}},
		{"reserved, below", 1, []Access{reserved2}, Verdict{Reason: ReasonLevelRequired, Level: 2}},
		{"reserved, at", 2, []Access{reserved2}, Verdict{Visible: true}},
		{"reserved, above", 3, []Access{reserved2}, Verdict{Visible: true}},
		{"early, below, before opening", 1, []Access{early2}, Verdict{Visible: true, Reason: ReasonNotYetOnSale, Level: 2, OpensAt: later}},
		{"early, at, before opening", 2, []Access{early2}, Verdict{Visible: true}},
		{"early, below, after opening", 0, []Access{{EarlyLevel: 2, OpensAt: earlier}}, Verdict{Visible: true}},
		{"early, at the opening instant", 0, []Access{{EarlyLevel: 2, OpensAt: now}}, Verdict{Visible: true}},
		{"early without an opening time", 1, []Access{{EarlyLevel: 2}}, Verdict{Visible: true, Reason: ReasonNotYetOnSale, Level: 2}},
		{"reservation wins over early access", 0, []Access{early2, {MinLevel: 3}}, Verdict{Reason: ReasonLevelRequired, Level: 3}},
		{"product before SKU", 0, []Access{{MinLevel: 2}, {MinLevel: 3}}, Verdict{Reason: ReasonLevelRequired, Level: 2}},
		{"SKU reserved under an open product", 1, []Access{{}, reserved2}, Verdict{Reason: ReasonLevelRequired, Level: 2}},
		{"SKU early under a reserved product the viewer reaches", 2, []Access{reserved2, {EarlyLevel: 3, OpensAt: later}}, Verdict{Visible: true, Reason: ReasonNotYetOnSale, Level: 3, OpensAt: later}},
	} {
		if got := Check(tc.rank, now, tc.conditions...); got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestBestPrice(t *testing.T) {
	prices := []LevelPrice{{Level: 3, Price: 7000}, {Level: 2, Price: 8000}, {Level: 5, Price: 7500}}
	for _, tc := range []struct {
		name      string
		base      int64
		prices    []LevelPrice
		rank      int
		want      int64
		wantLevel int
	}{
		{"no level prices", 9900, nil, 3, 9900, 0},
		{"below every level", 9900, prices, 1, 9900, 0},
		{"one reached", 9900, prices, 2, 8000, 2},
		{"the lowest reached wins", 9900, prices, 3, 7000, 3},
		{"a higher level's dearer price does not win", 9900, prices, 6, 7000, 3},
		{"never above the price", 5000, prices, 3, 5000, 0},
		{"a tie names the lower level", 9900, []LevelPrice{{Level: 4, Price: 6000}, {Level: 2, Price: 6000}}, 4, 6000, 2},
		{"free at a level", 9900, []LevelPrice{{Level: 1, Price: 0}}, 1, 0, 1},
		{"bad rows are ignored", 9900, []LevelPrice{{Level: 0, Price: 1}, {Level: 1, Price: -5}}, 3, 9900, 0},
	} {
		got, level := BestPrice(tc.base, tc.prices, tc.rank)
		if got != tc.want || level != tc.wantLevel {
			t.Errorf("%s: got %d (level %d), want %d (level %d)", tc.name, got, level, tc.want, tc.wantLevel)
		}
	}
}

func TestValidateLevelPrices(t *testing.T) {
	for _, tc := range []struct {
		prices []LevelPrice
		ok     bool
	}{
		{nil, true},
		{[]LevelPrice{{Level: 1, Price: 100}, {Level: 2, Price: 0}}, true},
		{[]LevelPrice{{Level: 0, Price: 100}}, false},
		{[]LevelPrice{{Level: 101, Price: 100}}, false},
		{[]LevelPrice{{Level: 1, Price: -1}}, false},
		{[]LevelPrice{{Level: 2, Price: 1}, {Level: 2, Price: 2}}, false},
	} {
		if got := ValidateLevelPrices(tc.prices) == ""; got != tc.ok {
			t.Errorf("%v: ok = %v, want %v", tc.prices, got, tc.ok)
		}
	}
}
