package withdrawal_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/hooks/accounts"
	"fenxiao/hooks/shop"
	"fenxiao/plugins/distribution"
	"fenxiao/tests"
)

// A distributor withdraws their settled commission for real (bank channel:
// request, approval, paid), then the line is refunded in full: the clawback
// leaves a debt, which blocks withdrawals and which the next commission
// repays at settlement. The ledger audits clean at every step.
func TestRefundAfterWithdrawalLeavesDebtRepaidByNextCommission(t *testing.T) {
	e := setup(t, map[string]any{"withdraw_min": 100, "withdraw_fee_bp": 0, "frozen_days": 0,
		"distributor_condition": "apply", "commission_l1_bp": 1000})
	// settlement looks an hour ahead of the orders' completion
	distribution.MustRegister(e.app, distribution.Config{Now: func() time.Time { return time.Now().Add(time.Hour) }})

	a, aTok := tests.User(t, e.app, "a@test.local", map[string]any{"is_distributor": true})
	a, _ = e.app.FindRecordById("users", a.Id)
	d, _ := tests.User(t, e.app, "d@test.local", nil)
	if err := accounts.BindUpline(e.app, d.Id, a.GetString("invite_code"), "link", "", "user:"+d.Id); err != nil {
		t.Fatal(err)
	}
	seq := 0
	// paidOrder writes a paid one-line order of d, fires OnOrderPaid, then
	// completes it (OnOrderCompleted) and settles.
	paidOrder := func(paid int64) (*core.Record, *core.Record) {
		t.Helper()
		seq++
		id, item := fmt.Sprintf("ordr%011d", seq), fmt.Sprintf("item%011d", seq)
		now := types.NowDateTime().String()
		for _, q := range []struct {
			sql    string
			params dbx.Params
		}{
			{"INSERT INTO products (id, title, status) VALUES ({:id}, 'p', 'on')", dbx.Params{"id": fmt.Sprintf("prod%011d", seq)}},
			{"INSERT INTO orders (id, order_no, buyer, status, payable, goods_amount, paid_at) VALUES ({:id}, {:no}, {:b}, 'paid', {:p}, {:p}, {:at})",
				dbx.Params{"id": id, "no": fmt.Sprintf("N%d", seq), "b": d.Id, "p": paid, "at": now}},
			{"INSERT INTO order_items (id, [[order]], buyer, product, sku, title, quantity, paid_amount, line_amount) VALUES ({:id}, {:o}, {:b}, {:p}, 'sku', 't', 1, {:paid}, {:paid})",
				dbx.Params{"id": item, "o": id, "b": d.Id, "p": fmt.Sprintf("prod%011d", seq), "paid": paid}},
			{"INSERT INTO payments (id, [[order]], provider, amount, status, transaction_id, paid_at) VALUES ({:id}, {:o}, 'sandbox', {:a}, 'paid', {:id}, {:at})",
				dbx.Params{"id": fmt.Sprintf("paym%011d", seq), "o": id, "a": paid, "at": now}},
		} {
			if _, err := e.app.DB().NewQuery(q.sql).Bind(q.params).Execute(); err != nil {
				t.Fatalf("%s: %v", q.sql, err)
			}
		}
		fire := func(h func(tx core.App, o *core.Record, items []*core.Record) error) {
			t.Helper()
			err := e.app.RunInTransaction(func(tx core.App) error {
				o, err := tx.FindRecordById("orders", id)
				if err != nil {
					return err
				}
				items, err := tx.FindRecordsByFilter("order_items", "order = {:o}", "", 0, 0, dbx.Params{"o": id})
				if err != nil {
					return err
				}
				return h(tx, o, items)
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		fire(func(tx core.App, o *core.Record, items []*core.Record) error {
			return e.shop.OnOrderPaid.Trigger(&shop.OrderEvent{App: tx, Order: shop.AsOrder(o), Items: shop.AsOrderItems(items)})
		})
		if _, err := e.app.DB().NewQuery("UPDATE orders SET status = 'completed', completed_at = {:at} WHERE id = {:id}").
			Bind(dbx.Params{"at": now, "id": id}).Execute(); err != nil {
			t.Fatal(err)
		}
		fire(func(tx core.App, o *core.Record, items []*core.Record) error {
			return e.shop.OnOrderCompleted.Trigger(&shop.OrderEvent{App: tx, Order: shop.AsOrder(o), Items: shop.AsOrderItems(items)})
		})
		if _, err := e.shop.RunJob(e.app, "commission_settle"); err != nil {
			t.Fatal(err)
		}
		o, _ := e.app.FindRecordById("orders", id)
		it, _ := e.app.FindRecordById("order_items", item)
		return o, it
	}

	o, item := paidOrder(10000)
	e.wantBalance(a.Id, 1000, 0) // 10% settled

	// a real withdrawal of all of it, paid by bank transfer
	res := e.request(aTok, map[string]any{"amount": 1000, "channel": "bank", "account": bankAccount})
	if res.Status != http.StatusOK {
		t.Fatalf("withdraw: %d %s", res.Status, res.Raw)
	}
	w := res.Body["id"].(string)
	e.wantBalance(a.Id, 0, 1000)
	if res := e.admin(w, "approve", nil); res.Status != http.StatusOK {
		t.Fatalf("approve: %d %s", res.Status, res.Raw)
	}
	if res := e.admin(w, "paid", nil); res.Status != http.StatusOK || res.Body["status"] != "paid" {
		t.Fatalf("paid: %d %s", res.Status, res.Raw)
	}
	e.wantBalance(a.Id, 0, 0)
	e.audit()

	// the line is refunded in full: the settled 1000 is clawed back as a debt
	const asId = "afts00000000001"
	if _, err := e.app.DB().NewQuery("INSERT INTO aftersales (id, [[order]], buyer, items, type, status) VALUES ({:id}, {:o}, {:b}, {:items}, 'refund', 'refunded')").
		Bind(dbx.Params{"id": asId, "o": o.Id, "b": d.Id, "items": `[{"order_item":"` + item.Id + `","quantity":1,"amount":10000}]`}).Execute(); err != nil {
		t.Fatal(err)
	}
	err := e.app.RunInTransaction(func(tx core.App) error {
		o, _ := tx.FindRecordById("orders", o.Id)
		as, err := tx.FindRecordById("aftersales", asId)
		if err != nil {
			return err
		}
		return e.shop.OnOrderRefunded.Trigger(&shop.RefundEvent{App: tx, Order: shop.AsOrder(o), Aftersale: as,
			Lines: []shop.RefundedLine{{OrderItemId: item.Id, Amount: 10000, Quantity: 1}}})
	})
	if err != nil {
		t.Fatal(err)
	}
	e.wantBalance(a.Id, -1000, 0)
	e.audit()

	// a debt blocks withdrawals
	if res := e.request(aTok, map[string]any{"amount": 100, "channel": "bank", "account": bankAccount}); res.Status != http.StatusConflict || res.Code() != "wallet_in_debt" {
		t.Fatalf("withdraw in debt: %d %s", res.Status, res.Raw)
	}

	// the next commission (3000) repays it at settlement
	paidOrder(30000)
	e.wantBalance(a.Id, 2000, 0)
	if res := e.request(aTok, map[string]any{"amount": 2000, "channel": "bank", "account": bankAccount}); res.Status != http.StatusOK {
		t.Fatalf("withdraw after repayment: %d %s", res.Status, res.Raw)
	}
	e.wantBalance(a.Id, 0, 2000)
	e.audit()
}
