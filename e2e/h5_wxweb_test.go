package e2e

import (
	"os/exec"
	"strings"
	"testing"

	"fenxiao/plugins/wechatpay/wxpayfake"
)

// TestH5WechatPayOutsideWeChat: WeChat Pay from browsers outside WeChat
// against the fake. On a desktop the cashier shows the Native QR code with
// the amount and a countdown; the fake "scans" its code_url, notifies the
// shop, and the page turns to 支付成功 live. On a phone the cashier goes to
// WeChat's H5 page (the fake's), which pays and sends the buyer back.
// Both orders end paid once, and the audit passes.
func TestH5WechatPayOutsideWeChat(t *testing.T) {
	wx, err := wxpayfake.New(wxpayfake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer wx.Close()

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
	}})
	// the notify URL is public; the shop under test listens here
	wx.SetNotifyBase(s.URL)
	RunNode(t, s, "h5/wxweb.mjs", "WXPAY_FAKE="+wx.URL())

	types := map[string]int{}
	for _, r := range wx.Requests() {
		types[r]++
	}
	if types["POST /v3/pay/transactions/native"] != 1 || types["POST /v3/pay/transactions/h5"] != 1 || types["POST /v3/pay/transactions/jsapi"] != 0 {
		t.Fatalf("WeChat Pay saw %v", types)
	}

	out, err := exec.Command(binary(t), "audit", "--dir", s.Dir).CombinedOutput()
	if err != nil {
		t.Fatalf("audit: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "FAIL") {
		t.Fatalf("audit:\n%s", out)
	}
}
