package distribution

import (
	"context"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/internal/money"
)

// notifyEarned tells each beneficiary what the order earned them, once
// the payment's transaction has committed (nothing is sent on rollback).
//
// Inside the payment's transaction the notifications rows are saved with
// it through [shop.NotifyContext] (one prepared INSERT for all of them
// from ctx), whose realtime create event PocketBase sends after the commit
// and never on rollback: no extra write transaction per beneficiary. The
// shop's outbox delivers them on its channels after the commit.
func (p *plugin) notifyEarned(ctx context.Context, txApp core.App, order *core.Record, created []*core.Record) {
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
		byUser[id].amount += int64(r.GetInt("amount"))
	}

	orderNo := order.GetString("order_no")
	messages := make([]shop.Notification, 0, len(list))
	for _, e := range list {
		messages = append(messages, shop.Notification{
			UserId: e.userId,
			Kind:   "commission",
			Title:  "新增佣金 ¥" + money.Yuan(e.amount),
			Body:   "您的团队成员下单（订单 " + orderNo + "），预计佣金 ¥" + money.Yuan(e.amount) + "，订单完成后结算。",
			RefId:  order.Id,
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
