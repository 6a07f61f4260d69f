package suite

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"

	"fenxiao/hooks/shop"
	"fenxiao/tests"
)

// wantShape fails unless res is the shop's error shape:
// {"status","message","data":{"<key>":{"code","message"}}}.
func wantShape(t *testing.T, what string, res *tests.Response) string {
	t.Helper()
	if res.Status < 400 {
		return ""
	}
	if res.Status >= 500 {
		t.Errorf("%s: %d %s", what, res.Status, res.Raw)
		return ""
	}
	msg, _ := res.Body["message"].(string)
	if res.Body["status"] == nil || msg == "" || res.Code() == "" {
		t.Errorf("%s: %d without the error shape: %s", what, res.Status, res.Raw)
	}
	return res.Code()
}

// routes a malformed body must reach: they decode the body before anything else
var bodyFirst = []string{
	"POST /api/shop/checkout",
	"POST /api/shop/cart/items",
	"PATCH /api/shop/cart/items/{id}",
	"POST /api/shop/cart/select",
	"POST /api/shop/orders/{id}/pay",
	"POST /api/shop/withdrawals",
	"POST /api/shop/aftersales",
	"POST /api/shop/auth/sms/send",
	"POST /api/shop/auth/sms/verify",
	"POST /api/shop/referral/bind",
	"POST /api/shop/track/click",
	"POST /api/shop/admin/rewards",
	"POST /api/shop/admin/referral/reassign",
}

// TestErrorShapeOnEveryRoute: every route under /api/shop answers errors in
// one shape with a stable code, as a guest without a body and with a
// malformed body as a buyer and as a superuser; the routes that read a JSON
// body first answer invalid_body (routes that read none, or multipart,
// answer their own code).
func TestErrorShapeOnEveryRoute(t *testing.T) {
	e := newShop(t)
	b := e.buyer("buyer@test.local", 0, nil)
	routes := shopRoutes(t, e.app)
	for _, r := range routes {
		if strings.Contains(r.Path, "/notify/") {
			continue // payment and transfer callbacks answer in their provider's protocol
		}
		path := concrete(r.Path, "aaaaaaaaaaaaaaa")
		wantShape(t, "guest "+r.String(), e.c.Do(r.Method, path, nil, ""))
		if r.Method == http.MethodGet || r.Method == http.MethodDelete {
			continue
		}
		for who, token := range map[string]string{"buyer": b.token, "superuser": e.admin} {
			res := e.c.Do(r.Method, path, `{"amount": "`, token)
			code := wantShape(t, who+" "+r.String()+" malformed body", res)
			admin := strings.HasPrefix(r.Path, "/api/shop/admin/")
			if slices.Contains(bodyFirst, r.String()) && (admin == (who == "superuser")) && code != "invalid_body" {
				t.Errorf("%s %s: malformed body answered %d %s", who, r, res.Status, res.Raw)
			}
		}
	}
	// wrong types are malformed too
	res := e.c.Do(http.MethodPost, "/api/shop/withdrawals", map[string]any{"amount": "100", "channel": "bank"}, b.token)
	if res.Status != http.StatusBadRequest || res.Code() != "invalid_body" {
		t.Fatalf("withdrawal with a string amount: %d %s", res.Status, res.Raw)
	}
	if res.Body["data"].(map[string]any)["error"] == nil {
		t.Fatalf("invalid_body not under data.error: %s", res.Raw)
	}
	// PocketBase's own errors get a code: missing auth
	res = e.c.Do(http.MethodGet, "/api/shop/wallet", nil, "")
	if res.Status != http.StatusUnauthorized || res.Code() != "auth_required" {
		t.Fatalf("wallet as a guest: %d %s", res.Status, res.Raw)
	}
}

// TestNoRowsIsNotFound: a lookup that found nothing leaves as 404 not_found.
func TestNoRowsIsNotFound(t *testing.T) {
	err := shop.ToApiError(fmt.Errorf("find thing: %w", sql.ErrNoRows))
	if err.Status != http.StatusNotFound {
		t.Fatalf("status %d", err.Status)
	}
	raw, _ := json.Marshal(shop.WithCode(fmt.Errorf("find thing: %w", sql.ErrNoRows)))
	if !strings.Contains(string(raw), `"code":"not_found"`) || !strings.Contains(string(raw), `"status":404`) {
		t.Fatalf("no rows: %s", raw)
	}
	// a plain error without a code gets one named after its status
	raw, _ = json.Marshal(shop.WithCode(errors.New("boom")))
	if !strings.Contains(string(raw), `"code":"internal_error"`) || strings.Contains(string(raw), "boom") {
		t.Fatalf("internal error: %s", raw)
	}
}

// TestMissingSettingsRow: a shop whose settings row was deleted straight
// from the database signs users up and runs on the defaults.
func TestMissingSettingsRow(t *testing.T) {
	e := newShop(t)
	if _, err := e.app.DB().Delete(shop.SettingsCollection, dbx.HashExp{"id": shop.SettingsId}).Execute(); err != nil {
		t.Fatal(err)
	}
	res := e.c.Do(http.MethodPost, "/api/collections/users/records", map[string]any{
		"email": "new@test.local", "password": "12345678901", "passwordConfirm": "12345678901"}, "")
	if res.Status != http.StatusOK {
		t.Fatalf("sign-up without a settings row: %d %s", res.Status, res.Raw)
	}
	s, err := shop.LoadSettings(e.app)
	if err != nil {
		t.Fatal(err)
	}
	if s.WithdrawMin != 100 || s.CommissionRates != [3]int64{1000, 500, 200} || s.BindingMode != shop.BindFirstWins {
		t.Fatalf("defaults: %+v", s)
	}
}

// TestInvalidStoredSettings: values written straight into the database
// that a save would refuse fall back to the defaults when read; a negative
// withdraw_min no longer lets a 1-fen withdrawal through.
func TestInvalidStoredSettings(t *testing.T) {
	e := newShop(t)
	b := e.buyer("buyer@test.local", 1000, nil)
	_, err := e.app.DB().Update(shop.SettingsCollection, dbx.Params{
		"withdraw_min": -100, "binding_mode": "anything", "withdraw_fee_bp": 20000,
		"commission_l1_bp": 9000, "commission_l2_bp": 9000,
	}, dbx.HashExp{"id": shop.SettingsId}).Execute()
	if err != nil {
		t.Fatal(err)
	}
	s, err := shop.LoadSettings(e.app)
	if err != nil {
		t.Fatal(err)
	}
	if s.WithdrawMin != 100 || s.BindingMode != shop.BindFirstWins || s.WithdrawFeeRate != 0 || s.CommissionRates != [3]int64{1000, 500, 200} {
		t.Fatalf("invalid values used as stored: %+v", s)
	}
	res := e.c.Do(http.MethodPost, "/api/shop/withdrawals", map[string]any{"amount": 1, "channel": "bank",
		"account": map[string]any{"name": "张三", "bank": "招商银行", "number": "6225880012345678"}}, b.token)
	if res.Status != http.StatusBadRequest || res.Code() != "withdraw_below_min" {
		t.Fatalf("1-fen withdrawal: %d %s", res.Status, res.Raw)
	}
}
