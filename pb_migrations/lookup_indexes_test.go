package pb_migrations_test

import (
	"strings"
	"testing"

	"github.com/pocketbase/dbx"

	"fenxiao/tests"
)

func TestMain(m *testing.M) { tests.Main(m) }

// TestLookupsSearchAnIndex asks SQLite how it runs the hot lookups with a
// bound value, as the record finders and API filters send them: each must
// search an index, never scan the table.
func TestLookupsSearchAnIndex(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	for _, q := range []string{
		"SELECT * FROM users WHERE invite_code = {:v}",
		"SELECT * FROM users WHERE phone = {:v}",
		"SELECT * FROM users WHERE wx_openid = {:v}",
		"SELECT * FROM payments WHERE provider = {:v} AND transaction_id = {:v} AND transaction_id != ''",
		"SELECT * FROM skus WHERE code = {:v}",
		"SELECT COUNT(*) FROM share_conversions WHERE [[order]] = {:v} AND kind = {:v}",
		"SELECT COUNT(*) FROM share_conversions WHERE link = {:v} AND user = {:v} AND NOT (kind = {:v})",
		"SELECT * FROM wallet_entries WHERE ref_type = {:v} AND ref_id = {:v} AND kind = {:v} AND wallet = {:v}",
	} {
		var plan []struct {
			Detail string `db:"detail"`
		}
		if err := app.DB().NewQuery("EXPLAIN QUERY PLAN " + q).Bind(dbx.Params{"v": "x"}).All(&plan); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if len(plan) == 0 || !strings.Contains(plan[0].Detail, "USING") || strings.HasPrefix(plan[0].Detail, "SCAN") {
			t.Errorf("%s: plan %v, want an index search", q, plan)
		}
	}
}

// TestOrderJobsSearchPartialIndexes: the order jobs and the rankings, as
// they query, search the partial indexes that hold only the orders they
// look for (and which checkout and payment leave alone where they can).
func TestOrderJobsSearchPartialIndexes(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	for q, index := range map[string]string{
		"SELECT * FROM `orders` WHERE `status` = 'pending_payment' AND `expires_at` != '' AND `expires_at` < ? ORDER BY `expires_at` LIMIT 500": "idx_orders_pending_expires",
		"SELECT * FROM `orders` WHERE `status` = 'pending_payment' AND `pay_method` != '' AND `pay_started_at` != '' AND `pay_started_at` < ? " +
			"ORDER BY `pay_started_at` LIMIT 500": "idx_orders_pending_expires",
		"SELECT * FROM `orders` WHERE `status` = 'shipped' AND `shipped_at` != '' AND `shipped_at` < ? ORDER BY `shipped_at` LIMIT 500": "idx_orders_shipped_at",
		"SELECT i.product FROM orders o JOIN order_items i ON i.[order] = o.id WHERE o.paid_at >= ? AND o.paid_at != ''":                "idx_orders_paid_payable",
	} {
		var plan []struct {
			Detail string `db:"detail"`
		}
		if err := app.DB().NewQuery("EXPLAIN QUERY PLAN " + strings.ReplaceAll(q, "?", "'2026-01-01'")).All(&plan); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		found := false
		for _, p := range plan {
			found = found || strings.Contains(p.Detail, index)
		}
		if !found {
			t.Errorf("%s: plan %v, want a search of %s", q, plan, index)
		}
	}
}
