package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Run seeds, drives the buyers, reports and checks. It answers an error
// when the shop lost, duplicated or half-wrote anything acknowledged, the
// audit failed, or a request failed for any reason but a kill.
func Run(ctx context.Context, cfg Config, out, progress io.Writer) error {
	_, err := run(ctx, cfg, out, progress)
	return err
}

// result is what a run leaves for the tests: the seeded shop, the buyers'
// ledger and a client to read the shop with.
type result struct {
	shop    *shop
	ledger  *ledger
	checker *client
	flash   *flashShop // the flash scenario's slot
}

func run(ctx context.Context, cfg Config, out, progress io.Writer) (_ *result, err error) {
	if cfg.Buyers < 1 || cfg.Products < 1 || cfg.SkusPerProd < 1 || cfg.Levels < 0 || cfg.Levels > 3 {
		return nil, errors.New("need --buyers, --products, --skus ≥ 1 and --levels 0..3")
	}
	if cfg.Pay != "balance" && cfg.Pay != "sandbox" {
		return nil, errors.New("--pay is balance or sandbox")
	}
	if cfg.Scenario == "" {
		cfg.Scenario = "shop"
	}
	if cfg.Scenario != "shop" && cfg.Scenario != "flash" {
		return nil, errors.New("--scenario is shop or flash")
	}
	if cfg.Scenario == "flash" && cfg.KillEvery > 0 {
		return nil, errors.New("--kill-every is for the shop scenario")
	}
	if cfg.KillEvery > 0 && (cfg.URL != "" || cfg.Bin == "") {
		return nil, errors.New("--kill-every needs --bin and no --url: the tool kills only a shop it started")
	}

	// the shop: a running one, or one started here on a fresh data dir
	var srv *server
	base := strings.TrimRight(cfg.URL, "/")
	if base == "" {
		if cfg.Bin == "" {
			return nil, errors.New("give --url of a running shop, or --bin to start one")
		}
		if cfg.Dir == "" {
			root, mkErr := os.MkdirTemp("", "fenxiao-load-")
			if mkErr != nil {
				return nil, mkErr
			}
			cfg.Dir = filepath.Join(root, "pb_data")
			// kept for a look when something failed
			defer func() {
				if err == nil {
					os.RemoveAll(root)
				}
			}()
		}
		if cfg.AdminEmail == "" {
			cfg.AdminEmail = "loadtest@load.test"
			b := make([]byte, 12)
			rand.Read(b)
			cfg.AdminPassword = hex.EncodeToString(b)
		}
		env := append(os.Environ(), cfg.Env...)
		if cfg.Pay == "sandbox" {
			env = append(env, "FENXIAO_SANDBOX_PAY=1")
		}
		logPath := filepath.Join(filepath.Dir(cfg.Dir), "serve.log")
		var err error
		if srv, err = startServer(ctx, cfg.Bin, cfg.Dir, logPath, env, cfg.AdminEmail, cfg.AdminPassword); err != nil {
			return nil, err
		}
		defer srv.stop()
		base = srv.url()
		cfg.Pid = srv.pid()
		fmt.Fprintf(out, "shop: %s started on %s, data dir %s, log %s\n", cfg.Bin, base, cfg.Dir, logPath)
	}

	st := newStats()
	c := newClient(base, cfg.Buyers*2+8, st)
	if cfg.Scenario == "flash" {
		// every buyer of the burst on a connection of its own
		c.http.Transport.(*http.Transport).MaxConnsPerHost = cfg.Buyers + 8
	}
	// the checker has its own connections and gate: it runs while the
	// buyers' gate is closed
	checker := newClient(base, 4, newStats())

	adminToken, err := adminSignIn(ctx, c, cfg.AdminEmail, cfg.AdminPassword)
	if err != nil {
		return nil, fmt.Errorf("superuser sign-in: %w", err)
	}
	on, rules, err := excludeLoopback(ctx, c, adminToken)
	if err != nil {
		return nil, fmt.Errorf("excluding loopback from the rate limiter: %w", err)
	}
	fmt.Fprintf(out, "rate limiter: enabled=%v, %d rules, loopback excluded through the settings API\n", on, rules)
	logs, err := requestLog(ctx, c, adminToken, cfg.LogSample, cfg.LogMaxDays)
	if err != nil {
		return nil, fmt.Errorf("request log settings: %w", err)
	}
	fmt.Fprintf(out, "request log: %s\n", logs)

	if cfg.Scenario == "flash" {
		res, failures, err := runFlash(ctx, cfg, c, checker, adminToken, out)
		if err != nil {
			return nil, err
		}
		return res, finish(ctx, cfg, out, failures)
	}

	seedStart := time.Now()
	s, err := seed(ctx, c, cfg, adminToken)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "seeded in %.1f s: %d products × %d SKUs (stock %d each), %d tree users, %d chains of %d uplines over %d buyers, pay %s\n",
		time.Since(seedStart).Seconds(), cfg.Products, cfg.SkusPerProd, cfg.Stock, cfg.TreeUsers, chains(cfg), cfg.Levels, cfg.Buyers, cfg.Pay)

	st.reset("signin")
	led := newLedger()
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	if cfg.Orders == 0 {
		runCtx, cancel = context.WithTimeout(ctx, cfg.Duration)
		defer cancel()
	}

	var failures []string
	var failMu sync.Mutex
	fail := func(format string, args ...any) {
		failMu.Lock()
		failures = append(failures, fmt.Sprintf(format, args...))
		failMu.Unlock()
	}

	cpu0, ownCPU0 := cpuTime(cfg.Pid), cpuTime(os.Getpid())
	busy0, total0 := hostCPU()
	started := time.Now()
	var bg sync.WaitGroup
	bgCtx, stopBg := context.WithCancel(ctx)

	// progress line
	if cfg.Progress {
		bg.Add(1)
		go func() {
			defer bg.Done()
			tty := isTerminal(progress)
			t := time.NewTicker(time.Second)
			defer t.Stop()
			last := 0
			for {
				select {
				case <-bgCtx.Done():
					if tty {
						fmt.Fprintln(progress)
					}
					return
				case <-t.C:
				}
				n, failed := st.snapshot()
				line := fmt.Sprintf("%5.0fs  paid orders %s  (%d/s now, %.0f/s overall)  errors %d",
					time.Since(started).Seconds(), thousands(n), n-last, float64(n)/time.Since(started).Seconds(), failed)
				last = n
				if tty {
					fmt.Fprintf(progress, "\r%-80s", line)
				} else {
					fmt.Fprintln(progress, line)
				}
			}
		}()
	}

	// memory samples
	peakRSS := 0
	var rssMu sync.Mutex
	var pid atomic.Int64 // changes at each restart
	pid.Store(int64(cfg.Pid))
	if cfg.SampleEvery > 0 && cfg.Pid > 0 {
		bg.Add(1)
		go func() {
			defer bg.Done()
			t := time.NewTicker(cfg.SampleEvery)
			defer t.Stop()
			for {
				select {
				case <-bgCtx.Done():
					return
				case <-t.C:
				}
				kib := rssKiB(int(pid.Load()))
				n, _ := st.snapshot()
				rssMu.Lock()
				peakRSS = max(peakRSS, kib)
				rssMu.Unlock()
				fmt.Fprintf(out, "rss %6.0fs  %6.1f MiB  paid orders %d\n", time.Since(started).Seconds(), float64(kib)/1024, n)
			}
		}()
	}

	// the killer: SIGKILL, wait for the buyers' requests to fail, restart,
	// check, let the buyers go on
	kills := 0
	if cfg.KillEvery > 0 {
		bg.Add(1)
		go func() {
			defer bg.Done()
			for {
				select {
				case <-runCtx.Done():
					return
				case <-time.After(cfg.KillEvery):
				}
				srv.kill()
				killedAt := time.Now()
				c.gate.Lock()
				err := srv.start(ctx)
				if err == nil {
					pid.Store(int64(srv.pid()))
					var problems []string
					var summary string
					problems, summary, err = check(ctx, checker, s, led)
					kills++
					auditSays := "audit ok"
					if _, auditErr := audit(ctx, cfg.Bin, cfg.Dir); auditErr != nil {
						auditSays = auditErr.Error()
						fail("after kill %d: %v", kills, auditErr)
					}
					fmt.Fprintf(out, "kill %d: restarted in %.2f s; %s; %d problems; %s\n",
						kills, time.Since(killedAt).Seconds(), summary, len(problems), auditSays)
					for _, p := range problems {
						fail("after kill %d: %s", kills, p)
					}
				}
				c.gate.Unlock()
				if err != nil {
					fail("kill %d: %v", kills+1, err)
					cancel()
					return
				}
			}
		}()
	}

	var iter atomic.Int64
	var wg sync.WaitGroup
	for _, b := range s.buyers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runBuyer(ctx, runCtx, c, cfg, s, b, led, &iter, st)
		}()
	}
	wg.Wait()
	elapsed := time.Since(started)
	cancel()
	// the killer may be restarting: wait for it before reading the shop
	c.gate.Lock()
	//lint:ignore SA2001 taking the gate only waits for a restart in progress
	c.gate.Unlock() //nolint:staticcheck // SA2001: taking the gate only waits for a restart in progress
	stopBg()
	bg.Wait()
	cfg.Pid = int(pid.Load())
	cpu, ownCPU := cpuTime(cfg.Pid)-cpu0, cpuTime(os.Getpid())-ownCPU0
	busy1, total1 := hostCPU()

	fmt.Fprintf(out, "\n%d buyers, %.1f s, Go %s on %d CPUs\n", cfg.Buyers, elapsed.Seconds(), runtime.Version(), runtime.NumCPU())
	failed := st.report(out, elapsed)
	if total1 > total0 {
		fmt.Fprintf(out, "machine CPU busy: %.0f%% of %d cores (everything running, the tool included)\n",
			100*float64(busy1-busy0)/float64(total1-total0), runtime.NumCPU())
	}
	if cfg.Pid > 0 && cfg.KillEvery == 0 {
		if n, _ := st.snapshot(); n > 0 {
			fmt.Fprintf(out, "shop CPU: %.2f ms per paid order (%.1f s over the run)\n",
				float64(cpu.Microseconds())/1000/float64(n), cpu.Seconds())
		}
		if n, _ := st.snapshot(); n > 0 {
			// note: the tool shares the machine with the shop; what it
			// takes is CPU the shop could not have
			fmt.Fprintf(out, "tool CPU: %.2f ms per paid order (%.1f s over the run, seeding not counted)\n",
				float64(ownCPU.Microseconds())/1000/float64(n), ownCPU.Seconds())
		}
		kib := rssKiB(cfg.Pid)
		rssMu.Lock()
		fmt.Fprintf(out, "shop RSS: %.1f MiB at the end (peak sampled %.1f MiB)\n", float64(kib)/1024, float64(max(peakRSS, kib))/1024)
		rssMu.Unlock()
	}
	if cfg.Dir != "" {
		fmt.Fprintf(out, "data dir: data.db %s, auxiliary.db (logs) %s, WAL files included\n",
			fileSize(cfg.Dir, "data.db"), fileSize(cfg.Dir, "auxiliary.db"))
	}
	if kills > 0 {
		fmt.Fprintf(out, "kills: %d (requests cut by a kill count as transport errors)\n", kills)
	}
	for k := range failuresByCode(st, cfg.KillEvery > 0) {
		fail("requests failed: %s", k)
	}
	_ = failed

	problems, summary, err := check(ctx, checker, s, led)
	if err != nil {
		fail("final check could not read the shop: %v", err)
	} else {
		fmt.Fprintf(out, "check: %s; %d problems\n", summary, len(problems))
		for _, p := range problems {
			fail("final check: %s", p)
		}
	}

	return &result{shop: s, ledger: led, checker: checker}, finish(ctx, cfg, out, failures)
}

