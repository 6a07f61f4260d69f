package distribution

import (
	"fmt"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/hooks/shop"
	"fenxiao/internal/commission"
	"fenxiao/internal/money"
)

// Invite bounty statuses (invite_bounties.status).
const (
	BountyFrozen     = "frozen"
	BountySettled    = "settled"
	BountyCancelled  = "cancelled"   // refunded before settlement
	BountyClawedBack = "clawed_back" // refunded after settlement, clawback_policy net
	BountyAbsorbed   = "absorbed"    // refunded after settlement, clawback_policy absorb
)

const (
	bountiesCollection = "invite_bounties"
	bountyRefType      = "invite_bounty"

	// KindInviteBounty is the notification kind of a bounty earned,
	// settled or taken back; its "commission" prefix makes it a money kind
	// (sent whatever the user's preferences say), as commissions are.
	KindInviteBounty = "commission_invite_bounty"
)

// bountySettings are the invite bounty settings.
type bountySettings struct {
	enabled     bool
	amount      int64
	minOrder    int64
	dailyCount  int
	dailyAmount int64
}

func loadBountySettings(s *shop.Settings) bountySettings {
	r := s.Record
	return bountySettings{
		enabled:     r.GetBool("invite_bounty_enabled"),
		amount:      int64(r.GetInt("invite_bounty_amount")),
		minOrder:    int64(r.GetInt("invite_bounty_min_order")),
		dailyCount:  r.GetInt("invite_bounty_daily_count"),
		dailyAmount: int64(r.GetInt("invite_bounty_daily_amount")),
	}
}

// bindBountySettings refuses to switch bounties on without an amount.
func (p *plugin) bindBountySettings() {
	p.app.OnRecordValidate(shop.SettingsCollection).BindFunc(func(e *core.RecordEvent) error {
		if e.Record.GetBool("invite_bounty_enabled") && e.Record.GetInt("invite_bounty_amount") <= 0 {
			return shop.FieldFail("invite_bounty_amount", "invite_bounty_amount_required",
				"开启拉新奖励时奖励金额必须大于0 / invite bounties need an amount above 0")
		}
		return e.Next()
	})
}

// onBountyOrderPaid books the inviter's bounty when the order is the
// buyer's first paid order, in the payment's transaction.
func (p *plugin) onBountyOrderPaid(e *shop.OrderEvent) error {
	if hasCollection(e.App, bountiesCollection) {
		if err := p.bookBounty(e.App, e.Order.Record); err != nil {
			return wrap("distribution: invite bounty", err)
		}
	}
	return e.Next()
}

