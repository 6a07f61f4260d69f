package distribution

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/hooks/shop"
	"fenxiao/internal/commission"
)

// Booking commissions after the payment (Config.BookingDelay).
//
// Why: with three levels of uplines, booking an order's commissions (a row
// per line and level, a ledger entry and wallet per beneficiary, their
// totals and notifications) was most of what a payment did in the shop's
// one writer, and about 27 of the 64 pages its commit wrote: indexes keyed
// by beneficiary, where every order of a group-commit batch had leaf pages
// of its own. Booked for many orders in one transaction, the uplines a
// batch shares are written once, and the payment answers without waiting
// for any of it.
//
// How it stays exact: the payment takes and stores the upline snapshot and
// inserts the order into commission_queue in its own transaction; the
// worker deletes the row in the transaction that books the commissions.
// An order is either queued or booked, whatever crashes when, and a
// restart books what was queued. Everything that reads an order's
// commissions to change them books a queued order first (a refund,
// bookQueuedOrder), and the settlement job drains the queue before it
// starts. The commissions count for the payment's day, kept in the row.
//
// What may differ from booking in the payment: the commission settings and
// the products' commission rules are those at booking, a moment later (the
// uplines, their levels and level rates are the snapshot's, as before).

const (
	queueTable = "commission_queue"

	// queueBatch is the most orders one booking transaction takes, which
	// the payments of the same group-commit batch wait for: a profile at
	// three levels put the booking at 0.23 ms of the writer's CPU an
	// order, so a full batch is some 25 ms. Under load a pass takes far
	// fewer (the payments of the last Config.BookingDelay); a full batch
	// is a backlog, after a restart.
	queueBatch = 100

	// queueSweep is how often the worker looks for bookings that are due
	// again after a failure (payments wake it at once).
	queueSweep = 30 * time.Second
)

// queuedOrder is one row of commission_queue.
type queuedOrder struct {
	order string
	day   string
}

// queueCommissions stores the paid order's upline snapshot and queues the
// order for booking, inside the payment's transaction. An order that earns
// nobody anything (no commission, or no distributor above the buyer) is
// not queued.
func (p *plugin) queueCommissions(txApp core.App, order *core.Record, items []*core.Record) error {
	if order.GetBool("no_commission") {
		return nil
	}
	settings, err := shop.ReadSettings(txApp)
	if err != nil {
		return err
	}
	snap, _, _, err := p.orderSnapshot(txApp, order)
	if err != nil {
		return err
	}
	if !commission.Earns(commissionInput(snap, settings)) {
		return nil
	}
	now := p.now()
	_, err = shop.TxQuery(txApp, "INSERT INTO `"+queueTable+"` (`order_id`, `day`, `queued_at`) "+
		"VALUES ({:o}, {:d}, {:at}) ON CONFLICT (`order_id`) DO NOTHING").
		Bind(map[string]any{"o": order.Id, "d": day(now), "at": now.UTC().Format(types.DefaultDateLayout)}).Execute()
	if err != nil {
		return wrap("queue commissions", err)
	}
	p.queuedLines.keep(txApp, order.Id, items)
	shop.AfterCommit(txApp, func(core.App) { p.wakeBooking() })
	return nil
}

// maxQueuedLines bounds the orders whose lines [queuedLines] keeps; past
// it the booking reads the lines of further orders from the database.
const maxQueuedLines = 10_000

// queuedLines keeps the lines of the orders this process queued, from the
// payment that queued them to their booking, which then need not read
// them again in the shop's one writer. An order's lines never change once
// it is checked out. What a restart loses is read from the database.
type queuedLines struct {
	mu     sync.Mutex
	orders map[string][]*core.Record
}

