package commission

import (
	"math/rand/v2"
	"testing"
)

func TestAfterRefund(t *testing.T) {
	rate := Share{Base: 3270, Quantity: 3, RuleKind: ModeRate, RuleValue: 1000, Amount: 327, Uncapped: 327}
	fixed := Share{Base: 5000, Quantity: 2, RuleKind: ModeFixed, RuleValue: 500, Amount: 1000, Uncapped: 1000}
	// fixed bounded by its base at payment: 2 × ¥5.00 on ¥8.00 paid
	fixedBounded := Share{Base: 800, Quantity: 2, RuleKind: ModeFixed, RuleValue: 500, Amount: 800, Uncapped: 800}
	// capped from 327 to 200 by the order cap
	rateCapped := Share{Base: 3270, Quantity: 3, RuleKind: ModeRate, RuleValue: 1000, Amount: 200, Uncapped: 327, Capped: true}
	fixedCapped := Share{Base: 5000, Quantity: 2, RuleKind: ModeFixed, RuleValue: 500, Amount: 600, Uncapped: 1000, Capped: true}
	legacyFixed := Share{Base: 5000, RuleKind: ModeFixed, RuleValue: 500, Amount: 1000, Uncapped: 1000}

	cases := []struct {
		name         string
		share        Share
		qty          int
		base         int64
		wantAmount   int64
		wantClawback int64
	}{
		{"rate nothing refunded", rate, 0, 0, 327, 0},
		{"rate partial: one of three units", rate, 1, 1090, 218, 109},     // 2180×10%
		{"rate partial floors on the remainder", rate, 1, 1091, 217, 110}, // 2179×10% = 217.9
		{"rate money-only partial", rate, 0, 270, 300, 27},
		{"rate full", rate, 3, 3270, 0, 327},
		{"rate over-refund is a full refund", rate, 5, 9999, 0, 327},
		{"rate negative inputs ignored", rate, -1, -100, 327, 0},

		{"fixed partial: one of two units", fixed, 1, 2500, 500, 500},
		{"fixed full", fixed, 2, 5000, 0, 1000},
		{"fixed money-only partial keeps per-unit", fixed, 0, 1000, 1000, 0},
		{"fixed money-only partial bounded by remaining base", fixed, 0, 4500, 500, 500},
		{"fixed money-only full", fixed, 0, 5000, 0, 1000},
		{"fixed units refunded, base untouched", fixed, 1, 0, 500, 500},
		{"fixed bounded: one unit back", fixedBounded, 1, 400, 400, 400},
		{"fixed bounded: one unit back, uneven base", fixedBounded, 1, 350, 450, 350},
		{"fixed without quantity falls back to pro rata", legacyFixed, 1, 2000, 600, 400},

		{"capped rate: pro rata on remaining base", rateCapped, 1, 1090, 133, 67}, // 200×2180/3270 = 133.3
		{"capped rate: full", rateCapped, 3, 3270, 0, 200},
		{"capped rate: nothing refunded", rateCapped, 0, 0, 200, 0},
		{"capped fixed: pro rata on remaining base", fixedCapped, 1, 2500, 300, 300},
		{"capped fixed: rule is lower than pro rata", fixedCapped, 2, 1000, 0, 600},
		{"capped fixed: money-only partial", fixedCapped, 0, 1000, 480, 120},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n, cb := AfterRefund(c.share, c.qty, c.base)
			if n != c.wantAmount || cb != c.wantClawback {
				t.Fatalf("AfterRefund(%d, %d) = (%d, %d), want (%d, %d)", c.qty, c.base, n, cb, c.wantAmount, c.wantClawback)
			}
		})
	}
}

// TestAfterRefundBounds checks 0 <= new <= original, clawback = original − new
// and that more refunded never means less clawed back.
func TestAfterRefundBounds(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for iter := 0; iter < 500; iter++ {
		in := randomInput(r, 3)
		for _, s := range Compute(in) {
			prevClaw := int64(-1)
			for step := int64(0); step <= 10; step++ {
				refunded := s.Base * step / 10
				qty := int(int64(s.Quantity) * step / 10)
				n, cb := AfterRefund(s, qty, refunded)
				if n < 0 || n > s.Amount || cb != s.Amount-n {
					t.Fatalf("bad result (%d, %d) for %+v refunded %d/%d", n, cb, s, qty, refunded)
				}
				if cb < prevClaw {
					t.Fatalf("clawback went down %d → %d for %+v at step %d", prevClaw, cb, s, step)
				}
				prevClaw = cb
			}
			if n, _ := AfterRefund(s, s.Quantity, s.Base); n != 0 {
				t.Fatalf("full refund left %d on %+v", n, s)
			}
		}
	}
}
