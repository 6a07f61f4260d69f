package shop

import (
	"context"
	"net/http"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// ---------------------------------------------------------------
// payments
// ---------------------------------------------------------------

// PayRequest is what the core asks a payment provider to start.
type PayRequest struct {
	OrderId     string
	OrderNo     string // merchant order number (out_trade_no)
	Description string
	Amount      int64 // fen
	Buyer       *core.Record
	ClientIP    string
	ExpiresAt   time.Time

	// Channel is how the client wants to pay with a provider that has more
	// than one way (WeChat Pay: "jsapi" inside WeChat, "h5" in a phone
	// browser, "native" a QR code for a desktop); "" is the provider's
	// default. Providers with one way ignore it.
	Channel string
}

// PayStart is what a provider returns to the client to finish paying.
//
// Params go to the client unchanged, e.g. the wx.requestPayment parameters
// or an Alipay page URL. Paid is true when the payment completed right away
// (balance, sandbox); the core then applies Notice in the same call.
type PayStart struct {
	Params map[string]any
	Paid   bool
	Notice *PaymentNotice
}

// PaymentNotice is a verified statement from a provider that an order was paid.
type PaymentNotice struct {
	Provider      string
	OrderNo       string
	TransactionId string // provider's own id; unique per provider
	Amount        int64  // fen, as the provider reports it
	MerchantId    string // merchant/app id the provider reports, checked by the provider plugin
	PaidAt        time.Time
	Raw           string // the decrypted notification, kept for audit

	// Instant marks a payment whose money has not moved when the notice is
	// made: the balance debit is booked inside the transaction that applies
	// it, and sandbox money is not real. Such a payment for an order that
	// can no longer take it is refused (409 order_not_payable) instead of
	// being recorded as "unmatched": nothing arrived, so nothing is owed.
	Instant bool
}

// RefundRequest asks a provider to give money back.
type RefundRequest struct {
	OrderNo       string
	TransactionId string
	RefundNo      string // merchant refund number; idempotency key at the provider
	Amount        int64  // fen to refund now
	Total         int64  // fen paid for the order
	Reason        string
}

// RefundResult reports what the provider did with a refund request.
type RefundResult struct {
	// Status is one of "success", "processing", "failed".
	Status   string
	RefundId string
	// Amount is the refunded amount in fen as the provider reports it
	// (0: not reported); the core refuses a success for another amount.
	Amount int64
	Raw    string
}

// RefundNotice is a verified statement from a provider about a refund.
type RefundNotice struct {
	// RefundNo is the merchant refund number the refund was requested with.
	RefundNo string
	RefundResult
}

// PaymentQuery reports the provider's view of an order (reconciliation).
type PaymentQuery struct {
	// Paid is true when the provider says the order was paid;
	// then Notice carries the same facts a notification would.
	Paid   bool
	Notice *PaymentNotice
	// Closed is true when the provider will never accept payment for the order.
	Closed bool
}

// PaymentProvider is a way to pay (wechatpay, alipay, balance, offline, sandbox).
//
// NB! The core never calls a provider inside a database transaction.
type PaymentProvider interface {
	// Name is the method name clients send, e.g. "wechatpay".
	Name() string

	// Start begins paying for an order.
	Start(ctx context.Context, app core.App, req PayRequest) (*PayStart, error)

	// Query asks the provider whether an order was paid.
	Query(ctx context.Context, orderNo string) (*PaymentQuery, error)

	// Refund sends money back through the provider.
	Refund(ctx context.Context, req RefundRequest) (*RefundResult, error)
}

// InstantProvider is implemented by payment providers whose Start settles
// the payment in the shop's own books (balance): no outside party holds a
// payment that reconciliation or auto-cancel would have to ask about, so
// the core starts them without first marking the order as being paid (a
// write transaction of its own, outside the group commit). Without the
// mark the order's status still guards the payment: an instant notice for
// an order that is no longer pending changes nothing.
type InstantProvider interface {
	Instant() bool
}

// NotificationParser is implemented by payment providers that call the
// shop back (POST /api/shop/pay/notify/{provider}); methods that pay at
// once or are confirmed by hand (balance, sandbox, offline) leave it out,
// and the core refuses posts to their notify URL (400 pay_no_notifications).
type NotificationParser interface {
	// ParseNotification verifies and decodes a provider callback. It returns
	// (nil, nil) for notifications that are valid but carry nothing to apply
	// (e.g. a refund notice handled elsewhere), and an error for anything forged.
	ParseNotification(ctx context.Context, r *http.Request) (*PaymentNotice, error)

	// AckNotification writes the response the provider expects for a handled
	// notification (err == nil) or a rejected one.
	AckNotification(w http.ResponseWriter, err error)
}

// RefundQuerier is implemented by payment providers that can report on a
// refund later (WeChat Pay answers most refunds "processing" first). The
// core's refund_reconcile job asks it about refunds still in flight;
// providers without it keep their refunds until the admin retries.
type RefundQuerier interface {
	// QueryRefund asks the provider about a refund by its merchant refund number.
	QueryRefund(ctx context.Context, refundNo string) (*RefundResult, error)
}

// RefundNotificationParser is implemented by payment providers that send
// refund notifications to the same notify URL as payments. The core calls
// it with the same request after [NotificationParser.ParseNotification] returned (nil, nil), so
// the provider must leave r.Body readable. It returns (nil, nil) for a
// genuine notification that is not about a refund.
type RefundNotificationParser interface {
	ParseRefundNotification(ctx context.Context, r *http.Request) (*RefundNotice, error)
}

// Closer is implemented by payment providers that can close an unpaid
// order, so that the buyer can no longer pay it. The core calls it after a
// cancellation committed (never inside a transaction); a failure is logged,
// and a payment that still arrives is recorded as "unmatched".
type Closer interface {
	Close(ctx context.Context, orderNo string) error
}

// ---------------------------------------------------------------
// messaging
// ---------------------------------------------------------------

// SMSSender delivers a one-time code by SMS.
type SMSSender interface {
	SendCode(ctx context.Context, phone, code string) error
}

// LogSMSSender is the development sender: it writes the code to the app log.
//
// NB! Never use it in production; register a real provider plugin.
type LogSMSSender struct {
	App core.App
}

// SendCode implements [SMSSender].
func (s LogSMSSender) SendCode(_ context.Context, phone, code string) error {
	if s.App != nil {
		s.App.Logger().Info("sms code (log-only sender)", "phone", phone, "code", code)
	}
	return nil
}

// WechatTokens hands out the mini-program's access token. The wechat
// plugin's client implements it; other plugins (subscribe messages) use
// the same client through this interface, since two clients fetching
// tokens void each other's.
type WechatTokens interface {
	// AccessToken returns the cached token or fetches a new one.
	AccessToken(ctx context.Context) (string, error)

	// ForgetToken drops token when WeChat reported it invalid, so that the
	// next AccessToken fetches a new one.
	ForgetToken(token string)
}
