package e2e

import "testing"

// TestConsoleWarehouseAndFinance signs in to the operations console as a
// warehouse clerk who ships the demo's paid orders by importing a CSV of
// tracking numbers (the buyers then see them shipped), and as finance who
// exports the bank payouts and marks a withdrawal paid.
func TestConsoleWarehouseAndFinance(t *testing.T) {
	s := StartShop(t, ShopOptions{Demo: true, Env: []string{"FENXIAO_SANDBOX_PAY=1"}})
	RunNode(t, s, "admin/console.mjs")
}
