package withdrawal_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/accounts"
	"fenxiao/hooks/shop"
	"fenxiao/plugins/distribution"
	"fenxiao/plugins/sandboxpay"
	"fenxiao/plugins/wechatpay"
	"fenxiao/plugins/wechatpay/wxpayfake"
	"fenxiao/plugins/withdrawal"
	"fenxiao/tests"
)

// Through the collection API a user reads only their own withdrawals,
// withdrawal events, wallet, ledger entries and commissions: not by list,
// not by id, not by a filter naming someone else, and not as the buyer
// whose order earned the commission. Nobody writes them there.
func TestUsersReadOnlyTheirOwnMoney(t *testing.T) {
	e := setupWith(t, map[string]any{"withdraw_min": 100, "distributor_condition": "apply"}, func(app core.App) {
		distribution.MustRegister(app, distribution.Config{})
		sandboxpay.MustRegister(app, sandboxpay.Config{})
	})
	c := e.c

	alice, aliceTok := tests.User(t, e.app, "alice@test.local", map[string]any{"is_distributor": true, "wx_openid": "oAlice"})
	alice, _ = e.app.FindRecordById("users", alice.Id)
	bob, bobTok := tests.User(t, e.app, "bob@test.local", nil)
	if err := accounts.BindUpline(e.app, bob.Id, alice.GetString("invite_code"), "link", "", "user:"+bob.Id); err != nil {
		t.Fatal(err)
	}
	mallory, malloryTok := tests.User(t, e.app, "mallory@test.local", map[string]any{"is_distributor": true, "wx_openid": "oMallory"})
	e.post(alice.Id, "reward", 5000, "seed-alice")
	e.post(mallory.Id, "reward", 300, "seed-mallory")

	// bob buys: alice earns a commission
	addr := tests.Save(t, e.app, "addresses", map[string]any{"user": bob.Id, "name": "李四", "phone": "13900000000",
		"province": "浙江省", "detail": "西湖区2号", "is_default": true})
	p := tests.Save(t, e.app, "products", map[string]any{"title": "茶叶", "status": "on"})
	sku := tests.Save(t, e.app, "skus", map[string]any{"product": p.Id, "price": 8000, "stock": 5})
	res := c.Do(http.MethodPost, "/api/shop/checkout", map[string]any{"address": addr.Id, "items": []map[string]any{{"sku": sku.Id, "quantity": 1}}}, bobTok)
	if res.Status != 200 {
		t.Fatalf("checkout: %d %s", res.Status, res.Raw)
	}
	if pay := c.Do(http.MethodPost, "/api/shop/orders/"+res.Body["id"].(string)+"/pay", map[string]any{"method": "sandbox"}, bobTok); pay.Status != 200 {
		t.Fatalf("pay: %d %s", pay.Status, pay.Raw)
	}

	// alice and mallory each ask for a withdrawal
	for _, tok := range []string{aliceTok, malloryTok} {
		if r := c.Do(http.MethodPost, "/api/shop/withdrawals", map[string]any{"amount": 200, "channel": "wechat"}, tok); r.Status != 200 {
			t.Fatalf("withdrawal request: %d %s", r.Status, r.Raw)
		}
	}

	// owner of each row, per collection
	owners := []struct {
		collection, field string
	}{
		{withdrawal.WithdrawalsCollection, "user"},
		{withdrawal.EventsCollection, "withdrawal.user"},
		{"wallets", "user"},
		{"wallet_entries", "user"},
		{"commissions", "beneficiary"},
	}
	ownerOf := func(collection, field, id string) string {
		t.Helper()
		r, err := e.app.FindRecordById(collection, id)
		if err != nil {
			t.Fatal(err)
		}
		if field == "withdrawal.user" {
			w, err := e.app.FindRecordById(withdrawal.WithdrawalsCollection, r.GetString("withdrawal"))
			if err != nil {
				t.Fatal(err)
			}
			return w.GetString("user")
		}
		return r.GetString(field)
	}
	rowsOf := func(collection, field, userId string) []*core.Record {
		t.Helper()
		var list []*core.Record
		var err error
		if field == "withdrawal.user" {
			list, err = e.app.FindRecordsByFilter(collection, "withdrawal.user = {:u}", "", 0, 0, dbx.Params{"u": userId})
		} else {
			list, err = e.app.FindRecordsByFilter(collection, field+" = {:u}", "", 0, 0, dbx.Params{"u": userId})
		}
		if err != nil {
			t.Fatal(err)
		}
		return list
	}

	users := []struct {
		name  string
		rec   *core.Record
		token string
	}{{"alice", alice, aliceTok}, {"bob", bob, bobTok}, {"mallory", mallory, malloryTok}}

	for _, o := range owners {
		aliceRows := rowsOf(o.collection, o.field, alice.Id)
		if len(aliceRows) == 0 {
			t.Fatalf("alice has no %s rows to protect", o.collection)
		}
		base := "/api/collections/" + o.collection + "/records"

		for _, u := range users {
			// the list holds exactly the user's own rows
			list := c.Do(http.MethodGet, base+"?perPage=500", nil, u.token)
			if list.Status != 200 {
				t.Fatalf("%s lists %s: %d %s", u.name, o.collection, list.Status, list.Raw)
			}
			items, _ := list.Body["items"].([]any)
			own := rowsOf(o.collection, o.field, u.rec.Id)
			if len(items) != len(own) {
				t.Errorf("%s lists %d %s, owns %d", u.name, len(items), o.collection, len(own))
			}
			for _, it := range items {
				id := it.(map[string]any)["id"].(string)
				if owner := ownerOf(o.collection, o.field, id); owner != u.rec.Id {
					t.Errorf("%s lists %s %s of %s", u.name, o.collection, id, owner)
				}
			}
			if u.rec.Id == alice.Id {
				continue
			}

			// someone else's rows: not by id, not by filter
			for _, r := range aliceRows {
				if v := c.Do(http.MethodGet, base+"/"+r.Id, nil, u.token); v.Status != 404 {
					t.Errorf("%s views alice's %s %s: %d %s", u.name, o.collection, r.Id, v.Status, v.Raw)
				}
			}
			filter := url.QueryEscape("id = '" + aliceRows[0].Id + "'")
			if f := c.Do(http.MethodGet, base+"?filter="+filter, nil, u.token); f.Status != 200 || f.Body["totalItems"].(float64) != 0 {
				t.Errorf("%s filters alice's %s: %d %s", u.name, o.collection, f.Status, f.Raw)
			}

			// and no writes
			if r := c.Do(http.MethodPatch, base+"/"+aliceRows[0].Id, map[string]any{"note": "x", "amount": 1}, u.token); r.Status < 400 {
				t.Errorf("%s edits alice's %s: %d %s", u.name, o.collection, r.Status, r.Raw)
			}
			if r := c.Do(http.MethodDelete, base+"/"+aliceRows[0].Id, nil, u.token); r.Status < 400 {
				t.Errorf("%s deletes alice's %s: %d %s", u.name, o.collection, r.Status, r.Raw)
			}
		}

		// anonymous: nothing
		if list := c.Do(http.MethodGet, base, nil, ""); list.Status != 200 || list.Body["totalItems"].(float64) != 0 {
			t.Errorf("anonymous lists %s: %d %s", o.collection, list.Status, list.Raw)
		}
		if v := c.Do(http.MethodGet, base+"/"+aliceRows[0].Id, nil, ""); v.Status != 404 {
			t.Errorf("anonymous views %s: %d %s", o.collection, v.Status, v.Raw)
		}
	}

	// the buyer's order earned alice's commission, but the buyer does not see it
	if n, _ := e.app.CountRecords("commissions", dbx.HashExp{"buyer": bob.Id, "beneficiary": alice.Id}); n != 1 {
		t.Fatalf("%d commissions of alice on bob's order", n)
	}
	filter := url.QueryEscape("buyer = '" + bob.Id + "'")
	if f := c.Do(http.MethodGet, "/api/collections/commissions/records?filter="+filter, nil, bobTok); f.Status != 200 || f.Body["totalItems"].(float64) != 0 {
		t.Fatalf("bob filters commissions on his orders: %d %s", f.Status, f.Raw)
	}

	// mallory cannot book herself money through the API either
	w, _ := e.app.FindFirstRecordByData("wallets", "user", mallory.Id)
	if r := c.Do(http.MethodPost, "/api/collections/wallet_entries/records", map[string]any{
		"wallet": w.Id, "user": mallory.Id, "seq": 99, "kind": "reward", "amount": 100000, "balance_after": 100000,
		"ref_type": "x", "ref_id": "x", "actor": "user:" + mallory.Id, "hash": "x"}, malloryTok); r.Status < 400 {
		t.Fatalf("a user created a ledger entry: %d %s", r.Status, r.Raw)
	}
	if r := c.Do(http.MethodPatch, "/api/collections/wallets/records/"+w.Id, map[string]any{"available": 100000}, malloryTok); r.Status < 400 {
		t.Fatalf("a user edited their wallet: %d %s", r.Status, r.Raw)
	}
	e.audit()
}

// setupWith builds the test app with the WeChat Pay fake and the withdrawal
// plugin, then register's plugins (nil: none) before the client is built
// (the serve event, which binds the routes, can fire only once).
func setupWith(t *testing.T, settings map[string]any, register func(app core.App)) *env {
	t.Helper()
	app, s := tests.NewShopApp(t)
	fake, err := wxpayfake.New(wxpayfake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	cfg := fake.PluginConfig()
	cfg.Timeout = 700 * time.Millisecond
	wechatpay.MustRegister(app, cfg)
	withdrawal.MustRegister(app, withdrawal.Config{TransferTimeout: 700 * time.Millisecond})
	if register != nil {
		register(app)
	}

	if len(settings) > 0 {
		r, err := app.FindRecordById(shop.SettingsCollection, shop.SettingsId)
		if err != nil {
			t.Fatal(err)
		}
		r.Load(settings)
		if err := app.Save(r); err != nil {
			t.Fatal(err)
		}
	}
	su, suTok := tests.Superuser(t, app)
	return &env{t: t, app: app, shop: s, fake: fake, c: tests.NewClient(t, app), su: su, suTok: suTok}
}
