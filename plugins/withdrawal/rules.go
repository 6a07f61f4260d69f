package withdrawal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/hooks/shop"
	"fenxiao/internal/ledger"
)

// transitions are the legal status changes (see the withdrawals migration).
var transitions = map[string][]string{
	StatusPending:         {StatusApproved, StatusRejected, StatusClosed},
	StatusApproved:        {StatusTransferring, StatusPaid, StatusRejected, StatusFailed},
	StatusTransferring:    {StatusWaitUserConfirm, StatusPaid, StatusFailed, StatusClosed},
	StatusWaitUserConfirm: {StatusPaid, StatusFailed, StatusClosed},
}

// adminTransitions are the changes a superuser may make by editing the
// record (dashboard); the others are made by the shop itself.
var adminTransitions = map[string][]string{
	StatusPending:  {StatusApproved, StatusRejected},
	StatusApproved: {StatusRejected, StatusPaid},
}

func allowed(table map[string][]string, from, to string) bool {
	for _, s := range table[from] {
		if s == to {
			return true
		}
	}
	return false
}

// canTransition reports whether a withdrawal of channel may go from one
// status to another: a WeChat withdrawal is paid only through its transfer,
// a bank one only by hand.
func canTransition(channel, from, to string) bool {
	if !allowed(transitions, from, to) {
		return false
	}
	switch {
	case channel == ChannelBank && (to == StatusTransferring || from == StatusTransferring || from == StatusWaitUserConfirm):
		return false
	case channel == ChannelWechat && from == StatusApproved && to == StatusPaid:
		return false
	}
	return true
}

// lockedFields never change after the request.
var lockedFields = []string{"user", "amount", "fee", "payout", "channel", "account", "account_number", "openid", "day"}

// systemFields change only with the shop's own writes (and status with the
// admin transitions).
var systemFields = []string{"package_info", "transfer_id", "transfer_attempts", "reviewed_at", "transferred_at", "finished_at"}

// actorKey carries who makes a write made by this package.
type actorKey struct{}

func withActor(actor string) context.Context {
	return context.WithValue(context.Background(), actorKey{}, actor)
}

func actorFrom(ctx context.Context) (string, bool) {
	if ctx == nil {
		return "", false
	}
	a, ok := ctx.Value(actorKey{}).(string)
	return a, ok
}

// save writes r on behalf of actor.
func save(app core.App, r *core.Record, actor string) error {
	return app.SaveWithContext(withActor(actor), r)
}

var (
	errNotFound = shop.Fail(http.StatusNotFound, "withdrawal_not_found", "提现记录不存在 / withdrawal not found")
	errChanged  = shop.Fail(http.StatusConflict, "withdrawal_status_changed", "提现状态已变化，请刷新 / the withdrawal's status changed, reload it")
)

func errTransition(from, to string) error {
	return shop.Fail(http.StatusConflict, "withdrawal_transition_not_allowed",
		fmt.Sprintf("提现不能从 %s 变为 %s / a withdrawal cannot go from %s to %s", from, to, from, to))
}

