package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/internal/roles"
	"fenxiao/plugins/offlinepay"
	"fenxiao/tests"
)

// consoleActions are every admin action of the console with the permission
// it needs. The ids do not exist: a request that passes the permission
// check fails later (404, 400), one that does not gets 403.
var consoleActions = []struct {
	method, path, perm string
}{
	{"POST", "/api/shop/admin/orders/nope/ship", roles.OrdersShip},
	{"POST", "/api/shop/admin/orders/nope/cancel", roles.OrdersCancel},
	{"POST", "/api/shop/admin/orders/nope/confirm-offline", roles.PaymentsConfirm},
	{"POST", "/api/shop/admin/aftersales/nope/approve", roles.AftersalesProcess},
	{"POST", "/api/shop/admin/aftersales/nope/reject", roles.AftersalesProcess},
	{"POST", "/api/shop/admin/aftersales/nope/receive", roles.AftersalesProcess},
	{"POST", "/api/shop/admin/aftersales/nope/reship", roles.AftersalesProcess},
	{"POST", "/api/shop/admin/aftersales/nope/refund", roles.AftersalesProcess},
	{"POST", "/api/shop/admin/withdrawals/nope/approve", roles.WithdrawalsReview},
	{"POST", "/api/shop/admin/withdrawals/nope/reject", roles.WithdrawalsReview},
	{"POST", "/api/shop/admin/withdrawals/nope/paid", roles.WithdrawalsPay},
	{"POST", "/api/shop/admin/withdrawals/nope/transfer", roles.WithdrawalsPay},
	{"POST", "/api/shop/admin/rewards", roles.RewardsGrant},
	{"POST", "/api/shop/admin/wallets/nope/adjust", roles.WalletsAdjust},
	{"POST", "/api/shop/admin/referral/reassign", roles.ReferralMove},
	{"GET", "/api/shop/admin/jobs", roles.JobsRun},
	{"POST", "/api/shop/admin/jobs/nope", roles.JobsRun},
	{"GET", "/api/shop/admin/reports/summary", roles.ReportsView},
	{"GET", "/api/shop/admin/export/orders.csv", roles.ExportOrders},
	{"GET", "/api/shop/admin/export/withdrawals.csv", roles.ExportFinance},
	{"GET", "/api/shop/admin/export/users.csv", roles.ExportUsers},
}

func consoleApp(t *testing.T) (core.App, *tests.Client) {
	t.Helper()
	app, _ := tests.NewShopApp(t)
	registerPlugins(app, config{Offline: &offlinepay.Config{AccountName: "杭州测试商贸有限公司", AccountNo: "6222000011112222"}})
	return app, tests.NewClient(t, app)
}

func staffMember(t *testing.T, app core.App, role string, perms ...string) (*core.Record, string) {
	t.Helper()
	c, err := app.FindCollectionByNameOrId(shop.StaffCollection)
	if err != nil {
		t.Fatal(err)
	}
	r := core.NewRecord(c)
	r.SetEmail(role + "@staff.test")
	r.SetPassword("1234567890")
	r.Set("name", role)
	r.Set("role", role)
	r.Set("permissions", perms)
	r.Set("active", true)
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
	token, err := r.NewAuthToken()
	if err != nil {
		t.Fatal(err)
	}
	return r, token
}

// TestConsoleRoleByAction runs every console action as every role.
func TestConsoleRoleByAction(t *testing.T) {
	app, client := consoleApp(t)
	_, suToken := tests.Superuser(t, app)
	_, userToken := tests.User(t, app, "buyer@test.local", nil)
	callers := map[string]struct {
		token string
		perms []string
	}{
		"superuser": {suToken, roles.Permissions(roles.Owner, nil)},
		"user":      {userToken, nil},
		"guest":     {"", nil},
	}
	for _, role := range []string{roles.Owner, roles.Operations, roles.Warehouse, roles.Finance, roles.Support} {
		_, token := staffMember(t, app, role)
		callers[role] = struct {
			token string
			perms []string
		}{token, roles.Permissions(role, nil)}
	}
	_, customToken := staffMember(t, app, roles.Custom, roles.JobsRun, roles.OrdersShip)
	callers["custom"] = struct {
		token string
		perms []string
	}{customToken, []string{roles.JobsRun, roles.OrdersShip}}

	for name, c := range callers {
		for _, a := range consoleActions {
			allowed := false
			for _, p := range c.perms {
				allowed = allowed || p == a.perm
			}
			res := client.Do(a.method, a.path, "{}", c.token)
			switch {
			case c.token == "":
				if res.Status != http.StatusUnauthorized {
					t.Errorf("guest %s %s: %d, want 401", a.method, a.path, res.Status)
				}
			case allowed:
				if res.Status == http.StatusUnauthorized || res.Status == http.StatusForbidden {
					t.Errorf("%s %s %s: %d, want it let through: %.200s", name, a.method, a.path, res.Status, res.Raw)
				}
			default:
				if res.Status != http.StatusForbidden {
					t.Errorf("%s %s %s: %d, want 403: %.200s", name, a.method, a.path, res.Status, res.Raw)
				}
			}
		}
	}
}

