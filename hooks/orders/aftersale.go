package orders

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
)

// After-sale types and statuses (see the orders migration for the flow).
const (
	TypeRefund       = "refund"
	TypeReturnRefund = "return_refund"
	TypeExchange     = "exchange"

	AsApplied   = "applied"
	AsApproved  = "approved"
	AsRejected  = "rejected"
	AsReturning = "returning"
	AsReceived  = "received"
	AsRefunded  = "refunded"
	AsReshipped = "reshipped"
	AsClosed    = "closed"
)

// openAftersaleStatuses are the statuses of an after-sale still in progress.
var openAftersaleStatuses = []string{AsApplied, AsApproved, AsReturning, AsReceived}

// AftersaleLine is one line of an after-sale (aftersales.items).
type AftersaleLine struct {
	OrderItem string `json:"order_item"`
	Quantity  int    `json:"quantity"`
	Amount    int64  `json:"amount"`
}

type aftersaleForm struct {
	Order  string          `json:"order"`
	Type   string          `json:"type"`
	Items  []AftersaleLine `json:"items"`
	Reason string          `json:"reason"`
}

var errAftersaleNotFound = shop.Fail(http.StatusNotFound, "aftersale_not_found", "售后单不存在 / after-sale not found")

// aftersaleCreate handles POST /api/shop/aftersales
// {order, type, items: [{order_item, quantity, amount?}], reason}.
//
// Refund-only is open while the order is paid or shipped, and for
// aftersale_days after completion; returns and exchanges once it shipped.
// A line's amount defaults to its share of what was paid for it and is
// never more than paid minus already refunded; a line can be in one open
// after-sale at a time.
func (p *plugin) aftersaleCreate(e *core.RequestEvent) error {
	form := aftersaleForm{}
	if err := shop.BindBody(e, &form); err != nil {
		return err
	}
	switch form.Type {
	case TypeRefund, TypeReturnRefund, TypeExchange:
	default:
		return shop.FieldFail("type", "invalid_aftersale_type", "售后类型无效 / type must be refund, return_refund or exchange")
	}
	if len(form.Items) == 0 || len(form.Items) > 50 {
		return shop.FieldFail("items", "aftersale_items_required", "请选择售后商品 / choose the lines")
	}
	if len([]rune(form.Reason)) > 500 {
		return shop.FieldFail("reason", "reason_too_long", "原因最多500字 / the reason is at most 500 characters")
	}

	var created *core.Record
	err := e.App.RunInTransaction(func(txApp core.App) error {
		order, err := findOrder(txApp, form.Order, e.Auth.Id)
		if err != nil {
			return err
		}
		if err := aftersaleAllowed(txApp, order, form.Type); err != nil {
			return err
		}
		items, err := orderItems(txApp, order.Id)
		if err != nil {
			return err
		}
		byId := map[string]*core.Record{}
		for _, it := range items {
			byId[it.Id] = it
		}
		busy, err := itemsInOpenAftersales(txApp, order.Id)
		if err != nil {
			return err
		}

		lines := make([]AftersaleLine, 0, len(form.Items))
		seen := map[string]bool{}
		var total int64
		for i, l := range form.Items {
			it := byId[l.OrderItem]
			if it == nil || seen[l.OrderItem] {
				return shop.FieldFail("items", "invalid_order_item", fmt.Sprintf("第%d行不是该订单的商品 / line %d is not a line of the order", i+1, i+1))
			}
			seen[l.OrderItem] = true
			if busy[it.Id] {
				return shop.Fail(http.StatusConflict, "aftersale_open",
					fmt.Sprintf("「%s」已有进行中的售后 / %s already has an after-sale in progress", it.GetString("title"), it.GetString("title")))
			}
			left := it.GetInt("quantity") - it.GetInt("returned_quantity")
			if l.Quantity < 1 || l.Quantity > left {
				return shop.FieldFail("items", "invalid_quantity", fmt.Sprintf("第%d行数量应在1到%d之间 / line %d: quantity must be 1..%d", i+1, left, i+1, left))
			}
			if form.Type == TypeExchange {
				l.Amount = 0
			} else {
				if it.GetBool("is_gift") {
					return shop.FieldFail("items", "gift_not_refundable", "赠品不能退款 / gifts cannot be refunded")
				}
				line := shop.AsOrderItem(it)
				refundable := line.PaidAmount() - line.RefundedAmount()
				if l.Amount == 0 {
					l.Amount = defaultRefund(it, l.Quantity)
				}
				if l.Amount <= 0 || l.Amount > refundable {
					return shop.FieldFail("items", "refund_exceeds_paid",
						fmt.Sprintf("第%d行退款金额应在0.01到%s元之间 / line %d: amount must be 1..%d fen", i+1, yuan(refundable), i+1, refundable))
				}
			}
			total += l.Amount
			lines = append(lines, AftersaleLine{OrderItem: it.Id, Quantity: l.Quantity, Amount: l.Amount})
		}

		col, err := txApp.FindCachedCollectionByNameOrId(aftersalesCollection)
		if err != nil {
			return err
		}
		as := core.NewRecord(col)
		as.Set("order", order.Id)
		as.Set("buyer", e.Auth.Id)
		as.Set("items", lines)
		as.Set("type", form.Type)
		as.Set("reason", strings.TrimSpace(form.Reason))
		as.Set("amount_requested", total)
		as.Set("status", AsApplied)
		if err := save(txApp, as); err != nil {
			return err
		}
		created = as
		return notifyStaffAftersale(txApp, order, as)
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, created)
}

// defaultRefund is qty units' share of what was paid for a line, and the
// whole rest when they are the last units not yet refunded.
func defaultRefund(it *core.Record, qty int) int64 {
	line := shop.AsOrderItem(it)
	paid := line.PaidAmount()
	refundable := paid - line.RefundedAmount()
	total := it.GetInt("quantity")
	if total <= 0 {
		return 0
	}
	if qty >= total-it.GetInt("returned_quantity") {
		return refundable
	}
	return min(paid*int64(qty)/int64(total), refundable)
}

// aftersaleAllowed checks the order's status and the after-sale window.
func aftersaleAllowed(app core.App, order *core.Record, kind string) error {
	status := order.GetString("status")
	switch status {
	case StatusPaid:
		if kind != TypeRefund {
			return shop.Fail(http.StatusConflict, "aftersale_not_shipped", "订单未发货，只能申请仅退款 / not shipped yet: refund only")
		}
		return nil
	case StatusShipped:
		return nil
	case StatusCompleted:
		settings, err := shop.LoadSettings(app)
		if err != nil {
			return err
		}
		days := settings.AftersaleDays
		if days <= 0 {
			days = 7
		}
		if time.Since(order.GetDateTime("completed_at").Time()) > time.Duration(days)*24*time.Hour {
			return shop.Fail(http.StatusConflict, "aftersale_window_closed",
				fmt.Sprintf("已超过%d天售后期 / the %d-day after-sale period is over", days, days))
		}
		return nil
	default:
		return shop.Fail(http.StatusConflict, "aftersale_not_allowed", "该订单不能申请售后 / this order cannot have an after-sale")
	}
}

// itemsInOpenAftersales returns the order lines in an open after-sale.
func itemsInOpenAftersales(app core.App, orderId string) (map[string]bool, error) {
	open, err := app.FindAllRecords(aftersalesCollection, dbx.HashExp{"order": orderId},
		dbx.In("status", toAny(openAftersaleStatuses)...))
	if err != nil {
		return nil, err
	}
	busy := map[string]bool{}
	for _, as := range open {
		for _, l := range aftersaleLines(as) {
			busy[l.OrderItem] = true
		}
	}
	return busy, nil
}

func aftersaleLines(as *core.Record) []AftersaleLine {
	var lines []AftersaleLine
	_ = as.UnmarshalJSONField("items", &lines)
	return lines
}

func toAny(list []string) []any {
	out := make([]any, len(list))
	for i, s := range list {
		out[i] = s
	}
	return out
}

// findAftersale loads an after-sale; with buyerId set it must be theirs.
func findAftersale(app core.App, id, buyerId string) (*core.Record, error) {
	if !validId(id) {
		return nil, errAftersaleNotFound
	}
	as, err := app.FindRecordById(aftersalesCollection, id)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && buyerId != "" && as.GetString("buyer") != buyerId) {
		return nil, errAftersaleNotFound
	}
	return as, err
}