// finish runs the audit (when the tool knows the binary and the data dir)
// and prints the failures of the run, answering an error when there were
// any.
func finish(ctx context.Context, cfg Config, out io.Writer, failures []string) error {
	if cfg.Bin != "" && cfg.Dir != "" {
		text, err := audit(ctx, cfg.Bin, cfg.Dir)
		fmt.Fprintf(out, "audit: %s\n", firstLines(text, 5))
		if err != nil {
			failures = append(failures, err.Error())
		}
	} else {
		fmt.Fprintln(out, "audit: skipped (give --bin and --dir to run `fenxiao audit` on the data dir)")
	}
	if len(failures) > 0 {
		for _, f := range failures {
			fmt.Fprintln(out, "FAIL", f)
		}
		return fmt.Errorf("%d failures", len(failures))
	}
	fmt.Fprintln(out, "OK")
	return nil
}

// failuresByCode answers the error kinds that fail a run: any failed
// request, except transport failures when the tool kills the shop on
// purpose.
func failuresByCode(st *stats, killing bool) map[string]bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := map[string]bool{}
	for k := range st.errors {
		if killing && strings.HasSuffix(k, " 0 transport") {
			continue
		}
		out[k] = true
	}
	return out
}

func firstLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = append(lines[:n], "…")
	}
	return strings.Join(lines, "\n  ")
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// fileSize is the size of a SQLite database with its WAL, in MiB.
func fileSize(dir, name string) string {
	var n int64
	for _, suffix := range []string{"", "-wal"} {
		if fi, err := os.Stat(filepath.Join(dir, name+suffix)); err == nil {
			n += fi.Size()
		}
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}
