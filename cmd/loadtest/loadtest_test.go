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
	cfg.Chains = 2 // two buyers under each chain of three distributors
	var out bytes.Buffer
	err := Run(context.Background(), cfg, &out, &out)
	t.Log(out.String())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"rate limiter: enabled=true", "2 chains of 3 uplines over 4 buyers", "kill 1: restarted", "problems; audit ok", "audit: ok", "\nOK\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

// TestCheckFindsLosses: after a clean run against a shop the test started
// (paying in the checkout request, three requests an order), the check
// reports an acknowledged order that is not in the shop, an order
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
	cfg.PayAtCheckout = true
	var out bytes.Buffer
	res, err := run(context.Background(), cfg, &out, &out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if strings.Contains(out.String(), "\npay ") || !strings.Contains(out.String(), "\ncheckout ") {
		t.Errorf("paying at checkout, the steps should have no pay request:\n%s", out.String())
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

// TestFlashBurst runs the flash scenario small against the real binary:
// of 40 buyers at once on 8 flash units exactly 8 order and pay, the rest
// are told sold out, and the checks and the audit pass. The checks are
// then run against a wrong expectation (one unit more on sale) and must
// say so.
func TestFlashBurst(t *testing.T) {
	bin := buildShop(t)
	cfg := small(bin, t.TempDir())
	cfg.Scenario, cfg.Buyers, cfg.Stock = "flash", 40, 8
	var out bytes.Buffer
	res, err := run(context.Background(), cfg, &out, &out)
	t.Log(out.String())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"checkout outcomes:  409 flash_sold_out ×32  ok ×8\n", "pay outcomes:  ok ×8\n",
		"flash item sold 8/8, 8 paid orders at the flash price, 8 wallets charged", "; 0 problems", "audit: ok", "\nOK\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if res == nil || res.flash == nil {
		t.Fatal("no flash result")
	}
	// the shop stopped with the run; the check reads a fresh one on the
	// same data dir
	srv, err := startServer(context.Background(), bin, cfg.Dir, filepath.Join(t.TempDir(), "serve.log"),
		os.Environ(), "check@load.test", "check-Pass-12345")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.stop()
	c := newClient(srv.url(), 4, newStats())
	if res.flash.adminToken, err = adminSignIn(context.Background(), c, "check@load.test", "check-Pass-12345"); err != nil {
		t.Fatal(err)
	}
	wrong := cfg
	wrong.Stock = 9
	problems, _, err := checkFlash(context.Background(), c, res.flash, wrong)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(problems, "\n")
	for _, want := range []string{"flash item sold 8 of 8, want all 9", "want 9 paid"} {
		if !strings.Contains(all, want) {
			t.Errorf("the check missed %q; it said:\n%s", want, all)
		}
	}
}
