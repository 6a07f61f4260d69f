package wechatpay_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"fenxiao/hooks/shop"
	"fenxiao/plugins/wechatpay"
	"fenxiao/plugins/wechatpay/wxpayfake"
	"fenxiao/tests"
)

func startChannel(p *wechatpay.Provider, channel, orderNo, ip string) (*shop.PayStart, error) {
	return p.Start(context.Background(), nil, shop.PayRequest{
		OrderId:     "ord" + orderNo,
		OrderNo:     orderNo,
		Description: "有机红枣礼盒 500g",
		Amount:      2990,
		Buyer:       buyer(""), // outside WeChat: no openid
		ClientIP:    ip,
		ExpiresAt:   time.Now().Add(30 * time.Minute),
		Channel:     channel,
	})
}

func TestH5Prepay(t *testing.T) {
	t.Parallel()
	fake, p := setup(t, wxpayfake.Options{})

	start, err := startChannel(p, wechatpay.ChannelH5, "H5ORDER0001", "203.0.113.9")
	if err != nil {
		t.Fatal(err)
	}
	h5URL, _ := start.Params["h5_url"].(string)
	if start.Params["channel"] != "h5" || !strings.HasPrefix(h5URL, fake.URL()+"/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=") || start.Paid {
		t.Fatalf("params %v", start.Params)
	}
	o, ok := fake.Order("H5ORDER0001")
	if !ok || o.TradeType != "MWEB" || o.ClientIP != "203.0.113.9" || o.Amount != 2990 || o.OpenID != "" || o.AppID != fake.AppID {
		t.Fatalf("fake order %+v", o)
	}

	// the same order asked again gets the same page; a client IP is required
	again, err := startChannel(p, wechatpay.ChannelH5, "H5ORDER0001", "203.0.113.9")
	if err != nil || again.Params["h5_url"] != h5URL {
		t.Fatalf("again: %v %v", again, err)
	}
	if _, err := startChannel(p, wechatpay.ChannelH5, "H5ORDER0002", ""); shopCode(err) != "pay_client_ip_missing" {
		t.Fatalf("no client IP: %v", err)
	}

	// the page h5_url opens is WeChat's cashier for this order
	res, err := http.Get(h5URL)
	if err != nil {
		t.Fatal(err)
	}
	body := new(bytes.Buffer)
	_, _ = body.ReadFrom(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(body.String(), "¥29.90") {
		t.Fatalf("cashier page %d:\n%s", res.StatusCode, body)
	}

	// the notification is the one JSAPI orders get, with the payer WeChat saw
	n, err := fake.PaymentNotification("H5ORDER0001")
	if err != nil {
		t.Fatal(err)
	}
	notice, err := p.ParseNotification(context.Background(), n.Request("/api/shop/pay/notify/wechatpay"))
	if err != nil || notice == nil || notice.OrderNo != "H5ORDER0001" || notice.Amount != 2990 || notice.TransactionId == "" {
		t.Fatalf("notice %+v %v", notice, err)
	}
	if !strings.Contains(notice.Raw, `"trade_type":"MWEB"`) {
		t.Fatalf("raw %s", notice.Raw)
	}
}

func TestNativePrepay(t *testing.T) {
	t.Parallel()
	fake, p := setup(t, wxpayfake.Options{})

	start, err := startChannel(p, wechatpay.ChannelNative, "NATIVE0001", "198.51.100.4")
	if err != nil {
		t.Fatal(err)
	}
	code, _ := start.Params["code_url"].(string)
	if start.Params["channel"] != "native" || !strings.HasPrefix(code, "weixin://wxpay/bizpayurl?pr=") {
		t.Fatalf("params %v", start.Params)
	}
	img, _ := start.Params["qr_image"].(string)
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(img, "data:image/png;base64,"))
	if err != nil || !strings.HasPrefix(img, "data:image/png;base64,") {
		t.Fatalf("qr_image %.40q: %v", img, err)
	}
	pic, err := png.Decode(bytes.NewReader(raw))
	if err != nil || pic.Bounds().Dx() != 400 || pic.Bounds().Dy() != 400 {
		t.Fatalf("QR picture: %v %v", pic, err)
	}
	if o, ok := fake.Order("NATIVE0001"); !ok || o.TradeType != "NATIVE" || o.CodeURL != code {
		t.Fatalf("fake order %+v", o)
	}

	again, err := startChannel(p, wechatpay.ChannelNative, "NATIVE0001", "198.51.100.4")
	if err != nil || again.Params["code_url"] != code {
		t.Fatalf("again: %v %v", again, err)
	}
	// the out_trade_no is a Native order now: WeChat Pay refuses it as another kind
	if _, err := startChannel(p, wechatpay.ChannelH5, "NATIVE0001", "198.51.100.4"); shopCode(err) != "wechatpay_invalid_request" {
		t.Fatalf("H5 for a Native order: %v", err)
	}
	if _, err := startChannel(p, "alipay", "NATIVE0002", "198.51.100.4"); shopCode(err) != "pay_channel_invalid" {
		t.Fatalf("unknown channel: %v", err)
	}
	if len(fake.Requests()) != 3 {
		t.Fatalf("the unknown channel reached WeChat Pay: %v", fake.Requests())
	}

	// scanning pays it; query and notification agree
	if _, err := fake.ScanCode(context.Background(), code); err != nil {
		t.Fatal(err)
	}
	q, err := p.Query(context.Background(), "NATIVE0001")
	if err != nil || !q.Paid || q.Notice.Amount != 2990 {
		t.Fatalf("query %+v %v", q, err)
	}
}

