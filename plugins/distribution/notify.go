package distribution

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/pocketbase/dbx"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/internal/money"
)

// notifyEarned tells each beneficiary what the order earned them (buyer
// is the buyer's masked name, see maskedBuyer), once
// the payment's transaction has committed (nothing is sent on rollback).
//
// Inside the payment's transaction the notifications rows are saved with
// it through [shop.NotifyContext] (one prepared INSERT for all of them
// from ctx), whose realtime create event PocketBase sends after the commit
// and never on rollback: no extra write transaction per beneficiary. The
// shop's outbox delivers them on its channels after the commit.
func (p *plugin) notifyEarned(ctx context.Context, txApp core.App, order *core.Record, buyer string, created []*core.Record) {
	if len(created) == 0 {
		return
	}

	type earned struct {
		userId string
		amount int64
	}
	var list []*earned
	byUser := map[string]*earned{}
	for _, r := range created {
		id := r.GetString("beneficiary")
		if byUser[id] == nil {
			byUser[id] = &earned{userId: id}
			list = append(list, byUser[id])
		}
		byUser[id].amount += shop.AsCommission(r).Amount()
	}

	orderNo := order.GetString("order_no")
	messages := make([]shop.Notification, 0, len(list))
	for _, e := range list {
		messages = append(messages, shop.Notification{
			UserId: e.userId,
			Kind:   shop.KindCommission,
			Title:  "新增佣金 ¥" + money.Yuan(e.amount),
			Body:   "您的团队成员 " + buyer + " 下单（订单 " + orderNo + "），预计佣金 ¥" + money.Yuan(e.amount) + "，订单完成后结算。",
			RefId:  order.Id,
			Data: map[string]string{"order_no": orderNo, "amount": money.Yuan(e.amount), "buyer": buyer,
				"status": "待结算", "time": nowText()},
		})
	}

	for _, n := range messages {
		if err := shop.NotifyContext(ctx, txApp, n); err != nil {
			// note: a notification never undoes the money it reports (in a
			// transaction, SQLite undoes only the failed statement)
			p.app.Logger().Warn("distribution: notification not saved", "user", n.UserId, "error", err.Error())
		}
	}
}

// nowText is the current shop time as templates show it.
func nowText() string {
	return time.Now().In(shop.ShopTimeZone).Format("2006-01-02 15:04")
}

// maskedBuyer is how a distributor sees a buyer of their team: the
// nickname (or phone) masked, never in full.
func (p *plugin) maskedBuyer(app core.App, userId string) string {
	// note: plain SQL, as the booking of commissions asks once per order
	// in the shop's one writer
	var nickname, phone sql.NullString
	_ = shop.ScanRow(app, "SELECT `nickname`, `phone` FROM `"+usersCollection+"` WHERE `id` = ? LIMIT 1",
		[]any{userId}, &nickname, &phone)
	return shop.MaskName(nickname.String, phone.String)
}

// notify writes n in txApp; a failure is logged, never returned: a
// notification never undoes the money it reports.
func (p *plugin) notify(txApp core.App, n shop.Notification) {
	p.notifyContext(context.Background(), txApp, n)
}

func (p *plugin) notifyContext(ctx context.Context, txApp core.App, n shop.Notification) {
	if err := shop.NotifyContext(ctx, txApp, n); err != nil {
		p.app.Logger().Warn("distribution: notification not saved", "kind", n.Kind, "user", n.UserId, "error", err.Error())
	}
}

// notifyAdjusted tells a beneficiary that a refund took back part or all
// of a commission (frozen: cancelled; settled: clawed back).
func (p *plugin) notifyAdjusted(txApp core.App, c commissionRow, kind string, delta, newAmount int64) {
	orderNo := ""
	_ = txApp.DB().Select("order_no").From(shop.OrdersCollection).Where(dbx.HashExp{"id": c.Order}).Limit(1).Row(&orderNo)
	what := "已取消"
	if kind == "clawback" {
		what = "已追回"
	}
	p.notify(txApp, shop.Notification{
		UserId: c.Beneficiary,
		Kind:   shop.KindCommissionCancelled,
		Title:  "佣金" + what + " ¥" + money.Yuan(delta),
		Body: "订单 " + orderNo + " 发生退款，佣金" + what + " ¥" + money.Yuan(delta) +
			"，该笔佣金现为 ¥" + money.Yuan(newAmount) + "。",
		RefId: c.Id,
		Data: map[string]string{"order_no": orderNo, "amount": money.Yuan(delta), "reason": "订单退款",
			"status": "佣金" + what, "time": nowText()},
	})
}

// notifySettled tells each user what a settlement batch moved into their
// withdrawable balance (one notification per user and batch).
func (p *plugin) notifySettled(txApp core.App, users []string, amounts map[string]int64, batchId string) {
	// note: a batch can tell thousands of users; inside its transaction
	// they share one INSERT (shop.BindTxInserts)
	ctx := context.Background()
	for _, user := range users {
		amount := amounts[user]
		if amount <= 0 {
			continue
		}
		p.notifyContext(ctx, txApp, shop.Notification{
			UserId: user,
			Kind:   shop.KindCommissionSettled,
			Title:  "佣金已结算 ¥" + money.Yuan(amount),
			Body:   "¥" + money.Yuan(amount) + " 佣金已结算到可提现余额。",
			RefId:  batchId,
			Data:   map[string]string{"amount": money.Yuan(amount), "status": "已结算", "time": nowText()},
		})
	}
}

// notifyLevel tells a distributor they moved up to a level.
func notifyLevel(txApp core.App, userId string, to int, name string) error {
	if name == "" {
		name = fmt.Sprintf("V%d", to)
	}
	return shop.Notify(txApp, shop.Notification{
		UserId: userId,
		Kind:   shop.KindLevelUpgraded,
		Title:  "等级提升 / level up: " + name,
		Body:   "恭喜，您的分销等级已升为 " + name + "，佣金比例随之提高。",
		RefId:  userId,
		Data:   map[string]string{"level": name, "time": nowText()},
	})
}

// notifyDownline tells an upline that someone joined their team directly.
func (p *plugin) notifyDownline(txApp core.App, uplineId, userId string) {
	who := p.maskedBuyer(txApp, userId)
	p.notify(txApp, shop.Notification{
		UserId: uplineId,
		Kind:   shop.KindDownlineJoined,
		Title:  "新成员加入 / a new team member",
		Body:   who + " 通过您的邀请加入了团队。",
		RefId:  userId,
		Data:   map[string]string{"name": who, "time": nowText()},
	})
}
