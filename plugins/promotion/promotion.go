// Package promotion is the promotions plugin of the fenxiao shop: 满减 (full
// reduction, tiered or 每满), 打折/特价 (per-item discount) and 赠品 (gift)
// rules configured by the merchant in the dashboard (collection promotions)
// and priced by the pure engine in internal/promo.
//
// It plugs into the shop core through two seams of [shop.Shop]:
//
//   - SetDiscounts: the cart (GET /api/shop/cart) and checkout call the same
//     function, so the cart's totals are what the order gets. It loads the
//     live promotions (cached in memory, dropped by every write to the
//     promotions collection), the buyer's usage counts, the gift SKUs' stock
//     and the time now, so checkout re-prices: a promotion that ended a
//     second ago is not applied. Checkout stores the applied promotions on
//     orders.promotions, allocates each discount to the lines (largest
//     remainder, the sum is exact) and adds the gifts as zero-priced
//     order_items (is_gift) that take their own SKU's stock; a gift that is
//     out of stock is left out, never the order.
//   - SetProductPromos: product search results carry promotion_labels
//     ("满200减30", "8.5折", "满200赠") and promo_price, the lowest price
//     after the best per-item discount.
//
// Per-buyer limits: a buyer's usage of a promotion is the number of their
// live orders (unpaid, paid or later, not cancelled) carrying it on
// orders.promotions, so two unpaid orders cannot both take a once-per-buyer
// promotion and a cancelled order gives it back. Pricing reads it outside any
// transaction; the order's create hook recounts it inside the transaction
// that writes the order and refuses the order (409 promotion_limit_reached)
// when a concurrent checkout took the last use first. When an order is paid
// (shop OnOrderPaid, same transaction) one promotion_usages row per promotion
// is also written, for reports.
//
// Errors: a database error while pricing fails the cart or checkout request
// with 503 promotions_unavailable (nothing is changed) rather than
// dropping the promotions and charging the full price.
//
// Admin writes (dashboard, REST, Go) are checked with promo.Validate and
// refused with a 400 carrying the engine's stable code on the field at
// fault (e.g. tiers: promo_tiers_not_ascending).
//
// Routes:
//
//	GET /api/shop/promotions/active          anyone: live promotions with labels, window and scope
//	GET /api/shop/products/{id}/promotions   anyone: a product's promotions, labels and promo prices
//
// Example usage:
//
//	hooks.MustRegister(app, hooks.Config{})
//	promotion.MustRegister(app, promotion.Config{})
package promotion

import (
	"errors"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"fenxiao/hooks/shop"
)

// Collection names.
const (
	promotionsCollection = "promotions"
	usagesCollection     = "promotion_usages"
	ordersCollection     = shop.OrdersCollection
	productsCollection   = shop.ProductsCollection
	skusCollection       = shop.SkusCollection
	categoriesCollection = shop.CategoriesCollection
)

// Config defines the promotion plugin's options.
type Config struct {
	// Now returns the current time. Default: time.Now. Tests move it.
	Now func() time.Time

	// UsageRead, when set, is called by the cart and checkout pricing
	// right after it has read the buyer's usage of limited promotions and
	// before the engine runs. Tests use it to hold concurrent checkouts
	// until all of them have read the same usage.
	UsageRead func()
}

type plugin struct {
	app    core.App
	shop   *shop.Shop
	config Config
	cache  cache
}

// MustRegister is like [Register] but panics on error.
func MustRegister(app core.App, config Config) {
	if err := Register(app, config); err != nil {
		panic(err)
	}
}

// Register binds the promotion plugin to app. The shop core must be
// registered first (hooks.MustRegister).
func Register(app core.App, config Config) error {
	s := shop.Get(app)
	if s == nil {
		return errors.New("promotion: the shop core must be registered first")
	}
	if config.Now == nil {
		config.Now = time.Now
	}
	p := &plugin{app: app, shop: s, config: config}

	s.SetDiscounts(p.discounts)
	s.SetProductPromos(p.productPromos)
	s.OnOrderPaid.Bind(&hook.Handler[*shop.OrderEvent]{Id: "fenxiaoPromotionOrderPaid", Func: p.onOrderPaid})

	p.bindValidation()
	p.bindCacheInvalidation()
	p.bindLimits()

	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET("/api/shop/promotions/active", p.activeList)
		se.Router.GET("/api/shop/products/{id}/promotions", p.productPromotions)
		return se.Next()
	})
	return nil
}

// now returns the current time.
func (p *plugin) now() time.Time {
	return p.config.Now()
}
