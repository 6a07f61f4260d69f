package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// buildShop builds the fenxiao binary as a merchant would, once per run.
func buildShop(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if binDir, buildErr = os.MkdirTemp("", "fenxiao-loadtest-bin"); buildErr != nil {
			return
		}
		cmd := exec.Command("go", "build", "-o", filepath.Join(binDir, "fenxiao"), ".")
		cmd.Dir = filepath.Join("..", "..")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(binDir, "fenxiao")
}

func small(bin, dir string) Config {
	return Config{
		Bin: bin, Dir: filepath.Join(dir, "pb_data"),
		Buyers: 4, Duration: 3 * time.Second,
		Products: 3, SkusPerProd: 2, Stock: 100_000, TreeUsers: 0, Levels: 3,
		Pay: "balance", SearchEvery: 2, ConfirmEvery: 3, RefundEvery: 4,
		LogSample: -1, LogMaxDays: -1,
	}
}

// TestKillRestart runs the tool briefly against the real binary, with one
// SIGKILL and restart in the middle: the run must end with every
// acknowledged order found as acknowledged, the stock balanced and the
// audit clean.
func TestKillRestart(t *testing.T) {
	bin := buildShop(t)
	cfg := small(bin, t.TempDir())
	cfg.KillEvery = 1500 * time.Millisecond
	var out bytes.Buffer
	err := Run(context.Background(), cfg, &out, &out)
	t.Log(out.String())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"rate limiter: enabled=true", "kill 1: restarted", "problems; audit ok", "audit: ok", "\nOK\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

// TestCheckFindsLosses: after a clean run against a shop the test started,
// the check reports an acknowledged order that is not in the shop, an order
// whose lines differ from the priced cart, a paid order acknowledged as
// refunded, and stock that does not add up.
func TestCheckFindsLosses(t *testing.T) {
	bin := buildShop(t)
	dir := t.TempDir()
	srv, err := startServer(context.Background(), bin, filepath.Join(dir, "pb_data"), filepath.Join(dir, "serve.log"),
		os.Environ(), "check@load.test", "check-Pass-12345")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.stop()

	cfg := small(bin, dir)
	cfg.URL, cfg.AdminEmail, cfg.AdminPassword = srv.url(), "check@load.test", "check-Pass-12345"
	cfg.Duration = 2 * time.Second
	cfg.RefundEvery = 0
	var out bytes.Buffer
	res, err := run(context.Background(), cfg, &out, &out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}

	led := res.ledger
	var some *ackOrder
	for _, o := range led.orders {
		if o.paid && !o.completed && !o.unsure {
			some = o
			break
		}
	}
	if some == nil {
		t.Fatal("no paid order in the run")
	}
	led.orders["lostorder000001"] = &ackOrder{buyer: some.buyer, lines: map[string]int{"x": 1}, payable: 1}
	for sku := range some.lines {
		some.lines[sku]++
	}
	some.refunded = true
	res.shop.initial[res.shop.skus[0]]++

	problems, _, err := check(context.Background(), res.checker, res.shop, led)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(problems, "\n")
	for _, want := range []string{"lostorder000001 is missing", "the priced cart had", "acknowledged refunded", "!= initial"} {
		if !strings.Contains(all, want) {
			t.Errorf("the check missed %q; it said:\n%s", want, all)
		}
	}
}
