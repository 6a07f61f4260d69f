package coupon_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/plugins/coupon"
	"fenxiao/plugins/promotion"
	"fenxiao/plugins/sandboxpay"
	"fenxiao/tests"
)

// benchShop is a shop with promotions and coupons registered (as in
// production) and a buyer with an address and two products in stock.
type benchShop struct {
	app        core.App
	c          *tests.Client
	buyer      *core.Record
	token      string
	addr       string
	tea, cup   *core.Record
	superToken string
}

func newBenchShop(b *testing.B) *benchShop {
	b.Helper()
	app, _ := tests.NewShopApp(b)
	sandboxpay.MustRegister(app, sandboxpay.Config{})
	promotion.MustRegister(app, promotion.Config{})
	coupon.MustRegister(app, coupon.Config{})
	s := &benchShop{app: app}
	s.buyer, s.token = tests.User(b, app, "bench@test.local", nil)
	_, s.superToken = tests.Superuser(b, app)
	s.addr = tests.Save(b, app, "addresses", map[string]any{"user": s.buyer.Id, "name": "张三", "phone": "13800000000",
		"province": "浙江省", "detail": "西湖区1号", "is_default": true}).Id
	leaves := tests.Save(b, app, "categories", map[string]any{"name": "茶叶", "is_active": true})
	teaP := tests.Save(b, app, "products", map[string]any{"title": "西湖龙井", "status": "on", "category": leaves.Id})
	s.tea = tests.Save(b, app, "skus", map[string]any{"product": teaP.Id, "price": 8000, "stock": 10_000_000})
	cupP := tests.Save(b, app, "products", map[string]any{"title": "保温杯", "status": "on"})
	s.cup = tests.Save(b, app, "skus", map[string]any{"product": cupP.Id, "price": 5000, "stock": 10_000_000})
	s.c = tests.NewClient(b, app)
	return s
}

func (s *benchShop) do(b *testing.B, method, url string, body any) *tests.Response {
	res := s.c.Do(method, url, body, s.token)
	if res.Status != 200 {
		b.Fatalf("%s %s: %d %s", method, url, res.Status, res.Raw)
	}
	return res
}

// cpuPerOp runs loop and reports the process CPU time (user and system)
// per iteration as cpu-ns/op: on a shared machine it moves less than the
// wall time.
func cpuPerOp(b *testing.B, loop func()) {
	b.Helper()
	b.ReportAllocs()
	start := cpuTime()
	loop()
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// holdCoupons gives the buyer n claimed 满100减10 coupons.
func (s *benchShop) holdCoupons(b *testing.B, n int) {
	b.Helper()
	for range n {
		res := s.c.Do("POST", "/api/collections/coupon_templates/records", map[string]any{
			"name": "满100减10", "kind": "amount", "off": 1000, "threshold": 10000, "scope": "all",
			"validity": "days", "valid_days": 7, "active": true, "claimable": true}, s.superToken)
		if res.Status != 200 {
			b.Fatalf("template: %d %s", res.Status, res.Raw)
		}
		s.do(b, "POST", "/api/shop/coupons/claim", map[string]any{"template": res.Body["id"]})
	}
}

// BenchmarkCartView is the priced cart GET of a buyer with two lines.
//
// Run: go test ./plugins/coupon -run '^$' -bench CartView -benchmem
func BenchmarkCartView(b *testing.B) {
	for _, held := range []int{0, 2} {
		name := map[int]string{0: "no_coupons", 2: "two_coupons"}[held]
		b.Run(name, func(b *testing.B) {
			s := newBenchShop(b)
			s.holdCoupons(b, held)
			s.do(b, "POST", "/api/shop/cart/items", map[string]any{"sku": s.tea.Id, "quantity": 1})
			s.do(b, "POST", "/api/shop/cart/items", map[string]any{"sku": s.cup.Id, "quantity": 2})
			url := "/api/shop/cart?address=" + s.addr
			cpuPerOp(b, func() {
				for b.Loop() {
					s.do(b, "GET", url, nil)
				}
			})
		})
	}
}

// BenchmarkCartAdd adds one unit to a line already in the cart.
func BenchmarkCartAdd(b *testing.B) {
	s := newBenchShop(b)
	body := map[string]any{"sku": s.tea.Id, "quantity": 1}
	s.do(b, "POST", "/api/shop/cart/items", body)
	n := 1
	cpuPerOp(b, func() {
		for b.Loop() {
			if n++; n == 999 {
				// note: a line holds at most 999 units
				if _, err := s.app.DB().Update("cart_items", dbx.Params{"quantity": 1}, dbx.HashExp{"user": s.buyer.Id}).Execute(); err != nil {
					b.Fatal(err)
				}
				n = 1
			}
			s.do(b, "POST", "/api/shop/cart/items", body)
		}
	})
}

// BenchmarkBuyerRound is one round of the load test's buyer without the
// payment: add to the cart, the priced cart, checkout of the cart.
func BenchmarkBuyerRound(b *testing.B) {
	s := newBenchShop(b)
	add := map[string]any{"sku": s.tea.Id, "quantity": 1}
	cart := "/api/shop/cart?address=" + s.addr
	cpuPerOp(b, func() {
		for b.Loop() {
			s.do(b, "POST", "/api/shop/cart/items", add)
			s.do(b, "GET", cart, nil)
			s.do(b, "POST", "/api/shop/checkout", map[string]any{"address": s.addr, "note": "压测"})
		}
	})
}
