package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"fenxiao/plugins/alipay/alipayfake"
	"fenxiao/plugins/wechatpay/wxpayfake"
)

// TestH5ProviderPayments is test (b): the purchase with sandbox off and the
// WeChat Pay and Alipay fakes on, up to where the page hands over to the
// provider; the fakes then check what the page received (a prepay order of
// the right amount, a pay URL with a valid signature).
func TestH5ProviderPayments(t *testing.T) {
	wx, err := wxpayfake.New(wxpayfake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer wx.Close()
	ali := alipayfake.New(t)

	s := StartShop(t, ShopOptions{Demo: true, Env: []string{
		"FENXIAO_SANDBOX_PAY=",
		"FENXIAO_PUBLIC_URL=https://shop.example.com",
		"FENXIAO_WXPAY_MCH_ID=" + wx.MchID,
		"FENXIAO_WXPAY_APP_ID=" + wx.AppID,
		"FENXIAO_WXPAY_MCH_SERIAL=" + wx.MchCertSerialNo,
		"FENXIAO_WXPAY_MCH_PRIVATE_KEY=" + wx.MerchantPrivateKeyPEM(),
		"FENXIAO_WXPAY_APIV3_KEY=" + wx.APIv3Key,
		"FENXIAO_WXPAY_PUBLIC_KEY_ID=" + wx.PublicKeyID,
		"FENXIAO_WXPAY_PUBLIC_KEY=" + wx.PlatformPublicKeyPEM(),
		"FENXIAO_WXPAY_API_URL=" + wx.URL(),
		"FENXIAO_ALIPAY_APP_ID=" + ali.AppID,
		"FENXIAO_ALIPAY_PRIVATE_KEY=" + ali.AppPrivateKeyPEM(),
		"FENXIAO_ALIPAY_PUBLIC_KEY=" + ali.AlipayPublicKey(),
		"FENXIAO_ALIPAY_SELLER_ID=" + ali.SellerID,
		"FENXIAO_ALIPAY_PRODUCTION=1",
		"FENXIAO_ALIPAY_GATEWAY_URL=" + ali.GatewayURL(),
	}})
	RunNode(t, s, "h5/pay.mjs", "ALIPAY_GATEWAY="+ali.GatewayURL())

	raw, err := os.ReadFile(filepath.Join("screenshots", "pay", "handoff.json"))
	if err != nil {
		t.Fatal(err)
	}
	var handoff struct {
		Wechat struct {
			OrderNo string            `json:"order_no"`
			Payable int64             `json:"payable"`
			Params  map[string]string `json:"params"`
		} `json:"wechat"`
		Alipay struct {
			OrderNo string `json:"order_no"`
			Payable int64  `json:"payable"`
			PayURL  string `json:"pay_url"`
		} `json:"alipay"`
	}
	if err := json.Unmarshal(raw, &handoff); err != nil {
		t.Fatal(err)
	}

	order, ok := wx.Order(handoff.Wechat.OrderNo)
	if !ok {
		t.Fatalf("WeChat Pay has no prepay order %s", handoff.Wechat.OrderNo)
	}
	if order.OpenID != "oFakeOpenId_zhaolei" {
		t.Fatalf("prepay for openid %q, not the buyer's", order.OpenID)
	}
	if order.Amount != handoff.Wechat.Payable {
		t.Fatalf("prepay amount %d, the order's payable %d", order.Amount, handoff.Wechat.Payable)
	}
	if want := "prepay_id=" + order.PrepayID; handoff.Wechat.Params["package"] != want {
		t.Fatalf("package %q, want %q", handoff.Wechat.Params["package"], want)
	}

	// the fake gateway verifies the application's signature of the URL
	if _, err := ali.PayURL(handoff.Alipay.PayURL); err != nil {
		t.Fatalf("Alipay refuses the pay URL the page went to: %v", err)
	}
}
