package withdrawal

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
)

// errNothingToTransfer is returned inside transfer's transaction when the
// withdrawal is not (or no longer) waiting for a transfer.
var errNothingToTransfer = errors.New("withdrawal: nothing to transfer")

// transfer starts, or resumes after an unknown outcome, the WeChat
// transfer of an approved withdrawal. The provider is called outside any
// transaction with BillNo = the withdrawal id, so calling it again for the
// same withdrawal never pays twice. It must not be called inside a
// transaction.
func (p *plugin) transfer(id string) error {
	prov, ok := p.shop.PayoutProvider(p.config.WechatProvider)
	if !ok {
		return fmt.Errorf("withdrawal: payout provider %q is not registered", p.config.WechatProvider)
	}

	var req shop.TransferRequest
	err := p.app.RunInTransaction(func(txApp core.App) error {
		w, err := find(txApp, id, "")
		if err != nil {
			return err
		}
		if w.GetString("channel") != ChannelWechat {
			return errNothingToTransfer
		}
		attempts := w.GetInt("transfer_attempts") + 1
		switch w.GetString("status") {
		case StatusApproved:
			w, err = move(txApp, id, StatusApproved, StatusTransferring, "system:payout", func(r *core.Record) {
				r.Set("transferred_at", time.Now())
				r.Set("transfer_attempts", attempts)
			})
			if err != nil {
				return err
			}
		case StatusTransferring:
			w.Set("transfer_attempts", attempts)
			if err := save(txApp, w, "system:payout"); err != nil {
				return err
			}
		default:
			return errNothingToTransfer
		}

		var account struct {
			RealName string `json:"real_name"`
		}
		_ = w.UnmarshalJSONField("account", &account)
		req = shop.TransferRequest{
			BillNo:   w.Id,
			OpenId:   w.GetString("openid"),
			UserName: account.RealName,
			Amount:   shop.AsWithdrawal(w).Payout(),
			Remark:   p.config.TransferRemark,
		}
		return nil
	})
	if errors.Is(err, errNothingToTransfer) {
		return nil
	}
	if err != nil {
		return err
	}

	ctx, cancel := context.WithTimeout(context.Background(), p.config.TransferTimeout)
	defer cancel()
	res, err := prov.Transfer(ctx, req)
	if err == nil {
		_, err = p.apply(id, res, "system:payout")
		return err
	}
	if !refused(err) {
		// unknown outcome (timeout, 5xx): the bill may exist; leave the
		// withdrawal transferring for withdrawal_reconcile to ask about
		return err
	}

	// refused: give the money back only once the provider confirms that no
	// bill exists under this number
	qctx, qcancel := context.WithTimeout(context.Background(), p.config.TransferTimeout)
	defer qcancel()
	q, qerr := prov.QueryTransfer(qctx, id)
	switch {
	case qerr == nil:
		_, aerr := p.apply(id, q, "system:payout")
		return errors.Join(err, aerr)
	case notFound(qerr):
		_, aerr := p.apply(id, &shop.TransferResult{State: "failed", FailReason: shop.ToApiError(err).Message}, "system:payout")
		return errors.Join(err, aerr)
	default:
		return errors.Join(err, qerr)
	}
}

// refused reports whether a provider definitively refused a request
// (a 4xx shop error other than not found and rate limited).
func refused(err error) bool {
	var se *shop.Error
	return errors.As(err, &se) && se.Status >= 400 && se.Status < 500 &&
		se.Status != http.StatusNotFound && se.Status != http.StatusTooManyRequests
}

// notFound reports whether a provider said it knows no such bill.
func notFound(err error) bool {
	var se *shop.Error
	return errors.As(err, &se) && se.Status == http.StatusNotFound
}

// transferStatus maps a provider transfer state to a withdrawal status.
func transferStatus(state string) string {
	switch state {
	case "wait_user_confirm":
		return StatusWaitUserConfirm
	case "success":
		return StatusPaid
	case "failed":
		return StatusFailed
	case "cancelled":
		return StatusClosed
	default: // accepted, processing
		return StatusTransferring
	}
}

