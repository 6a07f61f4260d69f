package pb_migrations

import (
	"strings"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// The PocketBase dashboard made readable for a merchant: relations show a
// name instead of an id (presentable fields), money, rates and statuses say
// their unit and meaning in Chinese, and two read-only joined views show an
// order with its lines and buyer, and a commission with its order number
// and beneficiary.

// presentable fields per collection: what a relation to it shows
var presentableFields = map[string][]string{
	"users":              {"nickname", "phone"},
	"orders":             {"order_no"},
	"order_items":        {"title", "spec_text"},
	"products":           {"title"},
	"skus":               {"spec_text", "code"},
	"categories":         {"name"},
	"brands":             {"name"},
	"shipping_templates": {"name"},
	"promotions":         {"name"},
	"distributor_levels": {"name"},
	"materials":          {"title"},
	"share_links":        {"code"},
	"staff":              {"name"},
	"wallets":            {"available"},
	"aftersales":         {"type", "status"},
	"withdrawals":        {"amount", "status"},
	"commissions":        {"amount", "status"},
}

// fenFieldNames are the integer money fields, in fen wherever they occur.
var fenFieldNames = strings.Fields(`absorbed_amount amount amount_approved amount_requested available balance_after base
	cancelled cancelled_amount discount_amount distributor_spend_threshold extra_fee fee first_fee free_threshold frozen
	frozen_after goods_amount line_amount max_off max_price min_own_sales min_price min_team_sales original_price own_sales
	paid_amount payable payout price refunded_amount refunded_base sales settled shipping_fee team_sales total_earned
	total_spent total_withdrawn uncapped unit_price withdraw_min special_price gift_min_amount`)

// fieldHelp are the fields whose meaning is not obvious from the name.
var fieldHelp = map[string]map[string]string{
	"orders": {
		"status":          "pending_payment 待付款（超时自动取消并退回库存）、paid 已付款待发货、shipped 已发货、completed 已完成（确认收货或超时自动确认）、cancelled 已取消、refunded 已全额退款",
		"tracking_no":     "填写运单号并保存即发货（仅已付款订单），也可在运营后台 /admin/ 批量发货",
		"upline_snapshot": "付款时买家的三级上级，佣金按此计算，之后改推荐关系不影响本单",
		"pay_method":      "wechatpay 微信支付、alipay 支付宝、balance 余额、offline 银行转账、sandbox 演示支付",
	},
	"aftersales": {
		"status": "applied 待审核、approved 已同意（仅退款会立即退款；退货/换货等待买家寄回）、rejected 已拒绝、returning 买家已寄回、received 已收到退货、refunded 已退款、reshipped 已补发、closed 已关闭",
		"type":   "refund 仅退款、return_refund 退货退款、exchange 换货",
	},
	"withdrawals": {
		"status":  "pending 待审核、approved 已通过（银行卡待人工打款）、transferring 微信转账中、wait_user_confirm 待用户在微信确认收款、paid 已打款、rejected 已拒绝（金额退回钱包）、failed 失败（金额退回或可重试）、closed 已关闭",
		"payout":  "实际应打款 = 申请金额 − 手续费，单位：分（100 = 1 元）",
		"channel": "wechat 微信零钱、bank 银行卡（人工打款后在运营后台标记已打款）",
	},
	"commissions": {
		"status":     "frozen 冻结中（订单完成且过冻结期、无进行中售后后结算）、settled 已结算到钱包、cancelled 已取消（订单退款）",
		"level":      "1 = 直接上级，2 = 上级的上级，3 = 第三级",
		"rule_value": "rule_kind 为 rate 时是基点（1000 = 10%），为 fixed 时是每件分数",
		"day":        "产生佣金的日期（北京时间）",
	},
	"refunds": {
		"status": "processing 退款处理中（由 refund_reconcile 任务查询结果）、success 已退款、failed 失败（可在售后重试退款）",
	},
	"payments": {
		"status": "paid 已支付此订单、unmatched 钱到了但订单已取消或已支付，需要人工原路退回",
	},
	"users": {
		"referrer":       "推荐人（上级）；调整请用运营后台的推荐关系页（整棵下级一起移动）",
		"level":          "分销等级（distributor_levels.rank），0 = 无等级",
		"is_distributor": "是否分销员：下级的订单给他记佣金",
		"bound_by":       "谁建立的推荐关系：user:<id> 用户本人，superuser:<id> 或 staff:<id> 后台",
	},
	"wallet_entries": {
		"actor": "谁记的这笔：user:<id>、superuser:<id>、staff:<id> 或 system:<任务>",
	},
	"withdrawal_events": {
		"actor": "谁做的这一步：user:<id>、superuser:<id>、staff:<id> 或 system:<任务>",
	},
}

func init() {
	m.Register(func(app core.App) error {
		collections, err := app.FindAllCollections()
		if err != nil {
			return err
		}
		fen := map[string]bool{}
		for _, n := range fenFieldNames {
			fen[n] = true
		}
		for _, c := range collections {
			if c.IsView() || c.System {
				continue
			}
			changed := false
			for _, name := range presentableFields[c.Name] {
				if setPresentable(c.Fields.GetByName(name)) {
					changed = true
				}
			}
			for _, f := range c.Fields {
				help := fieldHelp[c.Name][f.GetName()]
				if help == "" {
					if n, ok := f.(*core.NumberField); ok && n.OnlyInt {
						switch {
						case fen[f.GetName()]:
							help = "单位：分（100 = 1 元）"
						case strings.HasSuffix(f.GetName(), "_bp"):
							help = "基点：1 bp = 0.01%，1000 = 10%"
						}
					}
				}
				if help != "" && setHelp(f, help) {
					changed = true
				}
			}
			if changed {
				if err := app.Save(c); err != nil {
					return err
				}
			}
		}

		orderView := core.NewViewCollection("order_overview")
		orderView.ViewQuery = `SELECT o.id, o.order_no, o.status, o.payable, o.refunded_amount, o.pay_method,
			u.nickname AS buyer_name, u.phone AS buyer_phone,
			CAST((SELECT group_concat(i.title || ' ' || i.spec_text || ' ×' || i.quantity, '；') FROM order_items i WHERE i.[order] = o.id) AS TEXT) AS lines,
			CAST(json_extract(o.address, '$.name') AS TEXT) AS receiver, o.tracking_no, o.paid_at, o.created
			FROM orders o LEFT JOIN users u ON u.id = o.buyer`
		if err := app.Save(orderView); err != nil {
			return err
		}
		commissionView := core.NewViewCollection("commission_overview")
		commissionView.ViewQuery = `SELECT c.id, o.order_no, c.level, c.amount, c.cancelled_amount, c.status, c.day,
			u.nickname AS beneficiary_name, u.phone AS beneficiary_phone, b.nickname AS buyer_name, c.created
			FROM commissions c LEFT JOIN orders o ON o.id = c.[order] LEFT JOIN users u ON u.id = c.beneficiary LEFT JOIN users b ON b.id = c.buyer`
		return app.Save(commissionView)
	}, func(app core.App) error {
		for _, name := range []string{"commission_overview", "order_overview"} {
			if c, err := app.FindCollectionByNameOrId(name); err == nil {
				if err := app.Delete(c); err != nil {
					return err
				}
			}
		}
		// help texts and presentable flags are presentation only; leaving
		// them on a downgrade is harmless
		return nil
	})
}

func setPresentable(f core.Field) bool {
	switch v := f.(type) {
	case *core.TextField:
		v.Presentable = true
	case *core.NumberField:
		v.Presentable = true
	case *core.SelectField:
		v.Presentable = true
	default:
		return false
	}
	return true
}

// setHelp sets the help of the field kinds that carry one (cut to the
// dashboard's 300-byte limit at a character boundary).
func setHelp(f core.Field, help string) bool {
	for len(help) > 300 {
		r := []rune(help)
		help = string(r[:len(r)-1])
	}
	switch v := f.(type) {
	case *core.TextField:
		v.Help = help
	case *core.NumberField:
		v.Help = help
	case *core.SelectField:
		v.Help = help
	case *core.RelationField:
		v.Help = help
	case *core.BoolField:
		v.Help = help
	case *core.JSONField:
		v.Help = help
	default:
		return false
	}
	return true
}
