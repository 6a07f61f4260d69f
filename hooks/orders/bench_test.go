package orders_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/accounts"
	"fenxiao/hooks/orders"
	"fenxiao/hooks/shop"
	"fenxiao/plugins/distribution"
	"fenxiao/sqlitedb"
	"fenxiao/tests"
)

// BenchmarkCheckoutAndPay serves the real router over HTTP and lets
// concurrent buyers check out one line and pay it with the sandbox, each
// b.N times in total. It reports:
//
//	orders/s       checkout + pay pairs per second
//	checkouts/s    the same figure seen as checkouts
//	p50_ms, p99_ms latency of one checkout or pay request
//	cpu_ms/order   process CPU time (server and client) per order
//
// Run: go test ./hooks/orders -run '^$' -bench CheckoutAndPay -benchtime 3000x
//
// FENXIAO_BENCH_BUYERS sets the number of concurrent buyers (default 32):
// the throughput hardly moves with it, the latency is mostly queueing.
func BenchmarkCheckoutAndPay(b *testing.B) {
	benchCheckoutAndPay(b, nil, true)
}

// BenchmarkCheckout is [BenchmarkCheckoutAndPay] without the payment: the
// buyers only check out, so orders/s is checkout requests per second (the
// orders stay unpaid).
//
// Run: go test ./hooks/orders -run '^$' -bench 'Checkout$' -benchtime 5000x
func BenchmarkCheckout(b *testing.B) {
	benchCheckoutAndPay(b, nil, false)
}

// BenchmarkCheckoutAndPayDistribution is [BenchmarkCheckoutAndPay] with the
// distribution plugin registered and every buyer under a three-level chain
// of distributors, so that each payment books three commissions.
func BenchmarkCheckoutAndPayDistribution(b *testing.B) {
	benchCheckoutAndPay(b, func(app core.App) {
		distribution.MustRegister(app, distribution.Config{})
	}, true)
}

func benchCheckoutAndPay(b *testing.B, register func(app core.App), pay bool) {
	buyers := 32
	if n, err := strconv.Atoi(os.Getenv("FENXIAO_BENCH_BUYERS")); err == nil && n > 0 {
		buyers = n
	}
	var f *fixture
	if register != nil {
		f = newFixture(b, register)
	} else {
		f = newFixture(b)
	}
	// request logs on, as a shop runs (test apps turn them off)
	f.app.Settings().Logs.MaxDays = 5
	p := tests.Save(b, f.app, "products", map[string]any{"title": "压测商品", "status": "on"})
	sku := tests.Save(b, f.app, "skus", map[string]any{"product": p.Id, "price": 990, "stock": 10_000_000})

	var upline *core.Record
	if register != nil {
		for i := range 3 {
			u, _ := tests.User(b, f.app, fmt.Sprintf("upline%d@test.local", i), map[string]any{"is_distributor": true})
			if upline != nil {
				bind(b, f, u, upline)
			}
			upline = reload(b, f.app, "users", u.Id)
		}
	}

	type buyer struct{ token, address string }
	list := make([]buyer, buyers)
	for i := range list {
		u, token := tests.User(b, f.app, fmt.Sprintf("bench%d@test.local", i), nil)
		if upline != nil {
			bind(b, f, u, upline)
		}
		a := tests.Save(b, f.app, "addresses", map[string]any{"user": u.Id, "name": "压测", "phone": "13800000000",
			"province": "浙江省", "detail": "1号"})
		list[i] = buyer{token, a.Id}
	}
	srv := httptest.NewServer(f.c.Handler)
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: buyers * 2}}

	post := func(url, token string, body any) (map[string]any, time.Duration, error) {
		raw, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", srv.URL+url, bytes.NewReader(raw))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", token)
		start := time.Now()
		res, err := client.Do(req)
		if err != nil {
			return nil, 0, err
		}
		defer res.Body.Close()
		out := map[string]any{}
		_ = json.NewDecoder(res.Body).Decode(&out)
		took := time.Since(start)
		if res.StatusCode != 200 {
			return nil, took, fmt.Errorf("%s: %d %v", url, res.StatusCode, out)
		}
		return out, took, nil
	}

	var next atomic.Int64
	var mu sync.Mutex
	perOrder := 1
	if pay {
		perOrder = 2
	}
	latencies := make([]time.Duration, 0, perOrder*b.N)
	var failed atomic.Int64

	b.ResetTimer()
	started := time.Now()
	cpuStarted := cpuTime()
	var wg sync.WaitGroup
	for w := 0; w < buyers; w++ {
		wg.Add(1)
		go func(me buyer) {
			defer wg.Done()
			local := make([]time.Duration, 0, perOrder*(b.N/buyers+1))
			for next.Add(1) <= int64(b.N) {
				order, d1, err := post("/api/shop/checkout", me.token, map[string]any{
					"address": me.address, "items": []map[string]any{{"sku": sku.Id, "quantity": 1}}})
				if err != nil {
					failed.Add(1)
					b.Log(err)
					continue
				}
				if !pay {
					local = append(local, d1)
					continue
				}
				paid, d2, err := post("/api/shop/orders/"+order["id"].(string)+"/pay", me.token, map[string]any{"method": "sandbox"})
				if err != nil || paid["paid"] != true {
					failed.Add(1)
					b.Log(err)
					continue
				}
				local = append(local, d1, d2)
			}
			mu.Lock()
			latencies = append(latencies, local...)
			mu.Unlock()
		}(list[w])
	}
	wg.Wait()
	elapsed := time.Since(started)
	cpu := cpuTime() - cpuStarted
	b.StopTimer()

	if failed.Load() > 0 {
		b.Fatalf("%d of %d orders failed", failed.Load(), b.N)
	}
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	pct := func(p float64) float64 {
		if len(latencies) == 0 {
			return 0
		}
		return float64(latencies[int(p*float64(len(latencies)-1))].Microseconds()) / 1000
	}
	rate := float64(b.N) / elapsed.Seconds()
	b.ReportMetric(rate, "orders/s")
	b.ReportMetric(rate, "checkouts/s")
	b.ReportMetric(pct(0.50), "p50_ms")
	b.ReportMetric(pct(0.99), "p99_ms")
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu_ms/order")
	b.ReportMetric(0, "ns/op")
	b.Logf("%d buyers, %s", buyers, sqlitedb.Engine())
}

