package suite

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
)

// routeMatrix is the intended outcome of every custom route under
// /api/shop for each actor: "ok" (past authorization), or the refusal 401
// (sign in), 403 (not for this kind of account: shopper routes refuse
// superusers, admin routes shoppers) or 404 (not yours, or no such row).
// Wildcards are filled with the buyer's own rows where the route takes one
// (orders/{id}, cart/items/{id}, withdrawals/cancel/{id}) and with an id
// that exists nowhere otherwise, so those rows show who is refused before
// the lookup. Routes run in the router's order: orders/{id}/cancel cancels
// the buyer's order before confirm and pay are tried.
var routeMatrix = map[string]string{
	"GET /api/shop/admin/export/{file}":              "guest=404 other=404 upline=404 buyer=404 superuser=404",
	"GET /api/shop/admin/reports/jobs":               "guest=401 other=403 upline=403 buyer=403 superuser=ok",
	"GET /api/shop/admin/reports/me":                 "guest=401 other=403 upline=403 buyer=403 superuser=ok",
	"GET /api/shop/admin/reports/orders/{id}":        "guest=401 other=403 upline=403 buyer=403 superuser=ok",
	"GET /api/shop/admin/reports/queue/{name}":       "guest=404 other=404 upline=404 buyer=404 superuser=404",
	"GET /api/shop/admin/reports/rankings":           "guest=401 other=403 upline=403 buyer=403 superuser=ok",
	"GET /api/shop/admin/reports/referral/{id}":      "guest=401 other=403 upline=403 buyer=403 superuser=404",
	"GET /api/shop/admin/reports/series":             "guest=401 other=403 upline=403 buyer=403 superuser=ok",
	"GET /api/shop/admin/reports/summary":            "guest=401 other=403 upline=403 buyer=403 superuser=ok",
	"GET /api/shop/admin/reports/users":              "guest=401 other=403 upline=403 buyer=403 superuser=ok",
	"GET /api/shop/admin/staff":                      "guest=401 other=403 upline=403 buyer=403 superuser=ok",
	"POST /api/shop/admin/staff":                     "guest=401 other=403 upline=403 buyer=403 superuser=ok",
	"POST /api/shop/admin/staff/{id}/disable":        "guest=401 other=403 upline=403 buyer=403 superuser=404",
	"POST /api/shop/admin/staff/{id}/enable":         "guest=401 other=403 upline=403 buyer=403 superuser=404",
	"POST /api/shop/admin/staff/{id}/role":           "guest=401 other=403 upline=403 buyer=403 superuser=ok",
	"DELETE /api/shop/cart/items/{id}":               "guest=401 other=404 upline=404 buyer=ok superuser=403",
	"GET /api/shop/admin/jobs":                       "guest=401 other=403 upline=403 buyer=403 superuser=ok",
	"GET /api/shop/cart":                             "guest=401 other=ok upline=ok buyer=ok superuser=403",
	"GET /api/shop/cart/share/{code}":                "guest=404 other=404 upline=404 buyer=404 superuser=404",
	"GET /api/shop/distribution/leaderboard":         "guest=401 other=ok upline=ok buyer=ok superuser=ok",
	"GET /api/shop/distribution/prizes":              "guest=401 other=ok upline=ok buyer=ok superuser=403",
	"GET /api/shop/distribution/stats":               "guest=401 other=ok upline=ok buyer=ok superuser=403",
	"GET /api/shop/distribution/summary":             "guest=401 other=ok upline=ok buyer=ok superuser=403",
	"GET /api/shop/distribution/team":                "guest=401 other=ok upline=ok buyer=ok superuser=403",
	"GET /api/shop/info":                             "guest=ok other=ok upline=ok buyer=ok superuser=ok",
	"GET /api/shop/docs":                             "guest=ok other=ok upline=ok buyer=ok superuser=ok",
	"GET /api/shop/openapi.json":                     "guest=ok other=ok upline=ok buyer=ok superuser=ok",
	"GET /api/shop/notifications/unread":             "guest=401 other=ok upline=ok buyer=ok superuser=403",
	"POST /api/shop/notifications/read":              "guest=401 other=ok upline=ok buyer=ok superuser=403",
	"GET /api/shop/orders/{id}/tracking":             "guest=401 other=404 upline=404 buyer=404 superuser=403",
	"GET /api/shop/products/search":                  "guest=ok other=ok upline=ok buyer=ok superuser=ok",
	"GET /api/shop/products/{id}/promotions":         "guest=404 other=404 upline=404 buyer=404 superuser=404",
	"GET /api/shop/promotions/active":                "guest=ok other=ok upline=ok buyer=ok superuser=ok",
	"GET /api/shop/referral/me":                      "guest=401 other=ok upline=ok buyer=ok superuser=403",
	"GET /api/shop/share/link":                       "guest=401 other=ok upline=ok buyer=ok superuser=403",
	"GET /api/shop/share/poster/{file}":              "guest=404 other=404 upline=404 buyer=404 superuser=404",
	"GET /api/shop/share/qr/{file}":                  "guest=404 other=404 upline=404 buyer=404 superuser=404",
	"GET /api/shop/share/wxacode/{file}":             "guest=404 other=404 upline=404 buyer=404 superuser=404",
	"GET /api/shop/wallet":                           "guest=401 other=ok upline=ok buyer=ok superuser=403",
	"PATCH /api/shop/cart/items/{id}":                "guest=401 other=404 upline=404 buyer=ok superuser=403",
	"POST /api/shop/admin/aftersales/{id}/approve":   "guest=401 other=403 upline=403 buyer=403 superuser=404",
	"POST /api/shop/admin/aftersales/{id}/receive":   "guest=401 other=403 upline=403 buyer=403 superuser=404",
	"POST /api/shop/admin/aftersales/{id}/refund":    "guest=401 other=403 upline=403 buyer=403 superuser=404",
	"POST /api/shop/admin/aftersales/{id}/reject":    "guest=401 other=403 upline=403 buyer=403 superuser=ok",
	"POST /api/shop/admin/aftersales/{id}/reship":    "guest=401 other=403 upline=403 buyer=403 superuser=ok",
	"POST /api/shop/admin/jobs/{name}":               "guest=401 other=403 upline=403 buyer=403 superuser=404",
	"POST /api/shop/admin/orders/{id}/cancel":        "guest=401 other=403 upline=403 buyer=403 superuser=ok",
	"POST /api/shop/admin/orders/{id}/ship":          "guest=401 other=403 upline=403 buyer=403 superuser=ok",
	"POST /api/shop/admin/referral/reassign":         "guest=401 other=403 upline=403 buyer=403 superuser=ok",
	"POST /api/shop/admin/rewards":                   "guest=401 other=403 upline=403 buyer=403 superuser=ok",
	"POST /api/shop/admin/wallets/{user}/adjust":     "guest=401 other=403 upline=403 buyer=403 superuser=ok",
	"POST /api/shop/admin/withdrawals/{id}/approve":  "guest=401 other=403 upline=403 buyer=403 superuser=404",
	"POST /api/shop/admin/withdrawals/{id}/paid":     "guest=401 other=403 upline=403 buyer=403 superuser=404",
	"POST /api/shop/admin/withdrawals/{id}/reject":   "guest=401 other=403 upline=403 buyer=403 superuser=ok",
	"POST /api/shop/admin/withdrawals/{id}/transfer": "guest=401 other=403 upline=403 buyer=403 superuser=404",
	"POST /api/shop/aftersales":                      "guest=401 other=ok upline=ok buyer=ok superuser=403",
	"POST /api/shop/aftersales/{id}/close":           "guest=401 other=404 upline=404 buyer=404 superuser=403",
	"POST /api/shop/aftersales/{id}/photos":          "guest=401 other=ok upline=ok buyer=ok superuser=403",
	"POST /api/shop/aftersales/{id}/return":          "guest=401 other=ok upline=ok buyer=ok superuser=403",
	"POST /api/shop/auth/sms/send":                   "guest=ok other=ok upline=ok buyer=ok superuser=ok",
	"POST /api/shop/auth/sms/verify":                 "guest=ok other=ok upline=ok buyer=ok superuser=ok",
	"POST /api/shop/cart/items":                      "guest=401 other=ok upline=ok buyer=ok superuser=403",
	"POST /api/shop/cart/select":                     "guest=401 other=ok upline=ok buyer=ok superuser=403",
	"POST /api/shop/cart/share":                      "guest=401 other=ok upline=ok buyer=ok superuser=403",
	"POST /api/shop/cart/share/{code}/import":        "guest=401 other=404 upline=404 buyer=404 superuser=403",
	"POST /api/shop/checkout":                        "guest=401 other=ok upline=ok buyer=ok superuser=403",
	"POST /api/shop/distributor/apply":               "guest=401 other=ok upline=ok buyer=ok superuser=403",
	"POST /api/shop/orders/{id}/cancel":              "guest=401 other=404 upline=404 buyer=ok superuser=403",
	"POST /api/shop/orders/{id}/confirm":             "guest=401 other=404 upline=404 buyer=ok superuser=403",
	"POST /api/shop/orders/{id}/pay":                 "guest=401 other=404 upline=404 buyer=ok superuser=403",
	"POST /api/shop/pay/notify/{provider}":           "guest=404 other=404 upline=404 buyer=404 superuser=404",
	"POST /api/shop/referral/bind":                   "guest=401 other=ok upline=ok buyer=ok superuser=403",
	"POST /api/shop/track/click":                     "guest=ok other=ok upline=ok buyer=ok superuser=ok",
	"POST /api/shop/withdrawals":                     "guest=401 other=ok upline=ok buyer=ok superuser=403",
	"POST /api/shop/withdrawals/cancel/{id}":         "guest=401 other=404 upline=404 buyer=ok superuser=403",
	"POST /api/shop/withdrawals/notify/{provider}":   "guest=404 other=404 upline=404 buyer=404 superuser=404",
}

