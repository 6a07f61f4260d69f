package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Coupons, for the coupon plugin (plugins/coupon, engine in internal/coupon).
//
// coupon_templates is what a merchant issues:
//
//	kind            amount (off fen, threshold fen: 0 = 无门槛) or percent
//	                (rate_bp off, e.g. 1500 = 8.5折, max_off fen cap, 0 = none)
//	scope           all, categories (with sub-categories) or products;
//	                excluded_products never covered
//	with_promotions the coupon also applies to lines a promotion discounted
//	validity        fixed (starts_at ≤ now < ends_at) or days (valid_days
//	                from the claim)
//	total           coupons that may ever be issued (0 = unlimited);
//	                issued counts them, raised conditionally
//	per_user_limit  coupons of this template one user may hold in all
//	                (0 = unlimited)
//	claimable       listed in the coupon centre (领券中心)
//	on_signup       given to every new user
//	reward_rank     given to a distributor reaching this level rank (0 = none)
//
// user_coupons are the coupons users hold; terms keeps the template's
// amounts and scope as they were when the coupon was issued, so a later
// edit of the template never changes a coupon someone holds. A coupon is
// unused or used (by order); one returned by a cancelled or refunded order
// is unused again with returned_at set.
//
// orders.coupon / coupon_amount and order_items.coupon_amount record the
// coupon an order used and its share of each line (included in the line's
// discount_amount). shop_settings.coupon_return says when a used coupon
// comes back: never, cancel (unpaid order cancelled) or cancel_and_refund
// (also a fully refunded order).
func init() {
	m.Register(func(app core.App) error {
		ids := map[string]string{}
		for _, name := range []string{"users", "categories", "products"} {
			c, err := app.FindCollectionByNameOrId(name)
			if err != nil {
				return err
			}
			ids[name] = c.Id
		}

		t := core.NewBaseCollection("coupon_templates")
		t.Fields.Add(&core.TextField{Name: "name", Required: true, Max: 64})
		t.Fields.Add(&core.TextField{Name: "description", Max: 500})
		t.Fields.Add(&core.SelectField{Name: "kind", Required: true, MaxSelect: 1, Values: []string{"amount", "percent"}})
		// note: no Min on the numbers the engine validates, so that the admin
		// gets its stable coupon_* code instead of a generic one
		t.Fields.Add(&core.NumberField{Name: "off", OnlyInt: true})
		t.Fields.Add(&core.NumberField{Name: "rate_bp", OnlyInt: true})
		t.Fields.Add(&core.NumberField{Name: "max_off", OnlyInt: true})
		t.Fields.Add(&core.NumberField{Name: "threshold", OnlyInt: true})
		t.Fields.Add(&core.SelectField{Name: "scope", Required: true, MaxSelect: 1,
			Values: []string{"all", "categories", "products"}})
		t.Fields.Add(&core.RelationField{Name: "categories", CollectionId: ids["categories"], MaxSelect: 200})
		t.Fields.Add(&core.RelationField{Name: "products", CollectionId: ids["products"], MaxSelect: 1000})
		t.Fields.Add(&core.RelationField{Name: "excluded_products", CollectionId: ids["products"], MaxSelect: 1000})
		t.Fields.Add(&core.BoolField{Name: "with_promotions"})
		t.Fields.Add(&core.SelectField{Name: "validity", Required: true, MaxSelect: 1, Values: []string{"fixed", "days"}})
		t.Fields.Add(&core.DateField{Name: "starts_at"})
		t.Fields.Add(&core.DateField{Name: "ends_at"})
		t.Fields.Add(&core.NumberField{Name: "valid_days", OnlyInt: true})
		t.Fields.Add(&core.NumberField{Name: "total", OnlyInt: true})
		t.Fields.Add(intField("issued", 0))
		t.Fields.Add(&core.NumberField{Name: "per_user_limit", OnlyInt: true})
		t.Fields.Add(&core.BoolField{Name: "claimable"})
		t.Fields.Add(&core.BoolField{Name: "on_signup"})
		t.Fields.Add(intField("reward_rank", 0))
		t.Fields.Add(&core.BoolField{Name: "active"})
		addTimestamps(t)
		t.AddIndex("idx_coupon_templates_active", false, "active, claimable", "")
		t.ListRule = types.Pointer("active = true")
		t.ViewRule = types.Pointer("active = true")
		if err := app.Save(t); err != nil {
			return err
		}

		u := core.NewBaseCollection("user_coupons")
		u.Fields.Add(relationTo("template", t.Id, true, false))
		u.Fields.Add(relationTo("user", ids["users"], true, true))
		u.Fields.Add(&core.TextField{Name: "name", Required: true, Max: 64})
		u.Fields.Add(&core.JSONField{Name: "terms", MaxSize: 64 << 10})
		u.Fields.Add(&core.SelectField{Name: "status", Required: true, MaxSelect: 1, Values: []string{"unused", "used"}})
		u.Fields.Add(&core.SelectField{Name: "source", Required: true, MaxSelect: 1,
			Values: []string{"claim", "signup", "admin", "level"}})
		u.Fields.Add(&core.DateField{Name: "starts_at"})
		u.Fields.Add(&core.DateField{Name: "ends_at"})
		u.Fields.Add(&core.TextField{Name: "order", Max: 32})
		u.Fields.Add(&core.DateField{Name: "used_at"})
		u.Fields.Add(&core.DateField{Name: "returned_at"})
		addTimestamps(u)
		u.AddIndex("idx_user_coupons_user", false, "user, status, ends_at", "")
		u.AddIndex("idx_user_coupons_template", false, "template, user", "")
		own := "user = @request.auth.id"
		u.ListRule = types.Pointer(own)
		u.ViewRule = types.Pointer(own)
		if err := app.Save(u); err != nil {
			return err
		}

		orders, err := app.FindCollectionByNameOrId("orders")
		if err != nil {
			return err
		}
		orders.Fields.Add(&core.TextField{Name: "coupon", Max: 32})
		orders.Fields.Add(fenField("coupon_amount", false))
		if err := app.Save(orders); err != nil {
			return err
		}
		items, err := app.FindCollectionByNameOrId("order_items")
		if err != nil {
			return err
		}
		items.Fields.Add(fenField("coupon_amount", false))
		if err := app.Save(items); err != nil {
			return err
		}

		settings, err := app.FindCollectionByNameOrId("shop_settings")
		if err != nil {
			return err
		}
		settings.Fields.Add(&core.SelectField{Name: "coupon_return", MaxSelect: 1,
			Values: []string{"never", "cancel", "cancel_and_refund"}})
		if err := app.Save(settings); err != nil {
			return err
		}
		rec, err := app.FindRecordById(settings, "shopsettings001")
		if err != nil {
			return err
		}
		rec.Set("coupon_return", "cancel_and_refund")
		return app.Save(rec)
	}, func(app core.App) error {
		for _, f := range []struct{ collection, field string }{
			{"orders", "coupon"}, {"orders", "coupon_amount"}, {"order_items", "coupon_amount"}, {"shop_settings", "coupon_return"},
		} {
			c, err := app.FindCollectionByNameOrId(f.collection)
			if err != nil {
				return err
			}
			c.Fields.RemoveByName(f.field)
			if err := app.Save(c); err != nil {
				return err
			}
		}
		for _, name := range []string{"user_coupons", "coupon_templates"} {
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
