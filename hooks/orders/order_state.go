package orders

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/hooks/shop"
)

// internalKey marks a save made by this package (checkout, payment, refund,
// jobs): only such saves may make the transitions that move money or stock.
type internalKey struct{}

// internal returns ctx marked as an orders-core write.
func internal(ctx context.Context) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	return context.WithValue(ctx, internalKey{}, true)
}

func isInternal(ctx context.Context) bool {
	if ctx == nil {
		return false
	}
	v, _ := ctx.Value(internalKey{}).(bool)
	return v
}

// save writes r as an orders-core write.
func save(app core.App, r *core.Record) error {
	return app.SaveWithContext(internal(context.Background()), r)
}

// saveBuilt is save without PocketBase's field validation, for records
// whose every value the core computed itself (an order and its lines at
// checkout, a payment, a status move, a notification): validating them
// again checked nothing a buyer controls, and its relation lookups were
// a good part of what a checkout and a payment cost. The one admin text
// that reaches it, the cancel reason of a status move, is cut to its
// field's 200 characters by the caller; everything else a buyer or an
// admin sends (after-sale reasons, dashboard edits) goes through [save]
// and is validated.
func saveBuilt(app core.App, r *core.Record) error {
	return app.SaveNoValidateWithContext(internal(context.Background()), r)
}

// transitions are the legal order status changes (see the orders migration).
var transitions = map[string][]string{
	StatusPendingPayment: {StatusPaid, StatusCancelled},
	StatusPaid:           {StatusShipped, StatusRefunded},
	StatusShipped:        {StatusCompleted, StatusRefunded},
	StatusCompleted:      {StatusRefunded},
}

// CanTransition reports whether an order may go from one status to another.
func CanTransition(from, to string) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// lockedOrderFields change only through the orders core (or never).
var lockedOrderFields = []string{
	"order_no", "buyer", "goods_amount", "discount_amount", "shipping_fee", "payable",
	"refunded_amount", "quantity", "address", "promotions", "pay_method", "sandbox",
	"pay_started_at", "paid_at", "shipped_at", "completed_at", "cancelled_at", "expires_at",
	"cancel_reason", "buyer_note",
}

var errOrderLocked = func(field string) error {
	return shop.Fail(http.StatusBadRequest, "order_field_locked",
		fmt.Sprintf("订单字段 %s 不能修改 / the order field %s cannot be edited", field, field))
}

func errTransition(from, to string) error {
	return shop.Fail(http.StatusConflict, "order_transition_not_allowed",
		fmt.Sprintf("订单不能从 %s 变为 %s / an order cannot go from %s to %s", from, to, from, to))
}

// bindOrderRules enforces the order state machine for every writer.
//
// Outside the orders core (the dashboard, other Go code) a writer may only:
// ship a paid order by setting tracking_company and tracking_no (the status
// becomes shipped by itself), correct the tracking of a shipped order, edit
// admin_note, and set upline_snapshot once. Everything else that moves money
// or stock has a route: confirm-offline, cancel, after-sales.
func bindOrderRules(app core.App, p *plugin) {
	app.OnRecordCreate(ordersCollection).Bind(&hook.Handler[*core.RecordEvent]{Id: "fenxiaoOrdersCreate", Func: func(e *core.RecordEvent) error {
		if !isInternal(e.Context) {
			return shop.Fail(http.StatusForbidden, "order_create_not_allowed",
				"订单只能通过结算创建 / orders are created by checkout only")
		}
		return e.Next()
	}})
	app.OnRecordDelete(ordersCollection).Bind(&hook.Handler[*core.RecordEvent]{Id: "fenxiaoOrdersDelete", Func: func(e *core.RecordEvent) error {
		return shop.Fail(http.StatusForbidden, "order_delete_not_allowed",
			"订单不能删除 / orders are never deleted")
	}})
	app.OnRecordUpdate(ordersCollection).Bind(&hook.Handler[*core.RecordEvent]{Id: "fenxiaoOrdersUpdate", Func: func(e *core.RecordEvent) error {
		if isInternal(e.Context) {
			from, to := e.Record.Original().GetString("status"), e.Record.GetString("status")
			if from != to && !CanTransition(from, to) {
				return errTransition(from, to)
			}
			return e.Next()
		}
		shipped, err := checkExternalOrderEdit(e.Record)
		if err != nil {
			return err
		}
		if !shipped {
			return e.Next()
		}
		// the shipment, its event and the buyer's notification commit together
		original := e.App
		err = e.App.RunInTransaction(func(txApp core.App) error {
			e.App = txApp
			if err := e.Next(); err != nil {
				return err
			}
			return orderShipped(txApp, p, e.Record)
		})
		e.App = original
		return err
	}})
}

