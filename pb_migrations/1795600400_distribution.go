package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Distribution: commissions (immutable facts, one per order line and level),
// their adjustments, distributor levels, level changes, leaderboard
// snapshots, the per-user earning buckets the distributor centre reads, the
// sales counters levels are judged on, and two shop settings.
//
// Commission statuses (commissions.status), changed only by the
// distribution plugin with conditional SQL:
//
//	frozen → settled      settlement job: order completed + frozen days, no open after-sale
//	frozen → cancelled    its line was refunded in full before settlement
//
// A partial refund keeps the status and books the reduction in
// cancelled_amount (frozen: commission_cancelled, settled: clawback) or, with
// clawback_policy "absorb", in absorbed_amount; every reduction is also a
// commission_adjustments row.
func init() {
	m.Register(func(app core.App) error {
		ids := map[string]string{}
		for _, name := range []string{"users", "orders", "order_items"} {
			c, err := app.FindCollectionByNameOrId(name)
			if err != nil {
				return err
			}
			ids[name] = c.Id
		}
		steps := []func(core.App, map[string]string) error{
			createCommissions,
			createCommissionAdjustments,
			createDistributorLevels,
			createLevelChanges,
			createLeaderboardSnapshots,
			createCommissionTotals,
			createDistributorStats,
			extendSettingsForDistribution,
			indexUsersBoundAt,
		}
		for _, step := range steps {
			if err := step(app, ids); err != nil {
				return err
			}
		}
		return nil
	}, func(app core.App) error {
		for _, name := range []string{
			"distributor_stats", "commission_totals", "leaderboard_snapshots", "level_changes",
			"distributor_levels", "commission_adjustments", "commissions",
		} {
			c, err := app.FindCollectionByNameOrId(name)
			if err != nil {
				continue
			}
			if err := app.Delete(c); err != nil {
				return err
			}
		}
		if settings, err := app.FindCollectionByNameOrId("shop_settings"); err == nil {
			settings.Fields.RemoveByName("commission_order_cap_bp")
			settings.Fields.RemoveByName("clawback_policy")
			if err := app.Save(settings); err != nil {
				return err
			}
		}
		if users, err := app.FindCollectionByNameOrId("users"); err == nil {
			users.RemoveIndex("idx_users_bound_at")
			return app.Save(users)
		}
		return nil
	})
}

func createCommissions(app core.App, ids map[string]string) error {
	c := core.NewBaseCollection("commissions")
	c.Fields.Add(relationTo("order", ids["orders"], true, false))
	c.Fields.Add(relationTo("order_item", ids["order_items"], true, false))
	c.Fields.Add(relationTo("buyer", ids["users"], true, false))
	c.Fields.Add(relationTo("beneficiary", ids["users"], true, false))
	c.Fields.Add(&core.NumberField{Name: "level", OnlyInt: true, Required: true,
		Min: types.Pointer(1.0), Max: types.Pointer(3.0)})
	// what the rule was applied to (the line's paid amount, + shipping share if configured)
	c.Fields.Add(fenField("base", false))
	c.Fields.Add(intField("quantity", 0))
	c.Fields.Add(&core.SelectField{Name: "rule_kind", Required: true, MaxSelect: 1, Values: []string{"rate", "fixed"}})
	// basis points (rate) or fen per unit (fixed)
	c.Fields.Add(intField("rule_value", 0))
	c.Fields.Add(&core.SelectField{Name: "source", Required: true, MaxSelect: 1,
		Values: []string{"sku", "product", "level", "settings"}})
	c.Fields.Add(fenField("amount", false))
	// what the rule alone gave before the order cap
	c.Fields.Add(fenField("uncapped", false))
	c.Fields.Add(&core.BoolField{Name: "capped"})
	c.Fields.Add(&core.TextField{Name: "formula", Max: 500})
	c.Fields.Add(&core.SelectField{Name: "status", Required: true, MaxSelect: 1,
		Values: []string{"frozen", "settled", "cancelled"}})
	// the Asia/Shanghai day it was earned, e.g. 2026-11-25
	c.Fields.Add(&core.TextField{Name: "day", Required: true, Max: 10})
	c.Fields.Add(&core.DateField{Name: "settled_at"})
	// the settlement batch whose commission_settled wallet entry paid it out
	c.Fields.Add(&core.TextField{Name: "settle_batch", Max: 40})
	// taken back from the distributor (cancelled while frozen, clawed back once settled)
	c.Fields.Add(fenField("cancelled_amount", false))
	// refunded after settlement and left with the distributor (clawback_policy absorb)
	c.Fields.Add(fenField("absorbed_amount", false))
	// cumulative refunds of the line seen so far, to recompute from the original
	c.Fields.Add(fenField("refunded_base", false))
	c.Fields.Add(intField("refunded_qty", 0))
	c.Fields.Add(&core.AutodateField{Name: "created", OnCreate: true})
	// a replayed payment never books a line's level twice
	c.AddIndex("idx_commissions_item_level", true, "order_item, level", "")
	c.AddIndex("idx_commissions_order", false, "[order]", "")
	c.AddIndex("idx_commissions_beneficiary_created", false, "beneficiary, created", "")
	c.AddIndex("idx_commissions_beneficiary_buyer", false, "beneficiary, buyer", "")
	// the settlement job walks only what is still frozen, by beneficiary
	c.AddIndex("idx_commissions_frozen", false, "beneficiary, id", "status = 'frozen'")
	own := "beneficiary = @request.auth.id"
	c.ListRule = types.Pointer(own)
	c.ViewRule = types.Pointer(own)
	if err := app.Save(c); err != nil {
		return err
	}
	ids["commissions"] = c.Id
	return nil
}

