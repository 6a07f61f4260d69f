package e2e

import "testing"

// TestH5Prizes: the prize table and my prizes in the distributor centre.
func TestH5Prizes(t *testing.T) {
	s := StartShop(t, ShopOptions{Demo: true, Env: []string{"FENXIAO_SANDBOX_PAY=1"}})
	RunNode(t, s, "h5/prizes.mjs")
}
