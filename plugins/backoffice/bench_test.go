package backoffice

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/tests"
)

const seqCTE = "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {:n}) "

func benchRows(def int) int {
	if n, err := strconv.Atoi(os.Getenv("FENXIAO_BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return def
}

// seedOrders writes n paid orders of one line spread over the last year
// (and a sign-up and a refund for every tenth), then ANALYZE.
func seedOrders(b *testing.B, app core.App, n int) {
	b.Helper()
	at := now()
	exec := func(sql string, params dbx.Params) {
		if _, err := app.DB().NewQuery(sql).Bind(params).Execute(); err != nil {
			b.Fatalf("seed: %v\n%s", err, sql)
		}
	}
	p := dbx.Params{"n": n, "now": dbTime(at)}
	exec(seqCTE+`INSERT INTO users (id, email, tokenKey, password, nickname, phone, created)
		SELECT printf('usr%012d', n), '', printf('tk%013d', n), 'x', '买家' || n, '', strftime('%Y-%m-%d %H:%M:%fZ', {:now}, '-' || (n % 365) || ' days')
		FROM seq WHERE n % 10 = 0`, p)
	exec(seqCTE+`INSERT INTO orders (id, order_no, buyer, status, payable, goods_amount, quantity, address, paid_at, created, updated)
		SELECT printf('ord%012d', n), printf('N%d', n), printf('usr%012d', n - n % 10 + 10), CASE n % 4 WHEN 0 THEN 'paid' WHEN 1 THEN 'shipped' ELSE 'completed' END,
			1000 + n % 9000, 1000 + n % 9000, 1,
			'{"name":"收件人","phone":"13800000000","province":"浙江省","city":"杭州市","district":"西湖区","detail":"文三路 1 号"}',
			strftime('%Y-%m-%d %H:%M:%fZ', {:now}, '-' || (n % 365) || ' days', '-' || (n % 86000) || ' seconds'),
			strftime('%Y-%m-%d %H:%M:%fZ', {:now}, '-' || (n % 365) || ' days', '-' || (n % 86000 + 60) || ' seconds'), {:now}
		FROM seq`, p)
	exec(seqCTE+`INSERT INTO order_items (id, [order], buyer, product, sku, title, spec_text, unit_price, quantity, line_amount, paid_amount, created, updated)
		SELECT printf('itm%012d', n), printf('ord%012d', n), printf('usr%012d', n - n % 10 + 10), 'prod' || (n % 50), 'sku', '龙井茶', '250g',
			1000 + n % 9000, 1, 1000 + n % 9000, 1000 + n % 9000, {:now}, {:now} FROM seq`, p)
	exec(seqCTE+`INSERT INTO refunds (id, [order], provider, refund_no, amount, status, refunded_at, created, updated)
		SELECT printf('ref%012d', n), printf('ord%012d', n), 'sandbox', 'R' || n, 500, 'success',
			strftime('%Y-%m-%d %H:%M:%fZ', {:now}, '-' || (n % 365) || ' days'), {:now}, {:now} FROM seq WHERE n % 10 = 3`, p)
	exec("ANALYZE", nil)
}

// BenchmarkReports1MOrders asks for the console's summary (today and 90
// days) and its 90-day daily series on a shop with 1,000,000 paid orders
// over a year, over real HTTP on loopback, and reports p50 and p95.
//
//	go test ./plugins/backoffice -run '^$' -bench Reports1MOrders -benchtime 1x -timeout 30m
func BenchmarkReports1MOrders(b *testing.B) {
	app, client := newApp(b)
	seedOrders(b, app, benchRows(1_000_000))
	_, token := tests.Superuser(b, app)
	srv := httptest.NewServer(client.Handler)
	defer srv.Close()

	measure := func(path string, n int) (time.Duration, time.Duration) {
		d := make([]time.Duration, 0, n)
		for range n {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
			req.Header.Set("Authorization", token)
			started := time.Now()
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			d = append(d, time.Since(started))
			if res.StatusCode != http.StatusOK {
				b.Fatalf("%s: %d", path, res.StatusCode)
			}
		}
		slices.Sort(d)
		return d[n/2], d[n*95/100]
	}
	b.ResetTimer()
	for range b.N {
		for _, path := range []string{"/api/shop/admin/reports/summary?days=90", "/api/shop/admin/reports/series?days=90"} {
			p50, p95 := measure(path, 200)
			b.Logf("%s: p50 %s, p95 %s", path, p50, p95)
			b.ReportMetric(float64(p95.Microseconds()), "p95-µs")
		}
	}
}

// BenchmarkExport1MOrders exports 1,000,000 orders as Excel and as CSV over
// real HTTP and reports the peak Go heap while each export streams (the
// client discards the bytes), to show memory stays bounded by the rows.
//
//	go test ./plugins/backoffice -run '^$' -bench Export1MOrders -benchtime 1x -timeout 30m
func BenchmarkExport1MOrders(b *testing.B) {
	app, client := newApp(b)
	rows := benchRows(1_000_000)
	seedOrders(b, app, rows)
	_, token := tests.Superuser(b, app)
	srv := httptest.NewServer(client.Handler)
	defer srv.Close()

	export := func(file string) {
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		var peak atomic.Uint64
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			var m runtime.MemStats
			for {
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
					runtime.ReadMemStats(&m)
					if m.HeapInuse > peak.Load() {
						peak.Store(m.HeapInuse)
					}
				}
			}
		}()
		started := time.Now()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/shop/admin/export/"+file, nil)
		req.Header.Set("Authorization", token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		size, _ := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		close(stop)
		<-done
		if res.StatusCode != http.StatusOK {
			b.Fatalf("%s: %d", file, res.StatusCode)
		}
		mib := float64(peak.Load()) / (1 << 20)
		b.Logf("%s: %d rows, %.1f MiB in %s, heap in use before %.1f MiB, peak %.1f MiB",
			file, rows, float64(size)/(1<<20), time.Since(started).Round(time.Millisecond), float64(base.HeapInuse)/(1<<20), mib)
		b.ReportMetric(mib, "peak-heap-MiB")
	}
	b.ResetTimer()
	for range b.N {
		export("orders.csv")
		export("orders.xlsx")
	}
}
