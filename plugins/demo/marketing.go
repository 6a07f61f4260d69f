package demo

import (
	"time"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
)

// seedMarketing adds coupon templates to the coupon centre and, when the
// flash-sale plugin is on, a flash-sale slot running now with two SKUs.
func seedMarketing(app core.App) error {
	save := func(collection string, fields map[string]any) (*core.Record, error) {
		col, err := app.FindCachedCollectionByNameOrId(collection)
		if err != nil {
			return nil, err
		}
		r := core.NewRecord(col)
		r.Load(fields)
		return r, app.Save(r)
	}
	now := time.Now().UTC()
	for _, t := range []map[string]any{
		{"name": "满100减10", "kind": "amount", "off": 1000, "threshold": 10000, "total": 1000, "per_user_limit": 1},
		{"name": "全场9折券", "kind": "percent", "rate_bp": 1000, "max_off": 2000, "total": 500, "per_user_limit": 1},
		{"name": "新人无门槛5元", "kind": "amount", "off": 500, "on_signup": true, "claimable": false},
	} {
		fields := map[string]any{"scope": "all", "validity": "days", "valid_days": 30, "active": true, "claimable": true}
		for k, v := range t {
			fields[k] = v
		}
		if _, err := save("coupon_templates", fields); err != nil {
			return err
		}
	}

	if s := shop.Get(app); s == nil || s.Offers() == nil {
		return nil
	}
	skus, err := app.FindRecordsByFilter(shop.SkusCollection, "stock >= 20", "created", 2, 0)
	if err != nil || len(skus) == 0 {
		return err
	}
	session, err := save("flash_sessions", map[string]any{"name": "限时秒杀", "active": true,
		"starts_at": now.Add(-10 * time.Minute), "ends_at": now.Add(2 * time.Hour), "pay_minutes": 5})
	if err != nil {
		return err
	}
	for i, sku := range skus {
		price := sku.GetInt("price")
		if _, err := save("flash_items", map[string]any{"session": session.Id, "sku": sku.Id,
			"flash_price": price * 6 / 10, "stock": 10, "per_user_limit": 1, "sort": i}); err != nil {
			return err
		}
	}
	return nil
}
