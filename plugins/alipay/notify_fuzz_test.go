package alipay_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"fenxiao/plugins/alipay"
	"fenxiao/plugins/alipay/alipayfake"
)

// FuzzParseNotification feeds Alipay's notification parser form bodies
// derived from a genuine, signed trade_status_sync notification: it never
// panics, and what it accepts carries exactly the genuine values (the
// signature covers every parameter but sign and sign_type).
func FuzzParseNotification(f *testing.F) {
	fake := alipayfake.New(f)
	p, err := alipay.New(fake.PluginConfig())
	if err != nil {
		f.Fatal(err)
	}
	fake.Pay("FX20261204000002", 1999)
	form := fake.NotificationForm("FX20261204000002")
	f.Add(form.Encode())
	altered := fake.NotificationForm("FX20261204000002")
	altered.Set("total_amount", "0.01")
	f.Add(altered.Encode())
	f.Add("")
	f.Add("sign=%zz&&=")

	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest(http.MethodPost, alipayfake.NotifyURL, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		notice, err := p.ParseNotification(context.Background(), r)
		if err != nil || notice == nil {
			return
		}
		got, perr := url.ParseQuery(body)
		if perr != nil {
			t.Fatalf("a body that does not parse as a form was accepted: %q", body)
		}
		for k := range form {
			if k != "sign_type" && got.Get(k) != form.Get(k) {
				t.Fatalf("an altered notification was accepted (%s = %q): %+v", k, got.Get(k), notice)
			}
		}
		if notice.OrderNo != "FX20261204000002" || notice.Amount != 1999 {
			t.Fatalf("the genuine notification parsed to %+v", notice)
		}
	})
}