// keep remembers the lines of an order queued in txApp's transaction,
// forgotten again if that transaction rolls back.
func (q *queuedLines) keep(txApp core.App, orderId string, items []*core.Record) {
	if len(items) == 0 || items[0].GetString("order") != orderId {
		return
	}
	q.mu.Lock()
	if q.orders == nil {
		q.orders = map[string][]*core.Record{}
	}
	if len(q.orders) >= maxQueuedLines {
		q.mu.Unlock()
		return
	}
	q.orders[orderId] = slices.Clone(items)
	q.mu.Unlock()
	if info := txApp.TxInfo(); txApp.IsTransactional() && info != nil {
		info.OnComplete(func(txErr error) error {
			if txErr != nil {
				q.take(orderId)
			}
			return nil
		})
	}
}

// take returns and forgets the kept lines of an order (nil: not kept).
func (q *queuedLines) take(orderId string) []*core.Record {
	q.mu.Lock()
	defer q.mu.Unlock()
	items := q.orders[orderId]
	delete(q.orders, orderId)
	return items
}

// wakeBooking asks the booking worker for a pass (no-op without one).
func (p *plugin) wakeBooking() {
	select {
	case p.bookingWake <- struct{}{}:
	default: // a pass is already asked for
	}
}

// startBooking runs the booking worker until the returned stop function is
// called: a pass at start (what a crash left queued), then one
// Config.BookingDelay after a payment wakes it (so that the payments of
// that moment are booked together) and every queueSweep. stop waits for
// the pass in progress and books what is still queued.
func (p *plugin) startBooking(app core.App) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		sweep := time.NewTicker(queueSweep)
		defer sweep.Stop()
		for {
			p.drainQueue(app)
			select {
			case <-ctx.Done():
				return
			case <-sweep.C:
			case <-p.bookingWake:
				select {
				case <-ctx.Done():
					return
				case <-time.After(p.config.BookingDelay):
				}
			}
		}
	}()
	return func() {
		cancel()
		<-done
		p.drainQueue(app)
	}
}

// drainQueue books every queued order that is due, a batch per
// transaction, and logs what failed. It goes on past a batch in which some
// orders failed (they wait for their retry time now), and stops when a
// whole batch failed: the database itself is failing then.
func (p *plugin) drainQueue(app core.App) {
	for {
		taken, failed, err := p.bookQueued(app, queueBatch)
		if err != nil {
			app.Logger().Error("commission booking failed", "orders", taken, "failed", failed, "error", err.Error())
		}
		if taken < queueBatch || failed == taken {
			return
		}
	}
}

// bookQueued books up to limit queued orders that are due in one
// transaction and returns how many it took and how many of those failed.
// When that transaction fails (one order's booking failed, or the commit),
// each order is booked in a transaction of its own, so that one failing
// order holds back no other: it stays queued with its error and is tried
// again after a backoff.
func (p *plugin) bookQueued(app core.App, limit int) (taken, failed int, err error) {
	now := p.now().UTC().Format(types.DefaultDateLayout)
	var batch []queuedOrder
	err = p.shop.RunInTransaction(app, func(txApp core.App) error {
		var err error
		batch, err = takeQueued(txApp, "`order_id` IN (SELECT `order_id` FROM `"+queueTable+
			"` WHERE `retry_at` <= ? LIMIT ?)", now, limit)
		if err != nil {
			return err
		}
		return p.bookOrders(txApp, batch)
	})
	if err == nil || len(batch) == 0 {
		return len(batch), 0, err
	}

	err = nil
	for _, q := range batch {
		one := p.shop.RunInTransaction(app, func(txApp core.App) error {
			return p.bookQueuedOrder(txApp, q.order)
		})
		if one != nil {
			failed++
			err = wrap("order "+q.order, one)
			p.keepFailed(app, q.order, one)
		}
	}
	return len(batch), failed, err
}

// bookQueuedOrder books the order's commissions now if it is queued,
// inside txApp: whatever changes an order's commissions calls it first.
func (p *plugin) bookQueuedOrder(txApp core.App, orderId string) error {
	taken, err := takeQueued(txApp, "`order_id` = ?", orderId)
	if err != nil {
		return err
	}
	return p.bookOrders(txApp, taken)
}

