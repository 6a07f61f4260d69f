package levels

import (
	"slices"
	"testing"
)

func TestWinners(t *testing.T) {
	board := Rank([]Entry{{"a", 500}, {"b", 300}, {"c", 300}, {"d", 100}, {"e", 0}})
	// ranks: a 1, b 2, c 2, d 4, e 5
	cases := []struct {
		name     string
		from, to int
		min      int64
		want     []string
	}{
		{"first only", 1, 1, 0, []string{"a"}},
		{"top 3 with a tie at 2", 1, 3, 0, []string{"a", "b", "c"}},
		{"rank 2 shared", 2, 2, 0, []string{"b", "c"}},
		{"rank 3 taken by the tie", 3, 3, 0, nil},
		{"zero never wins", 4, 10, 0, []string{"d"}},
		{"minimum value", 1, 10, 300, []string{"a", "b", "c"}},
		{"bad range", 3, 2, 0, nil},
		{"rank 0", 0, 3, 0, nil},
	}
	for _, c := range cases {
		var got []string
		for _, w := range Winners(board, c.from, c.to, c.min) {
			got = append(got, w.UserId)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}
