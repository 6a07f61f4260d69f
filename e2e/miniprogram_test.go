package e2e

import (
	"path/filepath"
	"testing"

	"fenxiao/plugins/wechat/wxfake"
)

// TestMiniProgram runs the mini-program's own modules and pages (through
// miniprogram-simulate, with a wx whose network calls are real HTTP) against
// the binary with sandbox payment on and WeChat's server APIs faked: entry
// from a share card and from a mini-program code, wx.login sign-in, the
// phone number button, cart to a paid order, the upline's centre receiving
// the commission over the chunked realtime reader, after-sale photos, live
// order status, the polling fallback and a withdrawal.
func TestMiniProgram(t *testing.T) {
	fake := wxfake.New(t, "wx-e2e-app", "wx-e2e-secret")
	s := StartShop(t, ShopOptions{Demo: true, Env: []string{
		"FENXIAO_SANDBOX_PAY=1",
		"FENXIAO_WECHAT_APPID=wx-e2e-app",
		"FENXIAO_WECHAT_SECRET=wx-e2e-secret",
		"FENXIAO_WECHAT_API_URL=" + fake.URL(),
	}})
	RunNode(t, s, filepath.Join("..", "clients", "miniprogram", "test", "miniprogram.js"))

	// the poster page asked WeChat for the link's mini-program code, which
	// opens the home page with the link as scene
	codes := fake.WxaCodes()
	if len(codes) == 0 {
		t.Fatal("no mini-program code was requested")
	}
	if codes[0].Page != "pages/index/index" || len(codes[0].Scene) != 8 {
		t.Fatalf("mini-program code: %+v", codes[0])
	}
}

// TestMiniProgramMarketing: the home page's flash slot with its countdown,
// the coupon centre, 我的优惠券 and the coupon picker at checkout, in the
// mini-program (miniprogram-simulate) against the binary with demo data.
func TestMiniProgramMarketing(t *testing.T) {
	fake := wxfake.New(t, "wx-e2e-app", "wx-e2e-secret")
	s := StartShop(t, ShopOptions{Demo: true, Env: []string{
		"FENXIAO_SANDBOX_PAY=1",
		"FENXIAO_WECHAT_APPID=wx-e2e-app",
		"FENXIAO_WECHAT_SECRET=wx-e2e-secret",
		"FENXIAO_WECHAT_API_URL=" + fake.URL(),
	}})
	RunNode(t, s, filepath.Join("..", "clients", "miniprogram", "test", "marketing.js"))
}
