package e2e

import "testing"

// TestH5LevelPrivileges: the demo's early-access tea, level-priced teapot
// and level course seen by a guest, a level-0 distributor and a V2 one; the
// V2 buyer orders at the level price the page showed.
func TestH5LevelPrivileges(t *testing.T) {
	s := StartShop(t, ShopOptions{Demo: true, Env: []string{"FENXIAO_SANDBOX_PAY=1"}})
	RunNode(t, s, "h5/privileges.mjs")
}