// outcome is what one actor got from one route.
func outcome(status int) string {
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
		return fmt.Sprint(status)
	}
	return "ok"
}

// routeBodies are request bodies a route needs to reach its lookup.
var routeBodies = map[string]any{
	"POST /api/shop/orders/{id}/pay": map[string]any{"method": "sandbox"},
}

// TestAuthorizationMatrixRoutes calls every custom route under /api/shop
// (read from the router, so a new route without a row fails naming it) as
// each actor and compares who got past authorization with routeMatrix.
func TestAuthorizationMatrixRoutes(t *testing.T) {
	m := newMatrixShop(t)
	rows := m.buyerRows(t)
	served := shopRoutes(t, m.app)
	for _, r := range served {
		want, ok := routeMatrix[r.String()]
		if !ok {
			t.Errorf("route %q has no row in routeMatrix (suite/authz_routes_test.go): add who may call it", r.String())
			continue
		}
		if got := m.tryRoute(t, r, rows); got != want {
			t.Errorf("%s:\n got  %s\n want %s", r, got, want)
		}
	}
	for route := range routeMatrix {
		found := false
		for _, r := range served {
			found = found || r.String() == route
		}
		if !found {
			t.Errorf("routeMatrix has a row for %q, which the router does not serve", route)
		}
	}
}