// keepFailed counts a failed booking on the order's queue row and puts off
// the next attempt (see shop.OutboxBackoff). The first failure of an order
// tells the merchant's staff (staff_commission_failed): distributors are
// owed money the shop has not booked until it succeeds.
func (p *plugin) keepFailed(app core.App, orderId string, cause error) {
	err := p.shop.RunInTransaction(app, func(txApp core.App) error {
		var attempts int
		var orderNo string
		err := shop.ScanRow(txApp, "SELECT q.`attempts`, COALESCE(o.`order_no`, q.`order_id`) FROM `"+queueTable+"` q "+
			"LEFT JOIN `orders` o ON o.`id` = q.`order_id` WHERE q.`order_id` = ?", []any{orderId}, &attempts, &orderNo)
		if isNoRows(err) {
			return nil
		}
		if err != nil {
			return err
		}
		retry := p.now().Add(shop.OutboxBackoff(attempts + 1)).UTC().Format(types.DefaultDateLayout)
		if err := shop.ScanRow(txApp, "UPDATE `"+queueTable+"` SET `attempts` = `attempts` + 1, `retry_at` = ?, `last_error` = ? "+
			"WHERE `order_id` = ? RETURNING `attempts`", []any{retry, cause.Error(), orderId}, &attempts); err != nil {
			return err
		}
		if attempts > 1 {
			return nil
		}
		return shop.Notify(txApp, shop.Notification{Kind: shop.KindStaffCommissionFailed,
			Title: "佣金入账失败 / commission booking failed",
			Body: fmt.Sprintf("订单 %s 的佣金未能入账：%s。系统将自动重试，请检查日志或运行 fenxiao audit / the order's commissions could not be booked; they are retried",
				orderNo, cause.Error()),
			RefId: orderId,
			Data:  map[string]string{"order_no": orderNo, "reason": cause.Error(), "time": nowText()},
		})
	})
	if err != nil {
		app.Logger().Error("commission booking: cannot record the failure", "order", orderId, "error", err.Error())
	}
}

// takeQueued deletes the queue rows matching where and returns them, inside
// txApp: the caller books them in the same transaction.
func takeQueued(txApp core.App, where string, args ...any) ([]queuedOrder, error) {
	var list []queuedOrder
	err := shop.ScanRows(txApp, func(scan func(...any) error) error {
		var r queuedOrder
		if err := scan(&r.order, &r.day); err != nil {
			return err
		}
		list = append(list, r)
		return nil
	}, "DELETE FROM `"+queueTable+"` WHERE "+where+" RETURNING `order_id`, `day`", args...)
	if err != nil {
		return nil, wrap("take from the commission queue", err)
	}
	return list, nil
}

// bookOrders books the commissions of orders taken off the queue, inside
// txApp.
func (p *plugin) bookOrders(txApp core.App, queued []queuedOrder) error {
	if len(queued) == 0 {
		return nil
	}
	ids := make([]any, len(queued))
	for i, q := range queued {
		ids[i] = q.order
	}
	orders, err := shop.FindRecords(txApp, ordersCollection, "`id` IN ("+shop.Placeholders(len(ids))+")", ids...)
	if err != nil {
		return wrap("load queued orders", err)
	}
	byId := make(map[string]*core.Record, len(orders))
	for _, o := range orders {
		byId[o.Id] = o
	}
	list := make([]toBook, 0, len(queued))
	for _, q := range queued {
		// note: orders are never deleted while paid; a missing one has
		// nothing left to book for
		items := p.queuedLines.take(q.order)
		if order := byId[q.order]; order != nil {
			list = append(list, toBook{order: order, items: items, day: q.day})
		}
	}
	return p.bookAll(txApp, list)
}
