package distribution_test

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/audit"
	"fenxiao/hooks/shop"
	"fenxiao/hooks/wallet"
	"fenxiao/plugins/distribution"
	"fenxiao/tests"
)

// queueRow is a row of commission_queue.
type queueRow struct {
	Order     string `db:"order_id"`
	Day       string `db:"day"`
	Attempts  int    `db:"attempts"`
	RetryAt   string `db:"retry_at"`
	LastError string `db:"last_error"`
}

func (e *env) queue() map[string]queueRow {
	e.t.Helper()
	var rows []queueRow
	if err := e.app.DB().NewQuery("SELECT order_id, day, attempts, retry_at, last_error FROM commission_queue").All(&rows); err != nil {
		e.t.Fatal(err)
	}
	out := map[string]queueRow{}
	for _, r := range rows {
		out[r.Order] = r
	}
	return out
}

func (e *env) count(sql string, params dbx.Params) int {
	e.t.Helper()
	var n int
	if err := e.app.DB().NewQuery(sql).Bind(params).Row(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// A payment queues its order with the snapshot and books nothing; the
// booking, the next day, counts the commissions for the payment's day and
// books what booking in the payment would have. Orders that earn nobody
// anything are not queued.
func TestQueuedUntilBooked(t *testing.T) {
	e := newEnvMode(t, true)
	a, _ := e.user("A", true, nil)
	b, _ := e.user("B", true, a)
	c, _ := e.user("C", false, b)
	loner, _ := e.user("L", false, nil)
	p := e.product("", 0, 0, 0)

	e.now = time.Date(2026, 11, 25, 23, 50, 0, 0, shop.ShopTimeZone)
	id := e.pay(c, line{product: p, qty: 2, paid: 10000})
	free := e.pay(loner, line{product: p, qty: 1, paid: 5000})

	q := e.queue()
	if len(q) != 1 || q[id].Day != "2026-11-25" || q[id].Attempts != 0 {
		t.Fatalf("queue %+v, want only %s for 2026-11-25", q, id)
	}
	if _, ok := q[free]; ok {
		t.Fatal("an order without uplines was queued")
	}
	if len(e.commissions(id)) != 0 {
		t.Fatalf("commissions booked in the payment: %v", e.commissions(id))
	}
	o, _ := e.load(id)
	var snap distribution.Snapshot
	if err := o.UnmarshalJSONField("upline_snapshot", &snap); err != nil || len(snap.Chain) != 2 || snap.Chain[0].Id != b.Id {
		t.Fatalf("the payment did not store the snapshot: %+v (%v)", snap, err)
	}

	// the tree changes before the booking: the snapshot wins
	if err := e.app.RunInTransaction(func(tx core.App) error {
		_, err := tx.DB().NewQuery("UPDATE users SET is_distributor = FALSE WHERE id = {:id}").Bind(dbx.Params{"id": b.Id}).Execute()
		return err
	}); err != nil {
		t.Fatal(err)
	}

	e.now = e.now.Add(time.Hour) // the next day
	n, err := distribution.BookQueued(e.app)
	if err != nil || n != 1 {
		t.Fatalf("booked %d (%v), want 1", n, err)
	}
	expectMap(t, "booked", e.commissions(id), map[string]string{
		"000/B/1": "1000-0 frozen settings",
		"000/A/2": "500-0 frozen settings",
	})
	if days := e.count("SELECT COUNT(*) FROM commissions WHERE [[order]] = {:o} AND day = '2026-11-25'", dbx.Params{"o": id}); days != 2 {
		t.Fatalf("%d commissions count for the payment's day, want 2", days)
	}
	if n := e.count("SELECT COUNT(*) FROM commission_totals WHERE user = {:u} AND period = '2026-11-25' AND frozen = 1000", dbx.Params{"u": b.Id}); n != 1 {
		t.Fatal("B's totals are not on the payment's day")
	}
	expectBalance(t, "B", e.balance(b), 0, 1000)
	if n, _ := e.app.CountRecords("notifications", dbx.HashExp{"user": a.Id, "kind": "commission"}); n != 1 {
		t.Fatalf("A has %d commission notifications, want 1", n)
	}
	if len(e.queue()) != 0 {
		t.Fatalf("queue not empty: %v", e.queue())
	}

	// a queued order that does not exist fails the audit, and the worker
	// drops it
	e.exec("INSERT INTO commission_queue (order_id, day, queued_at) VALUES ('ghost', '2026-11-26', '')", nil)
	if rep, err := audit.Run(e.app); err != nil || rep.OK() || !strings.Contains(rep.String(), "ghost") {
		t.Fatalf("the audit missed a queued order that does not exist (%v):\n%s", err, rep)
	}
	if n, err := distribution.BookQueued(e.app); err != nil || n != 1 {
		t.Fatalf("booked %d (%v), want the ghost taken off", n, err)
	}

	// nothing is left to book, and booking again changes nothing
	if n, err := distribution.BookQueued(e.app); err != nil || n != 0 {
		t.Fatalf("second pass booked %d (%v)", n, err)
	}
	e.audit()
}

// A refund of a queued order books its commissions first, then reduces
// them, in the refund's transaction.
func TestRefundBooksQueuedFirst(t *testing.T) {
	e := newEnvMode(t, true)
	a, _ := e.user("A", true, nil)
	b, _ := e.user("B", false, a)
	p := e.product("", 0, 0, 0)

	id := e.pay(b, line{product: p, qty: 2, paid: 10000}, line{product: p, qty: 1, paid: 3000})
	o, items := e.load(id)
	as := e.aftersale(o, items[0], "refunded")
	e.refund(o, as, shop.RefundedLine{OrderItemId: items[0].Id, Amount: 10000, Quantity: 2})

	expectMap(t, "refunded before booking", e.commissions(id), map[string]string{
		"000/A/1": "1000-1000 cancelled settings",
		"001/A/1": "300-0 frozen settings",
	})
	expectBalance(t, "A", e.balance(a), 0, 300)
	if len(e.queue()) != 0 {
		t.Fatalf("the refunded order is still queued: %v", e.queue())
	}
	if n, err := distribution.BookQueued(e.app); err != nil || n != 0 {
		t.Fatalf("booked %d again (%v)", n, err)
	}
	expectBalance(t, "A", e.balance(a), 0, 300)
	e.audit()
}

// A booking that fails holds back no other order of its batch: the failing
// order stays queued with its error, waits for its retry time, and is
// booked once the cause is gone.
func TestFailedBookingStaysQueued(t *testing.T) {
	w := newBrokenWallet(t)
	e, good, g1, x1, p := w.env, w.good, w.g1, w.x1, w.product

	first := e.pay(g1, line{product: p, qty: 1, paid: 10000})
	failing := e.pay(x1, line{product: p, qty: 1, paid: 10000})
	last := e.pay(g1, line{product: p, qty: 1, paid: 20000})

	n, err := distribution.BookQueued(e.app)
	if err == nil || !strings.Contains(err.Error(), "wallet unavailable") || n != 3 {
		t.Fatalf("booked %d with error %v, want 3 taken and the wallet's error", n, err)
	}
	if len(e.commissions(first)) != 1 || len(e.commissions(last)) != 1 || len(e.commissions(failing)) != 0 {
		t.Fatalf("commissions: first %v, last %v, failing %v", e.commissions(first), e.commissions(last), e.commissions(failing))
	}
	expectBalance(t, "G", e.balance(good), 0, 3000)
	q := e.queue()
	row, ok := q[failing]
	if len(q) != 1 || !ok || row.Attempts != 1 || !strings.Contains(row.LastError, "wallet unavailable") || row.RetryAt <= dbTime(e.now) {
		t.Fatalf("queue after the failure: %+v", q)
	}

	// the staff hear of it once
	staffNotices := func() int {
		return e.count("SELECT COUNT(*) FROM notifications WHERE kind = 'staff_commission_failed' AND ref = {:o}", dbx.Params{"o": failing})
	}
	if n := staffNotices(); n != 1 {
		t.Fatalf("%d staff notifications of the failed booking, want 1", n)
	}

	// the audit names the order until it is booked
	rep, err := audit.Run(e.app)
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || !strings.Contains(rep.String(), failing) || !strings.Contains(rep.String(), "wallet unavailable") {
		t.Fatalf("the audit does not report the failed booking:\n%s", rep)
	}

	// not due yet: nothing is tried
	if n, err := distribution.BookQueued(e.app); n != 0 || err != nil {
		t.Fatalf("booked %d (%v) before the retry time", n, err)
	}
	// due, still failing: the wait grows
	e.now = e.now.Add(shop.OutboxBackoff(1) + time.Second)
	if _, err := distribution.BookQueued(e.app); err == nil {
		t.Fatal("the second attempt did not fail")
	}
	if row := e.queue()[failing]; row.Attempts != 2 || row.RetryAt <= dbTime(e.now.Add(shop.OutboxBackoff(1))) {
		t.Fatalf("after the second failure: %+v", row)
	}
	if n := staffNotices(); n != 1 {
		t.Fatalf("%d staff notifications after the second failure, want still 1", n)
	}

	w.fix()
	e.now = e.now.Add(shop.OutboxBackoff(2) + time.Second)
	if n, err := distribution.BookQueued(e.app); n != 1 || err != nil {
		t.Fatalf("booked %d (%v) once the wallet works", n, err)
	}
	expectMap(t, "failing order, booked", e.commissions(failing), map[string]string{"000/X/1": "1000-0 frozen settings"})
	if len(e.queue()) != 0 {
		t.Fatalf("queue: %v", e.queue())
	}
	e.audit()
}

// brokenWallet is a deferred env with two distributors, G and X, each with
// one buyer below (g1, x1), where every posting to X's wallet fails until
// fix is called.
type brokenWallet struct {
	*env
	good, bad, g1, x1 *core.Record
	product           string
	broken            atomic.Bool
}

func newBrokenWallet(t *testing.T) *brokenWallet {
	app, s := tests.NewShopApp(t)
	w := &brokenWallet{env: &env{t: t, app: app, shop: s, now: time.Date(2026, 11, 25, 10, 0, 0, 0, shop.ShopTimeZone), deferred: true}}
	distribution.MustRegister(app, distribution.Config{
		BookingDelay: time.Millisecond,
		Now:          func() time.Time { return w.now },
		Post: func(txApp core.App, posting shop.Posting) (*core.Record, error) {
			if w.broken.Load() && posting.UserId == w.bad.Id {
				return nil, errors.New("wallet unavailable")
			}
			return wallet.Post(txApp, posting)
		},
	})
	w.settings(map[string]any{"distributor_condition": "apply"})
	w.good, _ = w.user("G", true, nil)
	w.bad, _ = w.user("X", true, nil)
	w.g1, _ = w.user("g1", false, w.good)
	w.x1, _ = w.user("x1", false, w.bad)
	w.product = w.env.product("", 0, 0, 0)
	w.broken.Store(true)
	return w
}

func (w *brokenWallet) fix() { w.broken.Store(false) }

// A pass of the worker goes on past a full batch in which an order failed:
// the orders after that batch are booked in the same pass, not at the next
// wake or sweep.
func TestDrainGoesPastAFailedOrder(t *testing.T) {
	w := newBrokenWallet(t)
	e, good, g1, x1, p := w.env, w.good, w.g1, w.x1, w.product

	// queue order is id order: the failing order is in the first batch
	failing := e.pay(x1, line{product: p, qty: 1, paid: 100})
	ids := make([]string, 0, distribution.QueueBatch+4)
	for range distribution.QueueBatch + 4 {
		ids = append(ids, e.pay(g1, line{product: p, qty: 1, paid: 100}))
	}

	distribution.DrainQueue(e.app)
	q := e.queue()
	if len(q) != 1 || q[failing].Attempts != 1 {
		t.Fatalf("after the first pass the queue holds %d orders, want only the failing one: %+v", len(q), q[failing])
	}
	if n := e.count("SELECT COUNT(*) FROM commissions WHERE beneficiary = {:u}", dbx.Params{"u": good.Id}); n != len(ids) {
		t.Fatalf("%d of %d good orders booked", n, len(ids))
	}
	w.fix()
	e.now = e.now.Add(time.Hour)
	e.bookQueued()
}

// Many orders booked in one batch come out exactly as booked one by one
// in their payments: commissions, wallets, totals and notifications.
func TestBatchBookingMatchesBookingInPayment(t *testing.T) {
	type result struct {
		commissions []map[string]string
		balances    map[string][2]int64
		totals      map[string]string
		notices     int
	}
	run := func(deferred bool) result {
		e := newEnvMode(t, deferred)
		e.settings(map[string]any{"commission_order_cap_bp": 2500})
		a, _ := e.user("A", true, nil)
		b, _ := e.user("B", true, a)
		c, _ := e.user("C", true, b)
		d, _ := e.user("D", false, c)
		f, _ := e.user("F", false, a)
		g, _ := e.user("G", true, c)
		special := e.product("rate", 2000, 1000, 0)
		fixed := e.product("fixed", 300, 200, 100)
		plain := e.product("", 0, 0, 0)

		ids := make([]string, 0, 21)
		for i := range 7 {
			ids = append(ids,
				e.pay(d, line{product: special, qty: 2, paid: int64(10000 + i)}, line{product: plain, qty: 1, paid: 5000}),
				e.pay(f, line{product: fixed, qty: 3, paid: 999}, line{product: plain, qty: 1, paid: 0, gift: true}),
				e.pay(g, line{product: plain, qty: 1, paid: int64(3333 * (i + 1))}, line{product: special, qty: 1, paid: 7}),
			)
		}
		if deferred {
			if q := e.queue(); len(q) != len(ids) {
				t.Fatalf("%d orders queued, want %d", len(q), len(ids))
			}
			n, err := distribution.BookQueued(e.app)
			if err != nil || n != len(ids) {
				t.Fatalf("booked %d (%v), want %d in one batch", n, err, len(ids))
			}
		}

		var r result
		for _, id := range ids {
			r.commissions = append(r.commissions, e.commissions(id))
		}
		r.balances = map[string][2]int64{}
		for _, u := range []*core.Record{a, b, c} {
			r.balances[u.GetString("nickname")] = e.balance(u)
		}
		var totals []struct {
			Nick   string `db:"nick"`
			Period string `db:"period"`
			Frozen int64  `db:"frozen"`
			Sales  int64  `db:"sales"`
		}
		if err := e.app.DB().NewQuery("SELECT u.nickname AS nick, t.period, t.frozen, t.sales FROM commission_totals t JOIN users u ON u.id = t.user").All(&totals); err != nil {
			t.Fatal(err)
		}
		r.totals = map[string]string{}
		for _, x := range totals {
			r.totals[x.Nick+"/"+x.Period] = fmt.Sprintf("frozen %d sales %d", x.Frozen, x.Sales)
		}
		r.notices = e.count("SELECT COUNT(*) FROM notifications WHERE kind = 'commission'", nil)
		e.audit()
		return r
	}

	want, got := run(false), run(true)
	if len(want.commissions) != 21 {
		t.Fatalf("%d orders", len(want.commissions))
	}
	for i := range want.commissions {
		if len(want.commissions[i]) == 0 {
			t.Fatalf("order %d earned nothing: the case tests nothing", i)
		}
		expectMap(t, "order commissions", got.commissions[i], want.commissions[i])
	}
	for who, bal := range want.balances {
		if got.balances[who] != bal || bal[1] == 0 {
			t.Fatalf("%s: wallet %v after the batch, %v booked in the payments", who, got.balances[who], bal)
		}
	}
	expectMap(t, "totals", got.totals, want.totals)
	if got.notices != want.notices || want.notices == 0 {
		t.Fatalf("notifications: %d after the batch, %d in the payments", got.notices, want.notices)
	}
}

// The worker books what a crash left queued when it starts, books a
// payment's commissions moments after it, and books what is queued when
// it stops.
func TestBookingWorker(t *testing.T) {
	e := newEnvMode(t, true)
	a, _ := e.user("A", true, nil)
	b, _ := e.user("B", false, a)
	p := e.product("", 0, 0, 0)

	left := e.pay(b, line{product: p, qty: 1, paid: 10000})
	stop := distribution.StartBooking(e.app)
	stopped := false
	defer func() {
		if !stopped {
			stop()
		}
	}()
	waitBooked := func(id string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for len(e.commissions(id)) == 0 {
			if time.Now().After(deadline) {
				t.Fatalf("order %s not booked within 5 s; queue %v", id, e.queue())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitBooked(left)

	// a payment wakes it
	next := e.pay(b, line{product: p, qty: 1, paid: 20000})
	waitBooked(next)

	stop()
	stopped = true
	last := e.pay(b, line{product: p, qty: 1, paid: 30000})
	if len(e.queue()) != 1 {
		t.Fatalf("queue %v, want the last order", e.queue())
	}
	// what stop leaves is booked by the next start's first pass
	stop = distribution.StartBooking(e.app)
	waitBooked(last)
	// and stop books what came after the last pass
	final := e.pay(b, line{product: p, qty: 1, paid: 40000})
	stop()
	if len(e.commissions(final)) != 1 || len(e.queue()) != 0 {
		t.Fatalf("after stop: commissions %v, queue %v", e.commissions(final), e.queue())
	}
	expectBalance(t, "A", e.balance(a), 0, 10000)
	e.audit()
}

// The settlement books the queue before it settles: an order paid just
// before it is never left out by the worker's timing.
func TestSettlementBooksQueueFirst(t *testing.T) {
	e := newEnvMode(t, true)
	e.settings(map[string]any{"frozen_days": 7})
	a, _ := e.user("A", true, nil)
	b, _ := e.user("B", false, a)
	p := e.product("", 0, 0, 0)

	id := e.pay(b, line{product: p, qty: 1, paid: 10000})
	o, _ := e.load(id)
	e.complete(o)
	e.now = e.now.Add(8 * 24 * time.Hour)
	e.runJob("commission_settle")
	expectMap(t, "settled", e.commissions(id), map[string]string{"000/A/1": "1000-0 settled settings"})
	expectBalance(t, "A", e.balance(a), 1000, 0)
	e.audit()
}

// A payment that queues its order keeps the order's lines for the booking,
// which takes them; a payment rolled back after queueing keeps nothing.
func TestQueuedLinesKeptUntilBooked(t *testing.T) {
	e := newEnvMode(t, true)
	a, _ := e.user("A", true, nil)
	c, _ := e.user("C", false, a)
	loner, _ := e.user("L", false, nil)
	p := e.product("", 0, 0, 0)

	id := e.pay(c, line{product: p, qty: 2, paid: 10000}, line{product: p, qty: 1, paid: 2000})
	e.pay(loner, line{product: p, qty: 1, paid: 5000})
	if n := distribution.QueuedLinesKept(e.app); n != 1 {
		t.Fatalf("lines kept for %d orders, want the one queued", n)
	}
	e.bookQueued()
	if n := distribution.QueuedLinesKept(e.app); n != 0 {
		t.Fatalf("lines kept for %d orders after the booking", n)
	}
	expectMap(t, "booked", e.commissions(id), map[string]string{
		"000/A/1": "1000-0 frozen settings",
		"001/A/1": "200-0 frozen settings",
	})

	// the same event again, in a transaction that rolls back
	o, items := e.load(id)
	err := e.app.RunInTransaction(func(tx core.App) error {
		if err := e.shop.OnOrderPaid.Trigger(&shop.OrderEvent{App: tx, Order: shop.AsOrder(o), Items: shop.AsOrderItems(items)}); err != nil {
			return err
		}
		if n := distribution.QueuedLinesKept(e.app); n != 1 {
			t.Errorf("inside the transaction lines kept for %d orders, want 1", n)
		}
		return errors.New("roll back")
	})
	if err == nil {
		t.Fatal("the transaction did not roll back")
	}
	if n := distribution.QueuedLinesKept(e.app); n != 0 {
		t.Fatalf("a rolled back payment left lines kept for %d orders", n)
	}
	if len(e.queue()) != 0 {
		t.Fatalf("a rolled back payment left the queue %v", e.queue())
	}
}
