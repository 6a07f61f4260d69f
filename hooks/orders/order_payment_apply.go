package orders

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/hooks/catalog"
	"fenxiao/hooks/shop"
)

// PaymentResult says what [ApplyPayment] did.
type PaymentResult = shop.PaymentResult

// ApplyPayment applies a verified payment notice, whatever brought it
// (a provider notification, a reconciliation query, an instant payment,
// an admin confirming a bank transfer), in one transaction:
//
//   - a notice applied before (same provider and transaction id) changes nothing;
//   - an instant notice (balance, sandbox: [shop.PaymentNotice.Instant])
//     for an order no longer awaiting payment is refused (409
//     order_not_payable) and nothing is recorded;
//   - an amount other than the order's payable is refused (409
//     payment_amount_mismatch) and nothing is recorded;
//   - otherwise a payments row is inserted (the unique index on provider +
//     transaction_id makes a concurrent replay fail), the order moves
//     pending_payment → paid with a conditional update, sales counters go
//     up, [shop.Shop.OnOrderPaid] fires with the transaction, and the buyer
//     gets a notification.
//
// NB! Call it outside any transaction: it is the transaction.
func ApplyPayment(app core.App, notice *shop.PaymentNotice) (*PaymentResult, error) {
	if notice == nil || notice.OrderNo == "" || notice.Provider == "" {
		return nil, shop.Fail(http.StatusBadRequest, "invalid_payment_notice", "支付通知缺少订单号 / payment notice without order number")
	}
	if strings.TrimSpace(notice.TransactionId) == "" {
		return nil, shop.Fail(http.StatusBadRequest, "invalid_payment_notice", "支付通知缺少交易号 / payment notice without transaction id")
	}
	s := shop.MustGet(app)
	sandbox := false
	if p, ok := s.PaymentProvider(notice.Provider); ok {
		if sp, ok := p.(SandboxProvider); ok && sp.Sandbox() {
			sandbox = true
		}
	}

	// note: an order's lines never change once checked out, so they are
	// read here rather than in the transaction, which holds the shop's one
	// writer; the order itself (its status above all) is read in it
	lines, err := linesByOrderNo(app, notice.OrderNo)
	if err != nil {
		return nil, err
	}

	result := &PaymentResult{}
	err = s.RunInTransaction(app, func(txApp core.App) error {
		return applyPayment(txApp, notice, sandbox, nil, lines, result)
	})
	if err != nil {
		return nil, err
	}
	return result, nil
}

