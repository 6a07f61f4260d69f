package wechatpay_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"fenxiao/hooks/shop"
	"fenxiao/plugins/wechatpay"
	"fenxiao/plugins/wechatpay/wxpayfake"
)

// FuzzParseNotification feeds WeChat Pay's notification parser bodies and
// signature headers derived from a genuine, signed payment notification:
// it never panics, and it accepts nothing but the genuine notification (the
// signature covers the timestamp, the nonce and the exact body).
func FuzzParseNotification(f *testing.F) {
	fake, err := wxpayfake.New(wxpayfake.Options{})
	if err != nil {
		f.Fatal(err)
	}
	defer fake.Close()
	p, err := wechatpay.New(fake.PluginConfig())
	if err != nil {
		f.Fatal(err)
	}
	defer p.Stop()
	ctx := context.Background()
	_, err = p.Start(ctx, nil, shop.PayRequest{OrderId: "ordFX20261204000001", OrderNo: "FX20261204000001",
		Description: "有机红枣礼盒 500g", Amount: 9900, Buyer: buyer("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"),
		ClientIP: "127.0.0.1", ExpiresAt: time.Now().Add(30 * time.Minute)})
	if err != nil {
		f.Fatal(err)
	}
	n, err := fake.PaymentNotification("FX20261204000001")
	if err != nil {
		f.Fatal(err)
	}
	genuine := n.Headers["Wechatpay-Signature"]
	f.Add(n.Body, genuine, n.Headers["Wechatpay-Timestamp"], n.Headers["Wechatpay-Nonce"])
	f.Add([]byte(`{"id":"x","resource":{"algorithm":"AEAD_AES_256_GCM","ciphertext":"","nonce":"","associated_data":""}}`), genuine, "0", "")
	f.Add([]byte(`{}`), "", "", "")
	f.Add([]byte(`not json`), genuine, n.Headers["Wechatpay-Timestamp"], n.Headers["Wechatpay-Nonce"])

	f.Fuzz(func(t *testing.T, body []byte, signature, timestamp, nonce string) {
		r := httptest.NewRequest(http.MethodPost, "/api/shop/pay/notify/wechatpay", bytes.NewReader(body))
		for k, v := range n.Headers {
			r.Header.Set(k, v)
		}
		r.Header.Set("Wechatpay-Signature", signature)
		r.Header.Set("Wechatpay-Timestamp", timestamp)
		r.Header.Set("Wechatpay-Nonce", nonce)
		notice, err := p.ParseNotification(ctx, r)
		genuineRequest := bytes.Equal(body, n.Body) && signature == genuine &&
			timestamp == n.Headers["Wechatpay-Timestamp"] && nonce == n.Headers["Wechatpay-Nonce"]
		if err == nil && !genuineRequest {
			t.Fatalf("an altered notification was accepted: %+v", notice)
		}
		if err == nil && (notice == nil || notice.OrderNo != "FX20261204000001" || notice.Amount != 9900) {
			t.Fatalf("the genuine notification parsed to %+v", notice)
		}
	})
}
