package promotion_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/accounts"
	"fenxiao/plugins/distribution"
	"fenxiao/tests"
)

// Ten concurrent checkouts by one buyer of a once-per-buyer promotion:
// the test holds every pricing, right after it read the buyer's usage,
// until all ten have read it, so each carries the promotion into its
// transaction; the recount there lets exactly one order take it and
// refuses the other nine with 409 promotion_limit_reached, their stock
// untouched. A new checkout afterwards is priced without the promotion.
func TestPerUserLimitConcurrentCheckouts(t *testing.T) {
	f := newFixture(t)
	f.promo(map[string]any{"name": "新客85折", "type": "discount", "tiers": nil, "discount_mode": "rate",
		"rate_bp": 8500, "scope": "all", "per_user_limit": 1})

	const n = 10
	// a barrier at the plugin's UsageRead: the checkouts price outside
	// their transaction, so none of them can write its order before all
	// have read the buyer's usage (none used yet)
	var (
		mu       sync.Mutex
		reads    int
		openGate sync.Once
	)
	allRead := make(chan struct{})
	release := func() { openGate.Do(func() { close(allRead) }) }
	usageReads := func() int {
		mu.Lock()
		defer mu.Unlock()
		return reads
	}
	f.setGate(func() {
		mu.Lock()
		reads++
		if reads == n {
			release()
		}
		mu.Unlock()
		<-allRead
	})

	type result struct {
		status int
		code   string
		id     string
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			res := f.c.Do("POST", "/api/shop/checkout", map[string]any{
				"items": []map[string]any{{"sku": f.tea.Id, "quantity": 1}}, "address": f.addr.Id}, f.token)
			id, _ := res.Body["id"].(string)
			results[i] = result{status: res.Status, code: res.Code(), id: id}
		})
	}
	select {
	case <-allRead:
	case <-time.After(30 * time.Second):
		release() // lets the checkouts finish before the app is torn down
		wg.Wait()
		t.Fatalf("%d of %d checkouts read the usage (%v)", usageReads(), n, results)
	}
	wg.Wait()
	f.setGate(nil)
	if r := usageReads(); r != n {
		t.Fatalf("%d usage reads for %d checkouts, want one each", r, n)
	}

	placed, discounted, refused := 0, 0, 0
	for _, r := range results {
		switch {
		case r.status == http.StatusOK:
			placed++
			if o := f.reload("orders", r.id); o.GetInt("discount_amount") > 0 {
				discounted++
				if o.GetInt("discount_amount") != 1200 {
					t.Fatalf("discount %d, want 1200", o.GetInt("discount_amount"))
				}
			}
		case r.status == http.StatusConflict && r.code == "promotion_limit_reached":
			refused++
		default:
			t.Fatalf("checkout: %d %s", r.status, r.code)
		}
	}
	if discounted != 1 || placed != 1 || refused != n-1 {
		t.Fatalf("%d placed (%d with the once-per-buyer discount), %d refused; want 1, 1 and %d (%v)",
			placed, discounted, refused, n-1, results)
	}
	if s := f.reload("skus", f.tea.Id).GetInt("stock"); s != 10-placed {
		t.Fatalf("stock %d after %d orders", s, placed)
	}
	if n := f.count("orders", "buyer = {:b}", dbx.Params{"b": f.buyer.Id}); n != placed {
		t.Fatalf("%d orders stored, %d placed", n, placed)
	}

	// re-priced without the promotion, the next checkout goes through at full price
	o := f.checkout(f.token, f.addr, f.tea, 1)
	if o.GetInt("discount_amount") != 0 || o.GetString("promotions") != "null" {
		t.Fatalf("next checkout: discount %d promotions %s", o.GetInt("discount_amount"), o.GetString("promotions"))
	}
}