// apply records what the provider says about a withdrawal's transfer, in
// one transaction, and returns the resulting status. A state the
// withdrawal is already in or past (a replayed or late notification)
// changes nothing.
func (p *plugin) apply(id string, res *shop.TransferResult, actor string) (string, error) {
	var status string
	err := p.app.RunInTransaction(func(txApp core.App) error {
		w, err := find(txApp, id, "")
		if err != nil {
			return err
		}
		from, to := w.GetString("status"), transferStatus(res.State)
		status = from

		if from == to {
			changed := false
			if res.TransferId != "" && res.TransferId != w.GetString("transfer_id") {
				w.Set("transfer_id", res.TransferId)
				changed = true
			}
			if res.PackageInfo != "" && res.PackageInfo != w.GetString("package_info") {
				w.Set("package_info", res.PackageInfo)
				changed = true
			}
			if !changed {
				return nil
			}
			return save(txApp, w, actor)
		}
		if !canTransition(w.GetString("channel"), from, to) {
			return nil
		}

		_, err = move(txApp, id, from, to, actor, func(r *core.Record) {
			if res.TransferId != "" {
				r.Set("transfer_id", res.TransferId)
			}
			if res.PackageInfo != "" {
				r.Set("package_info", res.PackageInfo)
			}
			switch to {
			case StatusFailed, StatusClosed:
				reason := res.FailReason
				if reason == "" {
					reason = "转账未完成 / the transfer did not complete (" + res.State + ")"
				}
				r.Set("reason", reason)
				r.Set("package_info", "")
				r.Set("finished_at", time.Now())
			case StatusPaid:
				r.Set("package_info", "")
				r.Set("finished_at", time.Now())
			}
		})
		if err != nil {
			return err
		}
		status = to
		return nil
	})
	return status, err
}

// notify handles POST /api/shop/withdrawals/notify/{provider}: it verifies
// the notification with the provider, checks it against the withdrawal and
// applies it. WeChat Pay retries until it gets a 2xx.
func (p *plugin) notify(e *core.RequestEvent) error {
	name := e.Request.PathValue("provider")
	fail := func(status int, msg string) error {
		return e.JSON(status, map[string]string{"code": "FAIL", "message": msg})
	}
	prov, ok := p.shop.PayoutProvider(name)
	if !ok || name != p.config.WechatProvider {
		return fail(http.StatusNotFound, "unknown provider")
	}

	notice, err := prov.ParseTransferNotification(e.Request.Context(), e.Request)
	if err != nil {
		e.App.Logger().Warn("transfer notification refused", "provider", name, "error", err.Error())
		return fail(http.StatusUnauthorized, "invalid notification")
	}
	if notice == nil {
		return e.NoContent(http.StatusNoContent)
	}

	w, err := find(e.App, notice.BillNo, "")
	if err != nil {
		e.App.Logger().Error("transfer notification for an unknown withdrawal", "provider", name, "bill", notice.BillNo)
		return fail(http.StatusNotFound, "unknown bill")
	}
	if w.GetString("channel") != ChannelWechat || (notice.Amount != 0 && notice.Amount != shop.AsWithdrawal(w).Payout()) {
		e.App.Logger().Error("transfer notification does not match the withdrawal",
			"provider", name, "bill", notice.BillNo, "amount", notice.Amount, "payout", w.GetInt("payout"))
		return fail(http.StatusBadRequest, "notification does not match the bill")
	}

	_, err = p.apply(w.Id, &shop.TransferResult{
		State:      notice.State,
		TransferId: notice.TransferId,
		FailReason: notice.FailReason,
		Raw:        notice.Raw,
	}, "system:notify:"+name)
	if err != nil {
		e.App.Logger().Error("transfer notification not applied", "bill", notice.BillNo, "error", err.Error())
		return fail(http.StatusInternalServerError, "not applied, retry")
	}
	return e.NoContent(http.StatusNoContent)
}

