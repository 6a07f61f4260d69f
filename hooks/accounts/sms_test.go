package accounts_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	pbtests "github.com/pocketbase/pocketbase/tests"

	"fenxiao/sqlitedb"
	"fenxiao/tests"
)

// capturingSender records the codes the shop sends, as a phone would.
type capturingSender struct {
	mu    sync.Mutex
	codes map[string]string
	fail  bool
}

func (s *capturingSender) SendCode(_ context.Context, phone, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail {
		return errors.New("provider down")
	}
	if s.codes == nil {
		s.codes = map[string]string{}
	}
	s.codes[phone] = code
	return nil
}

func (s *capturingSender) last(phone string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.codes[phone]
}

func TestSMSSignUpAndSignIn(t *testing.T) {
	app, s := tests.NewShopApp(t)
	sender := &capturingSender{}
	s.SetSMSSender(sender)
	c := tests.NewClient(t, app)
	inviter, _ := tests.User(t, app, "inviter@test.local", nil)

	const phone = "13912345678"
	if res := c.Do(http.MethodPost, "/api/shop/auth/sms/send", map[string]any{"phone": "12345"}, ""); res.Code() != "phone_invalid" {
		t.Fatalf("bad phone: %d %s", res.Status, res.Raw)
	}
	if res := c.Do(http.MethodPost, "/api/shop/auth/sms/send", map[string]any{"phone": phone}, ""); res.Status != 200 {
		t.Fatalf("send: %d %s", res.Status, res.Raw)
	}
	code := sender.last(phone)
	if len(code) != 6 {
		t.Fatalf("no code sent: %q", code)
	}
	// a second request within a minute is refused
	if res := c.Do(http.MethodPost, "/api/shop/auth/sms/send", map[string]any{"phone": phone}, ""); res.Status != 429 || res.Code() != "sms_too_frequent" {
		t.Fatalf("resend: %d %s", res.Status, res.Raw)
	}
	// the stored code is hashed, never the plain code
	stored, err := app.FindFirstRecordByData("sms_codes", "phone", phone)
	if err != nil || stored.GetString("code_hash") == code || stored.GetString("code_hash") == "" {
		t.Fatalf("code not stored hashed: %v", err)
	}

	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	if res := c.Do(http.MethodPost, "/api/shop/auth/sms/verify", map[string]any{"phone": phone, "code": wrong}, ""); res.Code() != "sms_code_invalid" {
		t.Fatalf("wrong code: %d %s", res.Status, res.Raw)
	}

	// an unknown inviter is refused without using up the code
	if res := c.Do(http.MethodPost, "/api/shop/auth/sms/verify", map[string]any{
		"phone": phone, "code": code, "inviter": "NOSUCH22",
	}, ""); res.Status != http.StatusNotFound || res.Code() != "invite_code_unknown" {
		t.Fatalf("unknown inviter: %d %s", res.Status, res.Raw)
	}
	if n, _ := app.CountRecords("users", dbx.HashExp{"phone": phone}); n != 0 {
		t.Fatalf("a user was created with an unknown inviter")
	}

	// the code still works, and the invite code may be typed in lower case
	res := c.Do(http.MethodPost, "/api/shop/auth/sms/verify", map[string]any{
		"phone": phone, "code": code, "inviter": " " + strings.ToLower(inviter.GetString("invite_code")), "inviter_source": "poster",
	}, "")
	if res.Status != 200 || res.Body["token"] == nil {
		t.Fatalf("verify: %d %s", res.Status, res.Raw)
	}
	record := res.Body["record"].(map[string]any)
	if record["phone"] != phone || record["referrer"] != inviter.Id || record["bound_source"] != "poster" {
		t.Fatalf("signed-up record: %v", record)
	}

	// single use
	if res := c.Do(http.MethodPost, "/api/shop/auth/sms/verify", map[string]any{"phone": phone, "code": code}, ""); res.Code() != "sms_code_invalid" {
		t.Fatalf("reused code: %d %s", res.Status, res.Raw)
	}

	// a later sign-in with a new code finds the same user
	if _, err := app.DB().NewQuery("UPDATE sms_codes SET created = '2020-01-01 00:00:00.000Z' WHERE phone = {:p}").
		Bind(dbx.Params{"p": phone}).Execute(); err != nil {
		t.Fatal(err)
	}
	if res := c.Do(http.MethodPost, "/api/shop/auth/sms/send", map[string]any{"phone": phone}, ""); res.Status != 200 {
		t.Fatalf("send again: %d %s", res.Status, res.Raw)
	}
	res = c.Do(http.MethodPost, "/api/shop/auth/sms/verify", map[string]any{"phone": phone, "code": sender.last(phone)}, "")
	if res.Status != 200 || res.Body["record"].(map[string]any)["id"] != record["id"] {
		t.Fatalf("sign-in: %d %s", res.Status, res.Raw)
	}
	if n, _ := app.CountRecords("users", dbx.HashExp{"phone": phone}); n != 1 {
		t.Fatalf("%d users with the phone", n)
	}
}

