// Package withdrawal lets distributors withdraw their wallet balance, to
// their WeChat wallet (商家转账 through the registered [shop.PayoutProvider])
// or to a bank card paid by hand.
//
// A request holds the amount (available → frozen, withdraw_hold) in the
// same transaction that creates the withdrawal row, so concurrent requests
// can never hold more than the balance. A superuser approves or rejects it
// (admin routes or the dashboard; record hooks enforce the state machine
// for every writer, see the withdrawals migration). An approved WeChat
// withdrawal is transferred after the approval commits, outside any
// transaction, with the withdrawal id as the bill number, so a retry can
// never pay twice; the result, transfer notifications and the
// withdrawal_reconcile job move it on. Paid books withdraw_paid (payout)
// and withdraw_fee (fee); rejected, failed and closed book withdraw_release.
// Every status change is a withdrawal_events row naming who made it.
//
// Routes:
//
//	POST /api/shop/withdrawals                        user: {amount, channel, account}
//	POST /api/shop/withdrawals/cancel/{id}            user: cancel a pending request
//	POST /api/shop/withdrawals/notify/{provider}      payout provider callbacks
//	POST /api/shop/admin/withdrawals/{id}/approve     superuser (WeChat: transfers now)
//	POST /api/shop/admin/withdrawals/{id}/reject      superuser: {reason}
//	POST /api/shop/admin/withdrawals/{id}/paid        superuser: a bank transfer was made
//	POST /api/shop/admin/withdrawals/{id}/transfer    superuser: retry a WeChat transfer now
//
// Example usage:
//
//	hooks.MustRegister(app, hooks.Config{})
//	wechatpay.MustRegister(app, wechatpay.Config{...}) // the "wechatpay" payout provider
//	withdrawal.MustRegister(app, withdrawal.Config{})
package withdrawal

import (
	"errors"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/internal/roles"
)

// Collection names.
const (
	WithdrawalsCollection = shop.WithdrawalsCollection
	EventsCollection      = "withdrawal_events"
)

// Withdrawal statuses (named in hooks/shop, which the console's reports read).
const (
	StatusPending         = shop.WithdrawalPending
	StatusApproved        = shop.WithdrawalApproved
	StatusTransferring    = shop.WithdrawalTransferring
	StatusWaitUserConfirm = shop.WithdrawalWaitUserConfirm
	StatusPaid            = shop.WithdrawalPaid
	StatusRejected        = shop.WithdrawalRejected
	StatusFailed          = shop.WithdrawalFailed
	StatusClosed          = shop.WithdrawalClosed
)

// Channels.
const (
	ChannelWechat = "wechat"
	ChannelBank   = "bank"
)

// RefType is the ref_type of a withdrawal's wallet entries (ref_id is its id).
const RefType = "withdrawal"

// Config defines the config options of the withdrawal plugin.
type Config struct {
	// WechatProvider is the payout provider of the wechat channel.
	// Default "wechatpay".
	WechatProvider string

	// TransferTimeout bounds one call to the payout provider. Default 15s.
	TransferTimeout time.Duration

	// TransferRemark is shown to the payee. Default "佣金提现".
	TransferRemark string

	// DisableBank turns the manual bank channel off.
	DisableBank bool
}

// MustRegister registers the withdrawal plugin and panics on error.
func MustRegister(app core.App, config Config) {
	if err := Register(app, config); err != nil {
		panic(err)
	}
}

// Register binds the withdrawal rules, routes and the withdrawal_reconcile
// job. The shop core must be registered first; the payout provider may be
// registered before or after.
func Register(app core.App, config Config) error {
	s := shop.Get(app)
	if s == nil {
		return errors.New("withdrawal: the shop core must be registered before the plugin")
	}
	if config.WechatProvider == "" {
		config.WechatProvider = "wechatpay"
	}
	if config.TransferTimeout <= 0 {
		config.TransferTimeout = 15 * time.Second
	}
	if config.TransferRemark == "" {
		config.TransferRemark = "佣金提现"
	}

	p := &plugin{app: app, shop: s, config: config}
	p.bindRules()

	s.RegisterJob(shop.Job{
		Name:        "withdrawal_reconcile",
		Schedule:    "*/10 * * * *",
		Description: "ask the payout provider about WeChat withdrawals in flight and retry transfers that never started",
		Run:         p.reconcile,
	})

	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		g := se.Router.Group("/api/shop/withdrawals")
		user := apis.RequireAuth(shop.UsersCollection)
		g.POST("", p.requestWithdrawal).Bind(user)
		g.POST("/cancel/{id}", p.cancel).Bind(user)
		g.POST("/notify/{provider}", p.notify)

		admin := se.Router.Group("/api/shop/admin/withdrawals/{id}")
		admin.POST("/approve", p.approve).Bind(shop.RequirePermission(roles.WithdrawalsReview))
		admin.POST("/reject", p.reject).Bind(shop.RequirePermission(roles.WithdrawalsReview))
		admin.POST("/paid", p.markPaid).Bind(shop.RequirePermission(roles.WithdrawalsPay))
		admin.POST("/transfer", p.retryTransfer).Bind(shop.RequirePermission(roles.WithdrawalsPay))
		return se.Next()
	})
	return nil
}

type plugin struct {
	// app is the root (non-transactional) app: use it only outside
	// transactions, e.g. after a commit.
	app    core.App
	shop   *shop.Shop
	config Config
}
