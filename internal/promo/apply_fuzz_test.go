package promo

import (
	"fmt"
	"testing"
	"time"
)

// FuzzApply prices a cart built from the fuzzer's bytes with one promotion
// of each type (their parameters from the fuzzer too) and checks what
// every cart must satisfy: one discount per line, never negative nor above
// the line's amount, the total their sum, every promotion reported exactly
// once (applied or skipped), and the same answer when asked again.
func FuzzApply(f *testing.F) {
	f.Add([]byte{10, 2, 3, 1, 200, 1}, int64(20000), int64(3000), int64(8500), int64(100), true, false)
	f.Add([]byte{255, 255, 255, 255}, int64(1), int64(1), int64(1), int64(0), false, true)
	f.Add([]byte{}, int64(0), int64(0), int64(0), int64(0), false, false)
	f.Add([]byte{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, int64(100), int64(100), int64(0), int64(1), true, true)
	f.Fuzz(func(t *testing.T, cart []byte, threshold, off, rate, special int64, repeat, stackable bool) {
		now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
		var lines []Line
		for i := 0; i+2 < len(cart) && len(lines) < 50; i += 3 {
			lines = append(lines, Line{
				Key:          fmt.Sprint("l", i),
				SkuId:        fmt.Sprint("s", cart[i]%7),
				ProductId:    fmt.Sprint("p", cart[i]%5),
				CategoryPath: []string{"c0", fmt.Sprint("c", cart[i+1]%3)},
				UnitPrice:    int64(cart[i+1])*137 + int64(cart[i+2]), // up to about 35,000 fen
				Quantity:     int(cart[i+2]%9) + 1,
			})
		}
		bound := func(v, limit int64) int64 {
			if v < 0 {
				v = -(v + 1)
			}
			return v % limit
		}
		promos := []Promotion{
			{Id: "full", Name: "满减", Type: TypeFullReduction, Scope: ScopeAll, Active: true, Stackable: stackable, Repeat: repeat,
				Tiers: []Tier{{Threshold: bound(threshold, 1_000_000) + 1, Off: bound(off, 1_000_000) + 1}}},
			{Id: "cat", Name: "分类满减", Type: TypeFullReduction, Scope: ScopeCategories, CategoryIds: []string{"c1"}, Active: true,
				Tiers: []Tier{{Threshold: bound(off, 100_000) + 1, Off: bound(threshold, 100_000) + 1}}, MaxOff: bound(special, 50_000)},
			{Id: "rate", Name: "打折", Type: TypeDiscount, Scope: ScopeProducts, ProductIds: []string{"p1", "p2"}, Active: true,
				DiscountMode: DiscountRate, RateBP: bound(rate, 10_000)},
			{Id: "special", Name: "特价", Type: TypeDiscount, Scope: ScopeProducts, ProductIds: []string{"p3"}, Active: true,
				DiscountMode: DiscountSpecialPrice, SpecialPrice: bound(special, 40_000), Stackable: stackable},
			{Id: "gift", Name: "赠品", Type: TypeGift, Scope: ScopeAll, Active: true, GiftSkuId: "gift", GiftQuantity: 1,
				GiftStock: int(bound(off, 3)), GiftMinAmount: bound(threshold, 100_000)},
			{Id: "limited", Name: "限用", Type: TypeFullReduction, Scope: ScopeAll, Active: true, PerUserLimit: 1,
				Tiers: []Tier{{Threshold: 1, Off: 1}}},
		}
		usage := map[string]int{"limited": int(bound(rate, 2))}

		res := Apply(lines, promos, usage, now)
		if len(res.PerLine) != len(lines) {
			t.Fatalf("%d discounts for %d lines", len(res.PerLine), len(lines))
		}
		var sum int64
		for i, d := range res.PerLine {
			amount := lines[i].UnitPrice * int64(lines[i].Quantity)
			if d < 0 || d > amount {
				t.Fatalf("line %d (amount %d) discounted by %d", i, amount, d)
			}
			sum += d
		}
		if sum != res.TotalDiscount {
			t.Fatalf("TotalDiscount %d, lines add up to %d", res.TotalDiscount, sum)
		}
		var applied int64
		seen := map[string]int{}
		for _, a := range res.Applied {
			seen[a.PromotionId]++
			applied += a.Amount
			if a.Type != TypeGift {
				var split int64
				for _, v := range a.PerLine {
					split += v
				}
				if split != a.Amount {
					t.Fatalf("%s: amount %d split into %d", a.PromotionId, a.Amount, split)
				}
			}
		}
		if applied != res.TotalDiscount {
			t.Fatalf("applied promotions take %d, total discount %d", applied, res.TotalDiscount)
		}
		for _, s := range res.Skipped {
			seen[s.PromotionId]++
		}
		for _, p := range promos {
			if seen[p.Id] != 1 {
				t.Fatalf("promotion %s reported %d times", p.Id, seen[p.Id])
			}
		}
		for _, g := range res.Gifts {
			if g.Quantity <= 0 || g.SkuId != "gift" {
				t.Fatalf("gift %+v", g)
			}
		}
		again := Apply(lines, promos, usage, now)
		if fmt.Sprint(again) != fmt.Sprint(res) {
			t.Fatalf("a second Apply differs:\n%v\n%v", res, again)
		}
	})
}
