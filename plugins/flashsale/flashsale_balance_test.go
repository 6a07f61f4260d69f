package flashsale_test

import (
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/hooks/wallet"
	"fenxiao/internal/ledger"
	"fenxiao/plugins/balancepay"
	"fenxiao/tests"
)

// TestFlashBuyPaidAtCheckout: a flash unit bought and paid by balance in one
// checkout. A balance short of the order gives back everything the
// checkout took (the flash units, the buyer's limit, the stock); one that
// covers it sells the unit paid.
func TestFlashBuyPaidAtCheckout(t *testing.T) {
	f := newFixture(t)
	balancepay.MustRegister(f.app, balancepay.Config{})
	_, item := f.session(nil, map[string]any{"per_user_limit": 2, "stock": 5})
	tokens, addrs := f.buyers(1, false)
	buyer, err := f.app.FindAuthRecordByEmail("users", "b0@test.local")
	if err != nil {
		t.Fatal(err)
	}
	err = f.app.RunInTransaction(func(tx core.App) error {
		_, err := wallet.Post(tx, wallet.Posting{UserId: buyer.Id, Kind: ledger.KindReward, Amount: 59900, RefType: "test", RefId: "flash", Actor: "system:test"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	stock := f.reload("skus", f.phone.Id).GetInt("stock")
	buy := func(qty int) map[string]any {
		res := f.c.Do("POST", "/api/shop/checkout", map[string]any{"address": addrs[0], "offer": item,
			"items": []map[string]any{{"sku": f.phone.Id, "quantity": qty}}, "pay": map[string]any{"method": "balance"}}, tokens[0])
		if qty == 2 {
			if res.Status != 409 || res.Code() != "insufficient_balance" {
				t.Fatalf("two units on one unit's balance: %d %s", res.Status, res.Raw)
			}
			return nil
		}
		if res.Status != 200 || res.Body["status"] != "paid" || num(res.Body["payable"]) != 59900 {
			t.Fatalf("one unit: %d %s", res.Status, res.Raw)
		}
		return res.Body
	}

	buy(2)
	if it := f.reload("flash_items", item); it.GetInt("sold") != 0 || it.GetInt("stock") != 5 {
		t.Fatalf("after a refused checkout: sold %d, stock %d", it.GetInt("sold"), it.GetInt("stock"))
	}
	if n, _ := f.app.CountRecords("orders"); n != 0 {
		t.Fatalf("a refused checkout left %d orders", n)
	}
	order := buy(1)
	if it := f.reload("flash_items", item); it.GetInt("sold") != 1 {
		t.Fatalf("after the paid unit: sold %d", it.GetInt("sold"))
	}
	if s := f.reload("skus", f.phone.Id).GetInt("stock"); s != stock {
		t.Fatalf("the normal stock moved: %d, was %d", s, stock)
	}
	if a, _, err := shop.WalletBalance(f.app, buyer.Id); err != nil || a != 0 {
		t.Fatalf("balance %d after paying it all (%v)", a, err)
	}
	if o := f.reload("orders", order["id"].(string)); o.GetString("pay_method") != "balance" || o.GetString("offer_kind") != "flash" {
		t.Fatalf("order paid by %q, offer %q", o.GetString("pay_method"), o.GetString("offer_kind"))
	}
	tests.MustAudit(t, f.app)
}
