// Package catalog is the shop core for what is sold: categories, brands,
// products and SKUs, product search, stock (decrement, restore, low-stock
// alerts, automatic off/on shelf), shipping templates, the cart and shared
// carts.
//
// Checkout uses [LookupSkus], [LoadShippingTemplates] and [DecrementStock]
// inside its transaction; cancellations and returns use [RestoreStock];
// paid orders use [AddSales].
//
// Example usage:
//
//	s := shop.New()
//	if err := catalog.Register(app, s, catalog.Config{}); err != nil {
//		return err
//	}
package catalog

import (
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"fenxiao/hooks/shop"
)

// Collection names.
const (
	categoriesCollection = "categories"
	brandsCollection     = "brands"
	productsCollection   = "products"
	skusCollection       = "skus"
	templatesCollection  = "shipping_templates"
	cartCollection       = "cart_items"
	sharesCollection     = "cart_shares"
	alertsCollection     = "admin_alerts"
	usersCollection      = "users"
	addressesCollection  = "addresses"
)

// Product statuses and off-shelf reasons (products.status, products.off_reason).
const (
	StatusOn  = "on"
	StatusOff = "off"

	OffManual  = "manual"
	OffSoldOut = "sold_out"
)

// Config configures the catalog.
type Config struct {
	// ShareTTL is how long a shared cart link stays valid (default 7 days).
	ShareTTL time.Duration

	// MaxCartLines is the most lines one cart may hold (default 100).
	MaxCartLines int
}

type plugin struct {
	app    core.App
	shop   *shop.Shop
	config Config
}

// Register binds the catalog rules and routes to app.
func Register(app core.App, s *shop.Shop, config Config) error {
	if config.ShareTTL <= 0 {
		config.ShareTTL = 7 * 24 * time.Hour
	}
	if config.MaxCartLines <= 0 {
		config.MaxCartLines = 100
	}
	p := &plugin{app: app, shop: s, config: config}

	bindProductHooks(app)
	bindSearchIndex(app)
	bindCategoryTree(app)
	bindSkuHooks(app)
	bindTemplateHooks(app)
	app.OnRecordValidate(skusCollection).Bind(&hook.Handler[*core.RecordEvent]{Id: "fenxiaoCatalogSkuLevelPrices", Func: checkLevelPrices})

	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET("/api/shop/products/search", productsSearch)
		p.bindCartRoutes(se)
		return se.Next()
	})
	return nil
}
