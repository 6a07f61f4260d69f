package orders_test

import (
	"testing"

	"fenxiao/hooks/shop"
	"fenxiao/plugins/wechatpay/wxpayfake"
)

// paidWechat checks out lines, pays them through a WeChat notification and
// returns the order id and its first order item id.
func (f *fixture) paidWechat(t *testing.T, fake *wxpayfake.Fake, lines ...any) (string, string) {
	t.Helper()
	id := f.checkout(t, lines...)
	n, err := fake.PaymentNotification(f.startWechat(t, id))
	if err != nil {
		t.Fatal(err)
	}
	if code := f.deliver(n); code != 204 {
		t.Fatalf("payment notification: %d", code)
	}
	items, _ := f.app.FindRecordsByFilter("order_items", "order = {:o}", "created,id", 0, 0, map[string]any{"o": id})
	return id, items[0].Id
}

// refundRequested applies for a refund-only after-sale of one line and has
// the admin approve it; WeChat Pay answers "processing" (202).
func (f *fixture) refundRequested(t *testing.T, orderId, itemId string) string {
	t.Helper()
	res := f.c.Do("POST", "/api/shop/aftersales", map[string]any{"order": orderId, "type": "refund", "reason": "不想要了",
		"items": []map[string]any{{"order_item": itemId, "quantity": 1}}}, f.token)
	if res.Status != 200 {
		t.Fatalf("apply: %d %s", res.Status, res.Raw)
	}
	as := res.Body["id"].(string)
	if res := f.c.Do("POST", "/api/shop/admin/aftersales/"+as+"/approve", nil, f.admin); res.Status != 202 {
		t.Fatalf("approve: %d %s (want 202 processing)", res.Status, res.Raw)
	}
	return as
}

func (f *fixture) backdateRefunds(t *testing.T) {
	t.Helper()
	if _, err := f.app.DB().NewQuery("UPDATE refunds SET created = '2020-01-01 00:00:00.000Z'").Execute(); err != nil {
		t.Fatal(err)
	}
}

func TestRefundReconcileFinishesProcessingRefund(t *testing.T) {
	t.Parallel()
	f, fake := wxFixtureWith(t, wxpayfake.Options{RefundStatus: "PROCESSING"})
	var events [][]shop.RefundedLine
	f.shop.OnOrderRefunded.BindFunc(func(e *shop.RefundEvent) error {
		if !e.App.IsTransactional() {
			t.Error("refund event outside a transaction")
		}
		events = append(events, e.Lines)
		return e.Next()
	})
	id, item := f.paidWechat(t, fake, f.cup, 2)
	as := f.refundRequested(t, id, item)
	refund, err := f.app.FindFirstRecordByData("refunds", "aftersale", as)
	if err != nil || refund.GetString("status") != "processing" || refund.GetString("refund_no") != "RF"+as {
		t.Fatalf("refund after approval: %v %v", refund, err)
	}

	// too recent to ask about, then still processing at WeChat Pay: nothing changes
	if _, err := f.shop.RunJob(f.app, "refund_reconcile"); err != nil {
		t.Fatal(err)
	}
	f.backdateRefunds(t)
	res, err := f.shop.RunJob(f.app, "refund_reconcile")
	if err != nil {
		t.Fatal(err)
	}
	if reload(t, f.app, "refunds", refund.Id).GetString("status") != "processing" || len(events) != 0 {
		t.Fatalf("a processing refund was settled: %s", res.Summary)
	}

	if err := fake.CompleteRefund("RF" + as); err != nil {
		t.Fatal(err)
	}
	// through the admin jobs route this time
	run := f.c.Do("POST", "/api/shop/admin/jobs/refund_reconcile", nil, f.admin)
	if run.Status != 200 {
		t.Fatalf("jobs route: %d %s", run.Status, run.Raw)
	}
	r := reload(t, f.app, "refunds", refund.Id)
	if r.GetString("status") != "success" || r.GetDateTime("refunded_at").IsZero() || r.GetString("provider_refund_id") == "" {
		t.Fatalf("refund after reconcile: %s (%s)", r.GetString("status"), run.Raw)
	}
	if s := reload(t, f.app, "aftersales", as).GetString("status"); s != "refunded" {
		t.Fatalf("after-sale: %s", s)
	}
	if o := f.order(t, id); o.GetInt("refunded_amount") != 5000 || o.GetString("status") != "paid" {
		t.Fatalf("order: %d %s", o.GetInt("refunded_amount"), o.GetString("status"))
	}
	if len(events) != 1 || len(events[0]) != 1 || events[0][0].OrderItemId != item || events[0][0].Amount != 5000 {
		t.Fatalf("refund events: %+v", events)
	}

	// later runs and the late notification change nothing
	if _, err := f.shop.RunJob(f.app, "refund_reconcile"); err != nil {
		t.Fatal(err)
	}
	n, err := fake.RefundNotification("RF" + as)
	if err != nil {
		t.Fatal(err)
	}
	if code := f.deliver(n); code != 204 {
		t.Fatalf("late refund notification: %d", code)
	}
	if len(events) != 1 || f.order(t, id).GetInt("refunded_amount") != 5000 {
		t.Fatal("a finished refund was applied twice")
	}
}

