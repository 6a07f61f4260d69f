package wechat_test

import (
	"net/http"
	"testing"

	"fenxiao/plugins/wechat"
	"fenxiao/plugins/wechat/wxfake"
	"fenxiao/tests"
)

func TestWeChatPhoneNumber(t *testing.T) {
	fake := wxfake.New(t, "wx-app", "wx-secret")
	app, _ := tests.NewShopApp(t)
	client, err := wechat.NewClient(wechat.Config{AppID: "wx-app", Secret: "wx-secret", BaseURL: fake.URL()})
	if err != nil {
		t.Fatal(err)
	}
	wechat.MustRegister(app, wechat.Config{Client: client})
	c := tests.NewClient(t, app)

	// signed in through the fake's jscode2session
	res := c.Do(http.MethodPost, "/api/shop/auth/wechat", map[string]any{"code": "code-dave-1"}, "")
	if res.Status != 200 {
		t.Fatalf("sign-in: %d %s", res.Status, res.Raw)
	}
	token := res.Body["token"].(string)
	userId := res.Body["record"].(map[string]any)["id"].(string)

	if res = c.Do(http.MethodPost, "/api/shop/auth/wechat/phone", map[string]any{"code": "phone-13800001111"}, ""); res.Status != 401 {
		t.Fatalf("anonymous: %d %s", res.Status, res.Raw)
	}
	res = c.Do(http.MethodPost, "/api/shop/auth/wechat/phone", map[string]any{"code": "phone-13800001111"}, token)
	if res.Status != 200 || res.Body["phone"] != "13800001111" {
		t.Fatalf("phone: %d %s", res.Status, res.Raw)
	}
	if u, _ := app.FindRecordById("users", userId); u.GetString("phone") != "13800001111" {
		t.Fatalf("phone not stored: %q", u.GetString("phone"))
	}

	// a used code, a made-up code and a missing code are refused and change nothing
	for _, tc := range []struct{ code, want string }{
		{"phone-13800001111", "wechat_phone_code_invalid"},
		{"nonsense", "wechat_phone_code_invalid"},
		{"", "wechat_phone_code_required"},
	} {
		res = c.Do(http.MethodPost, "/api/shop/auth/wechat/phone", map[string]any{"code": tc.code}, token)
		if res.Status != 400 || res.Code() != tc.want {
			t.Fatalf("code %q: %d %s", tc.code, res.Status, res.Raw)
		}
	}

	// a number already on another account is refused
	other, otherToken := tests.User(t, app, "other@test.local", nil)
	res = c.Do(http.MethodPost, "/api/shop/auth/wechat/phone", map[string]any{"code": "phone-13800001111-2"}, otherToken)
	if res.Status != 409 || res.Code() != "phone_in_use" {
		t.Fatalf("number of another account: %d %s", res.Status, res.Raw)
	}
	if u, _ := app.FindRecordById("users", other.Id); u.GetString("phone") != "" {
		t.Fatalf("refused number stored: %q", u.GetString("phone"))
	}

	// a revoked access token is replaced once and the call succeeds
	calls := fake.TokenCalls()
	fake.RevokeToken()
	res = c.Do(http.MethodPost, "/api/shop/auth/wechat/phone", map[string]any{"code": "phone-13900002222"}, token)
	if res.Status != 200 || res.Body["phone"] != "13900002222" || fake.TokenCalls() != calls+1 {
		t.Fatalf("after revoke: %d %s, token calls %d → %d", res.Status, res.Raw, calls, fake.TokenCalls())
	}
}
