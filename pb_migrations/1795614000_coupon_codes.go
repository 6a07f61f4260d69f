package pb_migrations

import (
	"slices"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Distributor coupon codes (plugins/coupon): a distributor's personal code
// that a buyer enters at checkout to get a coupon and be bound to the
// distributor.
//
// coupon_codes has one row per distributor: code (stored upper-case, so
// codes are case-insensitive and unique), template (the coupon this code
// gives; empty = the shop's code template), active (the merchant turns one
// distributor's code off). Distributors read their own; only the merchant
// edits in the dashboard, distributors through the API.
//
// coupon_templates.for_codes marks the template distributor codes give by
// default (the newest active one counts; none = codes are off for all).
// user_coupons.code is the code a coupon came from (source "code");
// referral_events.source gains coupon_code.
func init() {
	m.Register(func(app core.App) error {
		users, err := app.FindCollectionByNameOrId("users")
		if err != nil {
			return err
		}
		templates, err := app.FindCollectionByNameOrId("coupon_templates")
		if err != nil {
			return err
		}
		templates.Fields.Add(&core.BoolField{Name: "for_codes",
			Help: "分销商优惠码默认发放此券（多张时取最新的一张；没有则优惠码功能关闭）"})
		if err := app.Save(templates); err != nil {
			return err
		}

		coupons, err := app.FindCollectionByNameOrId("user_coupons")
		if err != nil {
			return err
		}
		source := coupons.Fields.GetByName("source").(*core.SelectField)
		source.Values = append(source.Values, "code")
		coupons.Fields.Add(&core.TextField{Name: "code", Max: 16})
		if err := app.Save(coupons); err != nil {
			return err
		}

		events, err := app.FindCollectionByNameOrId("referral_events")
		if err != nil {
			return err
		}
		evSource := events.Fields.GetByName("source").(*core.SelectField)
		if !slices.Contains(evSource.Values, "coupon_code") {
			evSource.Values = append(evSource.Values, "coupon_code")
		}
		if err := app.Save(events); err != nil {
			return err
		}

		c := core.NewBaseCollection("coupon_codes")
		c.Fields.Add(relationTo("owner", users.Id, true, true))
		c.Fields.Add(&core.TextField{Name: "code", Required: true, Min: 4, Max: 16, Pattern: `^[A-Z0-9]+$`,
			Presentable: true, Help: "大写字母和数字，4-16 位；买家输入时不区分大小写"})
		c.Fields.Add(&core.RelationField{Name: "template", CollectionId: templates.Id, MaxSelect: 1,
			Help: "此码发放的优惠券；留空则用标记为 for_codes 的券"})
		c.Fields.Add(&core.BoolField{Name: "active", Help: "关闭后买家输入此码会被拒绝"})
		addTimestamps(c)
		c.AddIndex("idx_coupon_codes_code", true, "code", "")
		c.AddIndex("idx_coupon_codes_owner", true, "owner", "")
		c.ListRule = types.Pointer("owner = @request.auth.id")
		c.ViewRule = types.Pointer("owner = @request.auth.id")
		return app.Save(c)
	}, func(app core.App) error {
		if c, err := app.FindCollectionByNameOrId("coupon_codes"); err == nil {
			if err := app.Delete(c); err != nil {
				return err
			}
		}
		// note: referral_events are append-only facts; rows bound by a code
		// keep their source and the value stays allowed
		coupons, err := app.FindCollectionByNameOrId("user_coupons")
		if err != nil {
			return err
		}
		if _, err := app.DB().NewQuery("UPDATE user_coupons SET source = 'claim' WHERE source = 'code'").Execute(); err != nil {
			return err
		}
		source := coupons.Fields.GetByName("source").(*core.SelectField)
		source.Values = slices.DeleteFunc(source.Values, func(v string) bool { return v == "code" })
		coupons.Fields.RemoveByName("code")
		if err := app.Save(coupons); err != nil {
			return err
		}
		templates, err := app.FindCollectionByNameOrId("coupon_templates")
		if err != nil {
			return err
		}
		templates.Fields.RemoveByName("for_codes")
		return app.Save(templates)
	})
}