func createCommissionAdjustments(app core.App, ids map[string]string) error {
	c := core.NewBaseCollection("commission_adjustments")
	c.Fields.Add(relationTo("commission", ids["commissions"], true, false))
	c.Fields.Add(relationTo("beneficiary", ids["users"], true, false))
	// cancel: frozen commission reduced; clawback: settled commission taken
	// back (may leave a debt); absorbed: refunded after settlement and kept
	// by the distributor, a merchant loss on record
	c.Fields.Add(&core.SelectField{Name: "kind", Required: true, MaxSelect: 1,
		Values: []string{"cancel", "clawback", "absorbed"}})
	c.Fields.Add(fenField("amount", false))
	c.Fields.Add(&core.TextField{Name: "reason", Max: 500})
	// what caused it, e.g. the after-sale id
	c.Fields.Add(&core.TextField{Name: "ref", Max: 64})
	c.Fields.Add(&core.AutodateField{Name: "created", OnCreate: true})
	c.AddIndex("idx_commission_adjustments_commission", false, "commission", "")
	c.AddIndex("idx_commission_adjustments_ref", true, "commission, kind, ref", "ref != ''")
	if err := app.Save(c); err != nil {
		return err
	}
	ids["commission_adjustments"] = c.Id
	return nil
}

func createDistributorLevels(app core.App, _ map[string]string) error {
	c := core.NewBaseCollection("distributor_levels")
	c.Fields.Add(&core.NumberField{Name: "rank", OnlyInt: true, Required: true,
		Min: types.Pointer(1.0), Max: types.Pointer(100.0)})
	c.Fields.Add(&core.TextField{Name: "name", Required: true, Max: 32})
	// the level's own rates for levels 1..3 (basis points); all three 0 = the shop's rates
	c.Fields.Add(intField("rate_l1_bp", 10000))
	c.Fields.Add(intField("rate_l2_bp", 10000))
	c.Fields.Add(intField("rate_l3_bp", 10000))
	// upgrade conditions; 0 = not a condition
	c.Fields.Add(fenField("min_own_sales", false))
	c.Fields.Add(fenField("min_team_sales", false))
	c.Fields.Add(intField("min_direct_invitees", 0))
	c.Fields.Add(intField("min_team_size", 0))
	c.Fields.Add(&core.BoolField{Name: "match_all"})
	c.Fields.Add(&core.TextField{Name: "benefits", Max: 2000})
	addTimestamps(c)
	c.AddIndex("idx_distributor_levels_rank", true, "rank", "")
	c.ListRule = types.Pointer("")
	c.ViewRule = types.Pointer("")
	return app.Save(c)
}

