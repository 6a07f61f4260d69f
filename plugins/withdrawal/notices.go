package withdrawal

import (
	"fmt"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/internal/money"
)

// The withdrawal notifications, each written in the transaction of the
// status change it reports (see [shop.Notify]).

// movedNotices are the distributor's notification of each status a
// withdrawal moves to; the statuses in between (transferring, waiting
// for the user to confirm) say nothing new.
var movedNotices = map[string]struct{ kind, title, body string }{
	StatusApproved: {shop.KindWithdrawalApproved, "提现已审核通过 / withdrawal approved", "您申请提现的 ¥%s 已审核通过，正在打款。"},
	StatusPaid:     {shop.KindWithdrawalPaid, "提现已到账 / withdrawal paid", "您申请提现的 ¥%s 已打款，请查收。"},
	StatusRejected: {shop.KindWithdrawalRejected, "提现被驳回 / withdrawal rejected", "您申请提现的 ¥%s 被驳回：%s，金额已退回余额。"},
	StatusFailed:   {shop.KindWithdrawalFailed, "提现失败 / withdrawal failed", "您申请提现的 ¥%s 打款失败：%s，金额已退回余额。"},
	StatusClosed:   {shop.KindWithdrawalFailed, "提现未完成 / withdrawal closed", "您申请提现的 ¥%s 未完成：%s，金额已退回余额。"},
}

func nowText() string {
	return time.Now().In(shop.ShopTimeZone).Format("2006-01-02 15:04")
}

// notifyMoved tells the distributor that their withdrawal moved to status to.
func notifyMoved(txApp core.App, w *core.Record, to string) error {
	m, ok := movedNotices[to]
	if !ok {
		return nil
	}
	amount := money.Yuan(shop.AsWithdrawal(w).Amount())
	reason := w.GetString("reason")
	body := m.body
	args := []any{amount}
	if to == StatusRejected || to == StatusFailed || to == StatusClosed {
		args = append(args, reason)
	}
	return shop.Notify(txApp, shop.Notification{
		UserId: w.GetString("user"),
		Kind:   m.kind,
		Title:  m.title,
		Body:   fmt.Sprintf(body, args...),
		RefId:  w.Id,
		Data: map[string]string{"amount": amount, "payout": money.Yuan(shop.AsWithdrawal(w).Payout()),
			"status": m.title, "reason": reason, "time": nowText()},
	})
}

// notifyStaffRequest tells the staff that a withdrawal waits for review.
func notifyStaffRequest(txApp core.App, w *core.Record) error {
	amount := money.Yuan(shop.AsWithdrawal(w).Amount())
	return shop.Notify(txApp, shop.Notification{
		Kind:  shop.KindStaffWithdrawal,
		Title: "提现申请待审核 / withdrawal waiting",
		Body:  fmt.Sprintf("新的提现申请 ¥%s（%s），请审核。", amount, w.GetString("channel")),
		RefId: w.Id,
		Data:  map[string]string{"amount": amount, "time": nowText()},
	})
}
