package commission

import "testing"

func TestBountyWithinCap(t *testing.T) {
	cases := []struct {
		name        string
		count       int
		sum, amount int64
		capCount    int
		capAmount   int64
		want        bool
	}{
		{"no caps", 100, 50000, 500, 0, 0, true},
		{"under the count", 2, 1000, 500, 3, 0, true},
		{"at the count", 3, 1500, 500, 3, 0, false},
		{"amount fits exactly", 1, 500, 500, 0, 1000, true},
		{"amount crosses", 1, 600, 500, 0, 1000, false},
		{"both, count binds", 5, 100, 10, 5, 100000, false},
		{"zero bounty", 0, 0, 0, 0, 0, false},
	}
	for _, c := range cases {
		if got := BountyWithinCap(c.count, c.sum, c.amount, c.capCount, c.capAmount); got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}

func TestBountyKept(t *testing.T) {
	cases := []struct {
		name                        string
		payable, refunded, minOrder int64
		want                        bool
	}{
		{"not refunded", 5000, 0, 0, true},
		{"refunded in full", 5000, 5000, 0, false},
		{"partial, no minimum", 5000, 4999, 0, true},
		{"partial, above the minimum", 5000, 1000, 3000, true},
		{"partial, below the minimum", 5000, 3000, 3000, false},
		{"zero order", 0, 0, 0, false},
	}
	for _, c := range cases {
		if got := BountyKept(c.payable, c.refunded, c.minOrder); got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}
