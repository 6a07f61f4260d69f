package wxshipping_test

import (
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	pbtests "github.com/pocketbase/pocketbase/tests"

	"fenxiao/hooks/shop"
	"fenxiao/plugins/sandboxpay"
	"fenxiao/plugins/wechat"
	"fenxiao/plugins/wechat/wxfake"
	"fenxiao/plugins/wechatpay"
	"fenxiao/plugins/wechatpay/wxpayfake"
	"fenxiao/plugins/wxshipping"
	"fenxiao/tests"
)

func TestMain(m *testing.M) { tests.Main(m) }

// fixture is a shop with WeChat Pay and sandbox payments on fakes, a buyer
// with an openid, an address and a product, and the plugin on a fake WeChat.
type fixture struct {
	app   *pbtests.TestApp
	shop  *shop.Shop
	c     *tests.Client
	wx    *wxfake.Fake
	pay   *wxpayfake.Fake
	buyer *core.Record
	token string
	admin string
	addr  *core.Record
	sku   *core.Record
}

func newFixture(t *testing.T, cfg wxshipping.Config) *fixture {
	t.Helper()
	pay, err := wxpayfake.New(wxpayfake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pay.Close)
	wx := wxfake.New(t, "wx-app", "wx-secret")
	client, err := wechat.NewClient(wechat.Config{AppID: "wx-app", Secret: "wx-secret", BaseURL: wx.URL()})
	if err != nil {
		t.Fatal(err)
	}

	app, s := tests.NewShopApp(t)
	sandboxpay.MustRegister(app, sandboxpay.Config{})
	wechatpay.MustRegister(app, pay.PluginConfig())
	cfg.Client = client
	cfg.MchID = pay.MchID
	wxshipping.MustRegister(app, cfg)

	f := &fixture{app: app, shop: s, wx: wx, pay: pay}
	f.buyer, f.token = tests.User(t, app, "buyer@test.local", map[string]any{"wx_openid": "o_buyer_openid"})
	_, f.admin = tests.Superuser(t, app)
	f.addr = tests.Save(t, app, "addresses", map[string]any{"user": f.buyer.Id, "name": "张三", "phone": "13800001234",
		"province": "浙江省", "detail": "西湖区1号", "is_default": true})
	p := tests.Save(t, app, "products", map[string]any{"title": "保温杯", "status": "on"})
	f.sku = tests.Save(t, app, "skus", map[string]any{"product": p.Id, "price": 5000, "stock": 10, "spec_text": "红"})
	f.c = tests.NewClient(t, app)
	return f
}

func (f *fixture) checkout(t *testing.T, qty int) string {
	t.Helper()
	res := f.c.Do("POST", "/api/shop/checkout", map[string]any{
		"items": []map[string]any{{"sku": f.sku.Id, "quantity": qty}}, "address": f.addr.Id}, f.token)
	if res.Status != 200 {
		t.Fatalf("checkout: %d %s", res.Status, res.Raw)
	}
	return res.Body["id"].(string)
}

// payWechat pays the order through WeChat Pay the way production does:
// prepay through the shop, then WeChat's signed notification.
func (f *fixture) payWechat(t *testing.T, id string) (transactionId string) {
	t.Helper()
	res := f.c.Do("POST", "/api/shop/orders/"+id+"/pay", map[string]any{"method": "wechatpay"}, f.token)
	if res.Status != 200 || res.Body["paid"] != false {
		t.Fatalf("pay wechat: %d %s", res.Status, res.Raw)
	}
	n, err := f.pay.PaymentNotification(f.order(t, id).GetString("order_no"))
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	f.c.Handler.ServeHTTP(rec, n.Request("/api/shop/pay/notify/wechatpay"))
	if rec.Code >= 300 {
		t.Fatalf("notification answered %d %s", rec.Code, rec.Body)
	}
	payment, err := f.app.FindFirstRecordByData("payments", "order", id)
	if err != nil || payment.GetString("provider") != "wechatpay" || payment.GetString("transaction_id") == "" {
		t.Fatalf("payment: %v %v", payment, err)
	}
	return payment.GetString("transaction_id")
}

func (f *fixture) ship(t *testing.T, id, company, number string) {
	t.Helper()
	res := f.c.Do("POST", "/api/shop/admin/orders/"+id+"/ship", map[string]any{"tracking_company": company, "tracking_no": number}, f.admin)
	if res.Status != 200 || res.Body["status"] != "shipped" {
		t.Fatalf("ship: %d %s", res.Status, res.Raw)
	}
}

