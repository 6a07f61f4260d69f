package backoffice

import (
	"net/http"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/tests"
)

// seedShop fills a shop whose figures are known to the fen: "today" is
// 2026-03-10 in Shanghai (the clock is set to 12:00 that day).
func seedShop(t *testing.T, app core.App) (buyer, dist *core.Record) {
	t.Helper()
	buyer, _ = tests.User(t, app, "buyer@test.local", map[string]any{"nickname": "买家甲", "phone": "13900000001"})
	dist, _ = tests.User(t, app, "dist@test.local", map[string]any{"nickname": "分销乙", "phone": "13900000002"})
	other, _ := tests.User(t, app, "other@test.local", map[string]any{"nickname": "丙"})
	sqlExec(t, app, "UPDATE users SET created = {:c} WHERE id = {:id}", dbx.Params{"c": shanghai("2026-01-01 10:00"), "id": buyer.Id})
	sqlExec(t, app, "UPDATE users SET created = {:c}, distributor_since = {:d}, is_distributor = TRUE WHERE id = {:id}",
		dbx.Params{"c": shanghai("2026-03-10 08:00"), "d": shanghai("2026-03-10 09:00"), "id": dist.Id})
	sqlExec(t, app, "UPDATE users SET created = {:c} WHERE id = {:id}", dbx.Params{"c": shanghai("2026-03-06 20:00"), "id": other.Id})

	// today: 10000 (to ship) + 5001 (shipped), one minute before midnight
	// yesterday, six days ago (in the 7 days), seven days ago (out)
	order(t, app, "o1aaaaaaaaaaaaa", "N1", buyer.Id, "paid", 10000, shanghai("2026-03-10 01:00"), shanghai("2026-03-10 00:55"), nil)
	order(t, app, "o2aaaaaaaaaaaaa", "N2", buyer.Id, "shipped", 5001, shanghai("2026-03-10 11:00"), shanghai("2026-03-10 10:59"), nil)
	order(t, app, "o3aaaaaaaaaaaaa", "N3", buyer.Id, "completed", 2000, shanghai("2026-03-09 23:59"), shanghai("2026-03-09 23:50"), nil)
	order(t, app, "o4aaaaaaaaaaaaa", "N4", buyer.Id, "completed", 3000, shanghai("2026-03-04 00:00"), shanghai("2026-03-03 23:58"), nil)
	order(t, app, "o5aaaaaaaaaaaaa", "N5", buyer.Id, "completed", 7000, shanghai("2026-03-03 23:59"), shanghai("2026-03-03 23:00"), nil)
	order(t, app, "o6aaaaaaaaaaaaa", "N6", buyer.Id, "pending_payment", 999, "", shanghai("2026-03-10 11:30"), map[string]any{"method": "offline"})

	refund := func(id, no, status string, amount int64, at string) {
		sqlExec(t, app, "INSERT INTO refunds (id, [order], provider, refund_no, amount, status, refunded_at, created, updated) "+
			"VALUES ({:id}, 'o3aaaaaaaaaaaaa', 'sandbox', {:no}, {:amount}, {:status}, {:at}, {:at}, {:at})",
			dbx.Params{"id": id, "no": no, "amount": amount, "status": status, "at": at})
	}
	refund("r1aaaaaaaaaaaaa", "R1", "success", 500, shanghai("2026-03-10 09:00"))
	refund("r2aaaaaaaaaaaaa", "R2", "processing", 700, shanghai("2026-03-10 09:30"))
	refund("r3aaaaaaaaaaaaa", "R3", "success", 300, shanghai("2026-03-05 12:00"))

	withdrawal := func(id, status string, amount, payout int64) {
		sqlExec(t, app, "INSERT INTO withdrawals (id, user, amount, fee, payout, channel, account, account_number, status, day, created, updated) "+
			"VALUES ({:id}, {:user}, {:amount}, {:fee}, {:payout}, 'bank', '{\"name\":\"分销乙\",\"bank\":\"招商银行\",\"number\":\"****1234\"}', '6225880012341234', {:status}, '2026-03-10', {:at}, {:at})",
			dbx.Params{"id": id, "user": dist.Id, "amount": amount, "fee": amount - payout, "payout": payout, "status": status, "at": shanghai("2026-03-10 10:00")})
	}
	withdrawal("w1aaaaaaaaaaaaa", "pending", 1000, 1000)
	withdrawal("w2aaaaaaaaaaaaa", "approved", 2000, 1990)
	withdrawal("w3aaaaaaaaaaaaa", "paid", 3000, 3000)

	sqlExec(t, app, "INSERT INTO commission_totals (id, user, period, frozen, settled) VALUES ('ctaaaaaaaaaaaaa', {:u}, 'all', 111, 222), ('ctbbbbbbbbbbbbb', {:u}, '2026-03-10', 111, 0)",
		dbx.Params{"u": dist.Id})
	sqlExec(t, app, "INSERT INTO wallets (id, user, available) VALUES ('waaaaaaaaaaaaaa', {:u}, 333), ('wbbbbbbbbbbbbbb', {:b}, -5)",
		dbx.Params{"u": dist.Id, "b": buyer.Id})
	sqlExec(t, app, "INSERT INTO aftersales (id, [order], buyer, items, type, status, amount_requested, reason, created, updated) "+
		"VALUES ('asaaaaaaaaaaaaa', 'o3aaaaaaaaaaaaa', {:b}, '[]', 'refund', 'applied', 2000, '不想要了', {:at}, {:at})",
		dbx.Params{"b": buyer.Id, "at": shanghai("2026-03-10 09:10")})
	return buyer, dist
}