// buyerRows makes the buyer's own rows the routes act on and returns them
// by the path segment before the wildcard.
func (m *matrixShop) buyerRows(t *testing.T) map[string]string {
	t.Helper()
	b := &buyer{user: mustFindUser(t, m, "buyer"), token: m.tokens["buyer"]}
	addr, err := m.app.FindFirstRecordByFilter("addresses", "user = {:u}", map[string]any{"u": b.user.Id})
	if err != nil {
		t.Fatal(err)
	}
	b.address = addr.Id
	m.fund(b.user.Id, 100000)
	order, _ := m.checkout(b)
	item := m.cartItem(t)
	w := m.withdraw(b, 1000)
	if w.Status != http.StatusOK {
		t.Fatalf("withdrawal: %d %s", w.Status, w.Raw)
	}
	return map[string]string{"orders": order, "items": item, "cancel": w.Body["id"].(string)}
}

func mustFindUser(t *testing.T, m *matrixShop, actor string) *core.Record {
	t.Helper()
	u, err := m.app.FindRecordById("users", m.ids[actor])
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// fill puts the buyer's row in a route's wildcard, by the segment before it.
func fill(path string, rows map[string]string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, "{") {
			v := "aaaaaaaaaaaaaaa"
			if i > 0 && rows[parts[i-1]] != "" {
				v = rows[parts[i-1]]
			}
			parts[i] = v
		}
	}
	return strings.Join(parts, "/")
}

// tryRoute calls r as every actor and returns the outcomes in the
// routeMatrix format.
func (m *matrixShop) tryRoute(t *testing.T, r route, rows map[string]string) string {
	t.Helper()
	if strings.HasPrefix(r.Path, "/api/shop/cart/items/") {
		rows["items"] = m.cartItem(t) // a DELETE before may have removed it
	}
	path := fill(r.Path, rows)
	body, ok := routeBodies[r.String()]
	if !ok {
		body = map[string]any{}
	}
	outs := make([]string, 0, len(actors))
	for _, actor := range actors {
		res := m.c.Do(r.Method, path, body, m.tokens[actor])
		outs = append(outs, actor+"="+outcome(res.Status))
	}
	return strings.Join(outs, " ")
}

func (m *matrixShop) cartItem(t *testing.T) string {
	t.Helper()
	res := m.c.Do(http.MethodPost, "/api/shop/cart/items", map[string]any{"sku": m.sku.Id, "quantity": 1}, m.tokens["buyer"])
	if res.Status != http.StatusOK {
		t.Fatalf("cart item: %d %s", res.Status, res.Raw)
	}
	item, err := m.app.FindFirstRecordByFilter("cart_items", "user = {:u}", map[string]any{"u": m.ids["buyer"]})
	if err != nil {
		t.Fatal(err)
	}
	return item.Id
}