// applyPayment is the transaction of [ApplyPayment]: it records the payment
// of notice and moves the order to paid, or finds the payment already
// recorded. order is the order as this transaction wrote it (nil: read it
// here by the notice's order number); lines are the order's lines read
// before (nil: read them here).
func applyPayment(txApp core.App, notice *shop.PaymentNotice, sandbox bool, order *core.Record, lines []*core.Record, result *PaymentResult) error {
	s := shop.MustGet(txApp)
	if order == nil {
		var err error
		order, err = shop.FindTxRecord(txApp, ordersCollection, "order_no", notice.OrderNo)
		if errors.Is(err, sql.ErrNoRows) {
			return errOrderNotFound
		}
		if err != nil {
			return fmt.Errorf("find order %s: %w", notice.OrderNo, err)
		}
	}
	result.Order = order

	// note: the literal term, always true here (a notice without a
	// transaction id was refused above), lets SQLite search the
	// partial unique index on (provider, transaction_id)
	existing, err := shop.FindRecord(txApp, paymentsCollection,
		"`provider` = ? AND `transaction_id` = ? AND `transaction_id` != ''", notice.Provider, notice.TransactionId)
	if err == nil {
		result.Payment = existing
		result.Replayed = true
		return nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("find payment: %w", err)
	}

	if notice.Amount != shop.AsOrder(order).Payable() {
		txApp.Logger().Error("payment refused: amount differs from the order's payable",
			"order_no", notice.OrderNo, "provider", notice.Provider, "transaction_id", notice.TransactionId,
			"amount", notice.Amount, "payable", order.GetInt("payable"))
		return shop.Fail(http.StatusConflict, "payment_amount_mismatch",
			"支付金额与订单应付金额不符 / the paid amount differs from the order's payable amount")
	}

	paidAt := types.NowDateTime()
	if !notice.PaidAt.IsZero() {
		paidAt, _ = types.ParseDateTime(notice.PaidAt)
	}
	col, err := txApp.FindCachedCollectionByNameOrId(paymentsCollection)
	if err != nil {
		return err
	}
	payment := shop.NewRecord(col)
	shop.SetField(payment, "order", order.Id)
	shop.SetField(payment, "provider", notice.Provider)
	shop.SetField(payment, "amount", notice.Amount)
	shop.SetField(payment, "transaction_id", notice.TransactionId)
	shop.SetField(payment, "raw", truncate(notice.Raw, 20000))
	shop.SetField(payment, "paid_at", paidAt)
	shop.SetField(payment, "sandbox", sandbox)
	result.Payment = payment

	if order.GetString("status") != StatusPendingPayment && notice.Instant {
		// note: an instant payment (balance, sandbox) that lost a race
		// with a cancel or another payment moved no money; recording
		// it as unmatched would invite a refund of money never received
		return errNotPayable
	}
	if order.GetString("status") != StatusPendingPayment {
		// note: the money is real and must not vanish; the merchant
		// returns it (the order may be cancelled, or paid twice)
		shop.SetField(payment, "status", "unmatched")
		result.Unmatched = true
		txApp.Logger().Error("payment for an order that cannot take it; recorded as unmatched, refund it by hand",
			"order_no", notice.OrderNo, "status", order.GetString("status"),
			"provider", notice.Provider, "transaction_id", notice.TransactionId, "amount", notice.Amount)
		if err := saveBuilt(txApp, payment); err != nil {
			return err
		}
		return notifyUnmatchedPayment(txApp, order, payment)
	}

	shop.SetField(payment, "status", "paid")
	if err := saveBuilt(txApp, payment); err != nil {
		return err
	}
	if err := markPaid(txApp, order, paidAt, notice.Provider, sandbox); err != nil {
		return err
	}

	items := lines
	if len(items) == 0 || items[0].GetString("order") != order.Id {
		// the order was not there yet when its lines were read
		if items, err = orderItems(txApp, order.Id); err != nil {
			return err
		}
	}
	for _, it := range items {
		if err := catalog.AddSales(txApp, it.GetString("product"), it.GetInt("quantity")); err != nil {
			return err
		}
	}
	err = s.OnOrderPaid.Trigger(&shop.OrderEvent{App: txApp, Order: shop.AsOrder(order), Items: shop.AsOrderItems(items), Payment: shop.AsPayment(payment)})
	if err != nil {
		return err
	}
	return notifyPaid(txApp, order, notice.Amount)
}

// truncate cuts s to at most n bytes without splitting a UTF-8 character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// markPaid moves an order from pending_payment to paid with one
// conditional update of the columns a payment sets, and sets them on the
// record. Another writer that got there first makes it fail with 409
// order_status_changed and change nothing.
//
// Why not [moveStatus]: saving the whole record rewrote every column and
// so every index of the orders table on each payment, a good part of the
// payment's time in the shop's one writer. Nothing binds record hooks to
// this transition (the order rules only check it, and it is always
// allowed); realtime subscribers get the order as committed from
// [shop.BroadcastUpdate].
func markPaid(txApp core.App, order *core.Record, paidAt types.DateTime, method string, sandbox bool) error {
	now := types.NowDateTime()
	res, err := shop.TxQuery(txApp, "UPDATE {{orders}} SET [[status]] = {:to}, [[paid_at]] = {:paidAt}, "+
		"[[pay_method]] = {:method}, [[sandbox]] = {:sandbox}, [[updated]] = {:now} "+
		"WHERE [[id]] = {:id} AND [[status]] = {:from}").
		Bind(dbx.Params{"to": StatusPaid, "paidAt": paidAt.String(), "method": method, "sandbox": sandbox,
			"now": now.String(), "id": order.Id, "from": StatusPendingPayment}).Execute()
	if err != nil {
		return fmt.Errorf("mark order %s paid: %w", order.Id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return shop.Fail(http.StatusConflict, "order_status_changed",
			"订单状态已变化，请刷新 / the order's status changed, reload it")
	}
	order.Set("status", StatusPaid)
	order.Set("paid_at", paidAt)
	order.Set("pay_method", method)
	order.Set("sandbox", sandbox)
	order.Set("updated", now)
	// note: the record now holds the row as written; a later save in the
	// transaction compares against that
	order.PostScan()
	shop.BroadcastUpdate(txApp, ordersCollection, order.Id)
	return nil
}
