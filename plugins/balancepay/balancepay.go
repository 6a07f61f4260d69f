// Package balancepay lets buyers pay orders from their wallet balance
// (payment method "balance").
//
// The provider moves no money itself. Start only checks the balance and
// answers "paid at once"; the orders core then applies the payment in one
// transaction, and this plugin's [shop.Shop.OnOrderPaid] handler debits the
// wallet (kind payment, ref order/<id>) inside that same transaction. A
// balance that no longer covers the order makes the handler fail with 409
// insufficient_balance, so the payment, the order's paid transition and the
// debit all roll back together. Likewise Refund only agrees, and the
// [shop.Shop.OnOrderRefunded] handler credits the wallet (refund_to_balance,
// ref refund/<refund_no>) in the transaction that records the refund.
// Both entries are idempotent, so a replay never books twice.
//
// Example usage:
//
//	hooks.MustRegister(app, hooks.Config{})
//	balancepay.MustRegister(app, balancepay.Config{})
package balancepay

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"fenxiao/hooks/shop"
	"fenxiao/internal/ledger"
	"fenxiao/internal/money"
)

// Name is the payment method clients send.
const Name = "balance"

// Wallet entry references.
const (
	RefOrder  = "order"  // the payment debit: ref_id is the order id
	RefRefund = "refund" // the refund credit: ref_id is the refund number
)

// Config configures the balance payment plugin. It has no options yet.
type Config struct{}

// MustRegister registers the plugin and panics on error.
func MustRegister(app core.App, config Config) {
	if err := Register(app, config); err != nil {
		panic(err)
	}
}

// Register adds the "balance" payment method and its wallet handlers to the
// shop attached to app.
func Register(app core.App, config Config) error {
	s := shop.Get(app)
	if s == nil {
		return errors.New("balancepay: the shop core must be registered before the plugin")
	}
	p := &Provider{app: app}
	s.RegisterPaymentProvider(p)
	s.OnOrderPaid.Bind(&hook.Handler[*shop.OrderEvent]{Id: "fenxiaoBalancepayOrderPaid", Func: p.onOrderPaid})
	s.OnOrderRefunded.Bind(&hook.Handler[*shop.RefundEvent]{Id: "fenxiaoBalancepayOrderRefunded", Func: p.onOrderRefunded})
	return nil
}

// Provider is the balance payment method. It implements [shop.PaymentProvider].
type Provider struct {
	// app is the root app, used outside transactions only.
	app core.App
}

var _ shop.PaymentProvider = (*Provider)(nil)

// Name implements [shop.PaymentProvider].
func (p *Provider) Name() string { return Name }

// transactionId is the payment's transaction id: one per order, so the
// unique (provider, transaction_id) index of payments refuses a second one.
func transactionId(orderId string) string {
	return "BAL" + orderId
}

// Start implements [shop.PaymentProvider]. It refuses early when the
// balance does not cover the amount and otherwise answers "paid": the
// debit itself happens in the core's payment transaction (onOrderPaid),
// which checks the balance again.
func (p *Provider) Start(_ context.Context, app core.App, req shop.PayRequest) (*shop.PayStart, error) {
	if req.Amount <= 0 || req.OrderNo == "" || req.OrderId == "" || req.Buyer == nil {
		return nil, shop.Fail(http.StatusBadRequest, "invalid_amount", "支付金额必须大于 0 / the amount must be positive")
	}
	available, _, err := shop.WalletBalance(app, req.Buyer.Id)
	if err != nil {
		return nil, err
	}
	if available < req.Amount {
		return nil, shop.Fail(http.StatusConflict, "insufficient_balance",
			fmt.Sprintf("余额不足：可用 %s 元，需支付 %s 元 / the balance does not cover the order",
				money.Yuan(max(available, 0)), money.Yuan(req.Amount)))
	}
	notice := &shop.PaymentNotice{
		Provider:      Name,
		OrderNo:       req.OrderNo,
		TransactionId: transactionId(req.OrderId),
		Amount:        req.Amount,
		PaidAt:        time.Now(),
		Raw:           `{"method":"balance"}`,
		// the debit is booked only when the payment is applied: a payment
		// that loses a race with a cancel must leave no unmatched row
		Instant: true,
	}
	return &shop.PayStart{Params: map[string]any{"method": Name}, Paid: true, Notice: notice}, nil
}

