package wechat_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"fenxiao/plugins/wechat"
	"fenxiao/tests"
)

func TestMain(m *testing.M) { tests.Main(m) }

// fakeWeChat answers /sns/jscode2session like WeChat does: codes are
// single-use, a wrong secret is refused, and every answer is JSON served as
// text/plain (WeChat's real content type).
func fakeWeChat(t *testing.T, appID, secret string) (*httptest.Server, *atomic.Int32) {
	calls := &atomic.Int32{}
	used := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "text/plain")
		q := r.URL.Query()
		if r.URL.Path != "/sns/jscode2session" || q.Get("grant_type") != "authorization_code" {
			w.Write([]byte(`{"errcode":40013,"errmsg":"invalid appid"}`))
			return
		}
		if q.Get("appid") != appID || q.Get("secret") != secret {
			w.Write([]byte(`{"errcode":40125,"errmsg":"invalid appsecret"}`))
			return
		}
		code := q.Get("js_code")
		if !strings.HasPrefix(code, "code-") {
			w.Write([]byte(`{"errcode":40029,"errmsg":"invalid code"}`))
			return
		}
		if used[code] {
			w.Write([]byte(`{"errcode":40163,"errmsg":"code been used"}`))
			return
		}
		used[code] = true
		// the same person gets the same openid whatever code they bring
		person := strings.SplitN(strings.TrimPrefix(code, "code-"), "-", 2)[0]
		json.NewEncoder(w).Encode(map[string]any{"openid": "oFAKE-" + person, "session_key": "sk", "unionid": "u-" + person})
	}))
	t.Cleanup(srv.Close)
	return srv, calls
}

func TestWeChatSignIn(t *testing.T) {
	srv, calls := fakeWeChat(t, "wx-app", "wx-secret")
	app, _ := tests.NewShopApp(t)
	wechat.MustRegister(app, wechat.Config{AppID: "wx-app", Secret: "wx-secret", BaseURL: srv.URL})
	c := tests.NewClient(t, app)
	inviter, _ := tests.User(t, app, "inviter@test.local", nil)

	res := c.Do(http.MethodPost, "/api/shop/auth/wechat", map[string]any{
		"code": "code-alice-1", "nickname": "爱丽丝", "inviter": inviter.GetString("invite_code"), "inviter_source": "qr",
	}, "")
	if res.Status != 200 || res.Body["token"] == nil {
		t.Fatalf("first sign-in: %d %s", res.Status, res.Raw)
	}
	if strings.Contains(string(res.Raw), "oFAKE-alice") {
		t.Fatalf("openid leaked to the client: %s", res.Raw)
	}
	rec := res.Body["record"].(map[string]any)
	if rec["nickname"] != "爱丽丝" || rec["referrer"] != inviter.Id || rec["bound_source"] != "qr" {
		t.Fatalf("new user: %v", rec)
	}
	stored, err := app.FindRecordById("users", rec["id"].(string))
	if err != nil || stored.GetString("wx_openid") != "oFAKE-alice" {
		t.Fatalf("openid not stored: %v", err)
	}

	// the same WeChat user signs in again with a new code: same account
	res = c.Do(http.MethodPost, "/api/shop/auth/wechat", map[string]any{"code": "code-alice-2"}, "")
	if res.Status != 200 || res.Body["record"].(map[string]any)["id"] != rec["id"] {
		t.Fatalf("second sign-in: %d %s", res.Status, res.Raw)
	}

	// a used or invalid code is a 401 with a stable code, and creates nobody
	before, _ := app.CountRecords("users")
	for _, code := range []string{"code-alice-2", "garbage"} {
		res = c.Do(http.MethodPost, "/api/shop/auth/wechat", map[string]any{"code": code}, "")
		if res.Status != 401 || res.Code() != "wechat_code_invalid" {
			t.Fatalf("code %q: %d %s", code, res.Status, res.Raw)
		}
	}
	if after, _ := app.CountRecords("users"); after != before {
		t.Fatalf("failed sign-ins created users")
	}
	if res = c.Do(http.MethodPost, "/api/shop/auth/wechat", map[string]any{}, ""); res.Code() != "wechat_code_required" {
		t.Fatalf("missing code: %d %s", res.Status, res.Raw)
	}
	if calls.Load() != 4 {
		t.Fatalf("WeChat called %d times, want 4", calls.Load())
	}
}

