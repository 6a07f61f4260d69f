package pb_migrations

import (
	"strings"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// The catalog: categories, brands, shipping templates, products and their
// SKUs, the product search index, carts, shared carts and admin alerts, plus
// the stock settings on shop_settings.
//
// shipping_templates.regions holds per-province overrides of the default
// rule, first match wins; a province matches when the address's province
// starts with it ("新疆" matches "新疆维吾尔自治区"):
//
//	[{"provinces": ["新疆", "西藏"], "first_units": 1, "first_fee": 2000,
//	  "extra_units": 1, "extra_fee": 1000, "free_threshold": 0}]
//
// Units are pieces (mode "piece") or grams (mode "weight"); fees and the
// free threshold are fen (free_threshold 0 = never free).
func init() {
	m.Register(func(app core.App) error {
		users, err := app.FindCollectionByNameOrId("users")
		if err != nil {
			return err
		}
		ids := map[string]string{"users": users.Id}
		steps := []func(core.App, map[string]string) error{
			createCategories,
			createBrands,
			createShippingTemplates,
			createProducts,
			createSkus,
			createCartItems,
			createCartShares,
			createAdminAlerts,
			createProductSearch,
			extendShopSettingsForStock,
		}
		for _, step := range steps {
			if err := step(app, ids); err != nil {
				return err
			}
		}
		return nil
	}, func(app core.App) error {
		for _, sql := range []string{
			"DROP TABLE IF EXISTS {{product_search}}",
			"DROP TABLE IF EXISTS {{product_search_map}}",
		} {
			if _, err := app.DB().NewQuery(sql).Execute(); err != nil {
				return err
			}
		}
		for _, name := range []string{
			"admin_alerts", "cart_shares", "cart_items", "skus", "products",
			"shipping_templates", "brands", "categories",
		} {
			c, err := app.FindCollectionByNameOrId(name)
			if err != nil {
				continue
			}
			if err := app.Delete(c); err != nil {
				return err
			}
		}
		settings, err := app.FindCollectionByNameOrId("shop_settings")
		if err != nil {
			return err
		}
		for _, f := range stockSettingFields {
			settings.Fields.RemoveByName(f)
		}
		return app.Save(settings)
	})
}

var stockSettingFields = []string{"auto_delist_soldout", "auto_relist", "low_stock_email"}

// imageMimeTypes are the image types accepted for catalog pictures.
var imageMimeTypes = []string{"image/jpeg", "image/png", "image/webp", "image/gif"}

func createCategories(app core.App, ids map[string]string) error {
	c := core.NewBaseCollection("categories")
	c.Fields.Add(&core.TextField{Name: "name", Required: true, Max: 64})
	c.Fields.Add(&core.NumberField{Name: "sort", OnlyInt: true})
	c.Fields.Add(&core.FileField{Name: "icon", MaxSelect: 1, MaxSize: 1 << 20,
		MimeTypes: imageMimeTypes, Thumbs: []string{"100x100"}})
	c.Fields.Add(&core.BoolField{Name: "is_active"})
	addTimestamps(c)
	c.ListRule = types.Pointer("is_active = true")
	c.ViewRule = types.Pointer("is_active = true")
	if err := app.Save(c); err != nil {
		return err
	}
	// a tree: top-level categories have no parent (the self relation needs
	// the collection to exist first)
	c.Fields.Add(relationTo("parent", c.Id, false, false))
	c.AddIndex("idx_categories_parent", false, "parent, sort", "")
	if err := app.Save(c); err != nil {
		return err
	}
	ids["categories"] = c.Id
	return nil
}

func createBrands(app core.App, ids map[string]string) error {
	c := core.NewBaseCollection("brands")
	c.Fields.Add(&core.TextField{Name: "name", Required: true, Max: 64})
	c.Fields.Add(&core.FileField{Name: "logo", MaxSelect: 1, MaxSize: 1 << 20,
		MimeTypes: imageMimeTypes, Thumbs: []string{"100x100"}})
	c.Fields.Add(&core.NumberField{Name: "sort", OnlyInt: true})
	c.Fields.Add(&core.BoolField{Name: "is_active"})
	addTimestamps(c)
	c.ListRule = types.Pointer("is_active = true")
	c.ViewRule = types.Pointer("is_active = true")
	if err := app.Save(c); err != nil {
		return err
	}
	ids["brands"] = c.Id
	return nil
}

func createShippingTemplates(app core.App, ids map[string]string) error {
	c := core.NewBaseCollection("shipping_templates")
	c.Fields.Add(&core.TextField{Name: "name", Required: true, Max: 64})
	c.Fields.Add(&core.SelectField{Name: "mode", Required: true, MaxSelect: 1,
		Values: []string{"piece", "weight"}})
	// pieces or grams covered by first_fee
	c.Fields.Add(intField("first_units", 0))
	c.Fields.Add(fenField("first_fee", false))
	// each further started block of extra_units costs extra_fee (0 units: no extra fee)
	c.Fields.Add(intField("extra_units", 0))
	c.Fields.Add(fenField("extra_fee", false))
	// goods amount from which shipping is free (0 = never)
	c.Fields.Add(fenField("free_threshold", false))
	// per-province overrides, see the shape at the top of this file
	c.Fields.Add(&core.JSONField{Name: "regions", MaxSize: 64 << 10})
	addTimestamps(c)
	// buyers may see how shipping is charged; writes are superuser-only
	c.ListRule = types.Pointer("")
	c.ViewRule = types.Pointer("")
	if err := app.Save(c); err != nil {
		return err
	}
	ids["shipping_templates"] = c.Id
	return nil
}

// addCommissionOverride adds the optional per-level commission override:
// mode "" = shop rates, "rate" = basis points per level, "fixed" = fen per
// unit per level (a fixed 0 deliberately pays nothing at that level).
func addCommissionOverride(c *core.Collection) {
	c.Fields.Add(&core.SelectField{Name: "commission_mode", MaxSelect: 1, Values: []string{"rate", "fixed"}})
	c.Fields.Add(intField("commission_l1", 0))
	c.Fields.Add(intField("commission_l2", 0))
	c.Fields.Add(intField("commission_l3", 0))
}

func createProducts(app core.App, ids map[string]string) error {
	c := core.NewBaseCollection("products")
	c.Fields.Add(&core.TextField{Name: "title", Required: true, Max: 120})
	c.Fields.Add(&core.TextField{Name: "subtitle", Max: 200})
	c.Fields.Add(&core.FileField{Name: "images", MaxSelect: 9, MaxSize: 5 << 20,
		MimeTypes: imageMimeTypes, Thumbs: []string{"200x200", "400x400"}})
	c.Fields.Add(&core.EditorField{Name: "description", MaxSize: 1 << 20})
	// free-form attributes shown on the detail page, e.g. {"产地": "福建"}
	c.Fields.Add(&core.JSONField{Name: "params", MaxSize: 64 << 10})
	c.Fields.Add(relationTo("category", ids["categories"], false, false))
	c.Fields.Add(relationTo("brand", ids["brands"], false, false))
	// a JSON array of strings
	c.Fields.Add(&core.JSONField{Name: "tags", MaxSize: 8 << 10})
	c.Fields.Add(&core.SelectField{Name: "status", Required: true, MaxSelect: 1, Values: []string{"on", "off"}})
	// why an "off" product is off: by hand, or automatically when sold out
	c.Fields.Add(&core.SelectField{Name: "off_reason", MaxSelect: 1, Values: []string{"manual", "sold_out"}})
	c.Fields.Add(intField("sales", 0))
	// grams per unit, used when a SKU has no weight of its own
	c.Fields.Add(intField("weight", 0))
	c.Fields.Add(relationTo("shipping_template", ids["shipping_templates"], false, false))
	addCommissionOverride(c)
	// kept in step with the SKUs by the server (hooks/catalog)
	c.Fields.Add(fenField("min_price", false))
	c.Fields.Add(fenField("max_price", false))
	c.Fields.Add(intField("stock", 0))
	c.Fields.Add(intField("sort", 0))
	addTimestamps(c)
	c.AddIndex("idx_products_status_sales", false, "status, sales", "")
	c.AddIndex("idx_products_status_min_price", false, "status, min_price", "")
	c.AddIndex("idx_products_status_created", false, "status, created", "")
	c.AddIndex("idx_products_category", false, "category", "")
	c.AddIndex("idx_products_brand", false, "brand", "")
	c.ListRule = types.Pointer("status = 'on'")
	c.ViewRule = types.Pointer("status = 'on'")
	if err := app.Save(c); err != nil {
		return err
	}
	ids["products"] = c.Id
	return nil
}

func createSkus(app core.App, ids map[string]string) error {
	c := core.NewBaseCollection("skus")
	c.Fields.Add(relationTo("product", ids["products"], true, true))
	// e.g. {"颜色": "红", "尺码": "XL"}
	c.Fields.Add(&core.JSONField{Name: "specs", MaxSize: 4 << 10})
	// e.g. "红 / XL", shown in carts and orders
	c.Fields.Add(&core.TextField{Name: "spec_text", Max: 120})
	c.Fields.Add(fenField("price", false))
	c.Fields.Add(fenField("original_price", false))
	c.Fields.Add(intField("stock", 0))
	// an admin alert is raised once when stock falls to this level (0 = never)
	c.Fields.Add(intField("low_stock_threshold", 0))
	c.Fields.Add(&core.BoolField{Name: "low_stock_alerted"})
	c.Fields.Add(&core.TextField{Name: "code", Max: 64})
	// grams per unit (0: the product's weight)
	c.Fields.Add(intField("weight", 0))
	addCommissionOverride(c)
	addTimestamps(c)
	c.AddIndex("idx_skus_product", false, "product, price", "")
	c.AddIndex("idx_skus_code", true, "code", "code != ''")
	c.ListRule = types.Pointer("product.status = 'on'")
	c.ViewRule = types.Pointer("product.status = 'on'")
	if err := app.Save(c); err != nil {
		return err
	}
	ids["skus"] = c.Id
	return nil
}

func createCartItems(app core.App, ids map[string]string) error {
	c := core.NewBaseCollection("cart_items")
	c.Fields.Add(relationTo("user", ids["users"], true, true))
	c.Fields.Add(relationTo("sku", ids["skus"], true, true))
	c.Fields.Add(&core.NumberField{Name: "quantity", Required: true, OnlyInt: true,
		Min: types.Pointer(1.0), Max: types.Pointer(999.0)})
	c.Fields.Add(&core.BoolField{Name: "selected"})
	addTimestamps(c)
	c.AddIndex("idx_cart_items_user_sku", true, "user, sku", "")
	// owners read and remove their lines; adding and changing go through
	// /api/shop/cart so that the catalog rules apply
	own := "user = @request.auth.id"
	c.ListRule = types.Pointer(own)
	c.ViewRule = types.Pointer(own)
	c.DeleteRule = types.Pointer(own)
	if err := app.Save(c); err != nil {
		return err
	}
	ids["cart_items"] = c.Id
	return nil
}

func createCartShares(app core.App, ids map[string]string) error {
	c := core.NewBaseCollection("cart_shares")
	c.Fields.Add(&core.TextField{Name: "code", Required: true, Max: 16, Pattern: `^[A-Za-z0-9]+$`})
	c.Fields.Add(relationTo("user", ids["users"], true, true))
	// [{"sku": "<id>", "quantity": 2}, ...] at the time of sharing
	c.Fields.Add(&core.JSONField{Name: "items", MaxSize: 32 << 10})
	c.Fields.Add(&core.TextField{Name: "invite_code", Max: 16})
	c.Fields.Add(&core.DateField{Name: "expires_at", Required: true})
	addTimestamps(c)
	c.AddIndex("idx_cart_shares_code", true, "code", "")
	// superusers only: shares are served by /api/shop/cart/share
	if err := app.Save(c); err != nil {
		return err
	}
	ids["cart_shares"] = c.Id
	return nil
}

func createAdminAlerts(app core.App, ids map[string]string) error {
	c := core.NewBaseCollection("admin_alerts")
	c.Fields.Add(&core.SelectField{Name: "kind", Required: true, MaxSelect: 1,
		Values: []string{"low_stock", "sold_out"}})
	c.Fields.Add(&core.TextField{Name: "message", Required: true, Max: 500})
	c.Fields.Add(relationTo("product", ids["products"], false, true))
	c.Fields.Add(relationTo("sku", ids["skus"], false, true))
	c.Fields.Add(&core.BoolField{Name: "resolved"})
	addTimestamps(c)
	c.AddIndex("idx_admin_alerts_resolved", false, "resolved, created", "")
	// superusers only (nil rules)
	return app.Save(c)
}

// createProductSearch creates the full-text index of products (see
// fenxiao/internal/search for the tokens and hooks/catalog for upkeep):
// product_search is a contentless FTS5 table of n-gram tokens whose rowid is
// product_search_map.doc; product_search_map also keeps the filter and sort
// keys of each product, so that a search never reads the products table
// for every hit (measured: that read cost most of a one-character query).
func createProductSearch(app core.App, _ map[string]string) error {
	for _, sql := range []string{
		`CREATE VIRTUAL TABLE {{product_search}} USING fts5(
			title, subtitle, tags, brand, category,
			content = '', contentless_delete = 1, tokenize = 'unicode61'
		)`,
		`CREATE TABLE {{product_search_map}} (
			[[doc]] INTEGER PRIMARY KEY,
			[[product]] TEXT NOT NULL UNIQUE,
			[[status]] TEXT NOT NULL DEFAULT '',
			[[category]] TEXT NOT NULL DEFAULT '',
			[[brand]] TEXT NOT NULL DEFAULT '',
			[[min_price]] INTEGER NOT NULL DEFAULT 0,
			[[sales]] INTEGER NOT NULL DEFAULT 0,
			[[created]] TEXT NOT NULL DEFAULT ''
		)`,
	} {
		_, err := app.DB().NewQuery(sql).Execute()
		if err != nil && strings.Contains(err.Error(), "no such module: fts5") {
			// note: migration 1795600600 drops this index again (search is
			// in memory now), so a SQLite built without FTS5 (the C
			// library as compiled by mattn/go-sqlite3 by default) skips it
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func extendShopSettingsForStock(app core.App, _ map[string]string) error {
	c, err := app.FindCollectionByNameOrId("shop_settings")
	if err != nil {
		return err
	}
	// take a product off the shelf when all its SKUs are sold out
	c.Fields.Add(&core.BoolField{Name: "auto_delist_soldout"})
	// put it back when stock returns (restock, cancelled order)
	c.Fields.Add(&core.BoolField{Name: "auto_relist"})
	// e-mail superusers on low-stock alerts
	c.Fields.Add(&core.BoolField{Name: "low_stock_email"})
	if err := app.Save(c); err != nil {
		return err
	}

	r, err := app.FindRecordById(c, "shopsettings001")
	if err != nil {
		return nil // no settings record to fill in
	}
	for _, f := range stockSettingFields {
		r.Set(f, true)
	}
	return app.Save(r)
}
