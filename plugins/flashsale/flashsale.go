// Package flashsale is the flash-sale (秒杀) plugin of the fenxiao shop:
// time slots (flash_sessions) in which SKUs sell at a flash price from
// their own stock (flash_items), with a per-buyer limit and a shorter
// payment window.
//
// It plugs into checkout through [shop.Shop.SetOffers]: a buyer posts
// POST /api/shop/checkout {offer: <flash_items id>, items: [{sku, quantity}],
// address}. Prepare checks the slot is live, the item not sold out and the
// buyer's limit, outside any transaction (so a sold-out burst is turned
// away without touching the writer); inside the checkout transaction Take
// raises flash_items.sold conditionally (sold + qty ≤ stock), checks the
// buyer's limit again and writes a flash_orders row, so of any number of
// concurrent buyers exactly the units in stock get an order, and no order
// exists for a unit that was not there. Payment is only ever started for
// an order that exists.
//
// Flash stock is reserved apart from the SKU's normal stock: saving an
// item moves its units out of skus.stock (conditionally), deleting it or
// the end of its slot (job flash_release) moves the unsold rest back. Take
// hands the order's units back to skus.stock just before the core takes
// them like any order's, so the core's stock rules (and the stock its
// cancel returns) are unchanged; a cancelled flash order's units go back
// to the flash stock (OnOrderCancelled, same transaction).
//
// The slot decides stacking and commission: promotions and coupons stay
// off flash orders unless allow_promotions / allow_coupons, and commission
// is booked only with commission set (orders.no_commission otherwise).
// Unpaid flash orders are cancelled after pay_minutes (default 5).
//
// Routes:
//
//	GET /api/shop/flash/sessions      anyone: current and coming slots with items, countdowns, sold-out state
//	GET /api/shop/flash/items/{id}    anyone (signed in: with what they bought): one item
//
// Example usage:
//
//	hooks.MustRegister(app, hooks.Config{})
//	flashsale.MustRegister(app, flashsale.Config{})
package flashsale

import (
	"errors"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"fenxiao/hooks/shop"
)

// Collection names.
const (
	sessionsCollection = "flash_sessions"
	itemsCollection    = "flash_items"
	ordersCollection   = "flash_orders"
	skusCollection     = shop.SkusCollection
	productsCollection = shop.ProductsCollection
	usersCollection    = shop.UsersCollection
)

// Kind is the offer kind flash orders carry (orders.offer_kind).
const Kind = "flash"

// DefaultPayWithin is the payment window of a slot without pay_minutes.
const DefaultPayWithin = 5 * time.Minute

// Config defines the flash-sale plugin's options.
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

// Register binds the flash-sale plugin to app. The shop core must be
// registered first (hooks.MustRegister).
func Register(app core.App, config Config) error {
	s := shop.Get(app)
	if s == nil {
		return errors.New("flashsale: the shop core must be registered first")
	}
	if config.Now == nil {
		config.Now = time.Now
	}
	p := &plugin{app: app, shop: s, config: config}

	s.SetOffers(p)
	s.OnOrderCancelled.Bind(&hook.Handler[*shop.OrderEvent]{Id: "fenxiaoFlashsaleOrderCancelled", Func: p.onOrderCancelled})
	p.bindReservation()
	s.RegisterJob(shop.Job{
		Name:        "flash_release",
		Schedule:    "* * * * *",
		Description: "returns the unsold flash stock of ended flash-sale slots to the SKUs",
		Run:         p.release,
	})

	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET("/api/shop/flash/sessions", p.sessions)
		se.Router.GET("/api/shop/flash/items/{id}", p.item)
		return se.Next()
	})
	return nil
}

func (p *plugin) now() time.Time {
	return p.config.Now()
}
