package accounts_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/tests"
)

// sendFrom posts /api/shop/auth/sms/send from the given remote address and
// returns the status and error code.
func sendFrom(t *testing.T, c *tests.Client, remoteAddr, phone string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/api/shop/auth/sms/send", strings.NewReader(`{"phone":"`+phone+`"}`))
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = remoteAddr
	rec := httptest.NewRecorder()
	c.Handler.ServeHTTP(rec, req)
	res := &tests.Response{Status: rec.Code, Raw: rec.Body.Bytes()}
	_ = json.Unmarshal(res.Raw, &res.Body)
	return res.Status, res.Code()
}

// backdate moves the code requests whose field has value back by d.
func backdate(t *testing.T, app core.App, field, value string, d time.Duration) {
	t.Helper()
	_, err := app.DB().NewQuery("UPDATE sms_codes SET created = {:at} WHERE [[" + field + "]] = {:v}").
		Bind(dbx.Params{"at": types.NowDateTime().Add(-d).String(), "v": value}).Execute()
	if err != nil {
		t.Fatal(err)
	}
}

func TestSMSDailyPhoneLimit(t *testing.T) {
	t.Parallel()
	app, s := tests.NewShopApp(t)
	sender := &capturingSender{}
	s.SetSMSSender(sender)
	c := tests.NewClient(t, app)
	const phone, ip = "13812345678", "203.0.113.5:4000"

	for i := 0; i < 10; i++ {
		if status, code := sendFrom(t, c, ip, phone); status != http.StatusOK {
			t.Fatalf("send %d: %d %s", i+1, status, code)
		}
		backdate(t, app, "phone", phone, 2*time.Minute)
	}
	// the 11th within a day is refused, and nothing is stored or sent
	sender.codes = nil
	status, code := sendFrom(t, c, ip, phone)
	if status != http.StatusTooManyRequests || code != "sms_daily_limit" {
		t.Fatalf("11th send: %d %s, want 429 sms_daily_limit", status, code)
	}
	if n, _ := app.CountRecords("sms_codes", dbx.HashExp{"phone": phone}); n != 10 {
		t.Fatalf("%d codes stored, want 10", n)
	}
	if sender.last(phone) != "" {
		t.Fatal("a refused request sent an SMS")
	}
	// another phone is not affected
	if status, code := sendFrom(t, c, ip, "13812345679"); status != http.StatusOK {
		t.Fatalf("another phone: %d %s", status, code)
	}
	// a day later the phone may ask again
	backdate(t, app, "phone", phone, 24*time.Hour+time.Minute)
	if status, code := sendFrom(t, c, ip, phone); status != http.StatusOK {
		t.Fatalf("send after a day: %d %s", status, code)
	}
}

func TestSMSHourlyIPLimit(t *testing.T) {
	t.Parallel()
	app, s := tests.NewShopApp(t)
	sender := &capturingSender{}
	s.SetSMSSender(sender)
	c := tests.NewClient(t, app)
	const ip = "203.0.113.9:5000"

	phone := func(i int) string { return fmt.Sprintf("139%08d", i) }
	for i := 0; i < 30; i++ {
		if status, code := sendFrom(t, c, ip, phone(i)); status != http.StatusOK {
			t.Fatalf("send %d: %d %s", i+1, status, code)
		}
	}
	// the 31st from the same address within the hour is refused, whatever the phone
	status, code := sendFrom(t, c, ip, phone(30))
	if status != http.StatusTooManyRequests || code != "sms_ip_limit" {
		t.Fatalf("31st send: %d %s, want 429 sms_ip_limit", status, code)
	}
	if n, _ := app.CountRecords("sms_codes", dbx.HashExp{"phone": phone(30)}); n != 0 || sender.last(phone(30)) != "" {
		t.Fatal("a refused request stored or sent a code")
	}
	// another network is not affected
	if status, code := sendFrom(t, c, "198.51.100.7:6000", phone(30)); status != http.StatusOK {
		t.Fatalf("another address: %d %s", status, code)
	}
	// an hour later the address may ask again
	backdate(t, app, "ip", "203.0.113.9", time.Hour+time.Minute)
	if status, code := sendFrom(t, c, ip, phone(31)); status != http.StatusOK {
		t.Fatalf("send after an hour: %d %s", status, code)
	}
}
