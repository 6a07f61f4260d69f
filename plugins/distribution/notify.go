package distribution

import (
	"context"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/internal/money"
)

// notifyAfterCommit tells each beneficiary what the order earned them, once
// the payment's transaction has committed (nothing is sent on rollback).
//
// Inside the payment's transaction the notifications rows are saved with
// it, through the app's record save (saveChecked, one prepared INSERT for
// all of them from ctx), whose realtime create event PocketBase sends after
// the commit and never on rollback: no extra write transaction per
// beneficiary. The shop's extra notifiers (WeChat subscribe messages, ...)
// run after the commit.
func (p *plugin) notifyAfterCommit(ctx context.Context, txApp core.App, order *core.Record, created []*core.Record) {
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

	if txApp.IsTransactional() && txApp.TxInfo() != nil {
		for _, n := range messages {
			p.saveNotification(ctx, txApp, n)
		}
		txApp.TxInfo().OnComplete(func(txErr error) error {
			if txErr == nil {
				for _, n := range messages {
					p.runNotifiers(n)
				}
			}
			return nil
		})
		return
	}
	for _, n := range messages {
		p.notify(n)
	}
}

// notify records a notifications row (when the orders core provides the
// collection) and hands the message to the shop's extra notifiers. Errors
// are logged: a notification never undoes the money it reports.
func (p *plugin) notify(n shop.Notification) {
	p.saveNotification(context.Background(), p.app, n)
	p.runNotifiers(n)
}

// saveNotification saves the notifications row of n through app (a
// transaction's app or the app). A failure is logged, never returned: a
// notification never undoes the money it reports (in a transaction, SQLite
// undoes only the failed statement).
func (p *plugin) saveNotification(ctx context.Context, app core.App, n shop.Notification) {
	c, err := app.FindCachedCollectionByNameOrId(notificationsCollection)
	if err != nil {
		return
	}
	r := core.NewRecord(c)
	r.Load(map[string]any{
		"user":  n.UserId,
		"kind":  n.Kind,
		"title": n.Title,
		"body":  n.Body,
		"ref":   n.RefId,
	})
	if err := saveChecked(ctx, app, r); err != nil {
		p.app.Logger().Warn("distribution: notification not saved", "user", n.UserId, "error", err.Error())
	}
}

// runNotifiers hands n to the shop's extra notifiers, after any transaction.
func (p *plugin) runNotifiers(n shop.Notification) {
	app := p.app
	for _, notifier := range p.shop.Notifiers() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := notifier.Notify(ctx, app, n); err != nil {
			app.Logger().Warn("distribution: notifier failed", "user", n.UserId, "error", err.Error())
		}
		cancel()
	}
}
