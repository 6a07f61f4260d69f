package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	pbtests "github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/router"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"fenxiao/hooks"
	"fenxiao/hooks/apidoc"
	"fenxiao/plugins/alipay/alipayfake"
	"fenxiao/plugins/logistics"
	"fenxiao/plugins/offlinepay"
	"fenxiao/plugins/wechat/wxfake"
	"fenxiao/plugins/wechatpay/wxpayfake"
	"fenxiao/tests"
)

// wiredApp is a test app wired as main.go wires the binary (loadConfig,
// hooks.MustRegister, registerPlugins) with every optional plugin on: the
// payment providers on their fakes, the WeChat keys, logistics and bank
// transfers configured. It returns the router after the serve event.
func wiredApp(t *testing.T) (*pbtests.TestApp, *router.Router[*core.RequestEvent], http.Handler) {
	t.Helper()
	wx, err := wxpayfake.New(wxpayfake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(wx.Close)
	ali := alipayfake.New(t)
	t.Setenv("FENXIAO_WECHAT_APPID", wxpayfake.DefaultAppID)
	t.Setenv("FENXIAO_WECHAT_SECRET", "test-secret")
	// the mini program server APIs (sign-in, phone numbers, wxacodes)
	mp := wxfake.New(t, wxpayfake.DefaultAppID, "test-secret")
	t.Setenv("FENXIAO_WECHAT_API_URL", mp.URL())

	cfg := loadConfig()
	cfg.SandboxPay = true
	wxCfg, aliCfg := wx.PluginConfig(), ali.PluginConfig()
	cfg.WechatPay, cfg.Alipay = &wxCfg, &aliCfg
	cfg.Offline = &offlinepay.Config{AccountName: "测试商户", AccountNo: "6222000011112222", BankName: "测试银行"}
	cfg.Logistics = &logistics.Config{Customer: "test", Key: "test"}
	cfg.Core.DisableScheduler = true

	app := tests.NewApp(t)
	t.Cleanup(app.Cleanup)
	hooks.MustRegister(app, cfg.Core)
	registerPlugins(app, cfg)

	r, err := apis.NewRouter(app)
	if err != nil {
		t.Fatal(err)
	}
	var handler http.Handler
	err = app.OnServe().Trigger(&core.ServeEvent{App: app, Router: r}, func(e *core.ServeEvent) error {
		handler, err = e.Router.BuildMux()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return app, r, handler
}

// routes lists "METHOD /path" of every route registered under prefix.
// PocketBase's router keeps its tree unexported (it only answers HasRoute),
// so the test walks it by reflection.
func routes(r *router.Router[*core.RequestEvent], prefix string) []string {
	var out []string
	var walk func(group reflect.Value, base string)
	walk = func(group reflect.Value, base string) {
		base += group.FieldByName("Prefix").String()
		children := group.FieldByName("children")
		for i := 0; i < children.Len(); i++ {
			c := children.Index(i).Elem().Elem() // interface → pointer → struct
			if c.FieldByName("children").IsValid() {
				walk(c, base)
				continue
			}
			path := base + c.FieldByName("Path").String()
			if strings.HasPrefix(path, prefix) {
				out = append(out, c.FieldByName("Method").String()+" "+path)
			}
		}
	}
	walk(reflect.ValueOf(r.RouterGroup).Elem(), "")
	slices.Sort(out)
	return out
}

// TestOpenAPICoversEveryRoute fails when a registered /api/shop route is not
// in the document or a documented route is not registered, naming them.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	_, r, _ := wiredApp(t)
	registered := routes(r, "/api/shop/")
	if len(registered) < 50 {
		t.Fatalf("only %d routes found under /api/shop/: the router walk is broken", len(registered))
	}

	doc, err := apidoc.Static()
	if err != nil {
		t.Fatal(err)
	}
	var documented []string
	for path, item := range doc["paths"].(map[string]any) {
		for method := range item.(map[string]any) {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	slices.Sort(documented)

	for _, route := range registered {
		if !slices.Contains(documented, route) {
			t.Errorf("registered but not documented in hooks/apidoc/openapi/: %s", route)
		}
	}
	for _, route := range documented {
		if !slices.Contains(registered, route) {
			t.Errorf("documented but not registered: %s", route)
		}
	}
}

// spec validates real answers against the document's schemas and checks
// that every error code a route answers is one its document lists.
type spec struct {
	t        *testing.T
	doc      map[string]any
	compiler *jsonschema.Compiler
	handler  http.Handler
}

func newSpec(t *testing.T, app core.App, handler http.Handler) *spec {
	doc, err := apidoc.Document(app)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(doc)
	loaded, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource("openapi.json", loaded); err != nil {
		t.Fatal(err)
	}
	return &spec{t: t, doc: doc, compiler: c, handler: handler}
}

// call sends method to the route template filled with args and checks the
// answer has status want and matches the documented response.
func (s *spec) call(method, template string, args []string, query string, body any, token string, want int) map[string]any {
	s.t.Helper()
	url := template
	for _, a := range args {
		i, j := strings.Index(url, "{"), strings.Index(url, "}")
		url = url[:i] + a + url[j+1:]
	}
	var reader *bytes.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		reader = bytes.NewReader(raw)
	} else {
		reader = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, url+query, reader)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	rec := &responseRecorder{header: http.Header{}}
	s.handler.ServeHTTP(rec, req)
	if rec.status != want {
		s.t.Fatalf("%s %s: %d, want %d: %s", method, url, rec.status, want, rec.body.String())
	}

	op, ok := s.doc["paths"].(map[string]any)[template].(map[string]any)[strings.ToLower(method)].(map[string]any)
	if !ok {
		s.t.Fatalf("%s %s is not documented", method, template)
	}
	status := fmt.Sprint(rec.status)
	resp, ok := op["responses"].(map[string]any)[status].(map[string]any)
	if !ok {
		s.t.Fatalf("%s %s answered %d, a status its document does not list", method, template, rec.status)
	}
	content, _ := resp["content"].(map[string]any)
	if content == nil || content["application/json"] == nil {
		return nil
	}
	pointer := "openapi.json#/paths/" + strings.ReplaceAll(strings.ReplaceAll(template, "~", "~0"), "/", "~1") +
		"/" + strings.ToLower(method) + "/responses/" + status + "/content/application~1json/schema"
	schema, err := s.compiler.Compile(pointer)
	if err != nil {
		s.t.Fatalf("compile %s: %v", pointer, err)
	}
	value, err := jsonschema.UnmarshalJSON(bytes.NewReader(rec.body.Bytes()))
	if err != nil {
		s.t.Fatalf("%s %s: answer is not JSON: %v", method, url, err)
	}
	if err := schema.Validate(value); err != nil {
		s.t.Fatalf("%s %s (%d) does not match its documented schema: %v\n%s", method, template, rec.status, err, rec.body.String())
	}

	var out map[string]any
	_ = json.Unmarshal(rec.body.Bytes(), &out)
	if rec.status >= 400 {
		codes, _ := resp["x-codes"].([]any)
		data, _ := out["data"].(map[string]any)
		for _, v := range data {
			code, _ := v.(map[string]any)["code"].(string)
			if code != "" && !slices.Contains(codes, any(code)) {
				s.t.Fatalf("%s %s answered %d %q, a code its document does not list for %d", method, template, rec.status, code, rec.status)
			}
		}
	}
	return out
}

type responseRecorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *responseRecorder) Header() http.Header { return r.header }
func (r *responseRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}
func (r *responseRecorder) WriteHeader(status int) { r.status = status }

// TestOpenAPIMatchesAnswers runs a buyer and a distributor through the main
// routes of the fully wired shop and validates every answer, errors
// included, against the document.
func TestOpenAPIMatchesAnswers(t *testing.T) {
	app, _, handler := wiredApp(t)
	s := newSpec(t, app, handler)

	// the collections a client reads are in the document
	for _, name := range []string{"orders", "wallet_entries", "withdrawals", "products"} {
		schema, ok := s.doc["components"].(map[string]any)["schemas"].(map[string]any)["collection_"+name].(map[string]any)
		if !ok || len(schema["properties"].(map[string]any)) < 3 {
			t.Fatalf("collection %s is not described: %v", name, schema)
		}
	}

	_, adminToken := tests.Superuser(t, app)
	up, upToken := tests.User(t, app, "upline@test.local", map[string]any{"nickname": "王芳"})
	up, _ = app.FindRecordById("users", up.Id)
	buyer, buyerToken := tests.User(t, app, "buyer@test.local", map[string]any{"nickname": "张伟"})
	addr := tests.Save(t, app, "addresses", map[string]any{"user": buyer.Id, "name": "张伟", "phone": "13800000000",
		"province": "浙江省", "city": "杭州市", "detail": "西湖区1号", "is_default": true})
	cat := tests.Save(t, app, "categories", map[string]any{"name": "茶具", "active": true})
	product := tests.Save(t, app, "products", map[string]any{"title": "青瓷茶杯", "status": "on", "category": cat.Id})
	cup := tests.Save(t, app, "skus", map[string]any{"product": product.Id, "price": 5000, "stock": 3, "spec_text": "青"})

	s.call("GET", "/api/shop/info", nil, "", nil, "", 200)
	s.call("GET", "/api/shop/openapi.json", nil, "", nil, "", 200)
	s.call("GET", "/api/shop/docs", nil, "", nil, "", 200)
	s.call("GET", "/api/shop/products/search", nil, "?q=茶杯&sort=sales", nil, "", 200)
	s.call("GET", "/api/shop/products/search", nil, "?sort=cheapest", nil, "", 400)
	s.call("POST", "/api/shop/referral/bind", nil, "", map[string]any{"code": up.GetString("invite_code"), "source": "link"}, buyerToken, 200)
	s.call("GET", "/api/shop/referral/me", nil, "", nil, buyerToken, 200)

	// a WeChat-verified phone number
	s.call("POST", "/api/shop/auth/wechat/phone", nil, "", map[string]any{"code": ""}, buyerToken, 400)
	s.call("POST", "/api/shop/auth/wechat/phone", nil, "", map[string]any{"code": "not-a-phone-code"}, buyerToken, 400)
	s.call("POST", "/api/shop/auth/wechat/phone", nil, "", map[string]any{"code": "phone-10000000000"}, buyerToken, 400)
	s.call("POST", "/api/shop/auth/wechat/phone", nil, "", map[string]any{"code": "phone-13900000001"}, buyerToken, 200)
	s.call("POST", "/api/shop/auth/wechat/phone", nil, "", map[string]any{"code": "phone-13900000001-2"}, upToken, 409)
	s.call("POST", "/api/shop/auth/wechat/phone", nil, "", map[string]any{"code": "phone-13900000002"}, "", 401)

	// cart, share, checkout, pay
	s.call("GET", "/api/shop/cart", nil, "", nil, "", 401)
	s.call("POST", "/api/shop/cart/items", nil, "", map[string]any{"sku": cup.Id, "quantity": 9}, buyerToken, 409)
	line := s.call("POST", "/api/shop/cart/items", nil, "", map[string]any{"sku": cup.Id, "quantity": 1}, buyerToken, 200)
	s.call("PATCH", "/api/shop/cart/items/{id}", []string{line["id"].(string)}, "", map[string]any{"quantity": 2}, buyerToken, 200)
	s.call("GET", "/api/shop/cart", nil, "", nil, buyerToken, 200)
	shared := s.call("POST", "/api/shop/cart/share", nil, "", nil, buyerToken, 200)
	s.call("GET", "/api/shop/cart/share/{code}", []string{shared["code"].(string)}, "", nil, "", 200)
	s.call("GET", "/api/shop/cart/share/{code}", []string{"nosuchcd"}, "", nil, "", 404)
	s.call("POST", "/api/shop/checkout", nil, "", map[string]any{"address": addr.Id, "items": []any{map[string]any{"sku": cup.Id, "quantity": 5}}}, buyerToken, 409)
	order := s.call("POST", "/api/shop/checkout", nil, "", map[string]any{"address": addr.Id}, buyerToken, 200)
	orderId := order["id"].(string)
	s.call("POST", "/api/shop/orders/{id}/pay", []string{orderId}, "", map[string]any{"method": "bitcoin"}, buyerToken, 400)
	s.call("POST", "/api/shop/orders/{id}/pay", []string{orderId}, "", map[string]any{"method": "sandbox"}, buyerToken, 200)
	s.call("POST", "/api/shop/orders/{id}/pay", []string{orderId}, "", map[string]any{"method": "sandbox"}, buyerToken, 409)
	other := s.call("POST", "/api/shop/checkout", nil, "", map[string]any{"address": addr.Id, "items": []any{map[string]any{"sku": cup.Id, "quantity": 1}}}, buyerToken, 200)
	s.call("POST", "/api/shop/orders/{id}/pay", []string{other["id"].(string)}, "", map[string]any{"method": "offline"}, buyerToken, 200)
	s.call("POST", "/api/shop/orders/{id}/cancel", []string{other["id"].(string)}, "", nil, buyerToken, 200)

	// distributor: summary, wallet, withdrawals
	s.call("GET", "/api/shop/distribution/summary", nil, "", nil, upToken, 200)
	s.call("GET", "/api/shop/distribution/team", nil, "?level=1", nil, upToken, 200)
	s.call("GET", "/api/shop/distribution/leaderboard", nil, "?period=week&by=commission", nil, "", 401)
	s.call("GET", "/api/shop/distribution/leaderboard", nil, "?period=week&by=commission", nil, upToken, 200)
	s.call("GET", "/api/shop/wallet", nil, "", nil, upToken, 200)
	s.call("POST", "/api/shop/admin/wallets/{user}/adjust", []string{up.Id}, "", map[string]any{"amount": 20000, "note": "测试入账", "ref": "t1"}, adminToken, 200)
	s.call("GET", "/api/shop/wallet", nil, "", nil, upToken, 200)
	s.call("POST", "/api/shop/withdrawals", nil, "", map[string]any{"amount": 1000, "channel": "alipay", "account": map[string]any{}}, upToken, 400)
	s.call("POST", "/api/shop/withdrawals", nil, "", map[string]any{"amount": 9999999, "channel": "bank",
		"account": map[string]any{"name": "王芳", "bank": "招商银行", "number": "6225880000000000"}}, upToken, 409)
	w := s.call("POST", "/api/shop/withdrawals", nil, "", map[string]any{"amount": 5000, "channel": "bank",
		"account": map[string]any{"name": "王芳", "bank": "招商银行", "number": "6225880000000000"}}, upToken, 200)
	s.call("POST", "/api/shop/withdrawals/cancel/{id}", []string{w["id"].(string)}, "", nil, upToken, 200)
	w = s.call("POST", "/api/shop/withdrawals", nil, "", map[string]any{"amount": 5000, "channel": "bank",
		"account": map[string]any{"name": "王芳", "bank": "招商银行", "number": "6225880000000000"}}, upToken, 200)
	s.call("POST", "/api/shop/admin/withdrawals/{id}/approve", []string{w["id"].(string)}, "", nil, adminToken, 200)
	s.call("POST", "/api/shop/admin/withdrawals/{id}/paid", []string{w["id"].(string)}, "", nil, adminToken, 200)
	s.call("GET", "/api/shop/distribution/summary", nil, "", nil, upToken, 200)

	// jobs
	s.call("GET", "/api/shop/admin/jobs", nil, "", nil, adminToken, 200)
	s.call("GET", "/api/shop/admin/jobs", nil, "", nil, buyerToken, 403)
	s.call("POST", "/api/shop/admin/jobs/{name}", []string{"auto_cancel"}, "", nil, adminToken, 200)
	s.call("POST", "/api/shop/admin/jobs/{name}", []string{"no_such_job"}, "", nil, adminToken, 404)

	// staff management
	s.call("GET", "/api/shop/admin/staff", nil, "", nil, buyerToken, 403)
	clerk := s.call("POST", "/api/shop/admin/staff", nil, "", map[string]any{"email": "clerk@shop.test", "password": "0123456789", "name": "小王", "role": "warehouse"}, adminToken, 200)
	s.call("POST", "/api/shop/admin/staff", nil, "", map[string]any{"email": "clerk@shop.test", "password": "0123456789", "name": "小王", "role": "warehouse"}, adminToken, 400)
	s.call("POST", "/api/shop/admin/staff/{id}/role", []string{clerk["id"].(string)}, "", map[string]any{"role": "custom", "permissions": []string{"orders.ship"}}, adminToken, 200)
	s.call("POST", "/api/shop/admin/staff/{id}/disable", []string{clerk["id"].(string)}, "", nil, adminToken, 200)
	s.call("POST", "/api/shop/admin/staff/{id}/enable", []string{"nope"}, "", nil, adminToken, 404)
	s.call("GET", "/api/shop/admin/staff", nil, "", nil, adminToken, 200)

	// notifications
	s.call("GET", "/api/shop/notifications/unread", nil, "", nil, buyerToken, 200)
	s.call("GET", "/api/shop/notifications/unread", nil, "", nil, "", 401)
	s.call("POST", "/api/shop/notifications/read", nil, "", map[string]any{"ids": make([]string, 501)}, buyerToken, 400)
	s.call("POST", "/api/shop/notifications/read", nil, "", map[string]any{}, buyerToken, 200)

	// coupons
	tpl := tests.Save(t, app, "coupon_templates", map[string]any{"name": "满100减10", "kind": "amount", "off": 1000,
		"threshold": 10000, "scope": "all", "validity": "days", "valid_days": 7, "active": true, "claimable": true, "per_user_limit": 1})
	s.call("GET", "/api/shop/coupons/center", nil, "", nil, "", 200)
	s.call("POST", "/api/shop/coupons/claim", nil, "", map[string]any{"template": tpl.Id}, buyerToken, 200)
	s.call("POST", "/api/shop/coupons/claim", nil, "", map[string]any{"template": tpl.Id}, buyerToken, 409)
	s.call("POST", "/api/shop/coupons/claim", nil, "", map[string]any{"template": "nosuchtemplate1"}, buyerToken, 404)
	s.call("GET", "/api/shop/coupons/center", nil, "", nil, buyerToken, 200)
	s.call("GET", "/api/shop/coupons/mine", nil, "", nil, buyerToken, 200)
	s.call("GET", "/api/shop/coupons/mine", nil, "?status=lost", nil, buyerToken, 400)
	pot := tests.Save(t, app, "skus", map[string]any{"product": product.Id, "price": 9000, "stock": 10, "spec_text": "壶"})
	s.call("POST", "/api/shop/cart/items", nil, "", map[string]any{"sku": pot.Id, "quantity": 1}, buyerToken, 200)
	s.call("GET", "/api/shop/cart", nil, "?coupon=nosuchcoupon123", nil, buyerToken, 409)
	s.call("POST", "/api/shop/admin/coupons/grant", nil, "", map[string]any{"template": tpl.Id, "users": []string{}}, adminToken, 400)
	s.call("POST", "/api/shop/admin/coupons/grant", nil, "", map[string]any{"template": tpl.Id, "users": []string{up.Id}}, adminToken, 200)
	s.call("POST", "/api/shop/admin/coupons/grant", nil, "", map[string]any{"template": tpl.Id, "users": []string{up.Id}}, buyerToken, 403)

	// flash sale
	slot := tests.Save(t, app, "flash_sessions", map[string]any{"name": "10点场", "active": true,
		"starts_at": time.Now().Add(-time.Minute), "ends_at": time.Now().Add(time.Hour)})
	flash := tests.Save(t, app, "flash_items", map[string]any{"session": slot.Id, "sku": pot.Id, "flash_price": 5900, "stock": 5})
	s.call("GET", "/api/shop/flash/sessions", nil, "", nil, "", 200)
	s.call("GET", "/api/shop/flash/items/{id}", []string{flash.Id}, "", nil, "", 200)
	s.call("GET", "/api/shop/flash/items/{id}", []string{flash.Id}, "", nil, buyerToken, 200)
	s.call("GET", "/api/shop/flash/items/{id}", []string{"nosuchitem1234"}, "", nil, "", 404)
	s.call("POST", "/api/shop/checkout", nil, "", map[string]any{"address": addr.Id, "offer": flash.Id,
		"items": []any{map[string]any{"sku": cup.Id, "quantity": 1}}}, buyerToken, 400)
	s.call("POST", "/api/shop/checkout", nil, "", map[string]any{"address": addr.Id, "offer": flash.Id,
		"items": []any{map[string]any{"sku": pot.Id, "quantity": 1}}}, buyerToken, 200)

	// back office
	s.call("GET", "/api/shop/admin/reports/me", nil, "", nil, adminToken, 200)
	s.call("GET", "/api/shop/admin/reports/me", nil, "", nil, buyerToken, 403)
	s.call("GET", "/api/shop/admin/reports/me", nil, "", nil, "", 401)
	s.call("GET", "/api/shop/admin/reports/summary", nil, "?days=7", nil, adminToken, 200)
	s.call("GET", "/api/shop/admin/reports/summary", nil, "", nil, buyerToken, 403)
	s.call("GET", "/api/shop/admin/reports/series", nil, "?days=3", nil, adminToken, 200)
	s.call("GET", "/api/shop/admin/reports/rankings", nil, "?by=products", nil, adminToken, 200)
	s.call("GET", "/api/shop/admin/reports/rankings", nil, "", nil, adminToken, 200)
	s.call("GET", "/api/shop/admin/reports/queue/{name}", []string{"ship"}, "", nil, adminToken, 200)
	s.call("GET", "/api/shop/admin/reports/queue/{name}", []string{"withdrawals"}, "", nil, adminToken, 200)
	s.call("GET", "/api/shop/admin/reports/queue/{name}", []string{"nosuch"}, "", nil, adminToken, 404)
	s.call("GET", "/api/shop/admin/reports/orders/{id}", []string{orderId}, "", nil, adminToken, 200)
	s.call("GET", "/api/shop/admin/reports/orders/{id}", []string{"nosuchorder"}, "", nil, adminToken, 404)
	s.call("GET", "/api/shop/admin/reports/users", nil, "?q=王", nil, adminToken, 200)
	s.call("GET", "/api/shop/admin/reports/referral/{id}", []string{up.Id}, "?level=1", nil, adminToken, 200)
	s.call("GET", "/api/shop/admin/reports/referral/{id}", []string{"nosuchuser"}, "", nil, adminToken, 404)
	s.call("GET", "/api/shop/admin/reports/jobs", nil, "", nil, adminToken, 200)
	s.call("GET", "/api/shop/admin/export/{file}", []string{"orders.csv"}, "?from=2026-01-01", nil, adminToken, 200)
	s.call("GET", "/api/shop/admin/export/{file}", []string{"orders.csv"}, "?from=yesterday", nil, adminToken, 400)
	s.call("GET", "/api/shop/admin/export/{file}", []string{"orders.pdf"}, "", nil, adminToken, 404)
	s.call("GET", "/api/shop/admin/export/{file}", []string{"users.xlsx"}, "", nil, buyerToken, 403)
}