// TestWebChannelsPayTheOrder runs both channels through the shop's routes:
// checkout, pay with the channel, the notification (delivered three times)
// pays the order once, and the audit finds the books balanced.
func TestWebChannelsPayTheOrder(t *testing.T) {
	fake, err := wxpayfake.New(wxpayfake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	app, _ := tests.NewShopApp(t)
	wechatpay.MustRegister(app, fake.PluginConfig())
	c := tests.NewClient(t, app)
	buyerRec, token := tests.User(t, app, "web@test.local", nil) // no WeChat identity
	addr := tests.Save(t, app, "addresses", map[string]any{"user": buyerRec.Id, "name": "李四", "phone": "13900000000",
		"province": "上海市", "detail": "徐汇区1号", "is_default": true})
	p := tests.Save(t, app, "products", map[string]any{"title": "红枣", "status": "on"})
	sku := tests.Save(t, app, "skus", map[string]any{"product": p.Id, "price": 3990, "stock": 10, "spec_text": "500g"})

	deliver := func(n *wxpayfake.Notification) int {
		rec := httptest.NewRecorder()
		c.Handler.ServeHTTP(rec, n.Request("/api/shop/pay/notify/wechatpay"))
		return rec.Code
	}

	for _, channel := range []string{"h5", "native"} {
		res := c.Do("POST", "/api/shop/checkout", map[string]any{
			"items": []map[string]any{{"sku": sku.Id, "quantity": 1}}, "address": addr.Id}, token)
		if res.Status != 200 {
			t.Fatalf("checkout: %d %s", res.Status, res.Raw)
		}
		id := res.Body["id"].(string)

		// JSAPI needs the WeChat identity this buyer does not have
		if res := c.Do("POST", "/api/shop/orders/"+id+"/pay", map[string]any{"method": "wechatpay"}, token); res.Status != 400 || !strings.Contains(string(res.Raw), "wechat_openid_missing") {
			t.Fatalf("jsapi without openid: %d %s", res.Status, res.Raw)
		}
		res = c.Do("POST", "/api/shop/orders/"+id+"/pay", map[string]any{"method": "wechatpay", "channel": channel}, token)
		if res.Status != 200 || res.Body["paid"] != false {
			t.Fatalf("%s pay: %d %s", channel, res.Status, res.Raw)
		}
		params := res.Body["params"].(map[string]any)
		if params["channel"] != channel || (params["h5_url"] == nil && params["code_url"] == nil) {
			t.Fatalf("%s params %v", channel, params)
		}
		order, _ := app.FindRecordById("orders", id)
		if order.GetString("pay_method") != "wechatpay" {
			t.Fatalf("pay_method %q", order.GetString("pay_method"))
		}

		n, err := fake.PaymentNotification(order.GetString("order_no"))
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			if code := deliver(n); code != http.StatusNoContent {
				t.Fatalf("%s delivery %d answered %d", channel, i, code)
			}
		}
		order, _ = app.FindRecordById("orders", id)
		if order.GetString("status") != "paid" {
			t.Fatalf("%s order %s", channel, order.GetString("status"))
		}
		if n, _ := app.CountRecords("payments", dbx.HashExp{"order": id}); n != 1 {
			t.Fatalf("%s: %d payments for one order", channel, n)
		}
	}

	// a bad channel changes nothing and says why
	res := c.Do("POST", "/api/shop/checkout", map[string]any{
		"items": []map[string]any{{"sku": sku.Id, "quantity": 1}}, "address": addr.Id}, token)
	id := res.Body["id"].(string)
	res = c.Do("POST", "/api/shop/orders/"+id+"/pay", map[string]any{"method": "wechatpay", "channel": "app"}, token)
	if res.Status != 400 || !strings.Contains(string(res.Raw), "pay_channel_invalid") {
		t.Fatalf("bad channel: %d %s", res.Status, res.Raw)
	}
	tests.MustAudit(t, app)
}
