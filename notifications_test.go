package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/accounts"
	"fenxiao/hooks/orders"
	"fenxiao/hooks/shop"
	"fenxiao/plugins/distribution"
	"fenxiao/plugins/sandboxpay"
	"fenxiao/plugins/withdrawal"
	"fenxiao/tests"
)

// failingProvider pays at once and fails every refund and transfer, as a
// provider that refuses them would answer.
type failingProvider struct{}

func (failingProvider) Name() string { return "failpay" }
func (failingProvider) Start(_ context.Context, _ core.App, req shop.PayRequest) (*shop.PayStart, error) {
	return &shop.PayStart{Paid: true, Notice: &shop.PaymentNotice{OrderNo: req.OrderNo, TransactionId: "FP" + req.OrderNo,
		Amount: req.Amount}}, nil
}
func (failingProvider) ParseNotification(context.Context, *http.Request) (*shop.PaymentNotice, error) {
	return nil, nil
}
func (failingProvider) AckNotification(http.ResponseWriter, error) {}
func (failingProvider) Query(context.Context, string) (*shop.PaymentQuery, error) {
	return &shop.PaymentQuery{}, nil
}
func (failingProvider) Refund(context.Context, shop.RefundRequest) (*shop.RefundResult, error) {
	return &shop.RefundResult{Status: "failed", Raw: "{}"}, nil
}

type failingPayout struct{}

func (failingPayout) Name() string { return "wechatpay" }
func (failingPayout) Transfer(_ context.Context, req shop.TransferRequest) (*shop.TransferResult, error) {
	return &shop.TransferResult{State: "failed", FailReason: "收款人账户异常", TransferId: "T" + req.BillNo}, nil
}
func (failingPayout) QueryTransfer(_ context.Context, billNo string) (*shop.TransferResult, error) {
	return &shop.TransferResult{State: "failed", FailReason: "收款人账户异常", TransferId: "T" + billNo}, nil
}
func (failingPayout) ParseTransferNotification(context.Context, *http.Request) (*shop.TransferNotice, error) {
	return nil, nil
}

// notifyWorld is a shop with distribution, withdrawals and the sandbox
// payment method, a distributor ("up") and a buyer bound under them.
type notifyWorld struct {
	t                 *testing.T
	app               core.App
	shop              *shop.Shop
	c                 *tests.Client
	admin             string
	buyer, up         *core.Record
	buyerTok, upTok   string
	addr, sku, lowSku *core.Record
	names             map[string]string // user id → alias in the table
	seen              map[string]bool
}

func newNotifyWorld(t *testing.T) *notifyWorld {
	app, s := tests.NewShopApp(t)
	distribution.MustRegister(app, distribution.Config{})
	sandboxpay.MustRegister(app, sandboxpay.Config{})
	s.RegisterPaymentProvider(failingProvider{})
	s.RegisterPayoutProvider(failingPayout{})
	withdrawal.MustRegister(app, withdrawal.Config{})
	w := &notifyWorld{t: t, app: app, shop: s, names: map[string]string{"": "staff"}, seen: map[string]bool{}}

	settings, err := app.FindRecordById(shop.SettingsCollection, shop.SettingsId)
	if err != nil {
		t.Fatal(err)
	}
	settings.Load(map[string]any{"distributor_condition": "apply", "commission_l1_bp": 1000,
		"frozen_days": 0, "withdraw_min": 1})
	if err := app.Save(settings); err != nil {
		t.Fatal(err)
	}
	_, w.admin = tests.Superuser(t, app)
	w.up, w.upTok = tests.User(t, app, "up@test.local", map[string]any{"nickname": "王大", "is_distributor": true, "wx_openid": "oUP"})
	w.up, _ = app.FindRecordById("users", w.up.Id)
	w.buyer, w.buyerTok = tests.User(t, app, "buyer@test.local", map[string]any{"nickname": "李四"})
	w.names[w.up.Id], w.names[w.buyer.Id] = "up", "buyer"
	w.addr = tests.Save(t, app, "addresses", map[string]any{"user": w.buyer.Id, "name": "李四", "phone": "13800000000",
		"province": "浙江省", "detail": "西湖区1号", "is_default": true})
	p := tests.Save(t, app, "products", map[string]any{"title": "保温杯", "status": "on"})
	w.sku = tests.Save(t, app, "skus", map[string]any{"product": p.Id, "price": 5000, "stock": 100, "spec_text": "红"})
	w.lowSku = tests.Save(t, app, "skus", map[string]any{"product": p.Id, "price": 3000, "stock": 5,
		"spec_text": "蓝", "low_stock_threshold": 3})
	w.c = tests.NewClient(t, app)
	w.newNotifications() // the set-up's own
	return w
}