// moveAftersale changes an after-sale's status in txApp after checking it
// is still from (the caller sets the other fields first).
func moveAftersale(txApp core.App, as *core.Record, from []string, to string) error {
	current := as.GetString("status")
	ok := false
	for _, f := range from {
		ok = ok || f == current
	}
	if !ok {
		return shop.Fail(http.StatusConflict, "aftersale_transition_not_allowed",
			fmt.Sprintf("售后单状态为 %s，不能变为 %s / an after-sale in %s cannot become %s", current, to, current, to))
	}
	as.Set("status", to)
	if to == AsRejected || to == AsClosed || to == AsRefunded || to == AsReshipped {
		as.Set("closed_at", nowDate())
	}
	return save(txApp, as)
}

// aftersaleReturn handles POST /api/shop/aftersales/{id}/return
// {return_company, return_no}: the buyer sent the goods back.
func (p *plugin) aftersaleReturn(e *core.RequestEvent) error {
	form := struct {
		Company string `json:"return_company"`
		Number  string `json:"return_no"`
	}{}
	if err := shop.BindBody(e, &form); err != nil {
		return err
	}
	form.Company, form.Number = strings.TrimSpace(form.Company), strings.TrimSpace(form.Number)
	if form.Company == "" || form.Number == "" || len(form.Company) > 32 || len(form.Number) > 64 {
		return shop.FieldFail("return_no", "tracking_required", "请填写退货快递公司和运单号 / return_company and return_no are required")
	}
	id, err := shop.PathId(e, "id")
	if err != nil {
		return err
	}
	var as *core.Record
	err = e.App.RunInTransaction(func(txApp core.App) error {
		var err error
		if as, err = findAftersale(txApp, id, e.Auth.Id); err != nil {
			return err
		}
		if as.GetString("type") == TypeRefund {
			return shop.Fail(http.StatusConflict, "aftersale_no_return", "仅退款无需退货 / a refund-only after-sale has no return")
		}
		as.Set("return_company", form.Company)
		as.Set("return_no", form.Number)
		return moveAftersale(txApp, as, []string{AsApproved}, AsReturning)
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, as)
}

// aftersaleClose handles POST /api/shop/aftersales/{id}/close: the buyer
// withdraws an after-sale that is not being refunded.
func (p *plugin) aftersaleClose(e *core.RequestEvent) error {
	id, err := shop.PathId(e, "id")
	if err != nil {
		return err
	}
	var as *core.Record
	err = e.App.RunInTransaction(func(txApp core.App) error {
		var err error
		if as, err = findAftersale(txApp, id, e.Auth.Id); err != nil {
			return err
		}
		if n, _ := txApp.CountRecords(refundsCollection, dbx.HashExp{"aftersale": as.Id}); n > 0 {
			return shop.Fail(http.StatusConflict, "refund_in_progress", "退款处理中，不能关闭 / a refund is under way")
		}
		return moveAftersale(txApp, as, []string{AsApplied, AsApproved, AsReturning}, AsClosed)
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, as)
}