func TestRefundNotificationFailureThenRetry(t *testing.T) {
	t.Parallel()
	f, fake := wxFixtureWith(t, wxpayfake.Options{RefundStatus: "PROCESSING"})
	var events int
	f.shop.OnOrderRefunded.BindFunc(func(e *shop.RefundEvent) error {
		events++
		return e.Next()
	})
	id, item := f.paidWechat(t, fake, f.tea, 1)
	as := f.refundRequested(t, id, item)
	first := "RF" + as

	forged, err := fake.RefundNotification(first, wxpayfake.ForgedSignature())
	if err != nil {
		t.Fatal(err)
	}
	if code := f.deliver(forged); code < 400 {
		t.Fatalf("forged refund notification answered %d", code)
	}

	// WeChat Pay closes the refund: the refund fails, the after-sale waits for a retry
	if err := fake.FailRefund(first, "CLOSED"); err != nil {
		t.Fatal(err)
	}
	n, err := fake.RefundNotification(first)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if code := f.deliver(n); code != 204 {
			t.Fatalf("refund closed notification %d: %d", i, code)
		}
	}
	r, _ := f.app.FindFirstRecordByData("refunds", "refund_no", first)
	if r == nil || r.GetString("status") != "failed" || events != 0 {
		t.Fatalf("refund after CLOSED: %v events=%d", r, events)
	}
	if s := reload(t, f.app, "aftersales", as).GetString("status"); s != "approved" {
		t.Fatalf("after-sale after a failed refund: %s", s)
	}
	if f.order(t, id).GetInt("refunded_amount") != 0 {
		t.Fatal("a failed refund was recorded as money back")
	}

	// the admin retries: a new refund number, processing again, then a success notification
	res := f.c.Do("POST", "/api/shop/admin/aftersales/"+as+"/refund", nil, f.admin)
	if res.Status != 202 {
		t.Fatalf("retry: %d %s", res.Status, res.Raw)
	}
	second := first + "R2"
	if _, ok := fake.Refund(second); !ok {
		t.Fatalf("retry did not reach WeChat Pay as %s", second)
	}
	if err := fake.CompleteRefund(second); err != nil {
		t.Fatal(err)
	}
	n, err = fake.RefundNotification(second)
	if err != nil {
		t.Fatal(err)
	}
	if code := f.deliver(n); code != 204 {
		t.Fatalf("success notification: %d", code)
	}
	if o := f.order(t, id); o.GetInt("refunded_amount") != 3000 || o.GetString("status") != "refunded" || events != 1 {
		t.Fatalf("order after retry: %d %s events=%d", o.GetInt("refunded_amount"), o.GetString("status"), events)
	}
	if s := reload(t, f.app, "aftersales", as).GetString("status"); s != "refunded" {
		t.Fatalf("after-sale: %s", s)
	}
	if n, _ := f.app.CountRecords("refunds"); n != 2 {
		t.Fatalf("refunds = %d (the failed one is kept)", n)
	}
	// the retry route on a refunded after-sale changes nothing
	if res := f.c.Do("POST", "/api/shop/admin/aftersales/"+as+"/refund", nil, f.admin); res.Status != 200 {
		t.Fatalf("retry after success: %d %s", res.Status, res.Raw)
	}
	if n, _ := f.app.CountRecords("refunds"); n != 2 || events != 1 {
		t.Fatal("a refunded after-sale was refunded again")
	}
}

func TestRefundReconcileMarksClosedRefundFailed(t *testing.T) {
	t.Parallel()
	f, fake := wxFixtureWith(t, wxpayfake.Options{RefundStatus: "PROCESSING"})
	id, item := f.paidWechat(t, fake, f.cup, 1)
	as := f.refundRequested(t, id, item)
	if err := fake.FailRefund("RF"+as, "ABNORMAL"); err != nil {
		t.Fatal(err)
	}
	f.backdateRefunds(t)
	res, err := f.shop.RunJob(f.app, "refund_reconcile")
	if err != nil {
		t.Fatal(err)
	}
	r, _ := f.app.FindFirstRecordByData("refunds", "aftersale", as)
	if r.GetString("status") != "failed" || f.order(t, id).GetInt("refunded_amount") != 0 {
		t.Fatalf("refund after ABNORMAL: %s (%s)", r.GetString("status"), res.Summary)
	}
}