// newNotifications returns "alias:kind" of the notifications written since
// the last call, sorted.
func (w *notifyWorld) newNotifications() []string {
	w.t.Helper()
	var rows []struct {
		Id   string `db:"id"`
		User string `db:"user"`
		Kind string `db:"kind"`
	}
	if err := w.app.DB().Select("id", "user", "kind").From("notifications").All(&rows); err != nil {
		w.t.Fatal(err)
	}
	got := []string{}
	for _, r := range rows {
		if w.seen[r.Id] {
			continue
		}
		w.seen[r.Id] = true
		name, ok := w.names[r.User]
		if !ok {
			name = r.User
		}
		got = append(got, name+":"+r.Kind)
	}
	slices.Sort(got)
	return got
}

func (w *notifyWorld) do(method, url string, body any, token string) map[string]any {
	w.t.Helper()
	res := w.c.Do(method, url, body, token)
	if res.Status != http.StatusOK {
		w.t.Fatalf("%s %s: %d %s", method, url, res.Status, res.Raw)
	}
	return res.Body
}

func (w *notifyWorld) checkout(sku *core.Record, qty int) string {
	w.t.Helper()
	body := w.do("POST", "/api/shop/checkout", map[string]any{"address": w.addr.Id,
		"items": []map[string]any{{"sku": sku.Id, "quantity": qty}}}, w.buyerTok)
	return body["id"].(string)
}

func (w *notifyWorld) pay(orderId string, method ...string) {
	w.t.Helper()
	m := "sandbox"
	if len(method) > 0 {
		m = method[0]
	}
	w.do("POST", "/api/shop/orders/"+orderId+"/pay", map[string]any{"method": m}, w.buyerTok)
}

// apply posts an after-sale of the order's first line.
func (w *notifyWorld) apply(orderId, kind string) string {
	w.t.Helper()
	items, _ := w.app.FindRecordsByFilter("order_items", "order = {:o}", "", 1, 0, dbx.Params{"o": orderId})
	body := w.do("POST", "/api/shop/aftersales", map[string]any{"order": orderId, "type": kind, "reason": "质量问题",
		"items": []map[string]any{{"order_item": items[0].Id, "quantity": 1}}}, w.buyerTok)
	return body["id"].(string)
}

func (w *notifyWorld) exec(sql string, params dbx.Params) {
	w.t.Helper()
	if _, err := w.app.DB().NewQuery(sql).Bind(params).Execute(); err != nil {
		w.t.Fatalf("%s: %v", sql, err)
	}
}

func (w *notifyWorld) job(name string) {
	w.t.Helper()
	if res, err := w.shop.RunJob(w.app, name); err != nil {
		w.t.Fatalf("job %s: %v (%+v)", name, err, res)
	}
}

func (w *notifyWorld) user(email string) (*core.Record, string) {
	u, tok := tests.User(w.t, w.app, email, nil)
	w.names[u.Id] = strings.TrimSuffix(email, "@test.local")
	return u, tok
}

