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
// The notifications row is saved with the app's normal Save, so a
// distributor subscribed to their notifications gets it in realtime; the
// shop's extra notifiers (WeChat subscribe messages, ...) run after it.
func (p *plugin) notifyAfterCommit(txApp core.App, order *core.Record, created []*core.Record) {
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
	send := func() {
		for _, e := range list {
			n := shop.Notification{
				UserId: e.userId,
				Kind:   "commission",
				Title:  "新增佣金 ¥" + money.Yuan(e.amount),
				Body:   "您的团队成员下单（订单 " + orderNo + "），预计佣金 ¥" + money.Yuan(e.amount) + "，订单完成后结算。",
				RefId:  order.Id,
			}
			p.notify(n)
		}
	}

	if txApp.IsTransactional() && txApp.TxInfo() != nil {
		txApp.TxInfo().OnComplete(func(txErr error) error {
			if txErr == nil {
				send()
			}
			return nil
		})
		return
	}
	send()
}

// notify records a notifications row (when the orders core provides the
// collection) and hands the message to the shop's extra notifiers. Errors
// are logged: a notification never undoes the money it reports.
func (p *plugin) notify(n shop.Notification) {
	app := p.app
	if c, err := app.FindCachedCollectionByNameOrId(notificationsCollection); err == nil {
		r := core.NewRecord(c)
		r.Load(map[string]any{
			"user":  n.UserId,
			"kind":  n.Kind,
			"title": n.Title,
			"body":  n.Body,
			"ref":   n.RefId,
		})
		if err := app.Save(r); err != nil {
			app.Logger().Warn("distribution: notification not saved", "user", n.UserId, "error", err.Error())
		}
	}
	for _, notifier := range p.shop.Notifiers() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := notifier.Notify(ctx, app, n); err != nil {
			app.Logger().Warn("distribution: notifier failed", "user", n.UserId, "error", err.Error())
		}
		cancel()
	}
}
