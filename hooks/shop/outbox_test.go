package shop_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/tests"
)

// scriptedChannel answers each Send with the next scripted error (nil when
// the script ran out) and records every delivery it was handed.
type scriptedChannel struct {
	name   string
	kinds  map[string]bool // nil: every kind
	mu     sync.Mutex
	script []error
	sent   []shop.Delivery
	// block, when set, is waited on after recording a send (a provider that
	// accepted the message while the process goes down)
	block chan struct{}
}

func (c *scriptedChannel) Name() string { return c.name }

func (c *scriptedChannel) Accepts(n shop.Notification) bool {
	return c.kinds == nil || c.kinds[n.Kind]
}

func (c *scriptedChannel) Send(ctx context.Context, _ core.App, d shop.Delivery) error {
	c.mu.Lock()
	c.sent = append(c.sent, d)
	var err error
	if len(c.script) > 0 {
		err, c.script = c.script[0], c.script[1:]
	}
	block := c.block
	c.mu.Unlock()
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return err
}

func (c *scriptedChannel) sends() []shop.Delivery {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]shop.Delivery(nil), c.sent...)
}

func deliveries(t *testing.T, app core.App) []*core.Record {
	t.Helper()
	list, err := app.FindRecordsByFilter("notification_deliveries", "", "created", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// makeDue moves every pending delivery's next attempt to now, as if its
// backoff had passed.
func makeDue(t *testing.T, app core.App) {
	t.Helper()
	_, err := app.DB().Update("notification_deliveries",
		dbx.Params{"next_at": time.Now().UTC().Add(-time.Second).Format("2006-01-02 15:04:05.000Z")},
		dbx.HashExp{"status": "pending"}).Execute()
	if err != nil {
		t.Fatal(err)
	}
}

func TestNotifyQueuesAfterCommitOnly(t *testing.T) {
	app, s := tests.NewShopApp(t)
	ch := &scriptedChannel{name: "sms"}
	s.RegisterChannel(ch)
	buyer, _ := tests.User(t, app, "b@test.local", nil)

	boom := errors.New("business rule failed")
	err := app.RunInTransaction(func(txApp core.App) error {
		if err := shop.Notify(txApp, shop.Notification{UserId: buyer.Id, Kind: shop.KindOrderShipped, Title: "已发货"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("tx error = %v", err)
	}
	if n, _ := s.DeliverDue(context.Background(), app); n != 0 || len(ch.sends()) != 0 {
		t.Fatalf("rolled-back notification delivered: %d handled, %d sent", n, len(ch.sends()))
	}
	if list := deliveries(t, app); len(list) != 0 {
		t.Fatalf("rolled-back delivery rows: %d", len(list))
	}

	err = app.RunInTransaction(func(txApp core.App) error {
		return shop.Notify(txApp, shop.Notification{UserId: buyer.Id, Kind: shop.KindOrderShipped, Title: "已发货",
			Data: map[string]string{"order_no": "A1"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.DeliverDue(context.Background(), app); err != nil || n != 1 {
		t.Fatalf("DeliverDue = %d, %v", n, err)
	}
	sent := ch.sends()
	if len(sent) != 1 || sent[0].Data["order_no"] != "A1" || sent[0].UserId != buyer.Id || sent[0].Attempt != 1 {
		t.Fatalf("sent %+v", sent)
	}
	d := deliveries(t, app)[0]
	if d.GetString("status") != "sent" || d.GetInt("attempts") != 1 || d.GetDateTime("sent_at").IsZero() {
		t.Fatalf("delivery %v", d.FieldsData())
	}
	// a second pass sends nothing again
	if n, _ := s.DeliverDue(context.Background(), app); n != 0 || len(ch.sends()) != 1 {
		t.Fatalf("second pass handled %d, sent %d", n, len(ch.sends()))
	}
}

func TestOutboxRetriesWithBackoff(t *testing.T) {
	app, s := tests.NewShopApp(t)
	ch := &scriptedChannel{name: "sms", script: []error{
		errors.New("provider: 500"),
		&shop.RetryAfterError{Delay: time.Hour, Err: errors.New("provider: rate limited")},
	}}
	s.RegisterChannel(ch)
	buyer, _ := tests.User(t, app, "b@test.local", nil)
	if err := shop.Notify(app, shop.Notification{UserId: buyer.Id, Kind: shop.KindRefund, Title: "退款成功"}); err != nil {
		t.Fatal(err)
	}

	before := time.Now()
	if _, err := s.DeliverDue(context.Background(), app); err != nil {
		t.Fatal(err)
	}
	d := deliveries(t, app)[0]
	next := d.GetDateTime("next_at").Time()
	if d.GetString("status") != "pending" || d.GetInt("attempts") != 1 || d.GetString("last_error") != "provider: 500" {
		t.Fatalf("after a provider error: %v", d.FieldsData())
	}
	if wait := next.Sub(before); wait < 29*time.Second || wait > 31*time.Second+time.Since(before) {
		t.Fatalf("first backoff %s, want 30s", wait)
	}
	// not due yet: nothing is tried
	if n, _ := s.DeliverDue(context.Background(), app); n != 0 {
		t.Fatalf("retried before its backoff: %d", n)
	}

	makeDue(t, app)
	if _, err := s.DeliverDue(context.Background(), app); err != nil {
		t.Fatal(err)
	}
	d = deliveries(t, app)[0]
	if wait := time.Until(d.GetDateTime("next_at").Time()); d.GetInt("attempts") != 2 || wait < 59*time.Minute {
		t.Fatalf("rate limit answer: attempts %d, next in %s", d.GetInt("attempts"), wait)
	}

	makeDue(t, app)
	if _, err := s.DeliverDue(context.Background(), app); err != nil {
		t.Fatal(err)
	}
	d = deliveries(t, app)[0]
	if d.GetString("status") != "sent" || d.GetInt("attempts") != 3 || d.GetString("last_error") != "" {
		t.Fatalf("after recovery: %v", d.FieldsData())
	}
	sent := ch.sends()
	if len(sent) != 3 || sent[0].Id != sent[2].Id || sent[2].Attempt != 3 {
		t.Fatalf("sends %+v", sent)
	}
}

func TestOutboxFinalOutcomes(t *testing.T) {
	app, s := tests.NewShopApp(t)
	many := make([]error, shop.OutboxMaxAttempts)
	for i := range many {
		many[i] = errors.New("down")
	}
	s.RegisterChannel(&scriptedChannel{name: "skip", script: []error{shop.ErrSkip}})
	s.RegisterChannel(&scriptedChannel{name: "perm", script: []error{shop.Permanent(errors.New("template revoked"))}})
	s.RegisterChannel(&scriptedChannel{name: "down", script: many})
	buyer, _ := tests.User(t, app, "b@test.local", nil)
	if err := shop.Notify(app, shop.Notification{UserId: buyer.Id, Kind: shop.KindRefund, Title: "退款成功"}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < shop.OutboxMaxAttempts; i++ {
		makeDue(t, app)
		if _, err := s.DeliverDue(context.Background(), app); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string]string{}
	for _, d := range deliveries(t, app) {
		got[d.GetString("channel")] = d.GetString("status") + "/" + d.GetString("attempts")
	}
	want := map[string]string{"skip": "skipped/1", "perm": "failed/1", "down": "failed/8"}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("outcomes %v, want %v", got, want)
		}
	}
}

// TestOutboxResumesAfterCrash stops the worker while a provider holds a
// send it already accepted: the delivery stays pending and the next start
// sends it again with the same delivery id (the idempotency key).
func TestOutboxResumesAfterCrash(t *testing.T) {
	app, s := tests.NewShopApp(t)
	ch := &scriptedChannel{name: "sms", block: make(chan struct{})}
	s.RegisterChannel(ch)
	buyer, _ := tests.User(t, app, "b@test.local", nil)

	stop := s.StartOutbox(app, time.Hour)
	err := app.RunInTransaction(func(txApp core.App) error {
		return shop.Notify(txApp, shop.Notification{UserId: buyer.Id, Kind: shop.KindOrderShipped, Title: "已发货"})
	})
	if err != nil {
		t.Fatal(err)
	}
	// the commit woke the worker (the sweep is an hour away)
	deadline := time.Now().Add(5 * time.Second)
	for len(ch.sends()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if len(ch.sends()) != 1 {
		t.Fatal("the commit did not wake the worker")
	}
	stop()
	d := deliveries(t, app)[0]
	if d.GetString("status") != "pending" || d.GetInt("attempts") != 0 {
		t.Fatalf("interrupted send recorded: %v", d.FieldsData())
	}

	ch.mu.Lock()
	ch.block = nil
	ch.mu.Unlock()
	stop = s.StartOutbox(app, time.Hour) // the restart's first pass sweeps
	deadline = time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if deliveries(t, app)[0].GetString("status") == "sent" {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	sent := ch.sends()
	if len(sent) != 2 || sent[0].Id != sent[1].Id || sent[0].Id != d.Id {
		t.Fatalf("sends %+v, want the same delivery twice", sent)
	}
	if d := deliveries(t, app)[0]; d.GetString("status") != "sent" || d.GetInt("attempts") != 1 {
		t.Fatalf("after restart: %v", d.FieldsData())
	}
}

func TestNotifyPreferencesAndUniqueKey(t *testing.T) {
	app, s := tests.NewShopApp(t)
	s.RegisterChannel(&scriptedChannel{name: "sms"})
	s.RegisterChannel(&scriptedChannel{name: "email", kinds: map[string]bool{shop.KindStaffOrderPaid: true}})
	buyer, _ := tests.User(t, app, "b@test.local", nil)
	tests.Save(t, app, "notification_prefs", map[string]any{"user": buyer.Id,
		"muted": map[string][]string{shop.KindOrderShipped: {"sms"}, shop.KindRefund: {"sms"}}})

	for _, kind := range []string{shop.KindOrderShipped, shop.KindRefund, shop.KindOrderCancelled} {
		if err := shop.Notify(app, shop.Notification{UserId: buyer.Id, Kind: kind, Title: kind}); err != nil {
			t.Fatal(err)
		}
	}
	if err := shop.Notify(app, shop.Notification{Kind: shop.KindStaffOrderPaid, Title: "新订单"}); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, d := range deliveries(t, app) {
		n, _ := app.FindRecordById("notifications", d.GetString("notification"))
		got[n.GetString("kind")+"/"+d.GetString("channel")]++
	}
	// order_shipped muted on sms; refund is money and goes out anyway
	want := map[string]int{"refund/sms": 1, "order_cancelled/sms": 1, "staff_order_paid/sms": 1, "staff_order_paid/email": 1}
	if len(got) != len(want) {
		t.Fatalf("deliveries %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("deliveries %v, want %v", got, want)
		}
	}

	// one delivery per notification and channel, whoever queues it
	d := deliveries(t, app)[0]
	dup := core.NewRecord(d.Collection())
	dup.Load(map[string]any{"notification": d.GetString("notification"), "channel": d.GetString("channel"), "status": "pending"})
	if err := app.Save(dup); err == nil {
		t.Fatal("a second delivery for the same notification and channel was saved")
	}
}
