package money

import "testing"

// FuzzAllocate: whatever the amounts, the shares of the largest remainder
// method add up exactly to the total, none is negative, and each lies
// between the floor and the ceiling of its exact proportional share.
func FuzzAllocate(f *testing.F) {
	f.Add(int64(100), int64(1), int64(1), int64(1), uint8(3))
	f.Add(int64(1), int64(0), int64(0), int64(0), uint8(3))
	f.Add(int64(999_999), int64(3333), int64(1), int64(0), uint8(2))
	f.Add(int64(0), int64(5), int64(7), int64(9), uint8(3))
	f.Add(int64(7), int64(1_000_000_000), int64(1), int64(2), uint8(3))
	f.Fuzz(func(t *testing.T, total, w0, w1, w2 int64, n uint8) {
		// amounts a shop can hold: total × weight stays within int64
		total = abs(total) % 1_000_000_000
		weights := []int64{abs(w0) % 1_000_000_000, abs(w1) % 1_000_000_000, abs(w2) % 1_000_000_000}[:n%4]
		shares := Allocate(total, weights)
		if len(shares) != len(weights) {
			t.Fatalf("%d shares for %d weights", len(shares), len(weights))
		}
		if len(weights) == 0 {
			return
		}
		var sum, wsum int64
		for i, s := range shares {
			if s < 0 {
				t.Fatalf("share %d is %d", i, s)
			}
			sum += s
			wsum += weights[i]
		}
		if sum != total {
			t.Fatalf("Allocate(%d, %v) = %v, adds up to %d", total, weights, shares, sum)
		}
		if wsum == 0 {
			return // split evenly: checked by the table tests
		}
		for i, s := range shares {
			floor := total * weights[i] / wsum
			if s < floor || s > floor+1 {
				t.Fatalf("Allocate(%d, %v)[%d] = %d, exact share floors to %d", total, weights, i, s, floor)
			}
		}
	})
}

func abs(v int64) int64 {
	if v < 0 {
		if v == -v { // math.MinInt64
			return 0
		}
		return -v
	}
	return v
}
