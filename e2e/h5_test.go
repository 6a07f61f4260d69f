package e2e

import "testing"

// TestH5ReferralPurchase is test (a): a visitor from a distributor's product
// link signs up by SMS, buys two items under a promotion and pays; the
// distributor's open commission list gets the commission live.
func TestH5ReferralPurchase(t *testing.T) {
	s := StartShop(t, ShopOptions{Demo: true, Env: []string{"FENXIAO_SANDBOX_PAY=1"}})
	RunNode(t, s, "h5/buy.mjs")
}
