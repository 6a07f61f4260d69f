package e2e

import "testing"

// TestH5FlashSale: the flash price, countdown, limit and 已抢完 on the
// product page, and a purchase with the offer from the H5.
func TestH5FlashSale(t *testing.T) {
	s := StartShop(t, ShopOptions{Demo: true, Env: []string{"FENXIAO_SANDBOX_PAY=1"}})
	RunNode(t, s, "h5/flash.mjs")
}
