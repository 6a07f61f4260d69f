package money

import (
	"slices"
	"testing"
)

func TestAllocate(t *testing.T) {
	cases := []struct {
		name    string
		total   int64
		weights []int64
		want    []int64
	}{
		{"even", 100, []int64{1, 1}, []int64{50, 50}},
		{"remainder to largest", 100, []int64{1, 1, 1}, []int64{34, 33, 33}},
		{"proportional", 3000, []int64{10000, 5000, 5000}, []int64{1500, 750, 750}},
		{"largest remainder wins", 10, []int64{333, 333, 334}, []int64{3, 3, 4}},
		{"zero weight gets nothing", 7, []int64{0, 5, 2}, []int64{0, 5, 2}},
		{"all zero weights split evenly", 5, []int64{0, 0}, []int64{3, 2}},
		{"zero total", 0, []int64{1, 2}, []int64{0, 0}},
		{"no weights", 9, nil, []int64{}},
		{"one fen over many", 1, []int64{1, 1, 1, 1}, []int64{1, 0, 0, 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Allocate(c.total, c.weights)
			if !slices.Equal(got, c.want) {
				t.Fatalf("Allocate(%d, %v) = %v, want %v", c.total, c.weights, got, c.want)
			}
		})
	}
}

func TestAllocateAlwaysSumsToTotal(t *testing.T) {
	for total := int64(0); total < 500; total += 7 {
		for n := 1; n < 9; n++ {
			weights := make([]int64, n)
			for i := range weights {
				weights[i] = int64((i*37 + int(total)) % 1000)
			}
			var sum int64
			for _, s := range Allocate(total, weights) {
				if s < 0 {
					t.Fatalf("negative share for %d %v", total, weights)
				}
				sum += s
			}
			if sum != total {
				t.Fatalf("Allocate(%d, %v) sums to %d", total, weights, sum)
			}
		}
	}
}

func TestApplyRateFloors(t *testing.T) {
	cases := []struct{ amount, rate, want int64 }{
		{3270, 1000, 327}, {999, 1000, 99}, {1, 9999, 0}, {100, 10000, 100}, {-5, 1000, 0}, {100, -1, 0},
	}
	for _, c := range cases {
		if got := ApplyRate(c.amount, c.rate); got != c.want {
			t.Errorf("ApplyRate(%d, %d) = %d, want %d", c.amount, c.rate, got, c.want)
		}
	}
}

func TestYuan(t *testing.T) {
	for fen, want := range map[int64]string{0: "0.00", 5: "0.05", 1234: "12.34", -250: "-2.50"} {
		if got := Yuan(fen); got != want {
			t.Errorf("Yuan(%d) = %q, want %q", fen, got, want)
		}
	}
}