// bind puts user under upline.
func bind(tb testing.TB, f *fixture, user, upline *core.Record) {
	tb.Helper()
	err := accounts.BindUpline(f.app, user.Id, upline.GetString("invite_code"), "link", "", "user:"+user.Id)
	if err != nil {
		tb.Fatal(err)
	}
}

// cpuTime is the CPU time the process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkApplyPaymentDistribution applies one sandbox payment per
// iteration, one after another, to orders checked out before the timer
// starts, with the distribution plugin registered and the buyer under a
// three-level chain of distributors (three commissions per payment). It
// measures the payment alone (cpu_µs/op is the process CPU per payment);
// run it with -cpuprofile and look at ApplyPayment.func1 for the part that
// holds the shop's writer.
//
//	go test ./hooks/orders -run '^$' -bench ApplyPaymentDistribution -benchtime 2000x -benchmem
func BenchmarkApplyPaymentDistribution(b *testing.B) {
	benchApplyPayment(b, 1)
}

// BenchmarkApplyPaymentDistributionConcurrent is
// [BenchmarkApplyPaymentDistribution] with 16 payers at once, so that the
// shop's writer runs the payments in group-committed batches.
func BenchmarkApplyPaymentDistributionConcurrent(b *testing.B) {
	benchApplyPayment(b, 16)
}

func benchApplyPayment(b *testing.B, payers int) {
	f := newFixture(b, func(app core.App) {
		distribution.MustRegister(app, distribution.Config{})
	})
	p := tests.Save(b, f.app, "products", map[string]any{"title": "压测商品", "status": "on"})
	sku := tests.Save(b, f.app, "skus", map[string]any{"product": p.Id, "price": 990, "stock": 10_000_000})
	var upline *core.Record
	for i := range 3 {
		u, _ := tests.User(b, f.app, fmt.Sprintf("upline%d@test.local", i), map[string]any{"is_distributor": true})
		if upline != nil {
			bind(b, f, u, upline)
		}
		upline = reload(b, f.app, "users", u.Id)
	}
	bind(b, f, f.buyer, upline)

	notices := make([]*shop.PaymentNotice, b.N)
	for i := range notices {
		o := reload(b, f.app, "orders", f.checkout(b, sku, 1))
		notices[i] = &shop.PaymentNotice{Provider: "sandbox", OrderNo: o.GetString("order_no"),
			TransactionId: "BENCH" + o.GetString("order_no"), Amount: int64(o.GetInt("payable")),
			Raw: `{"sandbox":true}`, Instant: true}
	}

	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	cpuStarted := cpuTime()
	for range payers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(len(notices)); i = next.Add(1) - 1 {
				if _, err := orders.ApplyPayment(f.app, notices[i]); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64((cpuTime()-cpuStarted).Microseconds())/float64(b.N), "cpu_µs/op")
}
