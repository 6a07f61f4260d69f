package orders

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"fenxiao/hooks/shop"
)

type reviewForm struct {
	// Amount is the approved refund in fen (0: as requested).
	Amount int64  `json:"amount"`
	Note   string `json:"note"`
}

// aftersaleApprove handles POST /api/shop/admin/aftersales/{id}/approve
// {amount?, note}. A refund-only after-sale is refunded at once; returns
// and exchanges wait for the buyer's parcel.
func (p *plugin) aftersaleApprove(e *core.RequestEvent) error {
	form := reviewForm{}
	if err := shop.BindBody(e, &form); err != nil {
		return err
	}
	id, err := shop.PathId(e, "id")
	if err != nil {
		return err
	}
	var as *core.Record
	err = e.App.RunInTransaction(func(txApp core.App) error {
		var err error
		if as, err = findAftersale(txApp, id, ""); err != nil {
			return err
		}
		if err := setApproved(txApp, as, form.Amount); err != nil {
			return err
		}
		if n := strings.TrimSpace(form.Note); n != "" {
			as.Set("admin_note", truncate(n, 1000))
		}
		if err := moveAftersale(txApp, as, []string{AsApplied}, AsApproved); err != nil {
			return err
		}
		return notifyAftersale(txApp, as, shop.KindAftersaleApproved)
	})
	if err != nil {
		return err
	}
	if as.GetString("type") == TypeRefund {
		return p.refundAnswer(e, as.Id)
	}
	return e.JSON(http.StatusOK, as)
}

// setApproved sets amount_approved (0: the requested amount). An approval
// as requested of the last lines of an order not shipped yet adds what is
// left of the shipping fee; the admin may approve more than requested, up
// to what is left of the shipping fee (see refund_shipping.go).
func setApproved(app core.App, as *core.Record, amount int64) error {
	requested := int64(as.GetInt("amount_requested"))
	if as.GetString("type") == TypeExchange {
		as.Set("amount_approved", 0)
		return nil
	}
	maxAmount, asRequested, err := approvalCap(app, as)
	if err != nil {
		return err
	}
	if amount == 0 || amount == requested {
		amount = asRequested
	}
	if amount < 0 || amount > maxAmount {
		return shop.FieldFail("amount", "invalid_approved_amount",
			fmt.Sprintf("批准金额应在1到%d分之间（申请%d分，另可退运费%d分） / the approved amount must be 1..%d fen (%d requested, up to %d more of shipping)",
				maxAmount, requested, maxAmount-requested, maxAmount, requested, maxAmount-requested))
	}
	as.Set("amount_approved", amount)
	return nil
}

