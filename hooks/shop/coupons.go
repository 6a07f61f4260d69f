package shop

import (
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/internal/pricing"
)

// CouponProvider prices a buyer's coupons into the cart and checkout (after
// the promotions) and redeems the one an order uses. The cart and checkout
// call the same Quote, so the order gets the coupon discount the cart showed.
type CouponProvider interface {
	// Quote works out the buyer's coupons on lines (the lines counted in a
	// cart's totals, see [pricing.Input.Coupons]); promoOff is what
	// promotions took off each line. choice is "" for the best usable
	// coupon, "none" for none, or the id of one of the buyer's coupons
	// (an unusable choice is an error). An error fails the cart or checkout.
	Quote(app core.App, user *core.Record, lines []pricing.Line, promoOff []int64, choice string) (pricing.Coupons, error)

	// Redeem marks the coupon used by order, inside the checkout
	// transaction that saved the order; an error (e.g. the coupon was used
	// by a concurrent checkout) rolls the order back.
	Redeem(txApp core.App, order *core.Record, coupon *pricing.AppliedCoupon) error
}

// SetCoupons sets the coupon provider used by the cart and checkout (nil: no coupons).
func (s *Shop) SetCoupons(c CouponProvider) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.coupons = c
}

// Coupons returns the provider set with [Shop.SetCoupons], or nil.
func (s *Shop) Coupons() CouponProvider {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.coupons
}
