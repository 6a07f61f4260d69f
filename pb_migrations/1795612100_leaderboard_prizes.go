package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Leaderboard prizes (排行榜奖励), for the distribution plugin.
//
// prize_rules are what a merchant sets in the dashboard: for a period
// (week, month) and a board (commission, sales, invites), the users ranked
// rank_from..rank_to get a wallet reward (amount fen), a gift (gift_sku ×
// gift_quantity, shipped as a zero-price order to their default address) or
// a level promotion (to level_rank). The leaderboard_snapshot job applies
// them when it stores the board of a closed period.
//
// prize_awards are what the job gave: one row per rule, period, rank and
// winner (users tied at a rank share it), written in the transaction that
// books the reward, the gift order or the level; the unique key makes a
// second run, or a run after a crash between rows, give nothing twice.
// level_changes gains the reason "prize".
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

		rules := core.NewBaseCollection("prize_rules")
		rules.Fields.Add(&core.TextField{Name: "name", Required: true, Max: 64,
			Help: "奖励名称，显示给分销员，例如「周佣金榜冠军」"})
		rules.Fields.Add(&core.SelectField{Name: "period", Required: true, MaxSelect: 1, Values: []string{"week", "month"},
			Help: "周期：week 每周（周一 0 点到下周一 0 点），month 每月；周期结束后的 00:10 由 leaderboard_snapshot 任务发放"})
		rules.Fields.Add(&core.SelectField{Name: "by", Required: true, MaxSelect: 1, Values: []string{"commission", "sales", "invites"},
			Help: "排行依据：commission 佣金榜（本期佣金，扣除退款）、sales 销售榜（一级推广成交额）、invites 邀请榜（本期新绑定的下级人数）"})
		rules.Fields.Add(&core.NumberField{Name: "rank_from", OnlyInt: true, Required: true,
			Min: types.Pointer(1.0), Max: types.Pointer(1000.0), Help: "从第几名起（含），例如 1"})
		rules.Fields.Add(&core.NumberField{Name: "rank_to", OnlyInt: true, Required: true,
			Min: types.Pointer(1.0), Max: types.Pointer(1000.0), Help: "到第几名止（含），例如 3 表示前三名；并列名次都可获奖"})
		rules.Fields.Add(&core.SelectField{Name: "kind", Required: true, MaxSelect: 1, Values: []string{"wallet", "gift", "level"},
			Help: "奖励方式：wallet 奖金（记入可提现余额）、gift 礼品（生成 0 元订单，寄到获奖人的默认收货地址，在发货列表里发货）、level 晋升（升到指定等级，不会降级）"})
		rules.Fields.Add(&core.NumberField{Name: "amount", OnlyInt: true, Min: types.Pointer(0.0), Max: types.Pointer(100_000_000.0),
			Help: "奖金金额（分），kind = wallet 时必填，例如 10000 = 100 元"})
		rules.Fields.Add(&core.TextField{Name: "gift_sku", Max: 32,
			Help: "礼品的商品规格 id（skus 表），kind = gift 时必填；发放时扣减该规格库存"})
		rules.Fields.Add(&core.NumberField{Name: "gift_quantity", OnlyInt: true, Min: types.Pointer(0.0), Max: types.Pointer(99.0),
			Help: "礼品数量，默认 1"})
		rules.Fields.Add(&core.NumberField{Name: "level_rank", OnlyInt: true, Min: types.Pointer(0.0), Max: types.Pointer(100.0),
			Help: "晋升到的等级 rank（distributor_levels.rank），kind = level 时必填；已在该等级或更高则不变"})
		rules.Fields.Add(&core.NumberField{Name: "min_value", OnlyInt: true, Min: types.Pointer(0.0),
			Help: "获奖门槛：榜单数值至少为此值（佣金/销售额为分，邀请为人数），0 = 上榜即可"})
		rules.Fields.Add(&core.BoolField{Name: "active", Help: "启用后，之后结束的周期按此规则发奖；停用不影响已发放的奖励"})
		addTimestamps(rules)
		rules.AddIndex("idx_prize_rules_period", false, "period, active", "")
		if err := app.Save(rules); err != nil {
			return err
		}

		awards := core.NewBaseCollection("prize_awards")
		awards.Fields.Add(relationTo("rule", rules.Id, true, false))
		awards.Fields.Add(relationTo("user", users.Id, true, false))
		awards.Fields.Add(&core.TextField{Name: "name", Max: 64, Help: "发放时的奖励名称"})
		awards.Fields.Add(&core.SelectField{Name: "period", Required: true, MaxSelect: 1, Values: []string{"week", "month"}})
		awards.Fields.Add(&core.SelectField{Name: "by", Required: true, MaxSelect: 1, Values: []string{"commission", "sales", "invites"}})
		awards.Fields.Add(&core.DateField{Name: "start", Required: true, Help: "周期开始（含）"})
		awards.Fields.Add(&core.DateField{Name: "end", Required: true, Help: "周期结束（不含）"})
		awards.Fields.Add(&core.NumberField{Name: "rank", OnlyInt: true, Required: true, Min: types.Pointer(1.0), Help: "获奖名次"})
		awards.Fields.Add(&core.NumberField{Name: "value", OnlyInt: true, Help: "榜单数值（分或人数）"})
		awards.Fields.Add(&core.SelectField{Name: "kind", Required: true, MaxSelect: 1, Values: []string{"wallet", "gift", "level"}})
		awards.Fields.Add(fenField("amount", false))
		awards.Fields.Add(relationTo("order", orders.Id, false, false))
		awards.Fields.Add(intField("level_from", 0))
		awards.Fields.Add(intField("level_to", 0))
		awards.Fields.Add(&core.SelectField{Name: "status", Required: true, MaxSelect: 1, Values: []string{"granted", "failed"},
			Help: "granted 已发放；failed 未能发放（如没有收货地址、礼品无库存），原因见 note，请人工处理"})
		awards.Fields.Add(&core.TextField{Name: "note", Max: 200})
		awards.Fields.Add(&core.AutodateField{Name: "created", OnCreate: true})
		// one award per rule, period, rank and winner: the job run twice, or
		// resumed after a crash, finds it and gives nothing again
		awards.AddIndex("idx_prize_awards_key", true, "rule, start, rank, user", "")
		awards.AddIndex("idx_prize_awards_user", false, "user, created", "")
		own := "user = @request.auth.id"
		awards.ListRule = types.Pointer(own)
		awards.ViewRule = types.Pointer(own)
		if err := app.Save(awards); err != nil {
			return err
		}

		return setLevelChangeReasons(app, []string{"auto", "admin", "prize"})
	}, func(app core.App) error {
		for _, name := range []string{"prize_awards", "prize_rules"} {
			c, err := app.FindCollectionByNameOrId(name)
			if err != nil {
				continue
			}
			if err := app.Delete(c); err != nil {
				return err
			}
		}
		if _, err := app.DB().NewQuery("UPDATE {{level_changes}} SET [[reason]] = 'admin' WHERE [[reason]] = 'prize'").Execute(); err != nil {
			return err
		}
		return setLevelChangeReasons(app, []string{"auto", "admin"})
	})
}

// setLevelChangeReasons sets the values of level_changes.reason.
func setLevelChangeReasons(app core.App, values []string) error {
	c, err := app.FindCollectionByNameOrId("level_changes")
	if err != nil {
		return err
	}
	if f, ok := c.Fields.GetByName("reason").(*core.SelectField); ok {
		f.Values = values
	}
	return app.Save(c)
}