func (f *fixture) order(t *testing.T, id string) *core.Record {
	t.Helper()
	o, err := f.app.FindRecordById("orders", id)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// outcome waits for the order's upload to leave "pending".
func (f *fixture) outcome(t *testing.T, id string) *core.Record {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		row, err := f.app.FindFirstRecordByData(wxshipping.Collection, "order", id)
		if err == nil && row.GetString("status") != wxshipping.StatusPending {
			return row
		}
		if time.Now().After(deadline) {
			t.Fatalf("upload of %s still pending or missing: %v %v", id, row, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestWechatPaidOrderShippedIsUploaded(t *testing.T) {
	f := newFixture(t, wxshipping.Config{})
	id := f.checkout(t, 2)
	tx := f.payWechat(t, id)
	f.ship(t, id, "shunfeng", "SF1234567890")

	row := f.outcome(t, id)
	if row.GetString("status") != wxshipping.StatusUploaded || row.GetInt("attempts") != 1 ||
		row.GetDateTime("uploaded_at").IsZero() || row.GetString("transaction_id") != tx {
		t.Fatalf("outcome: %v", row)
	}
	ups := f.wx.Uploads()
	if len(ups) != 1 {
		t.Fatalf("%d uploads, want 1", len(ups))
	}
	u := ups[0]
	if u.OrderKey.OrderNumberType != 2 || u.OrderKey.TransactionId != tx || u.Payer.OpenId != "o_buyer_openid" ||
		u.LogisticsType != 1 || u.DeliveryMode != 1 || !strings.HasSuffix(u.UploadTime, "+08:00") {
		t.Fatalf("upload: %+v", u)
	}
	s := u.ShippingList[0]
	if s.TrackingNo != "SF1234567890" || s.ExpressCompany != "SF" || s.ItemDesc != "保温杯 红×2" ||
		s.Contact == nil || s.Contact.ReceiverContact != "138****1234" {
		t.Fatalf("shipping_list: %+v", u.ShippingList)
	}
	shippedAt := f.order(t, id).GetDateTime("shipped_at").Time()
	if at, _ := time.Parse(time.RFC3339, u.UploadTime); !at.Equal(shippedAt.Truncate(time.Second)) {
		t.Fatalf("upload_time %s, shipped_at %s", u.UploadTime, shippedAt)
	}

	// correcting the tracking is no new shipment: nothing more is sent
	if res := f.c.Do("PATCH", "/api/collections/orders/records/"+id, map[string]any{"tracking_no": "SF1234567891"}, f.admin); res.Status != 200 {
		t.Fatalf("correct tracking: %d %s", res.Status, res.Raw)
	}
	// the retry job leaves an uploaded order alone
	if _, err := f.shop.RunJob(f.app, wxshipping.JobName); err != nil {
		t.Fatal(err)
	}
	if f.wx.UploadCalls() != 1 {
		t.Fatalf("upload calls %d, want 1", f.wx.UploadCalls())
	}
}

func TestSandboxPaidOrderIsNotUploaded(t *testing.T) {
	f := newFixture(t, wxshipping.Config{})
	id := f.checkout(t, 1)
	if res := f.c.Do("POST", "/api/shop/orders/"+id+"/pay", map[string]any{"method": "sandbox"}, f.token); res.Status != 200 || res.Body["paid"] != true {
		t.Fatalf("pay sandbox: %d %s", res.Status, res.Raw)
	}
	f.ship(t, id, "yuantong", "YT1")

	// a WeChat Pay order shipped afterwards is uploaded: once it is, any
	// upload for the sandbox order would have gone first
	other := f.checkout(t, 1)
	f.payWechat(t, other)
	f.ship(t, other, "yuantong", "YT2")
	f.outcome(t, other)

	if n := f.wx.UploadCalls(); n != 1 || f.wx.Uploads()[0].ShippingList[0].TrackingNo != "YT2" {
		t.Fatalf("upload calls %d: %+v", n, f.wx.Uploads())
	}
	if _, err := f.app.FindFirstRecordByData(wxshipping.Collection, "order", id); err == nil {
		t.Fatal("a sandbox order was queued")
	}
}

func TestWeChatFailureKeepsTheShipmentAndIsRetried(t *testing.T) {
	// the retry job's clock, moved past RetryAfter before each run
	var now atomic.Int64
	now.Store(time.Now().UnixNano())
	later := func() { now.Add(int64(11 * time.Minute)) }
	f := newFixture(t, wxshipping.Config{RetryAfter: 10 * time.Minute, MaxAttempts: 2,
		Companies: map[string]string{"yunda": "YUNDA"}, Now: func() time.Time { return time.Unix(0, now.Load()) }})
	id := f.checkout(t, 1)
	tx := f.payWechat(t, id)
	f.wx.FailNextUpload(10060001, "支付单不存在")
	f.ship(t, id, "yunda", "YD1")

	row := f.outcome(t, id)
	if row.GetString("status") != wxshipping.StatusFailed || row.GetInt("attempts") != 1 ||
		!strings.Contains(row.GetString("last_error"), "10060001") {
		t.Fatalf("outcome after a refusal: %v", row)
	}
	if o := f.order(t, id); o.GetString("status") != "shipped" || o.GetString("tracking_no") != "YD1" {
		t.Fatalf("order after a refused upload: %s %s", o.GetString("status"), o.GetString("tracking_no"))
	}

	// not before RetryAfter has passed
	if res, err := f.shop.RunJob(f.app, wxshipping.JobName); err != nil || !strings.Contains(res.Summary, "0 of 0") {
		t.Fatalf("early retry: %+v %v", res, err)
	}
	// then the retry job uploads it
	later()
	res, err := f.shop.RunJob(f.app, wxshipping.JobName)
	if err != nil || !strings.Contains(res.Summary, "1 of 1") {
		t.Fatalf("retry: %+v %v", res, err)
	}
	row = f.outcome(t, id)
	if row.GetString("status") != wxshipping.StatusUploaded || row.GetInt("attempts") != 2 || row.GetString("last_error") != "" {
		t.Fatalf("outcome after the retry: %v", row)
	}
	ups := f.wx.Uploads()
	if len(ups) != 1 || ups[0].OrderKey.TransactionId != tx || ups[0].ShippingList[0].ExpressCompany != "YUNDA" {
		t.Fatalf("uploads: %+v", ups)
	}

	// WeChat down: the shipment commits, the failure is recorded, and the
	// job gives up after MaxAttempts
	other := f.checkout(t, 1)
	f.payWechat(t, other)
	f.wx.Close()
	f.ship(t, other, "zhongtong", "ZT1")
	row = f.outcome(t, other)
	if row.GetString("status") != wxshipping.StatusFailed || row.GetString("last_error") == "" ||
		strings.Contains(row.GetString("last_error"), "wx-secret") {
		t.Fatalf("outcome with WeChat down: %v", row)
	}
	if f.order(t, other).GetString("status") != "shipped" {
		t.Fatal("order not shipped with WeChat down")
	}
	for i := 0; i < 3; i++ {
		later()
		if _, err := f.shop.RunJob(f.app, wxshipping.JobName); err != nil {
			t.Fatal(err)
		}
	}
	if row = f.outcome(t, other); row.GetInt("attempts") != 2 || row.GetString("status") != wxshipping.StatusFailed {
		t.Fatalf("after retries: %v", row)
	}
}

func TestOrderWithoutOpenIdIsRecordedAsFailed(t *testing.T) {
	f := newFixture(t, wxshipping.Config{})
	id := f.checkout(t, 1)
	f.payWechat(t, id)
	// the buyer's openid is gone (e.g. the account was unlinked)
	f.buyer.Set("wx_openid", "")
	if err := f.app.Save(f.buyer); err != nil {
		t.Fatal(err)
	}
	f.ship(t, id, "shunfeng", "SF9")
	row := f.outcome(t, id)
	if row.GetString("status") != wxshipping.StatusFailed || !strings.Contains(row.GetString("last_error"), "wx_openid") {
		t.Fatalf("outcome: %v", row)
	}
	if f.wx.UploadCalls() != 0 {
		t.Fatal("WeChat called without an openid")
	}
}

func TestRegisterNeedsClientAndCore(t *testing.T) {
	if err := wxshipping.Register(tests.NewApp(t), wxshipping.Config{}); err == nil {
		t.Fatal("no client accepted")
	}
	app := tests.NewApp(t)
	t.Cleanup(app.Cleanup)
	c, _ := wechat.NewClient(wechat.Config{AppID: "a", Secret: "s"})
	if err := wxshipping.Register(app, wxshipping.Config{Client: c}); err == nil {
		t.Fatal("registered without the shop core")
	}
}

func TestParseCompanies(t *testing.T) {
	got, err := wxshipping.ParseCompanies(" yunda=YUNDA, DebangWuliu = DB ,")
	if err != nil || len(got) != 2 || got["yunda"] != "YUNDA" || got["debangwuliu"] != "DB" {
		t.Fatalf("%v %v", got, err)
	}
	if got, err := wxshipping.ParseCompanies(""); err != nil || len(got) != 0 {
		t.Fatalf("empty: %v %v", got, err)
	}
	for _, bad := range []string{"yunda", "yunda=", "=YD"} {
		if _, err := wxshipping.ParseCompanies(bad); err == nil {
			t.Fatalf("%q accepted", bad)
		}
	}
}