func (p *plugin) bindRules() {
	app := p.app

	app.OnRecordCreate(WithdrawalsCollection).Bind(&hook.Handler[*core.RecordEvent]{Id: "fenxiaoWithdrawalCreate", Func: func(e *core.RecordEvent) error {
		if _, ok := actorFrom(e.Context); !ok {
			return shop.Fail(http.StatusForbidden, "withdrawal_create_not_allowed",
				"提现只能通过提现接口申请 / withdrawals are requested through POST /api/shop/withdrawals")
		}
		return e.Next()
	}})
	app.OnRecordDelete(WithdrawalsCollection).Bind(&hook.Handler[*core.RecordEvent]{Id: "fenxiaoWithdrawalDelete", Func: func(e *core.RecordEvent) error {
		return shop.Fail(http.StatusForbidden, "withdrawal_delete_not_allowed", "提现记录不能删除 / withdrawals are never deleted")
	}})
	app.OnRecordUpdate(WithdrawalsCollection).Bind(&hook.Handler[*core.RecordEvent]{Id: "fenxiaoWithdrawalUpdate", Func: p.onUpdate})

	// the dashboard's review: remember which superuser made it
	app.OnRecordUpdateRequest(WithdrawalsCollection).Bind(&hook.Handler[*core.RecordRequestEvent]{Id: "fenxiaoWithdrawalUpdateRequest", Func: func(e *core.RecordRequestEvent) error {
		if e.Record.GetString("status") != e.Record.Original().GetString("status") {
			actor := "unknown"
			if e.Auth != nil {
				actor = e.Auth.Collection().Name + ":" + e.Auth.Id
				if e.Auth.IsSuperuser() {
					actor = "superuser:" + e.Auth.Id
				}
			}
			e.Record.Set("reviewed_by", actor)
		} else {
			e.Record.Set("reviewed_by", e.Record.Original().GetString("reviewed_by"))
		}
		return e.Next()
	}})

	refuse := func(e *core.RecordEvent) error {
		return shop.Fail(http.StatusForbidden, "withdrawal_event_immutable",
			"提现日志不能修改或删除 / withdrawal events are never edited or deleted")
	}
	app.OnRecordCreate(EventsCollection).Bind(&hook.Handler[*core.RecordEvent]{Id: "fenxiaoWithdrawalEventCreate", Func: func(e *core.RecordEvent) error {
		if _, ok := actorFrom(e.Context); !ok {
			return refuse(e)
		}
		return e.Next()
	}})
	app.OnRecordUpdate(EventsCollection).Bind(&hook.Handler[*core.RecordEvent]{Id: "fenxiaoWithdrawalEventUpdate", Func: refuse})
	app.OnRecordDelete(EventsCollection).Bind(&hook.Handler[*core.RecordEvent]{Id: "fenxiaoWithdrawalEventDelete", Func: refuse})

	// an approved WeChat withdrawal is transferred once the approval committed
	app.OnRecordAfterUpdateSuccess(WithdrawalsCollection).Bind(&hook.Handler[*core.RecordEvent]{Id: "fenxiaoWithdrawalAfterUpdate", Func: func(e *core.RecordEvent) error {
		if e.Record.GetString("status") == StatusApproved && e.Record.GetString("channel") == ChannelWechat {
			if err := p.transfer(e.Record.Id); err != nil {
				p.app.Logger().Warn("withdrawal transfer not finished; withdrawal_reconcile will retry",
					"withdrawal", e.Record.Id, "error", err.Error())
			}
		}
		return e.Next()
	}})
}

// onUpdate enforces the state machine for every writer and books the
// money of a status change in the same transaction.
func (p *plugin) onUpdate(e *core.RecordEvent) error {
	r := e.Record
	orig := r.Original()
	for _, f := range lockedFields {
		if fmt.Sprint(orig.Get(f)) != fmt.Sprint(r.Get(f)) {
			return shop.Fail(http.StatusBadRequest, "withdrawal_field_locked",
				fmt.Sprintf("提现字段 %s 不能修改 / the withdrawal field %s cannot be edited", f, f))
		}
	}

	from, to := orig.GetString("status"), r.GetString("status")
	channel := r.GetString("channel")
	actor, internal := actorFrom(e.Context)
	if !internal {
		for _, f := range systemFields {
			if fmt.Sprint(orig.Get(f)) != fmt.Sprint(r.Get(f)) {
				return shop.Fail(http.StatusBadRequest, "withdrawal_field_locked",
					fmt.Sprintf("提现字段 %s 由系统维护 / the withdrawal field %s is kept by the shop", f, f))
			}
		}
		if from == to {
			if orig.GetString("reason") != r.GetString("reason") || orig.GetString("reviewed_by") != r.GetString("reviewed_by") {
				return shop.Fail(http.StatusBadRequest, "withdrawal_field_locked",
					"审核信息只能随审核一起修改 / the review fields change only with a review")
			}
			return e.Next()
		}
		if !canTransition(channel, from, to) {
			return errTransition(from, to)
		}
		if !allowed(adminTransitions, from, to) {
			return shop.Fail(http.StatusConflict, "withdrawal_transition_not_allowed",
				fmt.Sprintf("%s → %s 由系统完成，不能手动修改 / %s → %s is made by the shop itself", from, to, from, to))
		}
		actor = r.GetString("reviewed_by")
		if actor == "" {
			actor = "external"
		}
		if to == StatusApproved || to == StatusRejected {
			r.Set("reviewed_at", types.NowDateTime())
		}
		if to == StatusPaid {
			r.Set("finished_at", types.NowDateTime())
		}
	}

	if from == to {
		return e.Next()
	}
	if !canTransition(channel, from, to) {
		return errTransition(from, to)
	}
	if to == StatusRejected && r.GetString("reason") == "" {
		return shop.FieldFail("reason", "reason_required", "驳回需要填写原因 / a rejection needs a reason")
	}

	original := e.App
	err := e.App.RunInTransaction(func(txApp core.App) error {
		e.App = txApp

		// claim the transition: a writer holding a stale copy loses
		res, err := txApp.DB().NewQuery("UPDATE {{withdrawals}} SET [[status]] = {:to} WHERE [[id]] = {:id} AND [[status]] = {:from}").
			Bind(dbx.Params{"to": to, "id": r.Id, "from": from}).Execute()
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errChanged
		}

		if err := e.Next(); err != nil {
			return err
		}
		if err := book(txApp, r, to, actor); err != nil {
			return err
		}
		return logEvent(txApp, r.Id, from, to, actor, r.GetString("reason"))
	})
	e.App = original
	return err
}