func TestSMSCodeExpiryAndAttemptLimit(t *testing.T) {
	app, s := tests.NewShopApp(t)
	sender := &capturingSender{}
	s.SetSMSSender(sender)
	c := tests.NewClient(t, app)

	const phone = "13700000000"
	c.Do(http.MethodPost, "/api/shop/auth/sms/send", map[string]any{"phone": phone}, "")
	code := sender.last(phone)

	// expired
	if _, err := app.DB().NewQuery("UPDATE sms_codes SET expires_at = '2020-01-01 00:00:00.000Z' WHERE phone = {:p}").
		Bind(dbx.Params{"p": phone}).Execute(); err != nil {
		t.Fatal(err)
	}
	if res := c.Do(http.MethodPost, "/api/shop/auth/sms/verify", map[string]any{"phone": phone, "code": code}, ""); res.Code() != "sms_code_expired" {
		t.Fatalf("expired code: %d %s", res.Status, res.Raw)
	}
	if n, _ := app.CountRecords("users", dbx.HashExp{"phone": phone}); n != 0 {
		t.Fatalf("expired code created a user")
	}

	// five wrong guesses lock the code, even the right one is refused afterwards
	if _, err := app.DB().NewQuery("UPDATE sms_codes SET created = '2020-01-01 00:00:00.000Z' WHERE phone = {:p}").
		Bind(dbx.Params{"p": phone}).Execute(); err != nil {
		t.Fatal(err)
	}
	c.Do(http.MethodPost, "/api/shop/auth/sms/send", map[string]any{"phone": phone}, "")
	code = sender.last(phone)
	wrong := "999999"
	if code == wrong {
		wrong = "888888"
	}
	for i := 0; i < 5; i++ {
		if res := c.Do(http.MethodPost, "/api/shop/auth/sms/verify", map[string]any{"phone": phone, "code": wrong}, ""); res.Code() != "sms_code_invalid" {
			t.Fatalf("guess %d: %d %s", i, res.Status, res.Raw)
		}
	}
	if res := c.Do(http.MethodPost, "/api/shop/auth/sms/verify", map[string]any{"phone": phone, "code": code}, ""); res.Status != 429 || res.Code() != "sms_code_attempts" {
		t.Fatalf("after 5 guesses: %d %s", res.Status, res.Raw)
	}

	// a provider failure is a clear 503
	sender.fail = true
	if res := c.Do(http.MethodPost, "/api/shop/auth/sms/send", map[string]any{"phone": "13600000000"}, ""); res.Status != 503 || res.Code() != "sms_send_failed" {
		t.Fatalf("provider down: %d %s", res.Status, res.Raw)
	}
}

func TestRateLimiterIsOnAfterMigrations(t *testing.T) {
	// a fresh install, not the test template (which switches the limiter off)
	// note: with the database connection main.go uses, so that the test
	// also runs in the cgo build tagged no_default_driver
	app, err := pbtests.NewTestAppWithConfig(core.BaseAppConfig{DataDir: t.TempDir(), DBConnect: sqlitedb.Connect})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Cleanup()
	limits := app.Settings().RateLimits
	if !limits.Enabled {
		t.Fatalf("rate limiter is off on a fresh install")
	}
	want := map[string]bool{"POST /api/shop/auth/sms/send": false, "POST /api/shop/checkout": false, "POST /api/shop/withdrawals": false}
	for _, r := range limits.Rules {
		if _, ok := want[r.Label]; ok {
			want[r.Label] = true
		}
	}
	for label, ok := range want {
		if !ok {
			t.Errorf("no rate limit rule for %s", label)
		}
	}
}
