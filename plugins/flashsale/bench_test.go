package flashsale_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
)

// BenchmarkFlashBurst serves the real router over HTTP (loopback) and lets
// 1,000 buyers, each on its own connection, try to buy one unit of one SKU
// with 100 flash units at the same instant; each winner pays at once with
// the sandbox. One iteration is one burst on a fresh slot. It fails unless
// exactly 100 orders are made and paid, and reports:
//
//	req/s          checkout and pay requests answered per second over the burst
//	burst_ms       wall time of one burst
//	p50_ms, p99_ms latency of one request (sold-out answers included)
//
// Run: go test ./plugins/flashsale -run '^$' -bench FlashBurst -benchtime 3x
//
// NB! The load generator runs in the test process, next to the server.
func BenchmarkFlashBurst(b *testing.B) {
	f := newFixture(b)
	f.phone.Set("stock", 1_000_000)
	if err := f.app.Save(f.phone); err != nil {
		b.Fatal(err)
	}
	const buyers, units = 1000, 100
	tokens, addrs := f.buyers(buyers, false)
	srv := httptest.NewServer(f.c.Handler)
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: buyers, MaxConnsPerHost: buyers}}

	post := func(url, token string, body any) (int, map[string]any, time.Duration, error) {
		raw, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", srv.URL+url, bytes.NewReader(raw))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", token)
		start := time.Now()
		res, err := client.Do(req)
		if err != nil {
			return 0, nil, 0, err
		}
		defer res.Body.Close()
		out := map[string]any{}
		_ = json.NewDecoder(res.Body).Decode(&out)
		return res.StatusCode, out, time.Since(start), nil
	}

	var latencies []time.Duration
	var total time.Duration
	requests := 0
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		_, item := f.session(map[string]any{"name": fmt.Sprintf("场%d", time.Now().UnixNano())}, map[string]any{"stock": units})
		b.StartTimer()

		var mu sync.Mutex
		var wg sync.WaitGroup
		start := make(chan struct{})
		sold, paid := 0, 0
		for i := range buyers {
			wg.Go(func() {
				<-start
				status, out, took, err := post("/api/shop/checkout", tokens[i], map[string]any{"address": addrs[i], "offer": item,
					"items": []map[string]any{{"sku": f.phone.Id, "quantity": 1}}})
				mu.Lock()
				latencies = append(latencies, took)
				requests++
				mu.Unlock()
				if err != nil || status != 200 {
					return
				}
				status, _, took, err = post("/api/shop/orders/"+out["id"].(string)+"/pay", tokens[i], map[string]any{"method": "sandbox"})
				mu.Lock()
				defer mu.Unlock()
				latencies = append(latencies, took)
				requests++
				sold++
				if err == nil && status == 200 {
					paid++
				}
			})
		}
		began := time.Now()
		close(start)
		wg.Wait()
		total += time.Since(began)

		b.StopTimer()
		orders, _ := f.app.CountRecords("orders", dbx.HashExp{"offer": item})
		if sold != units || paid != units || orders != units {
			b.Fatalf("sold %d, paid %d, orders %d; want %d", sold, paid, orders, units)
		}
		b.StartTimer()
	}
	b.StopTimer()
	slices.Sort(latencies)
	b.ReportMetric(float64(requests)/total.Seconds(), "req/s")
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "burst_ms")
	b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "p99_ms")
}