// reconcile is the withdrawal_reconcile job: it transfers approved WeChat
// withdrawals whose transfer never started, and asks the provider about
// those in flight.
func (p *plugin) reconcile(app core.App) (string, error) {
	prov, ok := p.shop.PayoutProvider(p.config.WechatProvider)
	if !ok {
		return "no payout provider registered", nil
	}
	list, err := app.FindRecordsByFilter(WithdrawalsCollection,
		"channel = 'wechat' && (status = 'approved' || status = 'transferring' || status = 'wait_user_confirm')",
		"updated", 500, 0)
	if err != nil {
		return "", err
	}

	var changed int
	var errs []string
	for _, w := range list {
		before := w.GetString("status")
		after := before
		var err error
		switch before {
		case StatusApproved:
			err = p.transfer(w.Id)
		default:
			ctx, cancel := context.WithTimeout(context.Background(), p.config.TransferTimeout)
			var q *shop.TransferResult
			q, err = prov.QueryTransfer(ctx, w.Id)
			cancel()
			switch {
			case err == nil:
				after, err = p.apply(w.Id, q, "system:reconcile")
			case notFound(err) && before == StatusTransferring:
				// the transfer never reached the provider: send it again
				err = p.transfer(w.Id)
			}
		}
		if err != nil {
			errs = append(errs, w.Id+": "+err.Error())
			continue
		}
		if fresh, ferr := find(app, w.Id, ""); ferr == nil {
			after = fresh.GetString("status")
		}
		if after != before {
			changed++
		}
	}

	summary := fmt.Sprintf("%d in flight, %d changed", len(list), changed)
	if len(errs) > 0 {
		return summary, fmt.Errorf("%d failed: %s", len(errs), strings.Join(errs, "; "))
	}
	return summary, nil
}

// ---------------------------------------------------------------
// admin routes
// ---------------------------------------------------------------

type reviewForm struct {
	Reason string `json:"reason"`
}

func superuser(e *core.RequestEvent) string {
	return shop.Actor(e)
}

// review moves a withdrawal on a superuser's behalf and returns it as
// stored after every post-commit step (the WeChat transfer of an approval).
func (p *plugin) review(e *core.RequestEvent, from []string, to, reason string) error {
	id, err := shop.PathId(e, "id")
	if err != nil {
		return err
	}
	actor := superuser(e)
	err = e.App.RunInTransaction(func(txApp core.App) error {
		w, err := find(txApp, id, "")
		if err != nil {
			return err
		}
		current := w.GetString("status")
		ok := false
		for _, f := range from {
			ok = ok || f == current
		}
		if !ok || !canTransition(w.GetString("channel"), current, to) {
			return errTransition(current, to)
		}
		_, err = move(txApp, id, current, to, actor, func(r *core.Record) {
			if reason != "" {
				r.Set("reason", reason)
			}
			switch to {
			case StatusApproved, StatusRejected:
				r.Set("reviewed_at", time.Now())
				r.Set("reviewed_by", actor)
			}
			if to == StatusPaid || to == StatusRejected {
				r.Set("finished_at", time.Now())
			}
		})
		return err
	})
	if err != nil {
		return err
	}
	w, err := find(e.App, id, "")
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, w)
}

// approve handles POST /api/shop/admin/withdrawals/{id}/approve.
func (p *plugin) approve(e *core.RequestEvent) error {
	return p.review(e, []string{StatusPending}, StatusApproved, "")
}

// reject handles POST /api/shop/admin/withdrawals/{id}/reject {reason}.
func (p *plugin) reject(e *core.RequestEvent) error {
	var form reviewForm
	if err := shop.BindBody(e, &form); err != nil {
		return err
	}
	form.Reason = strings.TrimSpace(form.Reason)
	if form.Reason == "" {
		return shop.FieldFail("reason", "reason_required", "驳回需要填写原因 / a rejection needs a reason")
	}
	return p.review(e, []string{StatusPending, StatusApproved}, StatusRejected, form.Reason)
}

// markPaid handles POST /api/shop/admin/withdrawals/{id}/paid: the
// merchant made an approved bank withdrawal's transfer by hand.
func (p *plugin) markPaid(e *core.RequestEvent) error {
	return p.review(e, []string{StatusApproved}, StatusPaid, "")
}

// retryTransfer handles POST /api/shop/admin/withdrawals/{id}/transfer.
func (p *plugin) retryTransfer(e *core.RequestEvent) error {
	id, err := shop.PathId(e, "id")
	if err != nil {
		return err
	}
	if _, err := find(e.App, id, ""); err != nil {
		return err
	}
	terr := p.transfer(id)
	w, err := find(e.App, id, "")
	if err != nil {
		return err
	}
	if terr != nil {
		e.App.Logger().Warn("withdrawal transfer retry not finished", "withdrawal", id, "error", terr.Error())
	}
	return e.JSON(http.StatusOK, w)
}
