package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Promotions (满减, 打折/特价, 赠品) and their per-buyer usage, for the
// promotion plugin (plugins/promotion, engine in internal/promo).
//
// promotions.type selects the fields that matter:
//
//	full_reduction  tiers [{"threshold": 20000, "off": 3000}, ...] strictly
//	                ascending (fen), repeat (每满), max_off (fen, 0 = no cap)
//	discount        discount_mode "rate" with rate_bp (8500 = 8.5折) or
//	                "special_price" with special_price (fen per unit)
//	gift            gift_sku × gift_quantity when the matching lines reach
//	                gift_min_amount (fen) and/or gift_min_quantity (units)
//
// scope is all, categories (a category covers its sub-categories) or
// products; excluded_products are never covered. A promotion is live while
// active and starts_at ≤ now < ends_at (no ends_at: no end). per_user_limit
// counts the buyer's orders using it (0 = unlimited); priority ranks
// promotions (higher first); a stackable promotion combines with any other,
// of the non-stackable ones the engine picks the best for the buyer. label,
// when set, replaces the generated tag ("满200减30", "8.5折", "满200赠").
//
// The promotions applied to an order are kept on orders.promotions at
// checkout ([{promotion, label, explanation, amount}]); promotion_usages gets
// one row per promotion when the order is paid.
func init() {
	m.Register(func(app core.App) error {
		ids := map[string]string{}
		for _, name := range []string{"users", "skus", "categories", "products", "orders"} {
			c, err := app.FindCollectionByNameOrId(name)
			if err != nil {
				return err
			}
			ids[name] = c.Id
		}
		if err := createPromotions(app, ids); err != nil {
			return err
		}
		return createPromotionUsages(app, ids)
	}, func(app core.App) error {
		for _, name := range []string{"promotion_usages", "promotions"} {
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

func createPromotions(app core.App, ids map[string]string) error {
	c := core.NewBaseCollection("promotions")
	c.Fields.Add(&core.TextField{Name: "name", Required: true, Max: 64})
	c.Fields.Add(&core.SelectField{Name: "type", Required: true, MaxSelect: 1,
		Values: []string{"full_reduction", "discount", "gift"}})
	// full_reduction
	c.Fields.Add(&core.JSONField{Name: "tiers", MaxSize: 4 << 10})
	c.Fields.Add(&core.BoolField{Name: "repeat"})
	c.Fields.Add(fenField("max_off", false))
	// discount
	c.Fields.Add(&core.SelectField{Name: "discount_mode", MaxSelect: 1, Values: []string{"rate", "special_price"}})
	c.Fields.Add(&core.NumberField{Name: "rate_bp", OnlyInt: true})
	c.Fields.Add(&core.NumberField{Name: "special_price", OnlyInt: true})
	// gift
	c.Fields.Add(relationTo("gift_sku", ids["skus"], false, false))
	c.Fields.Add(&core.NumberField{Name: "gift_quantity", OnlyInt: true})
	c.Fields.Add(&core.NumberField{Name: "gift_min_amount", OnlyInt: true})
	c.Fields.Add(&core.NumberField{Name: "gift_min_quantity", OnlyInt: true})
	// scope
	c.Fields.Add(&core.SelectField{Name: "scope", Required: true, MaxSelect: 1,
		Values: []string{"all", "categories", "products"}})
	c.Fields.Add(&core.RelationField{Name: "categories", CollectionId: ids["categories"], MaxSelect: 200})
	c.Fields.Add(&core.RelationField{Name: "products", CollectionId: ids["products"], MaxSelect: 1000})
	c.Fields.Add(&core.RelationField{Name: "excluded_products", CollectionId: ids["products"], MaxSelect: 1000})
	// window and rules
	c.Fields.Add(&core.DateField{Name: "starts_at", Required: true})
	c.Fields.Add(&core.DateField{Name: "ends_at"})
	// note: no Min on the numbers the engine validates, so that the admin
	// gets its stable promo_* code instead of a generic one
	c.Fields.Add(&core.NumberField{Name: "per_user_limit", OnlyInt: true})
	c.Fields.Add(&core.NumberField{Name: "priority", OnlyInt: true})
	c.Fields.Add(&core.BoolField{Name: "stackable"})
	c.Fields.Add(&core.BoolField{Name: "active"})
	c.Fields.Add(&core.TextField{Name: "label", Max: 32})
	addTimestamps(c)
	c.AddIndex("idx_promotions_active_ends", false, "active, ends_at", "")
	// anyone may see the promotions that are switched on; writes are superuser-only
	c.ListRule = types.Pointer("active = true")
	c.ViewRule = types.Pointer("active = true")
	if err := app.Save(c); err != nil {
		return err
	}
	ids["promotions"] = c.Id
	return nil
}

func createPromotionUsages(app core.App, ids map[string]string) error {
	c := core.NewBaseCollection("promotion_usages")
	c.Fields.Add(relationTo("promotion", ids["promotions"], true, true))
	c.Fields.Add(relationTo("user", ids["users"], true, true))
	c.Fields.Add(relationTo("order", ids["orders"], true, true))
	addTimestamps(c)
	c.AddIndex("idx_promotion_usages_order", true, "promotion, [order]", "")
	c.AddIndex("idx_promotion_usages_user", false, "user, promotion", "")
	own := "user = @request.auth.id"
	c.ListRule = types.Pointer(own)
	c.ViewRule = types.Pointer(own)
	return app.Save(c)
}
