package distribution_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"fenxiao/hooks/shop"
	"fenxiao/hooks/wallet"
	"fenxiao/plugins/distribution"
	"fenxiao/tests"
)

// newEnvWith is newEnv with the given plugin config (Post and Now are set).
func newEnvWith(t testing.TB, config distribution.Config) *env {
	app, s := tests.NewShopApp(t)
	e := &env{t: t, app: app, shop: s, now: time.Date(2026, 11, 25, 10, 0, 0, 0, shop.ShopTimeZone)}
	config.Post, config.PostMany = wallet.Post, wallet.PostMany
	config.Now = func() time.Time { return e.now }
	distribution.MustRegister(app, config)
	e.settings(map[string]any{"distributor_condition": "apply"})
	return e
}

// TestSettleInBatches settles in several rowid batches: every due
// commission once, the held-back ones never, one entry per wallet and
// batch, totals and ledgers consistent (audit), and a rerun changes nothing.
func TestSettleInBatches(t *testing.T) {
	e := newEnvWith(t, distribution.Config{SettleBatchSize: 2})
	e.settings(map[string]any{"frozen_days": 0})
	a, _ := e.user("A", true, nil)
	b, _ := e.user("B", true, a)
	c, _ := e.user("C", true, b)
	d, _ := e.user("D", false, c)
	product := e.product("", 0, 0, 0)

	// 4 orders of 10000: C earns 1000, B 500, A 200 on each (settings rates)
	orders := make([]string, 0, 4)
	for range 4 {
		o, _ := e.order(d, line{product: product, qty: 1, paid: 10000})
		e.complete(o)
		orders = append(orders, o.Id)
	}
	// the 5th is refunded in full before settlement, the 6th has an open after-sale
	refunded, refundedItems := e.order(d, line{product: product, qty: 1, paid: 10000})
	e.complete(refunded)
	as := e.aftersale(refunded, refundedItems[0], "refunded")
	e.refund(refunded, as, shop.RefundedLine{OrderItemId: refundedItems[0].Id, Amount: 10000})
	held, heldItems := e.order(d, line{product: product, qty: 1, paid: 10000})
	e.complete(held)
	e.aftersale(held, heldItems[0], "applied")

	e.now = e.now.Add(time.Hour)
	e.runJob("commission_settle")
	expectBalance(t, "C", e.balance(c), 4000, 1000)
	expectBalance(t, "B", e.balance(b), 2000, 500)
	expectBalance(t, "A", e.balance(a), 800, 200)
	for _, o := range orders {
		for k, v := range e.commissions(o) {
			if v[len(v)-len("settled settings"):] != "settled settings" {
				t.Fatalf("order %s %s: %s", o, k, v)
			}
		}
	}
	for k, v := range e.commissions(refunded.Id) {
		if v != "1000-1000 cancelled settings" && v != "500-500 cancelled settings" && v != "200-200 cancelled settings" {
			t.Fatalf("refunded %s: %s", k, v)
		}
	}
	for k, v := range e.commissions(held.Id) {
		if v[len(v)-len("frozen settings"):] != "frozen settings" {
			t.Fatalf("held %s: %s", k, v)
		}
	}
	// batches of 2 frozen rows: more than one settlement entry per wallet,
	// each a single entry per wallet and batch
	var perBatch []struct {
		N int `db:"n"`
	}
	if err := e.app.DB().NewQuery(`SELECT COUNT(*) AS n FROM wallet_entries WHERE kind = 'commission_settled'
		GROUP BY ref_id, wallet HAVING n > 1`).All(&perBatch); err != nil || len(perBatch) != 0 {
		t.Fatalf("several entries per wallet and batch: %v %v", perBatch, err)
	}
	entries, _ := e.app.CountRecords("wallet_entries", dbx.HashExp{"kind": "commission_settled"})
	if entries < 4 {
		t.Fatalf("%d commission_settled entries, want several batches", entries)
	}
	var totals struct {
		Frozen  int64 `db:"frozen"`
		Settled int64 `db:"settled"`
	}
	if err := e.app.DB().NewQuery("SELECT frozen, settled FROM commission_totals WHERE user = {:u} AND period = 'all'").
		Bind(dbx.Params{"u": c.Id}).One(&totals); err != nil || totals.Frozen != 1000 || totals.Settled != 4000 {
		t.Fatalf("C's totals %+v %v", totals, err)
	}
	e.audit()

	// a rerun settles nothing and books nothing
	if got := e.runJob("commission_settle"); !strings.HasPrefix(got, "settled 0 commissions (0 fen) in 0 wallet entries,") {
		t.Fatalf("rerun: %q", got)
	}
	if n, _ := e.app.CountRecords("wallet_entries", dbx.HashExp{"kind": "commission_settled"}); n != entries {
		t.Fatalf("rerun booked %d entries", n-entries)
	}

	// the held line settles once its after-sale is closed
	e.exec("UPDATE aftersales SET status = 'rejected' WHERE [[order]] = {:o}", dbx.Params{"o": held.Id})
	e.runJob("commission_settle")
	expectBalance(t, "C", e.balance(c), 5000, 0)
	expectBalance(t, "A", e.balance(a), 1000, 0)
	e.audit()
}