// TestStaffActionsRecordTheMember ships an order as a warehouse clerk and
// corrects a wallet as finance: each action names the member in its rows.
func TestStaffActionsRecordTheMember(t *testing.T) {
	app, client := consoleApp(t)
	clerk, clerkToken := staffMember(t, app, roles.Warehouse)
	finance, financeToken := staffMember(t, app, roles.Finance)
	buyer, _ := tests.User(t, app, "buyer@test.local", map[string]any{"nickname": "买家"})

	if _, err := app.DB().NewQuery("INSERT INTO orders (id, order_no, buyer, status, payable, goods_amount, quantity, paid_at, created, updated) " +
		"VALUES ('ordaaaaaaaaaaa', 'T0001', {:b}, 'paid', 1000, 1000, 1, '2026-03-10 01:00:00.000Z', '2026-03-10 00:59:00.000Z', '2026-03-10 01:00:00.000Z')").
		Bind(dbx.Params{"b": buyer.Id}).Execute(); err != nil {
		t.Fatal(err)
	}
	if _, err := app.DB().NewQuery("INSERT INTO payments (id, [order], provider, amount, status, transaction_id, paid_at, created, updated) " +
		"VALUES ('payaaaaaaaaaaa', 'ordaaaaaaaaaaa', 'sandbox', 1000, 'paid', 'TX1', '2026-03-10 01:00:00.000Z', '2026-03-10 01:00:00.000Z', '2026-03-10 01:00:00.000Z')").
		Execute(); err != nil {
		t.Fatal(err)
	}
	res := client.Do("POST", "/api/shop/admin/orders/ordaaaaaaaaaaa/ship", map[string]any{"tracking_company": "shunfeng", "tracking_no": "SF100"}, clerkToken)
	if res.Status != http.StatusOK {
		t.Fatalf("ship: %d %s", res.Status, res.Raw)
	}
	o, _ := app.FindRecordById("orders", "ordaaaaaaaaaaa")
	if o.GetString("status") != "shipped" || o.GetString("tracking_no") != "SF100" {
		t.Fatalf("order after ship: %s %s", o.GetString("status"), o.GetString("tracking_no"))
	}
	action, err := app.FindFirstRecordByFilter("staff_actions", "actor = {:a}", dbx.Params{"a": "staff:" + clerk.Id})
	if err != nil {
		t.Fatalf("no staff action for the clerk: %v", err)
	}
	if action.GetString("permission") != roles.OrdersShip || !strings.HasSuffix(action.GetString("path"), "/ordaaaaaaaaaaa/ship") ||
		action.GetString("actor_name") != "warehouse" || action.GetInt("status") != 200 {
		t.Fatalf("staff action: %v", action.FieldsData())
	}

	// the clerk may not move money
	res = client.Do("POST", "/api/shop/admin/wallets/"+buyer.Id+"/adjust", map[string]any{"amount": 100, "note": "补偿"}, clerkToken)
	if res.Status != http.StatusForbidden {
		t.Fatalf("clerk adjust: %d", res.Status)
	}
	res = client.Do("POST", "/api/shop/admin/wallets/"+buyer.Id+"/adjust", map[string]any{"amount": 100, "note": "补偿运费"}, financeToken)
	if res.Status != http.StatusOK {
		t.Fatalf("finance adjust: %d %s", res.Status, res.Raw)
	}
	entry, err := app.FindFirstRecordByFilter("wallet_entries", "user = {:u} && kind = 'adjustment'", dbx.Params{"u": buyer.Id})
	if err != nil {
		t.Fatal(err)
	}
	if entry.GetString("actor") != "staff:"+finance.Id || entry.GetInt("amount") != 100 {
		t.Fatalf("wallet entry actor %q amount %d", entry.GetString("actor"), entry.GetInt("amount"))
	}
}

// TestJobRunsShowInTheConsole runs a job as a member allowed to, and the
// console's job list shows that run with its outcome.
func TestJobRunsShowInTheConsole(t *testing.T) {
	app, client := consoleApp(t)
	_, token := staffMember(t, app, roles.Custom, roles.JobsRun)
	if res := client.Do("POST", "/api/shop/admin/jobs/auto_cancel", "{}", token); res.Status != http.StatusOK {
		t.Fatalf("run: %d %s", res.Status, res.Raw)
	}
	res := client.Do("GET", "/api/shop/admin/reports/jobs", nil, token)
	if res.Status != http.StatusOK {
		t.Fatalf("jobs: %d %s", res.Status, res.Raw)
	}
	for _, j := range res.List {
		job := j.(map[string]any)
		last, _ := job["last"].(map[string]any)
		switch job["name"] {
		case "auto_cancel":
			if last == nil || last["ok"] != true || last["started"] == "" {
				t.Fatalf("auto_cancel last run: %v", job)
			}
		default:
			if last != nil {
				t.Fatalf("%s never ran but shows %v", job["name"], last)
			}
		}
	}
}
