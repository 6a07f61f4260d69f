package distribution_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"fenxiao/hooks/shop"
	"fenxiao/tests"
)

// Partial refunds of a line whose commission was already settled claw back
// exactly the pro-rata difference, each as a negative ledger entry.
func TestPartialRefundAfterSettlementClawsBackProRata(t *testing.T) {
	modes(t, testPartialRefundAfterSettlementClawsBackProRata)
}

func testPartialRefundAfterSettlementClawsBackProRata(t *testing.T, e *env) {
	e.settings(map[string]any{"frozen_days": 0})
	a, _ := e.user("A", true, nil)
	b, _ := e.user("B", true, a)
	d, _ := e.user("D", false, b)
	plain := e.product("", 0, 0, 0)

	o, items := e.order(d, line{product: plain, qty: 3, paid: 10000})
	e.complete(o)
	e.now = e.now.Add(time.Hour)
	e.runJob("commission_settle")
	want := map[string]string{
		"000/B/1": "1000-0 settled settings", // 10000 × 10%
		"000/A/2": "500-0 settled settings",  // 10000 × 5%
	}
	expectMap(t, "settled", e.commissions(o.Id), want)
	expectBalance(t, "B", e.balance(b), 1000, 0)
	expectBalance(t, "A", e.balance(a), 500, 0)

	// 2500 of 10000 back: 7500 remain → B 750, A 375
	as1 := e.aftersale(o, items[0], "refunded")
	e.refund(o, as1, shop.RefundedLine{OrderItemId: items[0].Id, Amount: 2500})
	want["000/B/1"] = "1000-250 settled settings"
	want["000/A/2"] = "500-125 settled settings"
	expectMap(t, "first refund", e.commissions(o.Id), want)
	expectBalance(t, "B", e.balance(b), 750, 0)
	expectBalance(t, "A", e.balance(a), 375, 0)

	// 3333 more, with one unit returned: 4167 remain → B floor(416.7) = 416,
	// A floor(208.35) = 208; only the difference is booked
	as2 := e.aftersale(o, items[0], "refunded")
	e.refund(o, as2, shop.RefundedLine{OrderItemId: items[0].Id, Amount: 3333, Quantity: 1})
	want["000/B/1"] = "1000-584 settled settings"
	want["000/A/2"] = "500-292 settled settings"
	expectMap(t, "second refund", e.commissions(o.Id), want)
	expectBalance(t, "B", e.balance(b), 416, 0)
	expectBalance(t, "A", e.balance(a), 208, 0)

	var rows []struct {
		Amount int64 `db:"amount"`
	}
	err := e.app.DB().NewQuery("SELECT amount FROM wallet_entries WHERE kind = 'clawback' AND [[user]] = {:u} ORDER BY created, id").
		Bind(dbx.Params{"u": b.Id}).All(&rows)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Amount+rows[1].Amount != -584 {
		t.Fatalf("B's clawback entries %v, want two adding up to -584", rows)
	}
	e.audit()
}

// Self-purchase mode: a distributor's own order earns level 1 for
// themselves, and their uplines move one level up the chain; without it the
// same order earns only the uplines.
func TestSelfPurchase(t *testing.T) {
	modes(t, testSelfPurchase)
}

func testSelfPurchase(t *testing.T, e *env) {
	a, _ := e.user("A", true, nil)
	b, _ := e.user("B", true, a)
	c, _ := e.user("C", true, b)
	plain := e.product("", 0, 0, 0)

	o, _ := e.order(c, line{product: plain, qty: 1, paid: 10000})
	expectMap(t, "without self-purchase", e.commissions(o.Id), map[string]string{
		"000/B/1": "1000-0 frozen settings",
		"000/A/2": "500-0 frozen settings",
	})

	e.settings(map[string]any{"self_purchase": true})
	o2, _ := e.order(c, line{product: plain, qty: 1, paid: 10000})
	expectMap(t, "self-purchase", e.commissions(o2.Id), map[string]string{
		"000/C/1": "1000-0 frozen settings", // the buyer themselves
		"000/B/2": "500-0 frozen settings",
		"000/A/3": "200-0 frozen settings",
	})
	expectBalance(t, "C", e.balance(c), 0, 1000)

	// a non-distributor buyer is not paid for their own order
	d, _ := e.user("D", false, c)
	o3, _ := e.order(d, line{product: plain, qty: 1, paid: 10000})
	expectMap(t, "non-distributor buyer", e.commissions(o3.Id), map[string]string{
		"000/C/1": "1000-0 frozen settings",
		"000/B/2": "500-0 frozen settings",
		"000/A/3": "200-0 frozen settings",
	})
	e.audit()
}

// Saving shop settings whose three levels add up above
// commission_max_total_bp is refused with a clear error code, through the
// dashboard API and from Go; within the maximum it is saved.
func TestSettingsRatesMaxSum(t *testing.T) {
	e := newEnv(t)
	_, suToken := tests.Superuser(t, e.app)
	client := tests.NewClient(t, e.app)
	url := "/api/collections/" + shop.SettingsCollection + "/records/" + shop.SettingsId

	// default maximum 30%: 20% + 8% + 3% = 31%
	res := client.Do(http.MethodPatch, url, map[string]any{"commission_l1_bp": 2000, "commission_l2_bp": 800, "commission_l3_bp": 300}, suToken)
	if res.Status != http.StatusBadRequest || res.Code() != "commission_rates_exceed_max" {
		t.Fatalf("rates above the maximum: %d %s", res.Status, res.Raw)
	}
	// lowering the maximum under the current rates (10% + 5% + 2%) is refused too
	res = client.Do(http.MethodPatch, url, map[string]any{"commission_max_total_bp": 1600}, suToken)
	if res.Status != http.StatusBadRequest || res.Code() != "commission_rates_exceed_max" {
		t.Fatalf("maximum below the rates: %d %s", res.Status, res.Raw)
	}
	r, err := e.app.FindRecordById(shop.SettingsCollection, shop.SettingsId)
	if err != nil {
		t.Fatal(err)
	}
	r.Set("commission_l1_bp", 2500)
	if err := e.app.Save(r); err == nil {
		t.Fatal("Go save of rates adding up to 32% succeeded")
	}
	s, err := shop.LoadSettings(e.app)
	if err != nil {
		t.Fatal(err)
	}
	if s.CommissionRates != [3]int64{1000, 500, 200} || s.CommissionMaxTotal != 3000 {
		t.Fatalf("settings changed: %v max %d", s.CommissionRates, s.CommissionMaxTotal)
	}

	// exactly at the maximum is fine
	res = client.Do(http.MethodPatch, url, map[string]any{"commission_l1_bp": 2000, "commission_l2_bp": 700, "commission_l3_bp": 300}, suToken)
	if res.Status != http.StatusOK {
		t.Fatalf("rates at the maximum: %d %s", res.Status, res.Raw)
	}
}
