package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Flash sales (秒杀), for the flash-sale plugin (plugins/flashsale).
//
// flash_sessions are the time slots (场次): starts_at ≤ now < ends_at while
// active. pay_minutes is the payment window of its orders (0: 5 minutes);
// allow_promotions / allow_coupons let promotions or coupons stack on a
// flash order; commission books commission on flash orders.
//
// flash_items put a SKU on sale in a session at flash_price with stock
// units reserved apart from the SKU's normal stock (taken from skus.stock
// when the item is saved, given back when it is deleted or its session has
// ended); sold counts the units in live orders, never more than stock.
// per_user_limit bounds the units one buyer holds in live orders (0: none).
//
// flash_orders is one row per flash order (the ledger of the flash stock):
// live, or cancelled when the order was cancelled and its units returned.
//
// orders.offer_kind / offer name the offer an order was bought at ("flash"
// and the flash_items id); orders.no_commission books no commission.
func init() {
	m.Register(func(app core.App) error {
		ids := map[string]string{}
		for _, name := range []string{"users", "skus", "products"} {
			c, err := app.FindCollectionByNameOrId(name)
			if err != nil {
				return err
			}
			ids[name] = c.Id
		}

		s := core.NewBaseCollection("flash_sessions")
		s.Fields.Add(&core.TextField{Name: "name", Required: true, Max: 64})
		s.Fields.Add(&core.DateField{Name: "starts_at", Required: true})
		s.Fields.Add(&core.DateField{Name: "ends_at", Required: true})
		s.Fields.Add(intField("pay_minutes", 24*60))
		s.Fields.Add(&core.BoolField{Name: "allow_promotions"})
		s.Fields.Add(&core.BoolField{Name: "allow_coupons"})
		s.Fields.Add(&core.BoolField{Name: "commission"})
		s.Fields.Add(&core.BoolField{Name: "active"})
		s.Fields.Add(&core.BoolField{Name: "released"})
		addTimestamps(s)
		s.AddIndex("idx_flash_sessions_time", false, "active, ends_at", "")
		s.ListRule = types.Pointer("active = true")
		s.ViewRule = types.Pointer("active = true")
		if err := app.Save(s); err != nil {
			return err
		}

		it := core.NewBaseCollection("flash_items")
		it.Fields.Add(relationTo("session", s.Id, true, false))
		it.Fields.Add(relationTo("sku", ids["skus"], true, false))
		it.Fields.Add(relationTo("product", ids["products"], false, false))
		it.Fields.Add(fenField("flash_price", false))
		it.Fields.Add(intField("stock", 0))
		it.Fields.Add(intField("sold", 0))
		it.Fields.Add(intField("per_user_limit", 0))
		it.Fields.Add(intField("sort", 0))
		addTimestamps(it)
		it.AddIndex("idx_flash_items_session_sku", true, "session, sku", "")
		it.ListRule = types.Pointer("session.active = true")
		it.ViewRule = types.Pointer("session.active = true")
		if err := app.Save(it); err != nil {
			return err
		}

		o := core.NewBaseCollection("flash_orders")
		o.Fields.Add(relationTo("item", it.Id, true, false))
		o.Fields.Add(relationTo("user", ids["users"], true, false))
		o.Fields.Add(&core.TextField{Name: "order", Required: true, Max: 32})
		o.Fields.Add(intField("quantity", 0))
		o.Fields.Add(&core.SelectField{Name: "status", Required: true, MaxSelect: 1, Values: []string{"live", "cancelled"}})
		addTimestamps(o)
		o.AddIndex("idx_flash_orders_order", true, "[order]", "")
		o.AddIndex("idx_flash_orders_item_user", false, "item, user, status", "")
		own := "user = @request.auth.id"
		o.ListRule = types.Pointer(own)
		o.ViewRule = types.Pointer(own)
		if err := app.Save(o); err != nil {
			return err
		}

		orders, err := app.FindCollectionByNameOrId("orders")
		if err != nil {
			return err
		}
		orders.Fields.Add(&core.TextField{Name: "offer_kind", Max: 16})
		orders.Fields.Add(&core.TextField{Name: "offer", Max: 32})
		orders.Fields.Add(&core.BoolField{Name: "no_commission"})
		return app.Save(orders)
	}, func(app core.App) error {
		orders, err := app.FindCollectionByNameOrId("orders")
		if err != nil {
			return err
		}
		for _, f := range []string{"offer_kind", "offer", "no_commission"} {
			orders.Fields.RemoveByName(f)
		}
		if err := app.Save(orders); err != nil {
			return err
		}
		for _, name := range []string{"flash_orders", "flash_items", "flash_sessions"} {
			c, err := app.FindCollectionByNameOrId(name)
			if err != nil {
				continue
			}
			if err := app.Delete(c); err != nil {
				return err
			}
		}
		return nil
	})
}
