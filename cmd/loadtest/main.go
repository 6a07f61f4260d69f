// Command loadtest drives a fenxiao shop from outside, over HTTP, the way
// its buyers do: it seeds a shop of a chosen size through the API as a
// superuser (a referral tree, products, SKUs, buyers with an address and a
// wallet balance), runs N concurrent buyers (sign-in, search, add to cart,
// priced cart, checkout, pay, and some confirmations and refunds), prints a
// progress line and then per-step throughput, p50/p95/p99 and errors by
// code, checks that everything the buyers saw acknowledged is in the shop
// as they saw it, and runs `fenxiao audit` on the data dir.
//
// Against a running shop:
//
//	loadtest --url http://127.0.0.1:8090 --admin-email a@b.c --admin-password … [--bin ./fenxiao --dir pb_data]
//
// Or let it start the shop itself on a fresh data dir (--bin), optionally
// SIGKILLing and restarting it every D (--kill-every D) and proving after
// each restart that nothing acknowledged was lost, duplicated or half
// written.
//
// A flash-sale (秒杀) burst: all buyers at once on one SKU with --stock
// units, then the outcome is proven from the shop's records:
//
//	loadtest --bin ./fenxiao --scenario flash --buyers 1000 --stock 100
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Config is everything one run needs.
type Config struct {
	URL           string // a running shop; empty when Bin starts one
	AdminEmail    string
	AdminPassword string
	Bin           string // the fenxiao binary: starts the shop when URL is empty, runs the audit
	Dir           string // the shop's data dir (temp dir when the tool starts the shop)
	Env           []string

	// Scenario is "shop" (buyers ordering across the catalog for Duration)
	// or "flash" (one burst of Buyers on one SKU with Stock flash units)
	Scenario string

	Buyers   int
	Duration time.Duration
	Orders   int // stop after this many orders were attempted (0: Duration decides)

	Products    int
	SkusPerProd int
	Stock       int
	TreeUsers   int // extra users in a random referral tree
	Levels      int // uplines above every buyer (0-3)
	Chains      int // distinct chains of uplines, the buyers dealt among them in turn

	Pay string // balance or sandbox
	// PayAtCheckout pays in the checkout request (its pay field) instead
	// of a request of its own: three requests an order instead of four
	PayAtCheckout bool
	SearchEvery   int // a search before every Nth order (0: never)
	ConfirmEvery  int // every Nth order is shipped by the admin and confirmed by the buyer
	RefundEvery   int // every Nth order is refunded in full through an after-sale

	KillEvery   time.Duration
	SampleEvery time.Duration // RSS sampling of the shop process (when its pid is known)
	Pid         int           // the shop's pid, for CPU and RSS of a shop the tool did not start
	Progress    bool

	LogSample  int // sets shop_settings.request_log_sample when ≥ 0
	LogMaxDays int // sets PocketBase's log retention (0: no request log) when ≥ 0
}

func main() {
	cfg := Config{}
	flag.StringVar(&cfg.URL, "url", "", "base URL of a running shop (omit to start one with --bin)")
	flag.StringVar(&cfg.AdminEmail, "admin-email", "", "superuser e-mail (created when the tool starts the shop)")
	flag.StringVar(&cfg.AdminPassword, "admin-password", "", "superuser password")
	flag.StringVar(&cfg.Bin, "bin", "", "fenxiao binary: starts the shop when --url is empty, and runs `audit` on --dir")
	flag.StringVar(&cfg.Dir, "dir", "", "the shop's data dir (default: a new temp dir when the tool starts the shop)")
	flag.StringVar(&cfg.Scenario, "scenario", "shop", "shop: buyers order across the catalog; flash: one 秒杀 burst of --buyers on one SKU with --stock flash units")
	flag.IntVar(&cfg.Buyers, "buyers", 16, "concurrent buyers")
	flag.DurationVar(&cfg.Duration, "duration", 30*time.Second, "how long the buyers buy")
	flag.IntVar(&cfg.Orders, "orders", 0, "stop after this many orders were attempted (0: run for --duration)")
	flag.IntVar(&cfg.Products, "products", 50, "products to seed")
	flag.IntVar(&cfg.SkusPerProd, "skus", 3, "SKUs per product")
	flag.IntVar(&cfg.Stock, "stock", 1_000_000, "initial stock of every SKU (flash: the flash units on sale)")
	flag.IntVar(&cfg.TreeUsers, "tree", 100, "users in a random referral tree besides the buyers")
	flag.IntVar(&cfg.Levels, "levels", 0, "distributors above every buyer (0-3): each order books this many commissions")
	flag.IntVar(&cfg.Chains, "chains", 1, "distinct chains of --levels distributors, the buyers dealt among them in turn (1: all buyers under one chain)")
	flag.StringVar(&cfg.Pay, "pay", "balance", "payment method: balance or sandbox (needs FENXIAO_SANDBOX_PAY=1)")
	flag.BoolVar(&cfg.PayAtCheckout, "pay-at-checkout", false, "pay in the checkout request (three requests an order) instead of a pay request of its own")
	flag.IntVar(&cfg.SearchEvery, "search-every", 0, "search the catalog before every Nth order (0: never)")
	flag.IntVar(&cfg.ConfirmEvery, "confirm-every", 0, "every Nth order is shipped by the admin and confirmed by the buyer (0: never)")
	flag.IntVar(&cfg.RefundEvery, "refund-every", 0, "every Nth order is refunded through an after-sale approved by the admin (0: never)")
	flag.DurationVar(&cfg.KillEvery, "kill-every", 0, "SIGKILL and restart the shop this often (needs --bin, no --url), checking after each restart")
	flag.DurationVar(&cfg.SampleEvery, "sample-every", 0, "print the shop's VmRSS this often (needs its pid: --bin or --pid)")
	flag.IntVar(&cfg.Pid, "pid", 0, "pid of a running shop, for its CPU time and RSS")
	flag.IntVar(&cfg.LogSample, "log-sample", -1, "set shop_settings.request_log_sample: 1 logs every request, N one successful request in N, 0 only failures (-1: leave it)")
	flag.IntVar(&cfg.LogMaxDays, "log-max-days", -1, "set the log retention in days (0: no request log at all; -1: leave it)")
	flag.BoolVar(&cfg.Progress, "progress", true, "print a progress line every second")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := Run(ctx, cfg, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}