// A database error while pricing promotions fails the cart and the
// checkout with 503 promotions_unavailable instead of charging the full
// price; checkout changes nothing (no order, stock and cart as they were).
func TestPricingErrorFailsCartAndCheckout(t *testing.T) {
	f := newFixture(t)
	f.promo(nil)                   // 满200减30
	f.addToCart(f.token, f.tea, 3) // 24000

	// a broken collection: the promotions table is gone under the plugin
	// (the cache was dropped by the promotion's create)
	if _, err := f.app.DB().NewQuery("ALTER TABLE promotions RENAME TO promotions_broken").Execute(); err != nil {
		t.Fatal(err)
	}
	if res := f.c.Do("GET", "/api/shop/cart", nil, f.token); res.Status != http.StatusServiceUnavailable || res.Code() != "promotions_unavailable" {
		t.Fatalf("cart: %d %s", res.Status, res.Raw)
	}
	res := f.c.Do("POST", "/api/shop/checkout", map[string]any{"address": f.addr.Id}, f.token)
	if res.Status != http.StatusServiceUnavailable || res.Code() != "promotions_unavailable" {
		t.Fatalf("checkout: %d %s", res.Status, res.Raw)
	}
	if n := f.count("orders", "buyer = {:b}", dbx.Params{"b": f.buyer.Id}); n != 0 {
		t.Fatalf("%d orders placed", n)
	}
	if s := f.reload("skus", f.tea.Id).GetInt("stock"); s != 10 {
		t.Fatalf("stock %d, want 10", s)
	}
	if n := f.count("cart_items", "[[user]] = {:u}", dbx.Params{"u": f.buyer.Id}); n != 1 {
		t.Fatalf("%d cart lines, want 1", n)
	}

	// repaired: the same checkout gets the promotion
	if _, err := f.app.DB().NewQuery("ALTER TABLE promotions_broken RENAME TO promotions").Execute(); err != nil {
		t.Fatal(err)
	}
	o := f.checkout(f.token, f.addr)
	if o.GetInt("discount_amount") != 3000 || o.GetInt("payable") != 21000 {
		t.Fatalf("after repair: discount %d payable %d", o.GetInt("discount_amount"), o.GetInt("payable"))
	}
}

// A←B←C, C invited the buyer: a 满200减30 order checked out and paid in the
// sandbox earns each upline exactly rate × the line's allocated paid amount,
// floored to the fen (settings 10% / 5% / 2%).
func TestFullReductionCommissionCheckoutToPay(t *testing.T) {
	f := newFixture(t, func(app core.App) {
		distribution.MustRegister(app, distribution.Config{})
	})
	settings, err := f.app.FindRecordById("shop_settings", "shopsettings001")
	if err != nil {
		t.Fatal(err)
	}
	settings.Load(map[string]any{"commission_l1_bp": 1000, "commission_l2_bp": 500, "commission_l3_bp": 200})
	if err := f.app.Save(settings); err != nil {
		t.Fatal(err)
	}
	chain := make([]*core.Record, 3) // C, B, A: levels 1, 2, 3
	var upline *core.Record
	for i, name := range []string{"a", "b", "c"} {
		u, _ := tests.User(t, f.app, name+"@test.local", map[string]any{"is_distributor": true})
		if upline != nil {
			if err := accounts.BindUpline(f.app, u.Id, upline.GetString("invite_code"), "link", "", "user:"+u.Id); err != nil {
				t.Fatal(err)
			}
		}
		upline = f.reload("users", u.Id)
		chain[2-i] = upline
	}
	if err := accounts.BindUpline(f.app, f.buyer.Id, upline.GetString("invite_code"), "link", "", "user:"+f.buyer.Id); err != nil {
		t.Fatal(err)
	}
	f.promo(map[string]any{"name": "满减"}) // 满200减30

	o := f.checkout(f.token, f.addr, f.tea, 2, f.cup, 1) // 16000 + 5000
	f.pay(f.token, o.Id)

	paid := map[string]int64{} // order item id → allocated paid amount
	for _, it := range f.items(o.Id) {
		paid[it.Id] = int64(it.GetInt("paid_amount"))
		// 3000 × 16000/21000 = 2285.71 → 2286; × 5000/21000 = 714.29 → 714
		want := map[string]int64{f.tea.Id: 16000 - 2286, f.cup.Id: 5000 - 714}[it.GetString("sku")]
		if paid[it.Id] != want {
			t.Fatalf("line %s paid %d, want %d", it.GetString("sku"), paid[it.Id], want)
		}
	}
	rates := []int64{1000, 500, 200}
	rows, err := f.app.FindRecordsByFilter("commissions", "order = {:o}", "", 0, 0, dbx.Params{"o": o.Id})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2*3 {
		t.Fatalf("%d commission rows, want 6", len(rows))
	}
	for _, r := range rows {
		level := r.GetInt("level")
		base := paid[r.GetString("order_item")]
		want := base * rates[level-1] / 10000
		if r.GetString("beneficiary") != chain[level-1].Id || int64(r.GetInt("base")) != base ||
			int64(r.GetInt("amount")) != want || r.GetString("status") != "frozen" {
			t.Fatalf("level %d commission: beneficiary %s base %d amount %d status %s; want %s %d %d frozen",
				level, r.GetString("beneficiary"), r.GetInt("base"), r.GetInt("amount"), r.GetString("status"),
				chain[level-1].Id, base, want)
		}
	}
}