func TestWeChatWrongSecretAndOutage(t *testing.T) {
	srv, _ := fakeWeChat(t, "wx-app", "right")
	app, _ := tests.NewShopApp(t)
	wechat.MustRegister(app, wechat.Config{AppID: "wx-app", Secret: "wrong", BaseURL: srv.URL})
	c := tests.NewClient(t, app)
	res := c.Do(http.MethodPost, "/api/shop/auth/wechat", map[string]any{"code": "code-bob-1"}, "")
	if res.Status != http.StatusBadGateway || res.Code() != "wechat_unavailable" {
		t.Fatalf("wrong secret: %d %s", res.Status, res.Raw)
	}
	if strings.Contains(string(res.Raw), "wrong") {
		t.Fatalf("secret leaked: %s", res.Raw)
	}

	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(502) }))
	down.Close()
	app2, _ := tests.NewShopApp(t)
	wechat.MustRegister(app2, wechat.Config{AppID: "wx-app", Secret: "right", BaseURL: down.URL})
	res = tests.NewClient(t, app2).Do(http.MethodPost, "/api/shop/auth/wechat", map[string]any{"code": "code-bob-1"}, "")
	if res.Status != http.StatusBadGateway {
		t.Fatalf("outage: %d %s", res.Status, res.Raw)
	}
}

func TestWeChatSignInUnknownInviterKeepsTheCode(t *testing.T) {
	srv, calls := fakeWeChat(t, "wx-app", "wx-secret")
	app, _ := tests.NewShopApp(t)
	wechat.MustRegister(app, wechat.Config{AppID: "wx-app", Secret: "wx-secret", BaseURL: srv.URL})
	c := tests.NewClient(t, app)
	inviter, _ := tests.User(t, app, "inviter@test.local", nil)
	before, _ := app.CountRecords("users")

	// an unknown inviter is refused before WeChat sees the code
	for _, code := range []string{"NOSUCH1", strings.Repeat("X", 40)} {
		res := c.Do(http.MethodPost, "/api/shop/auth/wechat", map[string]any{"code": "code-carol-1", "inviter": code}, "")
		if res.Status < 400 || res.Code() != "invite_code_unknown" {
			t.Fatalf("unknown inviter %q: %d %s", code, res.Status, res.Raw)
		}
	}
	if calls.Load() != 0 {
		t.Fatalf("the code was exchanged %d times for a refused sign-in", calls.Load())
	}
	if after, _ := app.CountRecords("users"); after != before {
		t.Fatal("a refused sign-in created a user")
	}

	// the same code still works, with the inviter typed loosely
	loose := "  " + strings.ToLower(inviter.GetString("invite_code")) + " "
	res := c.Do(http.MethodPost, "/api/shop/auth/wechat", map[string]any{"code": "code-carol-1", "inviter": loose}, "")
	if res.Status != 200 || res.Body["record"].(map[string]any)["referrer"] != inviter.Id {
		t.Fatalf("retry with the same code: %d %s", res.Status, res.Raw)
	}
	if calls.Load() != 1 {
		t.Fatalf("WeChat called %d times, want 1", calls.Load())
	}
}

func TestCode2SessionOutageHidesTheSecret(t *testing.T) {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	down.Close()
	c, _ := wechat.NewClient(wechat.Config{AppID: "wx-app", Secret: "s3cr3t-value", BaseURL: down.URL})
	_, err := c.Code2Session(t.Context(), "code-x-1")
	if err == nil || strings.Contains(err.Error(), "s3cr3t") || strings.Contains(err.Error(), "code-x-1") {
		t.Fatalf("outage error: %v", err)
	}
}
