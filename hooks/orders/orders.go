// Package orders is the shop core for buying: checkout, payments (through the
// registered [shop.PaymentProvider]s), the order state machine, shipping and
// tracking, after-sales with refunds, buyer notifications and the jobs that
// keep orders moving (auto_cancel, auto_confirm, payment_reconcile,
// refund_reconcile).
//
// Routes (all JSON, errors in PocketBase's shape with a stable code):
//
//	POST /api/shop/checkout                         buyer: create an order from lines or the cart
//	POST /api/shop/orders/{id}/pay                  buyer: start paying with a method
//	POST /api/shop/orders/{id}/cancel               buyer: cancel an unpaid order
//	POST /api/shop/orders/{id}/confirm              buyer: confirm receipt of a shipped order
//	GET  /api/shop/orders/{id}/tracking             buyer: the parcel's trace
//	POST /api/shop/pay/notify/{provider}            payment (and refund) provider callbacks
//	POST /api/shop/aftersales                       buyer: apply for refund / return / exchange
//	POST /api/shop/aftersales/{id}/photos           buyer: add photos (multipart "photos") while open
//	POST /api/shop/aftersales/{id}/return           buyer: the return parcel's tracking
//	POST /api/shop/aftersales/{id}/close            buyer: withdraw an after-sale
//	POST /api/shop/admin/orders/{id}/ship           superuser: ship (same as the dashboard edit)
//	POST /api/shop/admin/orders/{id}/cancel         superuser: cancel an unpaid order
//	POST /api/shop/admin/aftersales/{id}/approve    superuser: approve (refund-only: refunds now)
//	POST /api/shop/admin/aftersales/{id}/reject     superuser
//	POST /api/shop/admin/aftersales/{id}/receive    superuser: return received (refund or await reshipment)
//	POST /api/shop/admin/aftersales/{id}/reship     superuser: exchange shipped
//	POST /api/shop/admin/aftersales/{id}/refund     superuser: retry a refund still in flight
//
// Events fired (inside the transaction that made the change):
// [shop.Shop.OnOrderPaid], OnOrderShipped, OnOrderCompleted, OnOrderCancelled,
// OnOrderRefunded.
//
// Example usage:
//
//	s := shop.New()
//	if err := orders.Register(app, s, orders.Config{}); err != nil {
//		return err
//	}
package orders

import (
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/internal/roles"
)

// Collection names.
const (
	ordersCollection        = "orders"
	itemsCollection         = "order_items"
	paymentsCollection      = "payments"
	refundsCollection       = "refunds"
	aftersalesCollection    = "aftersales"
	notificationsCollection = "notifications"
	cartCollection          = "cart_items"
	addressesCollection     = "addresses"
	usersCollection         = "users"
)

// Order statuses (orders.status), as untyped strings for record fields and
// filters; [shop.Order.Status] returns the typed [shop.OrderStatus].
const (
	StatusPendingPayment = string(shop.OrderStatusPendingPayment)
	StatusPaid           = string(shop.OrderStatusPaid)
	StatusShipped        = string(shop.OrderStatusShipped)
	StatusCompleted      = string(shop.OrderStatusCompleted)
	StatusCancelled      = string(shop.OrderStatusCancelled)
	StatusRefunded       = string(shop.OrderStatusRefunded)
)

// SandboxProvider is implemented by payment providers whose payments are
// not real money (orders paid with them get sandbox=true).
type SandboxProvider interface {
	Sandbox() bool
}

// Config configures the orders core.
type Config struct {
	// MaxLines is the most lines one order may have (default 50).
	MaxLines int

	// ProviderTimeout bounds every call to a payment provider (default 15s).
	ProviderTimeout time.Duration

	// ReconcileAfter is how long a started payment may stay unconfirmed
	// before payment_reconcile asks its provider (default 2 minutes).
	ReconcileAfter time.Duration
}

type plugin struct {
	// root is the non-transactional app, for work after a commit only.
	root   core.App
	shop   *shop.Shop
	config Config
}

// Register binds the order rules, routes and jobs to app.
func Register(app core.App, s *shop.Shop, config Config) error {
	if config.MaxLines <= 0 {
		config.MaxLines = 50
	}
	if config.ProviderTimeout <= 0 {
		config.ProviderTimeout = 15 * time.Second
	}
	if config.ReconcileAfter <= 0 {
		config.ReconcileAfter = 2 * time.Minute
	}
	p := &plugin{root: app, shop: s, config: config}
	app.Store().Set(pluginKey, p)
	s.SetGiftOrders(PlaceGiftOrder)

	bindOrderRules(app, p)
	bindFactRules(app)
	bindAftersaleRules(app, p)
	p.registerJobs()

	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		buyer := apis.RequireAuth(usersCollection)
		se.Router.POST("/api/shop/checkout", p.checkout).Bind(buyer)

		o := se.Router.Group("/api/shop/orders/{id}").Bind(buyer)
		o.POST("/pay", p.pay)
		o.POST("/cancel", p.cancelByBuyer)
		o.POST("/confirm", p.confirmByBuyer)
		o.GET("/tracking", p.tracking)

		se.Router.POST("/api/shop/pay/notify/{provider}", p.providerNotification)

		a := se.Router.Group("/api/shop/aftersales").Bind(buyer)
		a.POST("", p.aftersaleCreate)
		a.POST("/{id}/photos", p.aftersalePhotos)
		a.POST("/{id}/return", p.aftersaleReturn)
		a.POST("/{id}/close", p.aftersaleClose)

		admin := se.Router.Group("/api/shop/admin")
		admin.POST("/orders/{id}/ship", p.adminShip).Bind(shop.RequirePermission(roles.OrdersShip))
		admin.POST("/orders/{id}/cancel", p.adminCancel).Bind(shop.RequirePermission(roles.OrdersCancel))
		as := admin.Group("/aftersales/{id}").Bind(shop.RequirePermission(roles.AftersalesProcess))
		as.POST("/approve", p.aftersaleApprove)
		as.POST("/reject", p.aftersaleReject)
		as.POST("/receive", p.aftersaleReceive)
		as.POST("/reship", p.aftersaleReship)
		as.POST("/refund", p.aftersaleRefund)
		return se.Next()
	})
	return nil
}

// pluginKey is the app store key of the orders plugin ([ApplyPayment] finds it).
const pluginKey = "fenxiao.orders"