func TestSummaryFigures(t *testing.T) {
	setClock(t, "2026-03-10 12:00")
	app, client := newApp(t)
	seedShop(t, app)
	_, token := tests.Superuser(t, app)

	res := client.Do(http.MethodGet, "/api/shop/admin/reports/summary?days=7", nil, token)
	mustStatus(t, res, http.StatusOK)
	want := map[string]float64{
		"days": 7, "commission_frozen": 111, "commission_payable": 333, "commission_paid": 3000,
		"withdrawals_waiting": 2, "withdrawals_waiting_amount": 3000, "to_ship": 1, "aftersales_open": 1, "offline_waiting": 1,
	}
	for k, v := range want {
		if res.Body[k] != v {
			t.Errorf("%s = %v, want %v", k, res.Body[k], v)
		}
	}
	check := func(period string, want map[string]float64) {
		got := res.Body[period].(map[string]any)
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s.%s = %v, want %v", period, k, got[k], v)
			}
		}
	}
	check("today", map[string]float64{"gmv": 15001, "paid_orders": 2, "avg_order": 7500, "refunds": 500, "refund_count": 1, "new_users": 1, "new_distributors": 1})
	check("period", map[string]float64{"gmv": 20001, "paid_orders": 4, "avg_order": 5000, "refunds": 800, "refund_count": 2, "new_users": 2, "new_distributors": 1})
}

func TestSeriesByShanghaiDay(t *testing.T) {
	setClock(t, "2026-03-10 12:00")
	app, client := newApp(t)
	seedShop(t, app)
	_, token := tests.Superuser(t, app)

	res := client.Do(http.MethodGet, "/api/shop/admin/reports/series?days=7", nil, token)
	mustStatus(t, res, http.StatusOK)
	days := res.Body["days"].([]any)
	if len(days) != 7 {
		t.Fatalf("%d days, want 7", len(days))
	}
	want := map[string][4]float64{ // gmv, paid orders, refunds, new users
		"2026-03-04": {3000, 1, 0, 0},
		"2026-03-05": {0, 0, 300, 0},
		"2026-03-06": {0, 0, 0, 1},
		"2026-03-07": {0, 0, 0, 0},
		"2026-03-08": {0, 0, 0, 0},
		"2026-03-09": {2000, 1, 0, 0},
		"2026-03-10": {15001, 2, 500, 1},
	}
	for i, d := range days {
		m := d.(map[string]any)
		w, ok := want[m["day"].(string)]
		if !ok || i > 0 && m["day"].(string) <= days[i-1].(map[string]any)["day"].(string) {
			t.Fatalf("unexpected or unordered day %v", m["day"])
		}
		got := [4]float64{m["gmv"].(float64), m["paid_orders"].(float64), m["refunds"].(float64), m["new_users"].(float64)}
		if got != w {
			t.Errorf("%s: %v, want %v", m["day"], got, w)
		}
	}
}