// bookBounty gives the buyer's inviter a frozen bounty when bounties are on,
// this is the buyer's first paid order (earlier paid orders, even refunded
// ones, and gift orders aside), it pays at least the minimum, the inviter is
// a distributor, and the inviter's daily caps allow it.
//
// note: payments take their turn through the shop's one writer, so the
// count of today's bounties read here cannot be overtaken by a concurrent
// payment; the unique index on invitee is the last guard.
func (p *plugin) bookBounty(txApp core.App, order *core.Record) error {
	settings, err := shop.ReadSettings(txApp)
	if err != nil {
		return err
	}
	bs := loadBountySettings(settings)
	payable := int64(order.GetInt("payable"))
	if !bs.enabled || bs.amount <= 0 || payable < max(bs.minOrder, 1) || order.GetString("pay_method") == shop.PayMethodGift {
		return nil
	}
	buyer := order.GetString("buyer")
	var earlier int
	err = shop.TxQuery(txApp, "SELECT COUNT(*) FROM {{orders}} WHERE [[buyer]] = {:b} AND [[id]] != {:o} "+
		"AND COALESCE([[paid_at]], '') != '' AND COALESCE([[pay_method]], '') != {:gift}").
		Bind(dbx.Params{"b": buyer, "o": order.Id, "gift": shop.PayMethodGift}).Row(&earlier)
	if err != nil || earlier > 0 {
		return err
	}
	var inviter struct {
		Id            string `db:"id"`
		IsDistributor bool   `db:"is_distributor"`
	}
	err = shop.TxQuery(txApp, "SELECT i.[[id]] AS [[id]], i.[[is_distributor]] AS [[is_distributor]] FROM {{users}} u "+
		"JOIN {{users}} i ON i.[[id]] = u.[[referrer]] WHERE u.[[id]] = {:b}").
		Bind(dbx.Params{"b": buyer}).One(&inviter)
	if isNoRows(err) || (err == nil && (!inviter.IsDistributor || inviter.Id == buyer)) {
		return nil
	}
	if err != nil {
		return err
	}
	if n, err := txApp.CountRecords(bountiesCollection, dbx.HashExp{"invitee": buyer}); err != nil || n > 0 {
		return err
	}

	today := day(p.now())
	var sofar struct {
		Count int   `db:"n"`
		Sum   int64 `db:"total"`
	}
	err = shop.TxQuery(txApp, "SELECT COUNT(*) AS [[n]], COALESCE(SUM([[amount]]), 0) AS [[total]] FROM {{invite_bounties}} "+
		"WHERE [[inviter]] = {:i} AND [[day]] = {:d}").Bind(dbx.Params{"i": inviter.Id, "d": today}).One(&sofar)
	if err != nil {
		return err
	}
	if !commission.BountyWithinCap(sofar.Count, sofar.Sum, bs.amount, bs.dailyCount, bs.dailyAmount) {
		txApp.Logger().Info("invite bounty over the inviter's daily cap; none booked",
			"inviter", inviter.Id, "invitee", buyer, "order", order.Id, "today", sofar.Count, "sum", sofar.Sum)
		return nil
	}

	col, err := txApp.FindCachedCollectionByNameOrId(bountiesCollection)
	if err != nil {
		return err
	}
	b := shop.NewRecord(col)
	b.Load(map[string]any{
		"inviter": inviter.Id, "invitee": buyer, "order": order.Id, "amount": bs.amount,
		"min_order": bs.minOrder, "status": BountyFrozen, "day": today,
	})
	if err := txApp.Save(b); err != nil {
		return wrap("save invite bounty", err)
	}
	who := p.maskedBuyer(txApp, buyer)
	note := "拉新奖励：" + who + " 首单 " + order.GetString("order_no")
	if _, err := p.config.Post(txApp, shop.Posting{UserId: inviter.Id, Kind: kindCommissionFrozen, Amount: bs.amount, RefType: bountyRefType, RefId: b.Id, Actor: "system:order_paid", Note: note}); err != nil {
		return wrap("post invite bounty", err)
	}
	p.notify(txApp, shop.Notification{
		UserId: inviter.Id, Kind: KindInviteBounty,
		Title: "拉新奖励 ¥" + money.Yuan(bs.amount),
		Body:  "您邀请的 " + who + " 完成了首笔订单，拉新奖励 ¥" + money.Yuan(bs.amount) + " 冻结中，订单完成后与佣金一起结算。",
		RefId: b.Id,
		Data:  map[string]string{"amount": money.Yuan(bs.amount), "name": who, "status": "待结算", "time": nowText()},
	})
	return nil
}

// onBountyRefunded takes the bounty of a refunded first order back when
// what the order still pays falls below its minimum (at least 1 fen): a
// frozen bounty is cancelled, a settled one clawed back (clawback_policy
// net, which may leave a debt) or absorbed (policy absorb, recorded).
func (p *plugin) onBountyRefunded(e *shop.RefundEvent) error {
	if e.Order != nil && hasCollection(e.App, bountiesCollection) {
		if err := p.refundBounty(e.App, e.Order.Id, e.Aftersale); err != nil {
			return wrap("distribution: invite bounty refund", err)
		}
	}
	return e.Next()
}