// Instant: a balance payment is settled by the debit booked when it is
// applied, never by an outside party ([shop.InstantProvider]).
func (p *Provider) Instant() bool { return true }

// onOrderPaid debits the buyer's wallet for a balance payment, inside the
// transaction that moves the order to paid.
func (p *Provider) onOrderPaid(e *shop.OrderEvent) error {
	if e.Payment == nil || e.Payment.GetString("provider") != Name {
		return e.Next()
	}
	buyer := e.Order.GetString("buyer")
	amount := e.Payment.Amount()
	// note: through PostEntryRecords, not PostEntry: the same entry, events
	// and errors, but its INSERT is built once per write batch, and the
	// entry's relations are not looked up again (the wallet was just read
	// and the buyer is the order's): two queries and a statement build
	// fewer per payment in the shop's one writer
	_, err := shop.PostEntryRecords(e.App, []shop.Posting{{UserId: buyer, Kind: ledger.KindPayment, Amount: -amount, RefType: RefOrder, RefId: e.Order.Id, Actor: "user:" + buyer, Note: "余额支付 订单 " + e.Order.GetString("order_no")}})
	if err != nil {
		return err
	}
	return e.Next()
}

// onOrderRefunded credits the buyer's wallet for a refund of a balance
// payment, inside the transaction that records the refund.
func (p *Provider) onOrderRefunded(e *shop.RefundEvent) error {
	if e.Aftersale == nil {
		return e.Next()
	}
	refund, err := e.App.FindFirstRecordByFilter(shop.RefundsCollection, "aftersale = {:a} && status = {:s}",
		dbx.Params{"a": e.Aftersale.Id, "s": string(shop.RefundStatusSuccess)})
	if errors.Is(err, sql.ErrNoRows) {
		return e.Next()
	}
	if err != nil {
		return err
	}
	if refund.GetString("provider") != Name {
		return e.Next()
	}
	buyer := e.Order.GetString("buyer")
	_, err = shop.PostEntry(e.App, shop.Posting{UserId: buyer, Kind: ledger.KindRefundToBalance, Amount: shop.AsRefund(refund).Amount(), RefType: RefRefund, RefId: refund.GetString("refund_no"), Actor: "system:refund", Note: "退款到余额 订单 " + e.Order.GetString("order_no")})
	if err != nil {
		return err
	}
	return e.Next()
}

// Query implements [shop.PaymentProvider]: an order is paid by balance
// when its debit is booked (the debit commits with the payment, so a
// rolled-back attempt left nothing behind).
func (p *Provider) Query(_ context.Context, orderNo string) (*shop.PaymentQuery, error) {
	order, err := p.app.FindFirstRecordByData(shop.OrdersCollection, "order_no", orderNo)
	if errors.Is(err, sql.ErrNoRows) {
		return &shop.PaymentQuery{}, nil
	}
	if err != nil {
		return nil, err
	}
	entry, err := p.app.FindFirstRecordByFilter(shop.WalletEntriesCollection,
		"ref_type = {:type} && ref_id = {:id} && kind = {:kind}",
		dbx.Params{"type": RefOrder, "id": order.Id, "kind": ledger.KindPayment})
	if errors.Is(err, sql.ErrNoRows) {
		return &shop.PaymentQuery{}, nil
	}
	if err != nil {
		return nil, err
	}
	return &shop.PaymentQuery{Paid: true, Notice: &shop.PaymentNotice{
		Provider:      Name,
		OrderNo:       orderNo,
		TransactionId: transactionId(order.Id),
		Amount:        -shop.AsWalletEntry(entry).Amount(),
		PaidAt:        entry.GetDateTime("created").Time(),
		Raw:           `{"method":"balance"}`,
	}}, nil
}

// Refund implements [shop.PaymentProvider]. It agrees to any refund within
// the order's total and moves no money: the credit is booked by the
// OnOrderRefunded handler in the transaction that records the refund, so a
// refund that is not recorded is not credited either.
func (p *Provider) Refund(_ context.Context, req shop.RefundRequest) (*shop.RefundResult, error) {
	if req.Amount <= 0 || req.Amount > req.Total || req.RefundNo == "" {
		return &shop.RefundResult{Status: "failed", Raw: `{"error":"invalid amount"}`}, nil
	}
	return &shop.RefundResult{Status: "success", RefundId: "BAL" + req.RefundNo, Raw: `{"method":"balance"}`}, nil
}