func TestQueuesAndRoles(t *testing.T) {
	setClock(t, "2026-03-10 12:00")
	app, client := newApp(t)
	seedShop(t, app)
	_, warehouse := staff(t, app, "wh@test.local", "warehouse")
	_, finance := staff(t, app, "fin@test.local", "finance")
	_, support := staff(t, app, "sup@test.local", "support")
	_, custom := staff(t, app, "cus@test.local", "custom", "jobs.run")
	_, buyerToken := tests.User(t, app, "someone@test.local", nil)

	res := client.Do(http.MethodGet, "/api/shop/admin/reports/queue/ship", nil, warehouse)
	mustStatus(t, res, http.StatusOK)
	items := res.Body["items"].([]any)
	if res.Body["total"] != 1.0 || len(items) != 1 {
		t.Fatalf("ship queue: %s", res.Raw)
	}
	first := items[0].(map[string]any)
	if first["order_no"] != "N1" || first["buyer_name"] != "买家甲" || first["items"] != "龙井茶 250g ×1" ||
		first["address"].(map[string]any)["city"] != "杭州市" {
		t.Fatalf("ship queue row: %v", first)
	}

	res = client.Do(http.MethodGet, "/api/shop/admin/reports/queue/withdrawals", nil, finance)
	mustStatus(t, res, http.StatusOK)
	if res.Body["total"] != 2.0 {
		t.Fatalf("withdrawals queue: %s", res.Raw)
	}

	// the offline payments waiting and the after-sales in progress
	_, admin := tests.Superuser(t, app)
	for name, want := range map[string]string{"offline": "N6", "aftersales": "N3"} {
		res = client.Do(http.MethodGet, "/api/shop/admin/reports/queue/"+name, nil, admin)
		mustStatus(t, res, http.StatusOK)
		items := res.Body["items"].([]any)
		if res.Body["total"] != 1.0 || len(items) != 1 || items[0].(map[string]any)["order_no"] != want {
			t.Fatalf("%s queue: %s", name, res.Raw)
		}
	}

	for _, c := range []struct {
		name, path, token string
		want              int
	}{
		{"warehouse: no withdrawals", "/api/shop/admin/reports/queue/withdrawals", warehouse, 403},
		{"warehouse: no figures", "/api/shop/admin/reports/summary", warehouse, 403},
		{"warehouse: order export", "/api/shop/admin/export/orders.csv", warehouse, 200},
		{"warehouse: no withdrawal export", "/api/shop/admin/export/withdrawals.csv", warehouse, 403},
		{"finance: figures", "/api/shop/admin/reports/summary", finance, 200},
		{"finance: withdrawal export", "/api/shop/admin/export/withdrawals.xlsx", finance, 200},
		{"finance: no ship queue", "/api/shop/admin/reports/queue/ship", finance, 403},
		{"support: after-sales", "/api/shop/admin/reports/queue/aftersales", support, 200},
		{"support: no user export", "/api/shop/admin/export/users.csv", support, 403},
		{"custom: jobs", "/api/shop/admin/reports/jobs", custom, 200},
		{"custom: no figures", "/api/shop/admin/reports/summary", custom, 403},
		{"buyer: nothing", "/api/shop/admin/reports/queue/ship", buyerToken, 403},
		{"buyer: no me", "/api/shop/admin/reports/me", buyerToken, 403},
		{"guest", "/api/shop/admin/reports/summary", "", 401},
		{"unknown queue", "/api/shop/admin/reports/queue/nope", finance, 404},
		{"unknown export", "/api/shop/admin/export/secrets.csv", finance, 404},
	} {
		res := client.Do(http.MethodGet, c.path, nil, c.token)
		if res.Status != c.want {
			t.Errorf("%s: %d, want %d: %.200s", c.name, res.Status, c.want, res.Raw)
		}
		if c.want == 403 && res.Code() != "permission_denied" {
			t.Errorf("%s: code %q", c.name, res.Code())
		}
	}

	res = client.Do(http.MethodGet, "/api/shop/admin/reports/me", nil, warehouse)
	mustStatus(t, res, http.StatusOK)
	if res.Body["role"] != "warehouse" || len(res.Body["permissions"].([]any)) != 2 {
		t.Fatalf("me: %s", res.Raw)
	}

	// a member switched off loses access at once, token or not
	sqlExec(t, app, "UPDATE staff SET active = FALSE WHERE email = 'wh@test.local'", nil)
	res = client.Do(http.MethodGet, "/api/shop/admin/reports/queue/ship", nil, warehouse)
	if res.Status != http.StatusForbidden {
		t.Fatalf("inactive staff: %d", res.Status)
	}
}