func (p *plugin) refundBounty(txApp core.App, orderId string, aftersale *core.Record) error {
	var b struct {
		Id       string `db:"id"`
		Inviter  string `db:"inviter"`
		Amount   int64  `db:"amount"`
		MinOrder int64  `db:"min_order"`
		Status   string `db:"status"`
		Payable  int64  `db:"payable"`
		Refunded int64  `db:"refunded_amount"`
	}
	err := shop.TxQuery(txApp, "SELECT b.[[id]], b.[[inviter]], b.[[amount]], b.[[min_order]], b.[[status]], "+
		"o.[[payable]], o.[[refunded_amount]] FROM {{invite_bounties}} b JOIN {{orders}} o ON o.[[id]] = b.[[order]] "+
		"WHERE b.[[order]] = {:o} AND b.[[status]] IN ('frozen', 'settled')").Bind(dbx.Params{"o": orderId}).One(&b)
	if isNoRows(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if commission.BountyKept(b.Payable, b.Refunded, b.MinOrder) {
		return nil
	}

	to, kind := BountyCancelled, kindCommissionCancelled
	if b.Status == BountySettled {
		to, kind = BountyClawedBack, kindClawback
		settings, err := shop.LoadSettings(txApp)
		if err != nil {
			return err
		}
		if settings.Record.GetString(settingsClawbackField) == ClawbackAbsorb {
			to, kind = BountyAbsorbed, ""
		}
	}
	res, err := shop.TxQuery(txApp, "UPDATE {{invite_bounties}} SET [[status]] = {:to}, [[updated]] = {:now} WHERE [[id]] = {:id} AND [[status]] = {:from}").
		Bind(dbx.Params{"to": to, "now": types.NowDateTime().String(), "id": b.Id, "from": b.Status}).Execute()
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("invite bounty %s changed concurrently", b.Id)
	}
	if kind == "" {
		return nil
	}
	if _, err := p.config.Post(txApp, shop.Posting{UserId: b.Inviter, Kind: kind, Amount: -b.Amount, RefType: bountyRefType, RefId: b.Id, Actor: "system:order_refunded", Note: "拉新奖励：首单退款"}); err != nil {
		return wrap("post invite bounty "+kind, err)
	}
	what := map[string]string{BountyCancelled: "已取消", BountyClawedBack: "已追回"}[to]
	p.notify(txApp, shop.Notification{
		UserId: b.Inviter, Kind: KindInviteBounty,
		Title: "拉新奖励" + what + " ¥" + money.Yuan(b.Amount),
		Body:  "您邀请的新用户首笔订单已退款，拉新奖励 ¥" + money.Yuan(b.Amount) + what + "。",
		RefId: b.Id,
		Data:  map[string]string{"amount": money.Yuan(b.Amount), "reason": "首单退款", "status": "奖励" + what, "time": nowText()},
	})
	return nil
}

// settleBounties settles, like commissions, every frozen bounty whose order
// is completed since frozen_days with no open after-sale, in one
// transaction: one conditional UPDATE … RETURNING, then one
// commission_settled entry per bounty (ref invite_bounty/<id>).
func (p *plugin) settleBounties(app core.App, now time.Time) (int, int64, error) {
	if !hasCollection(app, bountiesCollection) {
		return 0, 0, nil
	}
	settings, err := shop.LoadSettings(app)
	if err != nil {
		return 0, 0, err
	}
	cutoff, _ := types.ParseDateTime(now.Add(-time.Duration(settings.FrozenDays) * 24 * time.Hour))
	at, _ := types.ParseDateTime(now)
	n, total := 0, int64(0)
	err = p.shop.RunInTransaction(app, func(txApp core.App) error {
		var rows []struct {
			Id      string `db:"id"`
			Inviter string `db:"inviter"`
			Amount  int64  `db:"amount"`
		}
		err := shop.TxQuery(txApp, "UPDATE {{invite_bounties}} SET [[status]] = 'settled', [[settled_at]] = {:at}, [[updated]] = {:at} "+
			"WHERE [[status]] = 'frozen' AND "+shop.SettleableOrderSQL("{{invite_bounties}}.[[order]]")+
			" RETURNING [[id]], [[inviter]], [[amount]]").
			Bind(dbx.Params{"at": at.String(), "cutoff": cutoff.String()}).All(&rows)
		if err != nil {
			return wrap("settle invite bounties", err)
		}
		for _, r := range rows {
			if _, err := p.config.Post(txApp, shop.Posting{UserId: r.Inviter, Kind: kindCommissionSettled, Amount: r.Amount, RefType: bountyRefType, RefId: r.Id, Actor: "system:commission_settle", Note: "拉新奖励结算 / invite bounty settled"}); err != nil {
				return wrap("post invite bounty settled", err)
			}
			p.notify(txApp, shop.Notification{
				UserId: r.Inviter, Kind: KindInviteBounty,
				Title: "拉新奖励已结算 ¥" + money.Yuan(r.Amount),
				Body:  "拉新奖励 ¥" + money.Yuan(r.Amount) + " 已结算到可提现余额。",
				RefId: r.Id,
				Data:  map[string]string{"amount": money.Yuan(r.Amount), "status": "已结算", "time": nowText()},
			})
			n++
			total += r.Amount
		}
		return nil
	})
	return n, total, err
}
