package e2e

import "testing"

// TestH5Coupons: the flash-sale strip on the home page, claiming in the
// coupon centre, 我的优惠券, and the coupon picker at checkout.
func TestH5Coupons(t *testing.T) {
	s := StartShop(t, ShopOptions{Demo: true, Env: []string{"FENXIAO_SANDBOX_PAY=1"}})
	RunNode(t, s, "h5/coupons.mjs")
}
