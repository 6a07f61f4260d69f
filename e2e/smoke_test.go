package e2e

import (
	"path/filepath"
	"testing"
)

// TestHarnessServesDemoShop proves the harness: the built binary serves the
// demo shop and the home page renders prices in Chromium.
func TestHarnessServesDemoShop(t *testing.T) {
	s := StartShop(t, ShopOptions{Demo: true, Env: []string{"FENXIAO_SANDBOX_PAY=1"},
		Args: []string{"--publicDir", filepath.Join(repoRoot(t), "pb_public")}})
	RunNode(t, s, "smoke.mjs")
}
