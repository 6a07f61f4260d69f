package e2e

import "testing"

// TestH5ReferralPurchase is test (a): a visitor from a distributor's product
// link signs up by SMS, buys two items under a promotion and pays; the
// distributor's open commission list gets the commission live.
func TestH5ReferralPurchase(t *testing.T) {
	s := StartShop(t, ShopOptions{Demo: true, Env: []string{"FENXIAO_SANDBOX_PAY=1"}})
	RunNode(t, s, "h5/buy.mjs")
}

// TestH5OrdersAndWithdrawal is tests (c), (d) and (e): cart editing,
// cancel, confirm receipt, an after-sale with a photo, a withdrawal whose
// review the page follows live, and 余额支付 from the confirm page.
func TestH5OrdersAndWithdrawal(t *testing.T) {
	s := StartShop(t, ShopOptions{Demo: true, Env: []string{"FENXIAO_SANDBOX_PAY=1"}})
	RunNode(t, s, "h5/aftersale.mjs")
	RunNode(t, s, "h5/withdraw.mjs")
	RunNode(t, s, "h5/balance.mjs")
}