// TestEveryEventNotifies drives each business event through its real route
// or job and checks that it wrote exactly the expected notifications, in
// its own transaction (a step's notifications are all there when it returns).
func TestEveryEventNotifies(t *testing.T) {
	w := newNotifyWorld(t)
	var paidOrder, keptOrder, cancelled, asRefund, asReturn, applicant, rejectee, withdrawalId string
	var applicantTok, rejecteeTok string

	steps := []struct {
		event string
		run   func()
		want  []string
	}{
		{"a buyer binds under a distributor", func() {
			if err := accounts.BindUpline(w.app, w.buyer.Id, w.up.GetString("invite_code"), "link", "", "user:"+w.buyer.Id); err != nil {
				t.Fatal(err)
			}
		}, []string{"up:downline_joined"}},

		{"someone signs up with the distributor's invite code", func() {
			res := w.c.Do("POST", "/api/collections/users/records", map[string]any{"email": "new@test.local",
				"password": "1234567890", "passwordConfirm": "1234567890", "inviter": w.up.GetString("invite_code")}, "")
			if res.Status != http.StatusOK {
				t.Fatalf("sign-up: %d %s", res.Status, res.Raw)
			}
		}, []string{"up:downline_joined"}},

		{"an order is paid", func() {
			paidOrder = w.checkout(w.sku, 2)
			w.pay(paidOrder)
		}, []string{"buyer:order_paid", "staff:staff_order_paid", "up:commission"}},

		{"the order ships", func() {
			w.do("POST", "/api/shop/admin/orders/"+paidOrder+"/ship",
				map[string]any{"tracking_company": "shunfeng", "tracking_no": "SF1"}, w.admin)
		}, []string{"buyer:order_shipped"}},

		{"auto_confirm completes it", func() {
			w.exec("UPDATE orders SET shipped_at = '2020-01-01 00:00:00.000Z' WHERE id = {:id}", dbx.Params{"id": paidOrder})
			w.job("auto_confirm")
		}, []string{"buyer:order_completed"}},

		{"the buyer confirms receipt of another order (no notification)", func() {
			keptOrder = w.checkout(w.sku, 1)
			w.pay(keptOrder)
			w.newNotifications()
			w.do("POST", "/api/shop/admin/orders/"+keptOrder+"/ship",
				map[string]any{"tracking_company": "shunfeng", "tracking_no": "SF2"}, w.admin)
			w.newNotifications()
			w.do("POST", "/api/shop/orders/"+keptOrder+"/confirm", nil, w.buyerTok)
		}, []string{}},

		{"commissions settle", func() {
			w.job("commission_settle")
		}, []string{"up:commission_settled"}},

		{"the buyer cancels an unpaid order", func() {
			cancelled = w.checkout(w.sku, 1)
			w.do("POST", "/api/shop/orders/"+cancelled+"/cancel", map[string]any{"reason": "不想要了"}, w.buyerTok)
		}, []string{"buyer:order_cancelled"}},

		{"a WeChat Pay notification arrives for the cancelled order", func() {
			o, _ := w.app.FindRecordById("orders", cancelled)
			if _, err := orders.ApplyPayment(w.app, &shop.PaymentNotice{Provider: "wechatpay", OrderNo: o.GetString("order_no"),
				TransactionId: "LATE1", Amount: int64(o.GetInt("payable"))}); err != nil {
				t.Fatal(err)
			}
		}, []string{"staff:staff_payment_unmatched"}},

		{"the buyer asks for a refund", func() {
			items, _ := w.app.FindRecordsByFilter("order_items", "order = {:o}", "", 1, 0, dbx.Params{"o": paidOrder})
			body := w.do("POST", "/api/shop/aftersales", map[string]any{"order": paidOrder, "type": "refund", "reason": "坏了",
				"items": []map[string]any{{"order_item": items[0].Id, "quantity": 1}}}, w.buyerTok)
			asRefund = body["id"].(string)
		}, []string{"staff:staff_aftersale"}},

		{"the merchant approves the refund (refunded at once, commission clawed back)", func() {
			w.do("POST", "/api/shop/admin/aftersales/"+asRefund+"/approve", map[string]any{}, w.admin)
		}, []string{"buyer:aftersale_approved", "buyer:refund", "up:commission_cancelled"}},

		{"the buyer asks to return goods", func() {
			items, _ := w.app.FindRecordsByFilter("order_items", "order = {:o}", "", 1, 0, dbx.Params{"o": keptOrder})
			body := w.do("POST", "/api/shop/aftersales", map[string]any{"order": keptOrder, "type": "return_refund", "reason": "不合适",
				"items": []map[string]any{{"order_item": items[0].Id, "quantity": 1}}}, w.buyerTok)
			asReturn = body["id"].(string)
		}, []string{"staff:staff_aftersale"}},

		{"the merchant rejects it", func() {
			w.do("POST", "/api/shop/admin/aftersales/"+asReturn+"/reject", map[string]any{"note": "已超过退货期"}, w.admin)
		}, []string{"buyer:aftersale_rejected"}},

		{"the buyer asks again and the merchant approves the return", func() {
			items, _ := w.app.FindRecordsByFilter("order_items", "order = {:o}", "", 1, 0, dbx.Params{"o": keptOrder})
			body := w.do("POST", "/api/shop/aftersales", map[string]any{"order": keptOrder, "type": "return_refund", "reason": "不合适",
				"items": []map[string]any{{"order_item": items[0].Id, "quantity": 1}}}, w.buyerTok)
			asReturn = body["id"].(string)
			w.newNotifications()
			w.do("POST", "/api/shop/admin/aftersales/"+asReturn+"/approve", map[string]any{}, w.admin)
		}, []string{"buyer:aftersale_approved"}},

		{"the return arrives (refunded, settled commission clawed back)", func() {
			w.do("POST", "/api/shop/aftersales/"+asReturn+"/return", map[string]any{"return_company": "shunfeng", "return_no": "SF9"}, w.buyerTok)
			w.do("POST", "/api/shop/admin/aftersales/"+asReturn+"/receive", nil, w.admin)
		}, []string{"buyer:aftersale_received", "buyer:refund", "up:commission_cancelled"}},

		{"a refund the provider refuses", func() {
			o := w.checkout(w.sku, 1)
			w.pay(o, "failpay")
			w.newNotifications()
			id := w.apply(o, "refund")
			w.newNotifications()
			w.c.Do("POST", "/api/shop/admin/aftersales/"+id+"/approve", map[string]any{}, w.admin)
		}, []string{"buyer:aftersale_approved", "buyer:refund_failed"}},

		{"an exchange: approved, received, replacement shipped", func() {
			o := w.checkout(w.sku, 1)
			w.pay(o)
			w.do("POST", "/api/shop/admin/orders/"+o+"/ship", map[string]any{"tracking_company": "shunfeng", "tracking_no": "SF7"}, w.admin)
			w.newNotifications()
			id := w.apply(o, "exchange")
			w.newNotifications()
			w.do("POST", "/api/shop/admin/aftersales/"+id+"/approve", map[string]any{}, w.admin)
			w.do("POST", "/api/shop/aftersales/"+id+"/return", map[string]any{"return_company": "shunfeng", "return_no": "SF8"}, w.buyerTok)
			w.do("POST", "/api/shop/admin/aftersales/"+id+"/receive", nil, w.admin)
			w.do("POST", "/api/shop/admin/aftersales/"+id+"/reship", map[string]any{"reship_company": "shunfeng", "reship_no": "SF9"}, w.admin)
		}, []string{"buyer:aftersale_approved", "buyer:aftersale_received", "buyer:exchange_shipped"}},

		{"a checkout takes a SKU to its low-stock threshold", func() {
			w.checkout(w.lowSku, 2)
		}, []string{"staff:staff_low_stock"}},

		{"a superuser raises a distributor's level", func() {
			w.do("PATCH", "/api/collections/users/records/"+w.up.Id, map[string]any{"level": 2}, w.admin)
		}, []string{"up:level_upgraded"}},

		{"two applications are decided", func() {
			_, applicantTok = w.user("applicant@test.local")
			_, rejecteeTok = w.user("rejectee@test.local")
			applicant = w.do("POST", "/api/shop/distributor/apply", map[string]any{"real_name": "甲"}, applicantTok)["id"].(string)
			rejectee = w.do("POST", "/api/shop/distributor/apply", map[string]any{"real_name": "乙"}, rejecteeTok)["id"].(string)
			w.do("PATCH", "/api/collections/distributor_applications/records/"+applicant, map[string]any{"status": "approved"}, w.admin)
			w.do("PATCH", "/api/collections/distributor_applications/records/"+rejectee,
				map[string]any{"status": "rejected", "review_note": "资料不全"}, w.admin)
		}, []string{"applicant:application_approved", "rejectee:application_rejected"}},

		{"a distributor asks to withdraw", func() {
			withdrawalId = w.do("POST", "/api/shop/withdrawals", map[string]any{"amount": 100, "channel": "bank",
				"account": map[string]any{"name": "王大", "bank": "招商银行", "number": "6225 8801 2345 6789"}}, w.upTok)["id"].(string)
		}, []string{"staff:staff_withdrawal"}},

		{"the merchant approves and pays it", func() {
			w.do("POST", "/api/shop/admin/withdrawals/"+withdrawalId+"/approve", nil, w.admin)
			w.do("POST", "/api/shop/admin/withdrawals/"+withdrawalId+"/paid", nil, w.admin)
		}, []string{"up:withdrawal_approved", "up:withdrawal_paid"}},

		{"a WeChat withdrawal whose transfer fails", func() {
			id := w.do("POST", "/api/shop/withdrawals", map[string]any{"amount": 30, "channel": "wechat"}, w.upTok)["id"].(string)
			w.newNotifications()
			w.c.Do("POST", "/api/shop/admin/withdrawals/"+id+"/approve", nil, w.admin)
		}, []string{"up:withdrawal_approved", "up:withdrawal_failed"}},

		{"the merchant rejects another", func() {
			id := w.do("POST", "/api/shop/withdrawals", map[string]any{"amount": 50, "channel": "bank",
				"account": map[string]any{"name": "王大", "bank": "招商银行", "number": "6225 8801 2345 6789"}}, w.upTok)["id"].(string)
			w.newNotifications()
			w.do("POST", "/api/shop/admin/withdrawals/"+id+"/reject", map[string]any{"reason": "账户名不符"}, w.admin)
		}, []string{"up:withdrawal_rejected"}},
	}

	for _, step := range steps {
		step.run()
		got := w.newNotifications()
		want := append([]string{}, step.want...)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("%s: notifications %v, want %v", step.event, got, want)
		}
	}
}