// aftersaleReject handles POST /api/shop/admin/aftersales/{id}/reject {note}.
func (p *plugin) aftersaleReject(e *core.RequestEvent) error {
	form := reviewForm{}
	// the body is optional, but a malformed one is refused
	if err := shop.BindBody(e, &form); err != nil {
		return err
	}
	if strings.TrimSpace(form.Note) == "" {
		return shop.FieldFail("note", "note_required", "请填写拒绝原因 / say why it is rejected")
	}
	id, err := shop.PathId(e, "id")
	if err != nil {
		return err
	}
	var as *core.Record
	err = e.App.RunInTransaction(func(txApp core.App) error {
		var err error
		if as, err = findAftersale(txApp, id, ""); err != nil {
			return err
		}
		as.Set("admin_note", truncate(strings.TrimSpace(form.Note), 1000))
		if err := moveAftersale(txApp, as, []string{AsApplied}, AsRejected); err != nil {
			return err
		}
		return notifyAftersale(txApp, as, shop.KindAftersaleRejected)
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, as)
}

// aftersaleReceive handles POST /api/shop/admin/aftersales/{id}/receive:
// the returned goods arrived. A return is refunded (its stock comes back
// with the refund); an exchange waits for the replacement.
func (p *plugin) aftersaleReceive(e *core.RequestEvent) error {
	id, err := shop.PathId(e, "id")
	if err != nil {
		return err
	}
	var as *core.Record
	err = e.App.RunInTransaction(func(txApp core.App) error {
		var err error
		if as, err = findAftersale(txApp, id, ""); err != nil {
			return err
		}
		if err := moveAftersale(txApp, as, []string{AsReturning}, AsReceived); err != nil {
			return err
		}
		return notifyAftersale(txApp, as, shop.KindAftersaleReceived)
	})
	if err != nil {
		return err
	}
	if as.GetString("type") == TypeReturnRefund {
		return p.refundAnswer(e, as.Id)
	}
	return e.JSON(http.StatusOK, as)
}

// aftersaleReship handles POST /api/shop/admin/aftersales/{id}/reship
// {reship_company, reship_no}: the replacement of an exchange shipped.
func (p *plugin) aftersaleReship(e *core.RequestEvent) error {
	form := struct {
		Company string `json:"reship_company"`
		Number  string `json:"reship_no"`
	}{}
	if err := shop.BindBody(e, &form); err != nil {
		return err
	}
	form.Company, form.Number = strings.TrimSpace(form.Company), strings.TrimSpace(form.Number)
	if form.Company == "" || form.Number == "" || len(form.Company) > 32 || len(form.Number) > 64 {
		return shop.FieldFail("reship_no", "tracking_required", "请填写快递公司和运单号 / reship_company and reship_no are required")
	}
	id, err := shop.PathId(e, "id")
	if err != nil {
		return err
	}
	var as *core.Record
	err = e.App.RunInTransaction(func(txApp core.App) error {
		var err error
		if as, err = findAftersale(txApp, id, ""); err != nil {
			return err
		}
		if as.GetString("type") != TypeExchange {
			return shop.Fail(http.StatusConflict, "aftersale_not_exchange", "只有换货需要补发 / only exchanges are reshipped")
		}
		as.Set("reship_company", form.Company)
		as.Set("reship_no", form.Number)
		if err := moveAftersale(txApp, as, []string{AsReceived}, AsReshipped); err != nil {
			return err
		}
		return sendNotice(txApp, as.GetString("buyer"), shop.KindExchangeShipped, "换货已发出 / your replacement has shipped",
			fmt.Sprintf("%s %s", form.Company, form.Number), as.Id)
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, as)
}

// aftersaleRefund handles POST /api/shop/admin/aftersales/{id}/refund:
// (re)sends the refund of an approved refund or a received return; the same
// refund number is used every time, so a provider never pays twice.
func (p *plugin) aftersaleRefund(e *core.RequestEvent) error {
	id, err := shop.PathId(e, "id")
	if err != nil {
		return err
	}
	if _, err := findAftersale(e.App, id, ""); err != nil {
		return err
	}
	return p.refundAnswer(e, id)
}

// refundAnswer refunds an after-sale and answers with it; a refund the
// provider is still processing answers 202.
func (p *plugin) refundAnswer(e *core.RequestEvent, id string) error {
	res, err := p.RefundAftersale(e.App, id)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if res.Refund != nil && res.Refund.GetString("status") == "processing" {
		status = http.StatusAccepted
	}
	return e.JSON(status, map[string]any{"aftersale": res.Aftersale, "refund": res.Refund})
}

// aftersaleEditable are the fields a superuser may edit in the dashboard.
var aftersaleEditable = map[string]bool{"admin_note": true, "amount_approved": true, "status": true, "updated": true}

// bindAftersaleRules enforces the after-sale flow for writers outside the
// orders core (the dashboard): only admin_note, a review (applied →
// approved with amount_approved, or → rejected) can be made by hand; a
// refund-only after-sale approved in the dashboard is refunded right after
// the save. Everything else goes through the routes.
func bindAftersaleRules(app core.App, p *plugin) {
	app.OnRecordCreate(aftersalesCollection).Bind(&hook.Handler[*core.RecordEvent]{Id: "fenxiaoOrdersAftersaleCreate", Func: func(e *core.RecordEvent) error {
		if !isInternal(e.Context) {
			return shop.Fail(http.StatusForbidden, "aftersale_create_not_allowed",
				"售后单由买家申请创建 / after-sales are created by the buyer's application")
		}
		return e.Next()
	}})
	app.OnRecordDelete(aftersalesCollection).Bind(&hook.Handler[*core.RecordEvent]{Id: "fenxiaoOrdersAftersaleDelete", Func: func(e *core.RecordEvent) error {
		return shop.Fail(http.StatusForbidden, "aftersale_delete_not_allowed", "售后单不能删除 / after-sales are never deleted")
	}})
	app.OnRecordUpdate(aftersalesCollection).Bind(&hook.Handler[*core.RecordEvent]{Id: "fenxiaoOrdersAftersaleUpdate", Func: func(e *core.RecordEvent) error {
		if isInternal(e.Context) {
			return e.Next()
		}
		orig := e.Record.Original()
		for _, f := range e.Record.Collection().Fields.FieldNames() {
			if !aftersaleEditable[f] && !sameValue(orig.Get(f), e.Record.Get(f)) {
				return shop.Fail(http.StatusBadRequest, "aftersale_field_locked",
					fmt.Sprintf("售后字段 %s 不能修改 / the after-sale field %s cannot be edited", f, f))
			}
		}
		from, to := orig.GetString("status"), e.Record.GetString("status")
		approvedNow := false
		switch {
		case from == to:
			if !sameValue(orig.Get("amount_approved"), e.Record.Get("amount_approved")) && from != AsApplied {
				return shop.FieldFail("amount_approved", "aftersale_field_locked", "审核后不能修改批准金额 / the approved amount is fixed once reviewed")
			}
		case from == AsApplied && to == AsApproved:
			if err := setApproved(e.App, e.Record, int64(e.Record.GetInt("amount_approved"))); err != nil {
				return err
			}
			approvedNow = true
		case from == AsApplied && to == AsRejected:
			e.Record.Set("closed_at", nowDate())
		default:
			return shop.Fail(http.StatusConflict, "aftersale_transition_needs_route",
				fmt.Sprintf("售后单从 %s 变为 %s 需要通过对应操作 / %s → %s goes through its route", from, to, from, to))
		}
		if err := e.Next(); err != nil {
			return err
		}
		if approvedNow && e.Record.GetString("type") == TypeRefund {
			id := e.Record.Id
			// note: the provider is called in the background, so that the
			// dashboard's save does not wait for it
			shop.AfterCommit(e.App, func(root core.App) {
				go func() {
					if _, err := p.RefundAftersale(root, id); err != nil {
						root.Logger().Error("refund after dashboard approval failed; retry with the refund route",
							"aftersale", id, "error", err.Error())
					}
				}()
			})
		}
		return nil
	}})
}
