package commission

import (
	"fmt"
	"testing"
)

// FuzzCompute computes the commission of an order built from the fuzzer's
// bytes (lines, a chain with distributors, non-distributors, the buyer and
// repeats, overrides, level rates, self-purchase and the order cap) and
// checks the money rules: levels 1 to 3 only, at most one share per line
// and level, never paid to a non-distributor, to the buyer (unless
// self-purchase) or twice to one person on a line, a share positive and
// within its rule and base, a line's rate shares within its base, the order
// within its cap, and the same shares when asked again.
func FuzzCompute(f *testing.F) {
	f.Add([]byte{1, 100, 2, 0, 3, 50, 1, 1}, []byte{1, 1, 1, 0}, int64(1000), int64(500), int64(200), int64(0), false, false)
	f.Add([]byte{9, 255, 9, 1, 9, 255, 9, 2}, []byte{1, 0, 1, 1, 1}, int64(10000), int64(0), int64(0), int64(2500), true, true)
	f.Add([]byte{}, []byte{}, int64(0), int64(0), int64(0), int64(0), false, false)
	f.Fuzz(func(t *testing.T, linesIn, chainIn []byte, r1, r2, r3, capBP int64, self, shipping bool) {
		// every rate up to a third of 100%, so that three levels never
		// add up above the base (as ValidateRates keeps real rules)
		bp := func(v int64) int64 {
			if v < 0 {
				v = -(v + 1)
			}
			return v % 3_334
		}
		in := Input{
			Buyer: Buyer{UserId: "buyer", IsDistributor: len(chainIn)%2 == 0},
			Settings: Settings{Rates: [MaxLevels]int64{bp(r1), bp(r2), bp(r3)}, IncludeShipping: shipping,
				SelfPurchase: self, OrderCapBP: bp(capBP) * 3},
		}
		for i := 0; i+3 < len(linesIn) && len(in.Lines) < 30; i += 4 {
			l := Line{LineId: fmt.Sprint("line", i), ProductId: "p", SkuId: "s",
				Quantity: int(linesIn[i]%5) + 1, Paid: int64(linesIn[i+1])*97 - 500, ShippingShare: int64(linesIn[i+2]) * 3,
				IsGift: linesIn[i+3]%7 == 6}
			switch linesIn[i+3] % 3 {
			case 1:
				l.Override = &Override{Mode: ModeRate, Values: [MaxLevels]int64{bp(int64(linesIn[i+2]) * 40), 0, 100}, Source: SourceProduct}
			case 2:
				l.Override = &Override{Mode: ModeFixed, Values: [MaxLevels]int64{int64(linesIn[i+1]), int64(linesIn[i]), 0}, Source: SourceSku}
			}
			in.Lines = append(in.Lines, l)
		}
		for i, c := range chainIn {
			if i == 5 {
				break
			}
			// one user, one status: u0 is never a distributor
			id := fmt.Sprint("u", c%4)
			u := Upline{UserId: id, IsDistributor: c%4 != 0}
			if c%11 == 10 {
				u = Upline{UserId: "buyer", IsDistributor: in.Buyer.IsDistributor}
			}
			if c%5 == 4 {
				u.LevelRates = &[MaxLevels]int64{bp(int64(c) * 30), bp(int64(c) * 20), bp(int64(c) * 10)}
			}
			in.Chain = append(in.Chain, u)
		}
		distributor := map[string]bool{"buyer": in.Buyer.IsDistributor}
		for _, u := range in.Chain {
			distributor[u.UserId] = u.IsDistributor
		}

		shares := Compute(in)
		var total, totalBase int64
		perLine := map[string]int64{}
		seen := map[string]bool{}
		bases := map[string]int64{}
		for _, s := range shares {
			if s.Level < 1 || s.Level > MaxLevels {
				t.Fatalf("share at level %d", s.Level)
			}
			if s.Amount <= 0 || s.Amount > s.Uncapped || s.Amount > s.Base {
				t.Fatalf("share %+v", s)
			}
			if s.Beneficiary == "buyer" && !(self && in.Buyer.IsDistributor && s.Level == 1) {
				t.Fatalf("the buyer earns %+v", s)
			}
			if !distributor[s.Beneficiary] {
				t.Fatalf("a non-distributor earns %+v", s)
			}
			for _, key := range []string{fmt.Sprint(s.LineId, "/level", s.Level), s.LineId + "/" + s.Beneficiary} {
				if seen[key] {
					t.Fatalf("two shares for %s", key)
				}
				seen[key] = true
			}
			perLine[s.LineId] += s.Amount
			bases[s.LineId] = s.Base
			total += s.Amount
		}
		for _, l := range in.Lines {
			base := l.Paid
			if shipping {
				base += l.ShippingShare
			}
			if l.IsGift || l.Paid <= 0 {
				if perLine[l.LineId] != 0 {
					t.Fatalf("line %s (gift %v, paid %d) earns %d", l.LineId, l.IsGift, l.Paid, perLine[l.LineId])
				}
				continue
			}
			totalBase += base
			if b, ok := bases[l.LineId]; ok && b != base {
				t.Fatalf("line %s: base %d, want %d", l.LineId, b, base)
			}
			rateOnly := l.Override == nil || l.Override.Mode == ModeRate
			if rateOnly && perLine[l.LineId] > base {
				t.Fatalf("line %s pays %d on a base of %d", l.LineId, perLine[l.LineId], base)
			}
		}
		if c := in.Settings.OrderCapBP; c > 0 && total > totalBase*c/10_000 {
			t.Fatalf("order pays %d above its cap %d", total, totalBase*c/10_000)
		}
		if again := Compute(in); fmt.Sprint(again) != fmt.Sprint(shares) {
			t.Fatalf("a second Compute differs")
		}
	})
}