// TestNotificationRoutes covers the unread count and marking read.
func TestNotificationRoutes(t *testing.T) {
	w := newNotifyWorld(t)
	for i := 0; i < 3; i++ {
		if err := shop.Notify(w.app, shop.Notification{UserId: w.buyer.Id, Kind: shop.KindOrderShipped,
			Title: fmt.Sprintf("n%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := shop.Notify(w.app, shop.Notification{UserId: w.up.Id, Kind: shop.KindCommission, Title: "x"}); err != nil {
		t.Fatal(err)
	}
	body := w.do("GET", "/api/shop/notifications/unread", nil, w.buyerTok)
	if body["total"] != float64(3) || body["kinds"].(map[string]any)["order_shipped"] != float64(3) {
		t.Fatalf("unread %v", body)
	}
	list, _ := w.app.FindRecordsByFilter("notifications", "user = {:u}", "created", 1, 0, dbx.Params{"u": w.buyer.Id})
	// another user's id changes nothing
	other, _ := w.app.FindRecordsByFilter("notifications", "user = {:u}", "", 1, 0, dbx.Params{"u": w.up.Id})
	body = w.do("POST", "/api/shop/notifications/read", map[string]any{"ids": []string{list[0].Id, other[0].Id}}, w.buyerTok)
	if body["updated"] != float64(1) {
		t.Fatalf("read one: %v", body)
	}
	if body = w.do("POST", "/api/shop/notifications/read", map[string]any{}, w.buyerTok); body["updated"] != float64(2) {
		t.Fatalf("read all: %v", body)
	}
	if body = w.do("GET", "/api/shop/notifications/unread", nil, w.upTok); body["total"] != float64(1) {
		t.Fatalf("up's unread %v", body)
	}
	if res := w.c.Do("GET", "/api/shop/notifications/unread", nil, ""); res.Status != http.StatusUnauthorized {
		t.Fatalf("guest: %d", res.Status)
	}
}

// TestNotifyChannelsFromEnv checks the environment wiring of the channels.
func TestNotifyChannelsFromEnv(t *testing.T) {
	app, s := tests.NewShopApp(t)
	t.Setenv("FENXIAO_ALIYUN_SMS_KEY_ID", "LTAI")
	t.Setenv("FENXIAO_ALIYUN_SMS_KEY_SECRET", "secret")
	t.Setenv("FENXIAO_ALIYUN_SMS_SIGN", "小店")
	t.Setenv("FENXIAO_ALIYUN_SMS_CODE_TEMPLATE", "SMS_1")
	t.Setenv("FENXIAO_ALIYUN_SMS_TEMPLATES", `{"order_shipped": {"template": "SMS_2", "params": {"order": "order_no"}}}`)
	t.Setenv("FENXIAO_TENCENT_SMS_SECRET_ID", "AKID") // Aliyun wins
	t.Setenv("FENXIAO_STAFF_EMAIL", "1")
	t.Setenv("FENXIAO_WX_SUBSCRIBE_TEMPLATES", `{"order_shipped": {"id": "t", "fields": {"thing1": "company"}}}`) // no wx client: off
	registerNotifyChannels(app, nil)
	channels := s.Channels()
	names := make([]string, 0, len(channels))
	for _, c := range channels {
		names = append(names, c.Name())
	}
	if !slices.Equal(names, []string{"sms", "email"}) {
		t.Fatalf("channels %v", names)
	}
	if fmt.Sprintf("%T", s.SMSSender()) != "*aliyunsms.Client" {
		t.Fatalf("sms sender %T", s.SMSSender())
	}
}

// TestOwnerMayOnlyMarkRead checks the notifications update rule.
func TestOwnerMayOnlyMarkRead(t *testing.T) {
	w := newNotifyWorld(t)
	if err := shop.Notify(w.app, shop.Notification{UserId: w.buyer.Id, Kind: shop.KindOrderShipped, Title: "t",
		Data: map[string]string{"order_no": "A1"}}); err != nil {
		t.Fatal(err)
	}
	n, _ := w.app.FindFirstRecordByFilter("notifications", "user = {:u}", dbx.Params{"u": w.buyer.Id})
	url := "/api/collections/notifications/records/" + n.Id
	if res := w.c.Do("PATCH", url, map[string]any{"data": map[string]string{"order_no": "X"}}, w.buyerTok); res.Status != http.StatusNotFound {
		t.Fatalf("editing data: %d %s", res.Status, res.Raw)
	}
	if res := w.c.Do("PATCH", url, map[string]any{"read": true}, w.buyerTok); res.Status != http.StatusOK {
		t.Fatalf("marking read: %d %s", res.Status, res.Raw)
	}
	if res := w.c.Do("PATCH", url, map[string]any{"read": false}, w.upTok); res.Status != http.StatusNotFound {
		t.Fatalf("another user: %d %s", res.Status, res.Raw)
	}
}
