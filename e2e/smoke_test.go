package e2e

import "testing"

// TestHarnessServesDemoShop proves the harness and the embedded storefront:
// the built binary, with no pb_public/ next to it, serves the demo shop and
// the home page renders prices in Chromium.
func TestHarnessServesDemoShop(t *testing.T) {
	s := StartShop(t, ShopOptions{Demo: true, Env: []string{"FENXIAO_SANDBOX_PAY=1"}})
	RunNode(t, s, "smoke.mjs")
}
