package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"
)

// stepOrder is the order steps are reported in.
var stepOrder = []string{"signin", "search", "cart_add", "cart", "checkout", "pay",
	"ship", "confirm", "order_items", "aftersale", "refund"}

// stats collects the latency of every successful request and counts the
// failed ones by step, status and code.
type stats struct {
	mu        sync.Mutex
	latencies map[string][]time.Duration
	errors    map[string]int
	orders    int // paid orders
}

func newStats() *stats {
	return &stats{latencies: map[string][]time.Duration{}, errors: map[string]int{}}
}

func (s *stats) ok(step string, d time.Duration) {
	if step == "" {
		return
	}
	s.mu.Lock()
	s.latencies[step] = append(s.latencies[step], d)
	s.mu.Unlock()
}

func (s *stats) fail(step string, e *apiError) {
	if step == "" {
		return
	}
	s.mu.Lock()
	s.errors[fmt.Sprintf("%s %d %s", step, e.Status, e.Code)]++
	s.mu.Unlock()
}

func (s *stats) paid() {
	s.mu.Lock()
	s.orders++
	s.mu.Unlock()
}

// snapshot answers the paid orders and failed requests so far.
func (s *stats) snapshot() (orders, failed int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.errors {
		failed += n
	}
	return s.orders, failed
}

// reset forgets everything (after seeding and sign-in, before the run).
func (s *stats) reset(keep ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	kept := map[string][]time.Duration{}
	for _, k := range keep {
		kept[k] = s.latencies[k]
	}
	s.latencies = kept
	s.errors = map[string]int{}
	s.orders = 0
}

// report prints per-step counts, throughput over elapsed, and latency
// percentiles, then the errors by code.
func (s *stats) report(w io.Writer, elapsed time.Duration) (failed int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(w, "%-12s %8s %9s %8s %8s %8s %8s\n", "step", "count", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms")
	steps := append([]string{}, stepOrder...)
	for k := range s.latencies {
		if !contains(steps, k) {
			steps = append(steps, k)
		}
	}
	var all []time.Duration
	for _, step := range steps {
		l := s.latencies[step]
		if len(l) == 0 {
			continue
		}
		sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
		rate := float64(len(l)) / elapsed.Seconds()
		if step == "signin" {
			rate = 0 // signed in before the clock started
		}
		fmt.Fprintf(w, "%-12s %8d %9.1f %8.2f %8.2f %8.2f %8.2f\n", step, len(l), rate,
			ms(pct(l, 0.50)), ms(pct(l, 0.95)), ms(pct(l, 0.99)), ms(l[len(l)-1]))
		if step != "signin" {
			all = append(all, l...)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	if len(all) > 0 {
		fmt.Fprintf(w, "%-12s %8d %9.1f %8.2f %8.2f %8.2f %8.2f\n", "all", len(all), float64(len(all))/elapsed.Seconds(),
			ms(pct(all, 0.50)), ms(pct(all, 0.95)), ms(pct(all, 0.99)), ms(all[len(all)-1]))
	}
	fmt.Fprintf(w, "paid orders: %d in %.1f s = %.1f orders/s\n", s.orders, elapsed.Seconds(), float64(s.orders)/elapsed.Seconds())

	keys := make([]string, 0, len(s.errors))
	for k, n := range s.errors {
		keys = append(keys, k)
		failed += n
	}
	sort.Strings(keys)
	if failed == 0 {
		fmt.Fprintln(w, "errors: 0")
	} else {
		fmt.Fprintf(w, "errors: %d\n", failed)
		for _, k := range keys {
			fmt.Fprintf(w, "  %-40s %d\n", k, s.errors[k])
		}
	}
	return failed
}

func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[int(p*float64(len(sorted)-1)+0.5)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// thousands formats n with commas.
func thousands(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
