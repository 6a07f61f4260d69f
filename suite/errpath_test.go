package suite

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"fenxiao/hooks/shop"
	"fenxiao/plugins/promotion"
	"fenxiao/plugins/withdrawal"
	"fenxiao/tests"
)

// TestShopRouteErrorPath runs routes of core areas and of plugins as API
// scenarios: a malformed record id in the path answers 404 not_found
// (shop.PathId) before any lookup and changes nothing, while a well-formed
// id that matches nothing keeps the route's own code; the *shop.Error a
// handler returns as it is reaches the client with its status and code
// (the /api/shop middleware is the one mapping it).
func TestShopRouteErrorPath(t *testing.T) {
	t.Parallel()

	const (
		buyer = "buyer"
		admin = "admin"
		guest = ""
	)
	notFound := []string{`"status":404`, `"error":{"code":"not_found","message":"记录不存在 / not found."}`}
	scenarios := []struct {
		who string
		s   tests.ApiScenario
	}{
		// (a) malformed ids, one route per package
		{buyer, tests.ApiScenario{
			Name: "orders: a malformed order id", Method: http.MethodPost, URL: "/api/shop/orders/not-an-id/cancel",
			ExpectedStatus: 404, ExpectedContent: notFound, ExpectedEvents: map[string]int{"*": 0},
		}},
		{buyer, tests.ApiScenario{
			Name: "catalog: a malformed cart item id", Method: http.MethodDelete, URL: "/api/shop/cart/items/not.an.id",
			ExpectedStatus: 404, ExpectedContent: notFound, ExpectedEvents: map[string]int{"*": 0},
		}},
		{admin, tests.ApiScenario{
			Name: "wallet: a malformed user id", Method: http.MethodPost, URL: "/api/shop/admin/wallets/not-an-id/adjust",
			Body:           strings.NewReader(`{"amount":50,"note":"补偿"}`),
			ExpectedStatus: 404, ExpectedContent: notFound, ExpectedEvents: map[string]int{"*": 0},
		}},
		{buyer, tests.ApiScenario{
			Name: "withdrawal plugin: a malformed withdrawal id", Method: http.MethodPost, URL: "/api/shop/withdrawals/cancel/" + strings.Repeat("a", 65),
			ExpectedStatus: 404, ExpectedContent: notFound, ExpectedEvents: map[string]int{"*": 0},
		}},
		{guest, tests.ApiScenario{
			Name: "promotion plugin: a malformed product id", Method: http.MethodGet, URL: "/api/shop/products/not-an-id/promotions",
			ExpectedStatus: 404, ExpectedContent: notFound, ExpectedEvents: map[string]int{"*": 0},
		}},
		{buyer, tests.ApiScenario{
			Name: "orders: a well-formed unknown order id keeps its own code", Method: http.MethodPost, URL: "/api/shop/orders/aaaaaaaaaaaaaaa/cancel",
			ExpectedStatus: 404, ExpectedContent: []string{`"code":"order_not_found"`}, NotExpectedContent: []string{`"code":"not_found"`},
			ExpectedEvents: map[string]int{"*": 0},
		}},
		// (b) a *shop.Error returned as it is
		{admin, tests.ApiScenario{
			Name: "wallet: a field error returned by the handler", Method: http.MethodPost, URL: "/api/shop/admin/wallets/{buyer}/adjust",
			Body:           strings.NewReader(`{"amount":0,"note":"x"}`),
			ExpectedStatus: 400,
			ExpectedContent: []string{`"status":400`,
				`"data":{"amount":{"code":"invalid_amount","message":"调整金额不能为 0 / the amount cannot be 0."}}`},
			ExpectedEvents: map[string]int{"*": 0},
		}},
		{guest, tests.ApiScenario{
			Name: "promotion plugin: a business error returned by the handler", Method: http.MethodGet, URL: "/api/shop/products/aaaaaaaaaaaaaaa/promotions",
			ExpectedStatus: 404,
			ExpectedContent: []string{`"status":404`,
				`"error":{"code":"product_not_found","message":"商品不存在或已下架 / product not found."}`},
			ExpectedEvents: map[string]int{"*": 0},
		}},
	}
	for _, sc := range scenarios {
		t.Run(sc.s.Name, func(t *testing.T) {
			t.Parallel()
			// note: not newShop, whose client already built the routes that
			// the scenario builds again
			app, _ := tests.NewShopApp(t)
			withdrawal.MustRegister(app, withdrawal.Config{})
			promotion.MustRegister(app, promotion.Config{})
			u, buyerToken := tests.User(t, app, "buyer@test.local", nil)
			_, adminToken := tests.Superuser(t, app)
			token := map[string]string{buyer: buyerToken, admin: adminToken}[sc.who]

			s := sc.s
			s.URL = strings.ReplaceAll(s.URL, "{buyer}", u.Id)
			if token != "" {
				s.Headers = map[string]string{"Authorization": token}
			}
			s.TestAppFactory = func(testing.TB) *tests.TestApp { return app }
			s.DisableTestAppCleanup = true // NewShopApp cleans up (and audits)
			s.Test(t)
		})
	}
}

// TestReplaceHandlerById: a handler bound with the id of a core handler
// takes its place: the default order-create rule (fenxiaoOrdersCreate,
// 403 order_create_not_allowed) no longer runs, the replacement does, and
// the hook has no more handlers than before.
func TestReplaceHandlerById(t *testing.T) {
	t.Parallel()
	e := newShop(t)

	err := e.app.Save(core.NewRecord(mustCollection(t, e.app, shop.OrdersCollection)))
	var shopErr *shop.Error
	if !errors.As(err, &shopErr) || shopErr.Code != "order_create_not_allowed" {
		t.Fatalf("default rule: %v", err)
	}

	before := e.app.OnRecordCreate().Length()
	calls := 0
	e.app.OnRecordCreate(shop.OrdersCollection).Bind(&hook.Handler[*core.RecordEvent]{
		Id: "fenxiaoOrdersCreate",
		Func: func(e *core.RecordEvent) error {
			calls++
			return shop.Fail(http.StatusForbidden, "custom_order_rule", "自定义规则 / a custom rule")
		},
	})
	if after := e.app.OnRecordCreate().Length(); after != before {
		t.Fatalf("%d record create handlers after the replacement, want %d", after, before)
	}

	err = e.app.Save(core.NewRecord(mustCollection(t, e.app, shop.OrdersCollection)))
	if !errors.As(err, &shopErr) || shopErr.Code != "custom_order_rule" || calls != 1 {
		t.Fatalf("after the replacement: %v (replacement ran %d times)", err, calls)
	}
}

func mustCollection(t *testing.T, app core.App, name string) *core.Collection {
	t.Helper()
	c, err := app.FindCollectionByNameOrId(name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
