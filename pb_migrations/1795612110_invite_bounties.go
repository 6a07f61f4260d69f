package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Invite bounties (拉新奖励), for the distribution plugin: a fixed reward
// to the distributor who invited a user, earned when that user's FIRST
// paid order is paid (never at sign-up), off by default.
//
// invite_bounties has one row per invitee at most (unique), written in the
// payment's transaction. It moves like a commission and books the same
// wallet entry kinds, with ref_type invite_bounty:
//
//	frozen → settled        commission_settle: the order completed + frozen_days, no open after-sale
//	frozen → cancelled      the order was refunded below the minimum before settlement (commission_cancelled)
//	settled → clawed_back   refunded after settlement, clawback_policy net (clawback, may leave a debt)
//	settled → absorbed      refunded after settlement, clawback_policy absorb (kept, recorded)
//
// The settings: invite_bounty_enabled (default off), invite_bounty_amount
// (fen), invite_bounty_min_order (the first order must pay at least this),
// invite_bounty_daily_count and invite_bounty_daily_amount (per inviter and
// Asia/Shanghai day, 0 = no cap).
func init() {
	m.Register(func(app core.App) error {
		users, err := app.FindCollectionByNameOrId("users")
		if err != nil {
			return err
		}
		orders, err := app.FindCollectionByNameOrId("orders")
		if err != nil {
			return err
		}

		c := core.NewBaseCollection("invite_bounties")
		c.Fields.Add(relationTo("inviter", users.Id, true, false))
		c.Fields.Add(relationTo("invitee", users.Id, true, false))
		c.Fields.Add(relationTo("order", orders.Id, true, false))
		c.Fields.Add(fenField("amount", false))
		c.Fields.Add(&core.NumberField{Name: "min_order", OnlyInt: true, Min: types.Pointer(0.0),
			Help: "发放时的首单门槛（分）：退款后订单实付低于此值（至少 1 分）则取消或追回"})
		c.Fields.Add(&core.SelectField{Name: "status", Required: true, MaxSelect: 1,
			Values: []string{"frozen", "settled", "cancelled", "clawed_back", "absorbed"},
			Help:   "frozen 冻结中（订单完成并过冻结期后结算）、settled 已结算、cancelled 结算前订单退款已取消、clawed_back 结算后退款已追回、absorbed 结算后退款由商家承担"})
		c.Fields.Add(&core.TextField{Name: "day", Required: true, Max: 10, Help: "获得奖励的日期（北京时间），每日上限按此计算"})
		c.Fields.Add(&core.DateField{Name: "settled_at"})
		c.Fields.Add(&core.AutodateField{Name: "created", OnCreate: true})
		c.Fields.Add(&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true})
		// an invitee earns their inviter one bounty, ever
		c.AddIndex("idx_invite_bounties_invitee", true, "invitee", "")
		c.AddIndex("idx_invite_bounties_order", false, "[order]", "")
		c.AddIndex("idx_invite_bounties_inviter_day", false, "inviter, day", "")
		c.AddIndex("idx_invite_bounties_frozen", false, "status", "status = 'frozen'")
		own := "inviter = @request.auth.id"
		c.ListRule = types.Pointer(own)
		c.ViewRule = types.Pointer(own)
		if err := app.Save(c); err != nil {
			return err
		}

		settings, err := app.FindCollectionByNameOrId("shop_settings")
		if err != nil {
			return err
		}
		settings.Fields.Add(&core.BoolField{Name: "invite_bounty_enabled",
			Help: "拉新奖励：被邀请人首笔订单付款后，给邀请人（分销员）一笔奖励，与佣金一样冻结、结算，退款追回；默认关闭"})
		settings.Fields.Add(&core.NumberField{Name: "invite_bounty_amount", OnlyInt: true,
			Min: types.Pointer(0.0), Max: types.Pointer(10_000_000.0), Help: "每位新用户首单的奖励金额（分），开启时必须大于 0"})
		settings.Fields.Add(&core.NumberField{Name: "invite_bounty_min_order", OnlyInt: true,
			Min: types.Pointer(0.0), Max: types.Pointer(100_000_000.0), Help: "首单实付至少多少分才有奖励；退款后低于此值则取消或追回奖励；0 = 任意金额"})
		settings.Fields.Add(&core.NumberField{Name: "invite_bounty_daily_count", OnlyInt: true,
			Min: types.Pointer(0.0), Max: types.Pointer(100_000.0), Help: "每位邀请人每天最多获得几笔拉新奖励，0 = 不限"})
		settings.Fields.Add(&core.NumberField{Name: "invite_bounty_daily_amount", OnlyInt: true,
			Min: types.Pointer(0.0), Max: types.Pointer(1_000_000_000.0), Help: "每位邀请人每天拉新奖励合计最多多少分，0 = 不限"})
		if err := app.Save(settings); err != nil {
			return err
		}
		r, err := app.FindRecordById("shop_settings", "shopsettings001")
		if err != nil {
			return err
		}
		r.Set("invite_bounty_enabled", false)
		r.Set("invite_bounty_amount", 500)
		r.Set("invite_bounty_min_order", 0)
		r.Set("invite_bounty_daily_count", 20)
		r.Set("invite_bounty_daily_amount", 0)
		return app.Save(r)
	}, func(app core.App) error {
		if c, err := app.FindCollectionByNameOrId("invite_bounties"); err == nil {
			if err := app.Delete(c); err != nil {
				return err
			}
		}
		settings, err := app.FindCollectionByNameOrId("shop_settings")
		if err != nil {
			return err
		}
		for _, name := range []string{"invite_bounty_enabled", "invite_bounty_amount", "invite_bounty_min_order",
			"invite_bounty_daily_count", "invite_bounty_daily_amount"} {
			settings.Fields.RemoveByName(name)
		}
		return app.Save(settings)
	})
}
