package balancepay_test

import (
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/audit"
	"fenxiao/hooks/orders"
	"fenxiao/hooks/shop"
	"fenxiao/hooks/wallet"
	"fenxiao/internal/ledger"
	"fenxiao/plugins/balancepay"
	"fenxiao/tests"
)

func TestMain(m *testing.M) { tests.Main(m) }

func fund(t *testing.T, app core.App, userId string, amount int64) {
	t.Helper()
	err := app.RunInTransaction(func(txApp core.App) error {
		_, err := wallet.Post(txApp, wallet.Posting{UserId: userId, Kind: ledger.KindReward, Amount: amount, RefType: "test", RefId: "seed", Actor: "system:test"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func wantBalance(t *testing.T, app core.App, userId string, available int64) {
	t.Helper()
	a, _, err := shop.WalletBalance(app, userId)
	if err != nil {
		t.Fatal(err)
	}
	if a != available {
		t.Fatalf("available %d, want %d", a, available)
	}
}

func TestBalancePaymentAndRefund(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	balancepay.MustRegister(app, balancepay.Config{})
	c := tests.NewClient(t, app)
	_, admin := tests.Superuser(t, app)

	buyer, token := tests.User(t, app, "buyer@test.local", nil)
	poor, poorToken := tests.User(t, app, "poor@test.local", nil)
	addr := tests.Save(t, app, "addresses", map[string]any{"user": buyer.Id, "name": "张三", "phone": "13800000000",
		"province": "浙江省", "detail": "西湖区1号", "is_default": true})
	poorAddr := tests.Save(t, app, "addresses", map[string]any{"user": poor.Id, "name": "李四", "phone": "13800000001",
		"province": "浙江省", "detail": "西湖区2号", "is_default": true})
	product := tests.Save(t, app, "products", map[string]any{"title": "保温杯", "status": "on"})
	sku := tests.Save(t, app, "skus", map[string]any{"product": product.Id, "price": 5000, "stock": 10, "spec_text": "红"})

	checkout := func(tok, address string) (string, int64) {
		t.Helper()
		res := c.Do(http.MethodPost, "/api/shop/checkout", map[string]any{
			"items": []map[string]any{{"sku": sku.Id, "quantity": 1}}, "address": address}, tok)
		if res.Status != 200 {
			t.Fatalf("checkout: %d %s", res.Status, res.Raw)
		}
		return res.Body["id"].(string), int64(res.Body["payable"].(float64))
	}

	fund(t, app, buyer.Id, 12000)
	id, payable := checkout(token, addr.Id)

	res := c.Do(http.MethodPost, "/api/shop/orders/"+id+"/pay", map[string]any{"method": "balance"}, token)
	if res.Status != 200 || res.Body["paid"] != true {
		t.Fatalf("pay: %d %s", res.Status, res.Raw)
	}
	wantBalance(t, app, buyer.Id, 12000-payable)
	// paying again changes nothing
	if res := c.Do(http.MethodPost, "/api/shop/orders/"+id+"/pay", map[string]any{"method": "balance"}, token); res.Status != 409 {
		t.Fatalf("second pay: %d %s", res.Status, res.Raw)
	}
	wantBalance(t, app, buyer.Id, 12000-payable)
	if n, _ := app.CountRecords(shop.WalletEntriesCollection, dbx.HashExp{"kind": ledger.KindPayment}); n != 1 {
		t.Fatalf("%d payment entries", n)
	}
	tests.MustAudit(t, app)

	// not enough: refused before anything is recorded
	fund(t, app, poor.Id, 100)
	poorOrder, _ := checkout(poorToken, poorAddr.Id)
	res = c.Do(http.MethodPost, "/api/shop/orders/"+poorOrder+"/pay", map[string]any{"method": "balance"}, poorToken)
	if res.Status != 409 || res.Code() != "insufficient_balance" {
		t.Fatalf("poor pay: %d %s", res.Status, res.Raw)
	}

	// the balance drops between Start and the payment: the debit fails
	// inside the payment transaction and the whole payment rolls back
	o, _ := app.FindRecordById("orders", poorOrder)
	_, err := orders.ApplyPayment(app, &shop.PaymentNotice{Provider: balancepay.Name, OrderNo: o.GetString("order_no"),
		TransactionId: "BAL" + o.Id, Amount: int64(o.GetInt("payable")), PaidAt: time.Now()})
	var se *shop.Error
	if !errors.As(err, &se) || se.Code != "insufficient_balance" {
		t.Fatalf("apply with a short balance: %v", err)
	}
	o, _ = app.FindRecordById("orders", poorOrder)
	if o.GetString("status") != "pending_payment" {
		t.Fatalf("order %s after a refused debit", o.GetString("status"))
	}
	if n, _ := app.CountRecords("payments", dbx.HashExp{"order": poorOrder}); n != 0 {
		t.Fatalf("%d payments recorded for a refused debit", n)
	}
	wantBalance(t, app, poor.Id, 100)
	tests.MustAudit(t, app)

	// a refund goes back to the balance, once
	items, _ := app.FindRecordsByFilter("order_items", "order = {:o}", "", 0, 0, dbx.Params{"o": id})
	res = c.Do(http.MethodPost, "/api/shop/aftersales", map[string]any{"order": id, "type": "refund", "reason": "不想要了",
		"items": []map[string]any{{"order_item": items[0].Id, "quantity": 1, "amount": 2000}}}, token)
	if res.Status != 200 {
		t.Fatalf("aftersale: %d %s", res.Status, res.Raw)
	}
	as := res.Body["id"].(string)
	if res := c.Do(http.MethodPost, "/api/shop/admin/aftersales/"+as+"/approve", nil, admin); res.Status != 200 {
		t.Fatalf("approve: %d %s", res.Status, res.Raw)
	}
	wantBalance(t, app, buyer.Id, 12000-payable+2000)
	if res := c.Do(http.MethodPost, "/api/shop/admin/aftersales/"+as+"/refund", nil, admin); res.Status != 200 {
		t.Fatalf("refund retry: %d %s", res.Status, res.Raw)
	}
	wantBalance(t, app, buyer.Id, 12000-payable+2000)

	// the provider reports the payment
	p, _ := app.FindRecordById("orders", id)
	prov, _ := shop.MustGet(app).PaymentProvider(balancepay.Name)
	q, err := prov.Query(t.Context(), p.GetString("order_no"))
	if err != nil || !q.Paid || q.Notice.Amount != payable || q.Notice.TransactionId != "BAL"+id {
		t.Fatalf("query: %+v %v", q, err)
	}
}

func TestOnOrderPaidWithASyntheticEvent(t *testing.T) {
	// the handler alone, without the orders core's routes; the synthetic
	// order has no payments row, so the audit at cleanup is off
	app, s := tests.NewShopApp(t)
	tests.SkipAudit(t)
	balancepay.MustRegister(app, balancepay.Config{})
	buyer, _ := tests.User(t, app, "buyer@test.local", nil)
	fund(t, app, buyer.Id, 300)

	ordersCol, _ := app.FindCollectionByNameOrId("orders")
	paymentsCol, _ := app.FindCollectionByNameOrId("payments")
	order := core.NewRecord(ordersCol)
	order.Id = "ordersynthetic1"
	order.Set("buyer", buyer.Id)
	order.Set("order_no", "202601010000100001")
	payment := core.NewRecord(paymentsCol)
	payment.Set("provider", balancepay.Name)

	trigger := func(amount int64) error {
		payment.Set("amount", amount)
		return app.RunInTransaction(func(txApp core.App) error {
			return s.OnOrderPaid.Trigger(&shop.OrderEvent{App: txApp, Order: shop.AsOrder(order), Payment: shop.AsPayment(payment)})
		})
	}
	if err := trigger(500); err == nil {
		t.Fatal("a payment above the balance was debited")
	}
	wantBalance(t, app, buyer.Id, 300)
	if err := trigger(200); err != nil {
		t.Fatal(err)
	}
	if err := trigger(200); err != nil { // replayed: booked once
		t.Fatal(err)
	}
	wantBalance(t, app, buyer.Id, 100)

	// other providers' payments are not the wallet's business
	payment.Set("provider", "wechatpay")
	if err := trigger(100000); err != nil {
		t.Fatal(err)
	}
	wantBalance(t, app, buyer.Id, 100)

	// the synthetic order was never paid, so the audit must flag the debit
	rep, err := audit.Run(app)
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() {
		t.Fatalf("a debit without a payment passed the audit:\n%s", rep)
	}
}

// buyerWorld is a shop paying by balance with one buyer, their address and
// a 50-yuan SKU with 10 in stock.
type buyerWorld struct {
	app       core.App
	shop      *shop.Shop
	c         *tests.Client
	buyer     *core.Record
	token     string
	addr, sku *core.Record
}

func newBuyerWorld(t *testing.T) *buyerWorld {
	app, s := tests.NewShopApp(t)
	balancepay.MustRegister(app, balancepay.Config{})
	w := &buyerWorld{app: app, shop: s, c: tests.NewClient(t, app)}
	w.buyer, w.token = tests.User(t, app, "buyer@test.local", nil)
	w.addr = tests.Save(t, app, "addresses", map[string]any{"user": w.buyer.Id, "name": "张三", "phone": "13800000000",
		"province": "浙江省", "detail": "西湖区1号", "is_default": true})
	product := tests.Save(t, app, "products", map[string]any{"title": "保温杯", "status": "on"})
	w.sku = tests.Save(t, app, "skus", map[string]any{"product": product.Id, "price": 5000, "stock": 10, "spec_text": "红"})
	return w
}

// A checkout that names the balance pays at once: one request places and
// pays the order; a short balance or an unknown method places nothing.
func TestCheckoutPaysAtOnce(t *testing.T) {
	w := newBuyerWorld(t)
	app, c, buyer, token, addr, sku := w.app, w.c, w.buyer, w.token, w.addr, w.sku
	checkout := func(pay map[string]any) *tests.Response {
		t.Helper()
		return c.Do(http.MethodPost, "/api/shop/checkout", map[string]any{
			"items": []map[string]any{{"sku": sku.Id, "quantity": 1}}, "address": addr.Id, "pay": pay}, token)
	}
	stock := func() int {
		s, err := app.FindRecordById("skus", sku.Id)
		if err != nil {
			t.Fatal(err)
		}
		return s.GetInt("stock")
	}

	// an unknown method is refused before anything is placed
	res := checkout(map[string]any{"method": "cowries"})
	if res.Status != 400 || res.Code() != "pay_method_unavailable" || !strings.Contains(string(res.Raw), `"pay.method"`) {
		t.Fatalf("unknown method: %d %s", res.Status, res.Raw)
	}
	if n, _ := app.CountRecords("orders"); n != 0 || stock() != 10 {
		t.Fatalf("an unknown method placed %d orders, stock %d", n, stock())
	}

	// enough balance: placed and paid in one request
	fund(t, app, buyer.Id, 6000)
	res = checkout(map[string]any{"method": "balance"})
	payment, _ := res.Body["payment"].(map[string]any)
	if res.Status != 200 || res.Body["status"] != "paid" || payment["paid"] != true || payment["method"] != "balance" {
		t.Fatalf("checkout and pay: %d %s", res.Status, res.Raw)
	}
	payable := int64(res.Body["payable"].(float64))
	wantBalance(t, app, buyer.Id, 6000-payable)
	if n, _ := app.CountRecords("payments", dbx.HashExp{"order": res.Body["id"]}); n != 1 {
		t.Fatalf("%d payments for the order", n)
	}
	if stock() != 9 {
		t.Fatalf("stock %d after one paid order", stock())
	}

	// the balance left is short: the checkout changes nothing
	orders, _ := app.CountRecords("orders")
	res = checkout(map[string]any{"method": "balance"})
	if res.Status != 409 || res.Code() != "insufficient_balance" {
		t.Fatalf("checkout with a short balance: %d %s", res.Status, res.Raw)
	}
	if n, _ := app.CountRecords("orders"); n != orders || stock() != 9 {
		t.Fatalf("a refused checkout left %d orders (had %d), stock %d", n, orders, stock())
	}
	wantBalance(t, app, buyer.Id, 6000-payable)
	tests.MustAudit(t, app)
}

// A checkout that pays at once may run twice: when a write after it in the
// same batch fails, the batch rolls back and the writes before the failed
// one run again. The second run must place and pay the order as the first
// did, from the records as built (the first run left them paid in memory).
func TestCheckoutPaysAtOnceWhenRunAgain(t *testing.T) {
	w := newBuyerWorld(t)
	app, s, c, buyer, token, addr, sku := w.app, w.shop, w.c, w.buyer, w.token, w.addr, w.sku
	fund(t, app, buyer.Id, 8000)

	var paidEvents atomic.Int32
	s.OnOrderPaid.BindFunc(func(e *shop.OrderEvent) error {
		paidEvents.Add(1)
		return e.Next()
	})
	waitFor := func(n int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for shop.WritesWaiting(s) != n {
			if time.Now().After(deadline) {
				t.Fatalf("%d writes in line, want %d", shop.WritesWaiting(s), n)
			}
			time.Sleep(time.Millisecond)
		}
	}

	// hold the writer until the checkout and a failing write are in line
	entered, release := make(chan struct{}), make(chan struct{})
	held := make(chan error, 1)
	go func() {
		held <- s.RunInTransaction(app, func(core.App) error {
			close(entered)
			<-release
			return nil
		})
	}()
	<-entered
	answer := make(chan *tests.Response, 1)
	go func() {
		answer <- c.Do(http.MethodPost, "/api/shop/checkout", map[string]any{
			"items": []map[string]any{{"sku": sku.Id, "quantity": 1}}, "address": addr.Id,
			"pay": map[string]any{"method": "balance"}}, token)
	}()
	waitFor(1)
	refused := errors.New("refused")
	failed := make(chan error, 1)
	go func() {
		failed <- s.RunInTransaction(app, func(core.App) error { return refused })
	}()
	waitFor(2)
	close(release)
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	if err := <-failed; !errors.Is(err, refused) {
		t.Fatalf("the failing write: %v", err)
	}
	res := <-answer
	payment, _ := res.Body["payment"].(map[string]any)
	if res.Status != 200 || res.Body["status"] != "paid" || payment["paid"] != true {
		t.Fatalf("checkout run again: %d %s", res.Status, res.Raw)
	}
	if n := paidEvents.Load(); n != 2 {
		t.Fatalf("the paying checkout ran %d times, the test needs it run twice", n)
	}
	id := res.Body["id"].(string)
	if n, _ := app.CountRecords("orders"); n != 1 {
		t.Fatalf("%d orders", n)
	}
	if n, _ := app.CountRecords("payments", dbx.HashExp{"order": id}); n != 1 {
		t.Fatalf("%d payments", n)
	}
	o, err := app.FindRecordById("orders", id)
	if err != nil || o.GetString("status") != "paid" {
		t.Fatalf("order %v %v", o, err)
	}
	wantBalance(t, app, buyer.Id, 8000-int64(o.GetInt("payable")))
	tests.MustAudit(t, app)
}