func createLevelChanges(app core.App, ids map[string]string) error {
	c := core.NewBaseCollection("level_changes")
	c.Fields.Add(relationTo("user", ids["users"], true, false))
	c.Fields.Add(intField("from_rank", 0))
	c.Fields.Add(intField("to_rank", 0))
	c.Fields.Add(&core.SelectField{Name: "reason", Required: true, MaxSelect: 1, Values: []string{"auto", "admin"}})
	// "system:<job or event>" or "superuser:<id>"
	c.Fields.Add(&core.TextField{Name: "actor", Required: true, Max: 64})
	// the figures an automatic upgrade was judged on
	c.Fields.Add(&core.JSONField{Name: "stats", MaxSize: 2 << 10})
	c.Fields.Add(&core.AutodateField{Name: "created", OnCreate: true})
	c.AddIndex("idx_level_changes_user", false, "user, created", "")
	return app.Save(c)
}

func createLeaderboardSnapshots(app core.App, _ map[string]string) error {
	c := core.NewBaseCollection("leaderboard_snapshots")
	c.Fields.Add(&core.SelectField{Name: "period", Required: true, MaxSelect: 1, Values: []string{"week", "month"}})
	c.Fields.Add(&core.DateField{Name: "start", Required: true})
	c.Fields.Add(&core.DateField{Name: "end", Required: true})
	c.Fields.Add(&core.SelectField{Name: "by", Required: true, MaxSelect: 1, Values: []string{"commission", "sales", "invites"}})
	// [{rank, user, nickname, value}]
	c.Fields.Add(&core.JSONField{Name: "ranks", MaxSize: 256 << 10})
	c.Fields.Add(&core.AutodateField{Name: "created", OnCreate: true})
	c.AddIndex("idx_leaderboard_snapshots_period", true, "period, start, by", "")
	return app.Save(c)
}

func createCommissionTotals(app core.App, ids map[string]string) error {
	// earnings per beneficiary and Asia/Shanghai day (period "2026-11-25")
	// plus a running total (period "all"), by current status; kept in step
	// with commissions by the plugin so the distributor centre reads a few
	// rows whatever the size of the team
	c := core.NewBaseCollection("commission_totals")
	c.Fields.Add(relationTo("user", ids["users"], true, true))
	c.Fields.Add(&core.TextField{Name: "period", Required: true, Max: 10})
	c.Fields.Add(fenField("frozen", false))
	c.Fields.Add(fenField("settled", false))
	c.Fields.Add(fenField("cancelled", false))
	// level-1 commission bases: the sales the user's direct promotion brought
	c.Fields.Add(fenField("sales", false))
	c.AddIndex("idx_commission_totals_user_period", true, "user, period", "")
	c.AddIndex("idx_commission_totals_period", false, "period", "")
	return app.Save(c)
}

func createDistributorStats(app core.App, ids map[string]string) error {
	// completed sales figures distributor levels are judged on
	c := core.NewBaseCollection("distributor_stats")
	c.Fields.Add(relationTo("user", ids["users"], true, true))
	c.Fields.Add(fenField("own_sales", false))
	c.Fields.Add(fenField("team_sales", false))
	c.AddIndex("idx_distributor_stats_user", true, "user", "")
	return app.Save(c)
}

func extendSettingsForDistribution(app core.App, _ map[string]string) error {
	c, err := app.FindCollectionByNameOrId("shop_settings")
	if err != nil {
		return err
	}
	// total commission of an order ≤ this share of its paid amount (0 = no cap)
	c.Fields.Add(intField("commission_order_cap_bp", 10000))
	// a refund after settlement: net = claw back (may leave a debt netted
	// against future commission), absorb = the shop bears it (recorded)
	c.Fields.Add(&core.SelectField{Name: "clawback_policy", MaxSelect: 1, Values: []string{"net", "absorb"}})
	if err := app.Save(c); err != nil {
		return err
	}
	r, err := app.FindRecordById(c, "shopsettings001")
	if err != nil {
		return err
	}
	r.Set("commission_order_cap_bp", 0)
	r.Set("clawback_policy", "net")
	return app.Save(r)
}

func indexUsersBoundAt(app core.App, ids map[string]string) error {
	users, err := app.FindCollectionByNameOrId(ids["users"])
	if err != nil {
		return err
	}
	// the invites leaderboard counts bindings per period
	users.AddIndex("idx_users_bound_at", false, "bound_at", "bound_at != ''")
	return app.Save(users)
}
