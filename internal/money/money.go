// Package money holds the integer-fen arithmetic every part of the shop
// shares: exact allocation, basis-point rates and yuan formatting at the
// boundaries that demand it. No float ever touches an amount.
package money

import (
	"fmt"
	"sort"
)

// BasisPoints is 100% in basis points.
const BasisPoints = 10000

// ApplyRate returns floor(amount × rateBP / 10000) for non-negative inputs.
func ApplyRate(amount, rateBP int64) int64 {
	if amount <= 0 || rateBP <= 0 {
		return 0
	}
	return amount * rateBP / BasisPoints
}

// Allocate splits total across weights in proportion, with the largest
// remainder method: each share is floored, then the fen left over go one
// each to the shares with the largest remainders (ties to the earlier index).
// The shares always sum exactly to total. Zero weights get nothing unless
// every weight is zero, in which case total is split as evenly as possible.
//
// NB! total and weights must be non-negative.
func Allocate(total int64, weights []int64) []int64 {
	shares := make([]int64, len(weights))
	if len(weights) == 0 || total == 0 {
		return shares
	}
	var sum int64
	for _, w := range weights {
		sum += w
	}
	if sum == 0 {
		weights = make([]int64, len(shares))
		for i := range weights {
			weights[i] = 1
		}
		sum = int64(len(weights))
	}

	type rem struct {
		index int
		rest  int64
	}
	rems := make([]rem, len(weights))
	var given int64
	for i, w := range weights {
		// note: total*w fits int64 for any realistic shop amount (< 9.2e18)
		shares[i] = total * w / sum
		rems[i] = rem{i, total * w % sum}
		given += shares[i]
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].rest > rems[b].rest })
	for k := int64(0); k < total-given; k++ {
		shares[rems[k].index]++
	}
	return shares
}

// Yuan formats fen as a yuan string with two decimals, e.g. 1234 → "12.34".
func Yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign = "-"
		fen = -fen
	}
	return fmt.Sprintf("%s%d.%02d", sign, fen/100, fen%100)
}
