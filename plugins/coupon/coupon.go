// Package coupon is the coupon plugin of the fenxiao shop: templates a
// merchant issues in the dashboard (collection coupon_templates), the
// coupons users hold (user_coupons), the coupon centre, and coupons in the
// cart and at checkout, priced by the pure engine in internal/coupon.
//
// It plugs into the shop core through [shop.Shop.SetCoupons]: the cart
// (GET /api/shop/cart?coupon=) and checkout (POST /api/shop/checkout
// {coupon}) call the same Quote after the promotions, so the order gets
// the coupon discount the cart showed, split over the lines with the
// largest remainder (order_items.discount_amount includes the coupon's
// share, coupon_amount is that share alone; commission is computed on
// paid_amount, what the buyer really paid). The checkout transaction calls
// Redeem, a conditional update (unused → used by the order): of two
// checkouts racing for one coupon, one wins and the other fails with 409
// coupon_unavailable and changes nothing.
//
// Coupons are issued by claiming in the coupon centre, on sign-up
// (templates with on_signup, shop OnUserJoined, same transaction), by an
// admin to chosen users, and as a level reward (templates with reward_rank,
// when a level_changes row records a rise past that rank). Every issue
// raises coupon_templates.issued conditionally (issued < total), inside the
// transaction that writes the coupon, and counts the user's coupons of the
// template against per_user_limit there: a burst of claims on the last
// coupons issues exactly what is left.
//
// Returns: per shop_settings.coupon_return, the coupon of an order that is
// cancelled unpaid (cancel, cancel_and_refund) or fully refunded
// (cancel_and_refund) becomes unused again, within its original validity.
//
// Routes:
//
//	GET  /api/shop/coupons/center          anyone (signed in: with what they hold): claimable templates
//	POST /api/shop/coupons/claim           {template}: claim one coupon
//	GET  /api/shop/coupons/mine?status=    unused (default), used or expired
//	POST /api/shop/admin/coupons/grant     superuser: {template, users: [ids]}
//	GET  /api/shop/coupons/code            the caller's distributor code, whether it works, its coupon
//	POST /api/shop/coupons/code            distributor: {code} choose a code ("" = generate one)
//	POST /api/shop/coupons/code/apply      {code}: a buyer gets the code's coupon and is bound to its owner (see codes.go)
//
// Example usage:
//
//	hooks.MustRegister(app, hooks.Config{})
//	coupon.MustRegister(app, coupon.Config{})
package coupon

import (
	"errors"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"fenxiao/hooks/shop"
)

// Collection names.
const (
	templatesCollection = "coupon_templates"
	couponsCollection   = "user_coupons"
	usersCollection     = shop.UsersCollection
	levelChanges        = "level_changes"
)

// Coupon statuses (user_coupons.status) and sources (user_coupons.source).
const (
	statusUnused = "unused"
	statusUsed   = "used"

	sourceClaim  = "claim"
	sourceSignup = "signup"
	sourceAdmin  = "admin"
	sourceLevel  = "level"
)

// Return modes (shop_settings.coupon_return).
const (
	ReturnNever           = "never"
	ReturnCancel          = "cancel"
	ReturnCancelAndRefund = "cancel_and_refund"
)

// Config defines the coupon plugin's options.
type Config struct {
	// Now returns the current time. Default: time.Now. Tests move it.
	Now func() time.Time
}

type plugin struct {
	app    core.App
	shop   *shop.Shop
	config Config
}

// MustRegister is like [Register] but panics on error.
func MustRegister(app core.App, config Config) {
	if err := Register(app, config); err != nil {
		panic(err)
	}
}

// Register binds the coupon plugin to app. The shop core must be
// registered first (hooks.MustRegister).
func Register(app core.App, config Config) error {
	s := shop.Get(app)
	if s == nil {
		return errors.New("coupon: the shop core must be registered first")
	}
	if config.Now == nil {
		config.Now = time.Now
	}
	p := &plugin{app: app, shop: s, config: config}

	s.SetCoupons(p)
	s.OnUserJoined.Bind(&hook.Handler[*shop.UserEvent]{Id: "fenxiaoCouponUserJoined", Func: p.onUserJoined})
	s.OnOrderCancelled.Bind(&hook.Handler[*shop.OrderEvent]{Id: "fenxiaoCouponOrderCancelled", Func: p.onOrderCancelled})
	s.OnOrderRefunded.Bind(&hook.Handler[*shop.RefundEvent]{Id: "fenxiaoCouponOrderRefunded", Func: p.onOrderRefunded})
	app.OnRecordCreate(levelChanges).Bind(&hook.Handler[*core.RecordEvent]{Id: "fenxiaoCouponLevelChange", Func: p.onLevelChange})
	p.bindValidation()

	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET("/api/shop/coupons/center", p.center)
		auth := se.Router.Group("/api/shop/coupons").Bind(apis.RequireAuth(usersCollection))
		auth.POST("/claim", p.claim)
		auth.GET("/mine", p.mine)
		auth.GET("/code", p.myCode)
		auth.POST("/code", p.setCode)
		auth.POST("/code/apply", p.applyCode)
		se.Router.POST("/api/shop/admin/coupons/grant", p.grant).Bind(apis.RequireSuperuserAuth())
		return se.Next()
	})
	return nil
}

func (p *plugin) now() time.Time {
	return p.config.Now()
}