// orderShipped fires OnOrderShipped and notifies the buyer of an order that
// just moved to shipped in txApp.
func orderShipped(txApp core.App, p *plugin, o *core.Record) error {
	items, err := orderItems(txApp, o.Id)
	if err != nil {
		return err
	}
	company, number := o.GetString("tracking_company"), o.GetString("tracking_no")
	if err := p.shop.OnOrderShipped.Trigger(&shop.ShipmentEvent{App: txApp, Order: shop.AsOrder(o), Items: shop.AsOrderItems(items),
		TrackingCompany: company, TrackingNo: number}); err != nil {
		return err
	}
	return sendNotice(txApp, o.GetString("buyer"), shop.KindOrderShipped,
		"订单已发货 / your order has shipped",
		fmt.Sprintf("订单 %s 已由 %s 发出，运单号 %s", o.GetString("order_no"), company, number), o.Id,
		map[string]string{"order_no": o.GetString("order_no"), "company": company, "tracking_no": number,
			"time": nowText()})
}

// checkExternalOrderEdit checks an order edit made outside the orders core
// and completes a shipment; it reports whether the order just shipped.
func checkExternalOrderEdit(r *core.Record) (shipped bool, err error) {
	orig := r.Original()
	for _, f := range lockedOrderFields {
		if !sameValue(orig.Get(f), r.Get(f)) {
			return false, errOrderLocked(f)
		}
	}
	if snap := orig.GetString("upline_snapshot"); snap != "" && snap != "null" &&
		!sameValue(orig.Get("upline_snapshot"), r.Get("upline_snapshot")) {
		return false, errOrderLocked("upline_snapshot")
	}

	from, to := orig.GetString("status"), r.GetString("status")
	company := strings.TrimSpace(r.GetString("tracking_company"))
	number := strings.TrimSpace(r.GetString("tracking_no"))
	trackingChanged := company != orig.GetString("tracking_company") || number != orig.GetString("tracking_no")

	switch {
	case from == StatusPaid && (to == StatusPaid || to == StatusShipped) && (trackingChanged || to == StatusShipped):
		if company == "" || number == "" {
			return false, shop.FieldFail("tracking_no", "tracking_required",
				"发货需要填写快递公司和运单号 / shipping needs tracking_company and tracking_no")
		}
		r.Set("tracking_company", company)
		r.Set("tracking_no", number)
		r.Set("status", StatusShipped)
		r.Set("shipped_at", types.NowDateTime())
		return true, nil
	case from != to:
		if CanTransition(from, to) {
			return false, shop.Fail(http.StatusConflict, "order_transition_needs_route",
				fmt.Sprintf("订单从 %s 变为 %s 需要通过对应操作完成 / %s → %s goes through its route "+
					"(confirm-offline, cancel, confirm, after-sales)", from, to, from, to))
		}
		return false, errTransition(from, to)
	case trackingChanged:
		if from != StatusShipped {
			return false, shop.FieldFail("tracking_no", "tracking_locked",
				"只有已发货订单可以修改运单 / only a shipped order's tracking can be corrected")
		}
		if company == "" || number == "" {
			return false, shop.FieldFail("tracking_no", "tracking_required",
				"快递公司和运单号不能为空 / tracking_company and tracking_no are required")
		}
	}
	return false, nil
}

// sameValue compares two field values; JSON values by meaning, so that a
// dashboard re-serializing them is not mistaken for an edit.
func sameValue(a, b any) bool {
	ra, okA := a.(types.JSONRaw)
	rb, okB := b.(types.JSONRaw)
	if okA || okB {
		var va, vb any
		_ = json.Unmarshal(jsonOrNull(ra), &va)
		_ = json.Unmarshal(jsonOrNull(rb), &vb)
		return reflect.DeepEqual(va, vb)
	}
	return fmt.Sprint(a) == fmt.Sprint(b)
}

func jsonOrNull(raw types.JSONRaw) []byte {
	if len(raw) == 0 {
		return []byte("null")
	}
	return raw
}

// bindFactRules keeps order lines, payments and refunds append-only outside
// the orders core: they are facts, corrected by new rows, never edited.
func bindFactRules(app core.App) {
	refuse := func(e *core.RecordEvent) error {
		if isInternal(e.Context) {
			return e.Next()
		}
		return shop.Fail(http.StatusForbidden, "record_immutable",
			"该记录由系统维护，不能手动修改 / this record is kept by the shop core and cannot be edited by hand")
	}
	// note: handler ids are per hook, not per collection, so each
	// collection's handlers get their own (fenxiaoOrdersPaymentsUpdate, ...)
	for _, c := range []struct{ collection, name string }{
		{itemsCollection, "OrderItems"}, {paymentsCollection, "Payments"}, {refundsCollection, "Refunds"},
	} {
		app.OnRecordCreate(c.collection).Bind(&hook.Handler[*core.RecordEvent]{Id: "fenxiaoOrders" + c.name + "Create", Func: refuse})
		app.OnRecordUpdate(c.collection).Bind(&hook.Handler[*core.RecordEvent]{Id: "fenxiaoOrders" + c.name + "Update", Func: refuse})
		app.OnRecordDelete(c.collection).Bind(&hook.Handler[*core.RecordEvent]{Id: "fenxiaoOrders" + c.name + "Delete", Func: refuse})
	}
}
