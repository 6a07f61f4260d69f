package shop_test

import (
	"slices"
	"testing"

	"fenxiao/hooks/shop"
)

func TestCompareCreatedOrdersAsSQL(t *testing.T) {
	type row struct{ created, id string }
	rows := []row{
		{"2026-12-06 10:00:00.000Z", "b"},
		{"2026-12-06 09:00:00.000Z", "z"},
		{"2026-12-06 10:00:00.000Z", "a"},
		{"2026-12-06 11:00:00.000Z", "c"},
		{"", "d"}, // a row without a time sorts as SQL sorts ''
	}
	ids := func(rs []row) (out []string) {
		for _, r := range rs {
			out = append(out, r.id)
		}
		return out
	}
	for _, tc := range []struct {
		newest bool
		want   []string // ORDER BY created [DESC], id
	}{
		{false, []string{"d", "z", "a", "b", "c"}},
		{true, []string{"c", "a", "b", "z", "d"}},
	} {
		got := slices.Clone(rows)
		slices.SortFunc(got, func(a, b row) int { return shop.CompareCreated(a.created, a.id, b.created, b.id, tc.newest) })
		if !slices.Equal(ids(got), tc.want) {
			t.Errorf("newest=%v: %v, want %v", tc.newest, ids(got), tc.want)
		}
	}
}
