package pb_migrations_test

import (
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/tests"
)

// TestDashboardReadable checks what a merchant sees in the dashboard:
// relations present names, money and statuses explain themselves, and the
// joined views show an order's lines and buyer, a commission's order number.
func TestDashboardReadable(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	field := func(collection, name string) core.Field {
		c, err := app.FindCollectionByNameOrId(collection)
		if err != nil {
			t.Fatal(err)
		}
		f := c.Fields.GetByName(name)
		if f == nil {
			t.Fatalf("%s.%s missing", collection, name)
		}
		return f
	}
	if !field("users", "nickname").(*core.TextField).Presentable || !field("orders", "order_no").(*core.TextField).Presentable {
		t.Fatal("users.nickname and orders.order_no should be presentable")
	}
	for _, c := range []struct{ collection, name, want string }{
		{"orders", "payable", "单位：分"},
		{"withdrawals", "payout", "单位：分"},
		{"shop_settings", "commission_l1_bp", "基点"},
		{"orders", "status", "pending_payment 待付款"},
		{"withdrawals", "status", "approved 已通过"},
		{"commissions", "status", "frozen 冻结中"},
	} {
		var help string
		switch f := field(c.collection, c.name).(type) {
		case *core.NumberField:
			help = f.Help
		case *core.SelectField:
			help = f.Help
		}
		if !strings.Contains(help, c.want) {
			t.Errorf("%s.%s help %q, want it to mention %q", c.collection, c.name, help, c.want)
		}
	}

	buyer, _ := tests.User(t, app, "buyer@test.local", map[string]any{"nickname": "买家甲"})
	// fixture rows written straight into the tables (a paid order without
	// its payment): the audit at cleanup is off
	tests.SkipAudit(t)
	q := func(sql string, params dbx.Params) {
		if _, err := app.DB().NewQuery(sql).Bind(params).Execute(); err != nil {
			t.Fatal(err)
		}
	}
	q("INSERT INTO orders (id, order_no, buyer, status, payable) VALUES ('ordaaaaaaaaaaa', 'N100', {:b}, 'paid', 1200)", dbx.Params{"b": buyer.Id})
	q("INSERT INTO order_items (id, [order], buyer, product, sku, title, spec_text, quantity) VALUES ('itmaaaaaaaaaaa', 'ordaaaaaaaaaaa', {:b}, 'p', 's', '龙井茶', '250g', 2)", dbx.Params{"b": buyer.Id})
	q("INSERT INTO commissions (id, [order], order_item, buyer, beneficiary, level, amount, status, day, rule_kind, source) "+
		"VALUES ('comaaaaaaaaaaa', 'ordaaaaaaaaaaa', 'itmaaaaaaaaaaa', {:b}, {:b}, 1, 120, 'frozen', '2026-03-10', 'rate', 'settings')", dbx.Params{"b": buyer.Id})

	o, err := app.FindRecordById("order_overview", "ordaaaaaaaaaaa")
	if err != nil {
		t.Fatal(err)
	}
	if o.GetString("order_no") != "N100" || o.GetString("buyer_name") != "买家甲" || o.GetString("lines") != "龙井茶 250g ×2" {
		t.Fatalf("order_overview: %v", o.FieldsData())
	}
	c, err := app.FindRecordById("commission_overview", "comaaaaaaaaaaa")
	if err != nil {
		t.Fatal(err)
	}
	if c.GetString("order_no") != "N100" || c.GetString("beneficiary_name") != "买家甲" || c.GetInt("amount") != 120 {
		t.Fatalf("commission_overview: %v", c.FieldsData())
	}
}
