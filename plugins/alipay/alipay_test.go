package alipay_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/plugins/alipay"
	"fenxiao/plugins/alipay/alipayfake"
)

func newProvider(t *testing.T) (*alipay.Provider, *alipayfake.Fake) {
	t.Helper()
	fake := alipayfake.New(t)
	p, err := alipay.New(fake.PluginConfig())
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p, fake
}

func TestParseYuan(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"0.01", 1, false},
		{"12.3", 1230, false},
		{"12.34", 1234, false},
		{"1000", 100000, false},
		{"0", 0, false},
		{"0.00", 0, false},
		{"100000000.00", 10000000000, false},
		{"007.50", 750, false},
		{"1.234", 0, true},
		{"-1", 0, true},
		{"", 0, true},
		{"1.", 0, true},
		{".5", 0, true},
		{"1e3", 0, true},
		{" 1", 0, true},
		{"1,000", 0, true},
		{"+1", 0, true},
		{"1.2a", 0, true},
		{"9999999999999999", 0, true},
	}
	for _, c := range cases {
		got, err := alipay.ParseYuan(c.in)
		if c.wantErr {
			if err == nil {
				t.Errorf("ParseYuan(%q) = %d, want an error", c.in, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseYuan(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
}

func TestNewRequiresKeys(t *testing.T) {
	t.Parallel()
	fake := alipayfake.New(t)
	for name, mutate := range map[string]func(*alipay.Config){
		"no app id":       func(c *alipay.Config) { c.AppID = "" },
		"no private key":  func(c *alipay.Config) { c.PrivateKey = "" },
		"bad private key": func(c *alipay.Config) { c.PrivateKey = "not a key" },
		"no public key":   func(c *alipay.Config) { c.AlipayPublicKey = "" },
		"bad public key":  func(c *alipay.Config) { c.AlipayPublicKey = "bm90IGEga2V5" },
	} {
		cfg := fake.PluginConfig()
		mutate(&cfg)
		if _, err := alipay.New(cfg); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
}

func TestRegister(t *testing.T) {
	t.Parallel()
	fake := alipayfake.New(t)

	app := core.NewBaseApp(core.BaseAppConfig{DataDir: t.TempDir()})
	if err := alipay.Register(app, fake.PluginConfig()); err == nil {
		t.Fatal("Register without the shop core succeeded")
	}

	s := shop.New()
	shop.Attach(app, s)
	alipay.MustRegister(app, fake.PluginConfig())
	p, ok := s.PaymentProvider("alipay")
	if !ok || p.Name() != "alipay" {
		t.Fatalf("provider not registered: %v %v", p, ok)
	}
}

func TestStartBuildsSignedWapURL(t *testing.T) {
	t.Parallel()
	p, fake := newProvider(t)

	expires := time.Date(2026, 11, 24, 10, 30, 0, 0, time.UTC)
	start, err := p.Start(context.Background(), nil, shop.PayRequest{
		OrderNo:     "FX20261124001",
		Description: "分销小店 订单",
		Amount:      1234,
		ExpiresAt:   expires,
	})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if start.Paid || start.Notice != nil {
		t.Fatalf("Start reported an immediate payment: %+v", start)
	}
	payURL, _ := start.Params["pay_url"].(string)
	if !strings.HasPrefix(payURL, fake.GatewayURL()+"?") {
		t.Fatalf("pay_url %q is not on the gateway %s", payURL, fake.GatewayURL())
	}

	u, _ := url.Parse(payURL)
	q := u.Query()
	if q.Get("method") != "alipay.trade.wap.pay" || q.Get("notify_url") != alipayfake.NotifyURL || q.Get("return_url") != alipayfake.ReturnURL {
		t.Fatalf("unexpected pay_url params: %v", q)
	}
	biz := q.Get("biz_content")
	for _, want := range []string{
		`"total_amount":"12.34"`,
		`"out_trade_no":"FX20261124001"`,
		`"product_code":"QUICK_WAP_WAY"`,
		`"time_expire":"2026-11-24 18:30:00"`,
		`"seller_id":"` + fake.SellerID + `"`,
	} {
		if !strings.Contains(biz, want) {
			t.Errorf("biz_content %s lacks %s", biz, want)
		}
	}

	// the fake verifies the app signature before "paying"
	tradeNo, err := fake.PayURL(payURL)
	if err != nil {
		t.Fatalf("PayURL: %v", err)
	}
	tr, _ := fake.Trade("FX20261124001")
	if tr.TotalFen != 1234 || tr.Status != alipayfake.StatusSuccess || tr.TradeNo != tradeNo {
		t.Fatalf("trade after paying: %+v", tr)
	}

	// a URL changed after signing is refused
	if _, err := fake.PayURL(strings.Replace(payURL, "12.34", "0.01", 1)); err == nil {
		t.Fatal("PayURL accepted a tampered URL")
	}
}

func TestStartAppPayBuildsSignedOrderString(t *testing.T) {
	t.Parallel()
	fake := alipayfake.New(t)
	ctx := context.Background()
	req := shop.PayRequest{OrderNo: "FX20261124002", Description: "分销小店 订单", Amount: 5678,
		ExpiresAt: time.Date(2026, 11, 24, 10, 30, 0, 0, time.UTC)}

	// off by default: H5 only
	h5, _ := alipay.New(fake.PluginConfig())
	if start, err := h5.Start(ctx, nil, req); err != nil || start.Params["order_string"] != nil {
		t.Fatalf("AppPay off: %v %v", start, err)
	}

	cfg := fake.PluginConfig()
	cfg.AppPay = true
	p, err := alipay.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	start, err := p.Start(ctx, nil, req)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if _, ok := start.Params["pay_url"].(string); !ok {
		t.Fatalf("no pay_url next to the order string: %v", start.Params)
	}
	orderString, _ := start.Params["order_string"].(string)
	q, err := url.ParseQuery(orderString)
	if err != nil || q.Get("method") != "alipay.trade.app.pay" || q.Get("app_id") != fake.AppID ||
		q.Get("notify_url") != alipayfake.NotifyURL || q.Get("return_url") != "" || q.Get("sign") == "" {
		t.Fatalf("order string %q (%v)", orderString, err)
	}
	if strings.HasPrefix(orderString, "http") {
		t.Fatalf("order string is a URL: %s", orderString)
	}
	biz := q.Get("biz_content")
	for _, want := range []string{
		`"total_amount":"56.78"`,
		`"out_trade_no":"FX20261124002"`,
		`"product_code":"QUICK_MSECURITY_PAY"`,
		`"time_expire":"2026-11-24 18:30:00"`,
		`"seller_id":"` + fake.SellerID + `"`,
	} {
		if !strings.Contains(biz, want) {
			t.Errorf("biz_content %s lacks %s", biz, want)
		}
	}

	// a tampered string is refused; the genuine one pays, and the payment is
	// seen through the same query and notification as an H5 payment
	if _, err := fake.PayOrderString(strings.Replace(orderString, "56.78", "0.01", 1)); err == nil {
		t.Fatal("PayOrderString accepted a tampered order string")
	}
	tradeNo, err := fake.PayOrderString(orderString)
	if err != nil {
		t.Fatalf("PayOrderString: %v", err)
	}
	q2, err := p.Query(ctx, "FX20261124002")
	if err != nil || !q2.Paid || q2.Notice.TransactionId != tradeNo || q2.Notice.Amount != 5678 {
		t.Fatalf("Query after App payment: %+v %v", q2, err)
	}
	notice, err := p.ParseNotification(ctx, fake.NotificationRequest("FX20261124002"))
	if err != nil || notice == nil || notice.TransactionId != tradeNo || notice.Amount != 5678 {
		t.Fatalf("notification after App payment: %+v %v", notice, err)
	}
}

func TestStartRejectsBadAmounts(t *testing.T) {
	t.Parallel()
	p, _ := newProvider(t)
	for _, amount := range []int64{0, -1, 100_000_000*100 + 1} {
		if _, err := p.Start(context.Background(), nil, shop.PayRequest{OrderNo: "FX1", Amount: amount}); err == nil {
			t.Errorf("Start accepted amount %d", amount)
		}
	}
	if _, err := p.Start(context.Background(), nil, shop.PayRequest{Amount: 100}); err == nil {
		t.Error("Start accepted a missing order number")
	}
}

func TestNotificationValid(t *testing.T) {
	t.Parallel()
	p, fake := newProvider(t)
	tradeNo := fake.Pay("FX100", 1999)

	n, err := p.ParseNotification(context.Background(), fake.NotificationRequest("FX100"))
	if err != nil {
		t.Fatalf("ParseNotification: %v", err)
	}
	if n == nil {
		t.Fatal("no notice for a paid trade")
	}
	if n.Provider != "alipay" || n.OrderNo != "FX100" || n.TransactionId != tradeNo ||
		n.Amount != 1999 || n.MerchantId != fake.AppID || n.PaidAt.IsZero() || !strings.Contains(n.Raw, "sign=") {
		t.Fatalf("unexpected notice: %+v", n)
	}
}

func TestNotificationForgedSignature(t *testing.T) {
	t.Parallel()
	p, fake := newProvider(t)
	fake.Pay("FX101", 500)

	n, err := p.ParseNotification(context.Background(), fake.ForgedNotificationRequest("FX101"))
	if !errors.Is(err, alipay.ErrForgedNotification) || n != nil {
		t.Fatalf("forged notification: notice %+v, err %v", n, err)
	}

	// no signature at all
	form := fake.NotificationForm("FX101")
	form.Del("sign")
	if n, err := p.ParseNotification(context.Background(), alipayfake.NewNotificationRequest(form)); err == nil || n != nil {
		t.Fatalf("unsigned notification: notice %+v, err %v", n, err)
	}
}

func TestNotificationTampered(t *testing.T) {
	t.Parallel()
	p, fake := newProvider(t)
	fake.Pay("FX102", 500)

	for key, value := range map[string]string{
		"total_amount": "5000.00",
		"out_trade_no": "FX999",
		"trade_status": "TRADE_SUCCESS ",
	} {
		r := fake.TamperedNotificationRequest("FX102", key, value)
		if n, err := p.ParseNotification(context.Background(), r); !errors.Is(err, alipay.ErrForgedNotification) || n != nil {
			t.Errorf("tampered %s: notice %+v, err %v", key, n, err)
		}
	}
}

func TestNotificationWrongAppOrSeller(t *testing.T) {
	t.Parallel()
	p, fake := newProvider(t)
	fake.Pay("FX103", 500)

	for key, value := range map[string]string{
		"app_id":    "2021999999999999",
		"seller_id": "2088999999999999",
	} {
		form := fake.NotificationForm("FX103")
		form.Set(key, value)
		// signed by the genuine gateway key: only the identity is wrong
		r := alipayfake.NewNotificationRequest(fake.SignNotification(form))
		n, err := p.ParseNotification(context.Background(), r)
		if err == nil || n != nil || errors.Is(err, alipay.ErrForgedNotification) || !strings.Contains(err.Error(), key) {
			t.Errorf("wrong %s: notice %+v, err %v", key, n, err)
		}
	}
}

func TestNotificationMalformedAmount(t *testing.T) {
	t.Parallel()
	p, fake := newProvider(t)
	fake.Pay("FX104", 500)

	for _, amount := range []string{"1.234", "-5.00", "abc", "0.00"} {
		form := fake.NotificationForm("FX104")
		form.Set("total_amount", amount)
		r := alipayfake.NewNotificationRequest(fake.SignNotification(form))
		if n, err := p.ParseNotification(context.Background(), r); err == nil || n != nil {
			t.Errorf("total_amount %q: notice %+v, err %v", amount, n, err)
		}
	}
}

func TestNotificationNothingToApply(t *testing.T) {
	t.Parallel()
	p, fake := newProvider(t)

	fake.Open("FX105", 800)
	n, err := p.ParseNotification(context.Background(), fake.NotificationRequest("FX105"))
	if err != nil || n != nil {
		t.Fatalf("WAIT_BUYER_PAY: notice %+v, err %v", n, err)
	}

	// a partial refund keeps TRADE_SUCCESS but carries refund fields
	fake.Pay("FX105", 800)
	form := fake.NotificationForm("FX105")
	form.Set("refund_fee", "1.00")
	form.Set("gmt_refund", "2026-11-24 12:00:00.000")
	form.Set("out_biz_no", "R1")
	n, err = p.ParseNotification(context.Background(), alipayfake.NewNotificationRequest(fake.SignNotification(form)))
	if err != nil || n != nil {
		t.Fatalf("refund notification: notice %+v, err %v", n, err)
	}
}

func TestAckNotification(t *testing.T) {
	t.Parallel()
	p, _ := newProvider(t)

	w := httptest.NewRecorder()
	p.AckNotification(w, nil)
	if w.Code != 200 || w.Body.String() != "success" {
		t.Fatalf("ack: %d %q", w.Code, w.Body.String())
	}

	w = httptest.NewRecorder()
	p.AckNotification(w, errors.New("boom"))
	if w.Body.String() != "fail" {
		t.Fatalf("nack: %q", w.Body.String())
	}
}

func TestQuery(t *testing.T) {
	t.Parallel()
	p, fake := newProvider(t)
	ctx := context.Background()

	// never seen by Alipay
	q, err := p.Query(ctx, "FX200")
	if err != nil || q.Paid || q.Closed || q.Notice != nil {
		t.Fatalf("unknown trade: %+v, %v", q, err)
	}

	fake.Open("FX200", 4321)
	q, err = p.Query(ctx, "FX200")
	if err != nil || q.Paid || q.Closed {
		t.Fatalf("unpaid trade: %+v, %v", q, err)
	}

	tradeNo := fake.Pay("FX200", 4321)
	q, err = p.Query(ctx, "FX200")
	if err != nil || !q.Paid || q.Notice == nil {
		t.Fatalf("paid trade: %+v, %v", q, err)
	}
	if n := q.Notice; n.Amount != 4321 || n.TransactionId != tradeNo || n.OrderNo != "FX200" ||
		n.Provider != "alipay" || n.MerchantId != fake.AppID || n.PaidAt.IsZero() {
		t.Fatalf("paid notice: %+v", n)
	}

	fake.Open("FX201", 100)
	fake.Close("FX201")
	q, err = p.Query(ctx, "FX201")
	if err != nil || q.Paid || !q.Closed {
		t.Fatalf("closed trade: %+v, %v", q, err)
	}

	if got := fake.Calls("alipay.trade.query"); got != 4 {
		t.Fatalf("gateway saw %d queries, want 4", got)
	}
}

func TestQueryRejectsUntrustedGateway(t *testing.T) {
	t.Parallel()
	fake := alipayfake.New(t)
	fake.Pay("FX300", 100)

	// the plugin trusts another key than the gateway's: signed answers fail
	cfg := fake.PluginConfig()
	cfg.AlipayPublicKey = fake.AppPublicKey()
	p, err := alipay.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if q, err := p.Query(context.Background(), "FX300"); err == nil {
		t.Fatalf("answer signed with an untrusted key accepted: %+v", q)
	}

	// the gateway refuses requests from an app it does not know
	cfg = fake.PluginConfig()
	cfg.AppID = "2021000000000999"
	p, _ = alipay.New(cfg)
	if q, err := p.Query(context.Background(), "FX300"); err == nil {
		t.Fatalf("request from an unknown app answered: %+v", q)
	}
	if got := fake.Calls("alipay.trade.query"); got != 1 {
		t.Fatalf("gateway served %d verified queries, want 1", got)
	}
}

func TestRefundPartialThenOverRefund(t *testing.T) {
	t.Parallel()
	p, fake := newProvider(t)
	ctx := context.Background()
	tradeNo := fake.Pay("FX400", 1000)

	res, err := p.Refund(ctx, shop.RefundRequest{OrderNo: "FX400", TransactionId: tradeNo, RefundNo: "R1", Amount: 300, Total: 1000, Reason: "少发一件"})
	if err != nil || res.Status != "success" || res.RefundId != "R1" {
		t.Fatalf("first partial refund: %+v, %v", res, err)
	}

	// a retry with the same refund number refunds once
	res, err = p.Refund(ctx, shop.RefundRequest{OrderNo: "FX400", RefundNo: "R1", Amount: 300, Total: 1000})
	if err != nil || res.Status != "success" {
		t.Fatalf("retried refund: %+v, %v", res, err)
	}

	res, err = p.Refund(ctx, shop.RefundRequest{OrderNo: "FX400", RefundNo: "R2", Amount: 500, Total: 1000})
	if err != nil || res.Status != "success" {
		t.Fatalf("second partial refund: %+v, %v", res, err)
	}

	// 300 + 500 + 201 > 1000: Alipay refuses
	res, err = p.Refund(ctx, shop.RefundRequest{OrderNo: "FX400", RefundNo: "R3", Amount: 201, Total: 1000})
	if err != nil || res.Status != "failed" || !strings.Contains(res.Raw, "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL") {
		t.Fatalf("over-refund: %+v, %v", res, err)
	}

	tr, _ := fake.Trade("FX400")
	if tr.RefundedFen != 800 || len(tr.Refunds) != 2 || tr.Status != alipayfake.StatusSuccess {
		t.Fatalf("fake state: %+v", tr)
	}

	// the remaining 200 closes the trade
	res, err = p.Refund(ctx, shop.RefundRequest{OrderNo: "FX400", RefundNo: "R4", Amount: 200, Total: 1000})
	if err != nil || res.Status != "success" {
		t.Fatalf("final refund: %+v, %v", res, err)
	}
	if tr, _ := fake.Trade("FX400"); tr.RefundedFen != 1000 || tr.Status != alipayfake.StatusClosed {
		t.Fatalf("fake state after full refund: %+v", tr)
	}
}

func TestRefundInvalidRequests(t *testing.T) {
	t.Parallel()
	p, fake := newProvider(t)
	ctx := context.Background()
	fake.Pay("FX500", 1000)

	for name, req := range map[string]shop.RefundRequest{
		"no refund no":    {OrderNo: "FX500", Amount: 100, Total: 1000},
		"zero amount":     {OrderNo: "FX500", RefundNo: "R1", Total: 1000},
		"above total":     {OrderNo: "FX500", RefundNo: "R1", Amount: 1001, Total: 1000},
		"no order at all": {RefundNo: "R1", Amount: 1},
	} {
		if res, err := p.Refund(ctx, req); err == nil {
			t.Errorf("%s: refund accepted: %+v", name, res)
		}
	}
	if got := fake.Calls("alipay.trade.refund"); got != 0 {
		t.Fatalf("invalid requests reached the gateway %d times", got)
	}

	// unknown trade and an unpaid trade fail at Alipay
	res, err := p.Refund(ctx, shop.RefundRequest{OrderNo: "FX404", RefundNo: "R1", Amount: 1})
	if err != nil || res.Status != "failed" {
		t.Fatalf("unknown trade: %+v, %v", res, err)
	}
	fake.Open("FX501", 100)
	res, err = p.Refund(ctx, shop.RefundRequest{OrderNo: "FX501", RefundNo: "R1", Amount: 1})
	if err != nil || res.Status != "failed" {
		t.Fatalf("unpaid trade: %+v, %v", res, err)
	}
}

func TestRefundSystemErrorIsProcessing(t *testing.T) {
	t.Parallel()
	p, fake := newProvider(t)
	fake.Pay("FX600", 1000)
	fake.FailNext("alipay.trade.refund", "20000", "ACQ.SYSTEM_ERROR", "系统错误")

	req := shop.RefundRequest{OrderNo: "FX600", RefundNo: "R1", Amount: 100, Total: 1000}
	res, err := p.Refund(context.Background(), req)
	if err != nil || res.Status != "processing" {
		t.Fatalf("system error: %+v, %v", res, err)
	}
	// retrying with the same refund number completes it
	res, err = p.Refund(context.Background(), req)
	if err != nil || res.Status != "success" {
		t.Fatalf("retry: %+v, %v", res, err)
	}
	if tr, _ := fake.Trade("FX600"); tr.RefundedFen != 100 {
		t.Fatalf("refunded %d, want 100", tr.RefundedFen)
	}
}

func TestClose(t *testing.T) {
	t.Parallel()
	p, fake := newProvider(t)
	ctx := context.Background()

	fake.Open("FX300", 500)
	if err := p.Close(ctx, "FX300"); err != nil {
		t.Fatalf("close unpaid: %v", err)
	}
	if tr, _ := fake.Trade("FX300"); tr.Status != alipayfake.StatusClosed {
		t.Fatalf("trade after close: %s", tr.Status)
	}
	// closing again and closing a trade Alipay never saw are fine
	if err := p.Close(ctx, "FX300"); err != nil {
		t.Fatalf("close twice: %v", err)
	}
	if err := p.Close(ctx, "FX301"); err != nil {
		t.Fatalf("close unknown: %v", err)
	}
	// a paid trade is not closed
	fake.Open("FX302", 500)
	fake.Pay("FX302", 500)
	if err := p.Close(ctx, "FX302"); err == nil {
		t.Fatal("closing a paid trade succeeded")
	}
	if tr, _ := fake.Trade("FX302"); tr.Status == alipayfake.StatusClosed {
		t.Fatal("a paid trade was closed")
	}
}