// book posts the wallet entries of a withdrawal reaching status to.
func book(txApp core.App, r *core.Record, to, actor string) error {
	user := r.GetString("user")
	w := shop.AsWithdrawal(r)
	amount, fee, payout := w.Amount(), w.Fee(), w.Payout()
	switch to {
	case StatusRejected, StatusFailed, StatusClosed:
		_, err := shop.PostEntry(txApp, shop.Posting{UserId: user, Kind: ledger.KindWithdrawRelease, Amount: amount, RefType: RefType, RefId: r.Id, Actor: actor, Note: "提现退回 " + to})
		return err
	case StatusPaid:
		if _, err := shop.PostEntry(txApp, shop.Posting{UserId: user, Kind: ledger.KindWithdrawPaid, Amount: -payout, RefType: RefType, RefId: r.Id, Actor: actor, Note: "提现到账"}); err != nil {
			return err
		}
		if fee > 0 {
			if _, err := shop.PostEntry(txApp, shop.Posting{UserId: user, Kind: ledger.KindWithdrawFee, Amount: -fee, RefType: RefType, RefId: r.Id, Actor: actor, Note: "提现手续费"}); err != nil {
				return err
			}
		}
	}
	return nil
}

// logEvent appends a withdrawal_events row.
func logEvent(txApp core.App, withdrawalId, from, to, actor, note string) error {
	c, err := txApp.FindCachedCollectionByNameOrId(EventsCollection)
	if err != nil {
		return err
	}
	ev := core.NewRecord(c)
	ev.Set("withdrawal", withdrawalId)
	ev.Set("from", from)
	ev.Set("to", to)
	ev.Set("actor", actor)
	if len([]rune(note)) > 500 {
		note = string([]rune(note)[:500])
	}
	ev.Set("note", note)
	return save(txApp, ev, actor)
}

// find loads a withdrawal (with userId set, it must be that user's).
func find(app core.App, id, userId string) (*core.Record, error) {
	r, err := app.FindRecordById(WithdrawalsCollection, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, err
	}
	if userId != "" && r.GetString("user") != userId {
		return nil, errNotFound
	}
	return r, nil
}

// move changes a withdrawal's status on behalf of actor inside txApp;
// set may change other fields first. It returns errChanged if the
// withdrawal is no longer in status from.
func move(txApp core.App, id, from, to, actor string, set func(r *core.Record)) (*core.Record, error) {
	r, err := find(txApp, id, "")
	if err != nil {
		return nil, err
	}
	if r.GetString("status") != from {
		return nil, errChanged
	}
	r.Set("status", to)
	if set != nil {
		set(r)
	}
	if err := save(txApp, r, actor); err != nil {
		return nil, err
	}
	if err := notifyMoved(txApp, r, to); err != nil {
		return nil, err
	}
	return r, nil
}
