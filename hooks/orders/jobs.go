package orders

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/hooks/shop"
)

// jobBatch is the most orders one job run handles; the next run takes the rest.
const jobBatch = 500

func (p *plugin) registerJobs() {
	p.shop.RegisterJob(shop.Job{
		Name:        "auto_cancel",
		Schedule:    "* * * * *",
		Description: "cancel unpaid orders past their payment deadline and return their stock",
		Run:         p.autoCancel,
	})
	p.shop.RegisterJob(shop.Job{
		Name:        "auto_confirm",
		Schedule:    "7 * * * *",
		Description: "complete shipped orders the buyer has not confirmed within auto_confirm_days",
		Run:         p.autoConfirm,
	})
	p.shop.RegisterJob(shop.Job{
		Name:        "payment_reconcile",
		Schedule:    "*/5 * * * *",
		Description: "ask payment providers about unpaid orders whose online payment was started",
		Run:         p.reconcilePayments,
	})
	p.shop.RegisterJob(shop.Job{
		Name:        "refund_reconcile",
		Schedule:    "*/10 * * * *",
		Description: "ask payment providers about refunds still processing and record what they finished",
		Run:         p.reconcileRefunds,
	})
}

// autoCancel cancels unpaid orders whose expires_at passed (their started
// payments are checked with the provider first).
func (p *plugin) autoCancel(app core.App) (string, error) {
	// note: the status is spelled out (not bound) so that SQLite searches
	// the partial index of unpaid orders, idx_orders_pending_expires
	orders, err := shop.FindRecords(app, ordersCollection,
		"`status` = 'pending_payment' AND `expires_at` != '' AND `expires_at` < ? ORDER BY `expires_at` LIMIT "+strconv.Itoa(jobBatch),
		types.NowDateTime().String())
	if err != nil {
		return "", err
	}
	cancelled, paid, failed := 0, 0, 0
	for _, o := range orders {
		_, err := p.cancelOrder(app, o, reasonTimeout)
		switch {
		case err == nil:
			cancelled++
		case isCode(err, "order_paid"):
			paid++
		case isCode(err, "order_not_cancellable"), isCode(err, "order_status_changed"):
		default:
			failed++
			app.Logger().Warn("auto_cancel: order not cancelled", "order", o.Id, "error", err.Error())
		}
	}
	return fmt.Sprintf("%d cancelled, %d found paid, %d failed", cancelled, paid, failed), nil
}

// autoConfirm completes orders shipped more than auto_confirm_days ago.
func (p *plugin) autoConfirm(app core.App) (string, error) {
	settings, err := shop.LoadSettings(app)
	if err != nil {
		return "", err
	}
	days := settings.AutoConfirmDays
	if days <= 0 {
		days = 10
	}
	before, _ := types.ParseDateTime(time.Now().Add(-time.Duration(days) * 24 * time.Hour))
	// note: idx_orders_shipped_at, the partial index of shipped orders
	orders, err := shop.FindRecords(app, ordersCollection,
		"`status` = 'shipped' AND `shipped_at` != '' AND `shipped_at` < ? ORDER BY `shipped_at` LIMIT "+strconv.Itoa(jobBatch),
		before.String())
	if err != nil {
		return "", err
	}
	completed, failed := 0, 0
	for _, o := range orders {
		if _, err := p.completeOrder(app, o.Id, true); err != nil {
			failed++
			app.Logger().Warn("auto_confirm: order not completed", "order", o.Id, "error", err.Error())
			continue
		}
		completed++
	}
	return fmt.Sprintf("%d completed, %d failed", completed, failed), nil
}

// reconcilePayments asks the provider of every unpaid order with a payment
// started more than ReconcileAfter ago; a paid answer is applied exactly
// like a notification.
func (p *plugin) reconcilePayments(app core.App) (string, error) {
	before, _ := types.ParseDateTime(time.Now().Add(-p.config.ReconcileAfter))
	// note: among the unpaid orders of idx_orders_pending_expires
	orders, err := shop.FindRecords(app, ordersCollection,
		"`status` = 'pending_payment' AND `pay_method` != '' AND `pay_started_at` != '' AND `pay_started_at` < ? "+
			"ORDER BY `pay_started_at` LIMIT "+strconv.Itoa(jobBatch),
		before.String())
	if err != nil {
		return "", err
	}
	applied, failed := 0, 0
	for _, o := range orders {
		paid, err := p.checkStartedPayment(app, o)
		if err != nil {
			failed++
			continue
		}
		if paid {
			applied++
		}
	}
	return fmt.Sprintf("%d checked, %d paid applied, %d failed", len(orders), applied, failed), nil
}

// reconcileRefunds asks the provider of every refund still processing
// (created more than ReconcileAfter ago) how it ended, and applies the
// answer with [plugin.applyRefundOutcome]. Providers without
// [shop.RefundQuerier] are skipped: their refunds wait for the admin.
func (p *plugin) reconcileRefunds(app core.App) (string, error) {
	before, _ := types.ParseDateTime(time.Now().Add(-p.config.ReconcileAfter))
	refunds, err := app.FindRecordsByFilter(refundsCollection, "status = {:status} && created < {:before}",
		"created", jobBatch, 0, dbx.Params{"status": RefundProcessing, "before": before.String()})
	if err != nil {
		return "", err
	}
	succeeded, failed, pending, skipped, errs := 0, 0, 0, 0, 0
	for _, r := range refunds {
		provider, ok := p.shop.PaymentProvider(r.GetString("provider"))
		q, canQuery := provider.(shop.RefundQuerier)
		if !ok || !canQuery {
			skipped++
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), p.config.ProviderTimeout)
		out, err := q.QueryRefund(ctx, r.GetString("refund_no"))
		cancel()
		if err == nil && out == nil {
			err = errors.New("no answer")
		}
		if err != nil {
			errs++
			app.Logger().Warn("refund_reconcile: query failed", "refund", r.Id, "refund_no", r.GetString("refund_no"), "error", err.Error())
			continue
		}
		res, err := p.applyRefundOutcome(app, r.Id, out)
		if err != nil {
			errs++
			app.Logger().Error("refund_reconcile: outcome not applied", "refund", r.Id, "status", out.Status, "error", err.Error())
			continue
		}
		switch res.Refund.GetString("status") {
		case RefundSuccess:
			succeeded++
		case RefundFailed:
			failed++
		default:
			pending++
		}
	}
	return fmt.Sprintf("%d checked, %d succeeded, %d failed, %d still processing, %d skipped, %d errors",
		len(refunds), succeeded, failed, pending, skipped, errs), nil
}

func isCode(err error, code string) bool {
	var se *shop.Error
	return asShopError(err, &se) && se.Code == code
}
