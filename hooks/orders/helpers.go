package orders

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/hooks/shop"
	"fenxiao/internal/money"
)

var (
	errOrderNotFound = shop.Fail(http.StatusNotFound, "order_not_found", "订单不存在 / order not found")
	errNotPayable    = shop.Fail(http.StatusConflict, "order_not_payable", "订单不是待支付状态 / the order is not awaiting payment")
)

// validId is [shop.ValidId], the one id check of the shop.
var validId = shop.ValidId

// findOrder loads an order; with buyerId set it must belong to that buyer
// (another buyer's order is reported as not found).
func findOrder(app core.App, id, buyerId string) (*core.Record, error) {
	if !validId(id) {
		return nil, errOrderNotFound
	}
	o, err := shop.FindRecordById(app, ordersCollection, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errOrderNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find order %s: %w", id, err)
	}
	if buyerId != "" && o.GetString("buyer") != buyerId {
		return nil, errOrderNotFound
	}
	return o, nil
}

// orderItems returns the lines of an order in checkout order.
func orderItems(app core.App, orderId string) ([]*core.Record, error) {
	// note: a plain indexed query; every payment, cancel and refund reads
	// the lines, and a filter expression costs more to parse than to run
	var items []*core.Record
	err := app.RecordQuery(itemsCollection).
		AndWhere(dbx.HashExp{"order": orderId}).
		All(&items)
	if err != nil {
		return nil, fmt.Errorf("order items of %s: %w", orderId, err)
	}
	shop.SortByCreated(items, false)
	return items, nil
}

// linesByOrderNo returns the lines of the order numbered orderNo in
// checkout order, none when there is no such order.
func linesByOrderNo(app core.App, orderNo string) ([]*core.Record, error) {
	items, err := shop.FindRecords(app, itemsCollection,
		"`order` = (SELECT `id` FROM `"+ordersCollection+"` WHERE `order_no` = ?)", orderNo)
	if err != nil {
		return nil, fmt.Errorf("order items of %s: %w", orderNo, err)
	}
	shop.SortByCreated(items, false)
	return items, nil
}

// moveStatus claims an order's transition with a conditional update
// (status = from), then saves r (loaded in the same transaction) with the
// new status and the fields set by the caller, so that record hooks and
// realtime see the change. Another writer that got there first makes it
// fail with 409 order_status_changed and change nothing. The save skips
// field validation (see saveBuilt): callers set only values the core
// computed or bounded itself.
func moveStatus(txApp core.App, r *core.Record, from, to string) error {
	res, err := shop.TxQuery(txApp, "UPDATE {{orders}} SET [[status]] = {:to} WHERE [[id]] = {:id} AND [[status]] = {:from}").
		Bind(dbx.Params{"to": to, "id": r.Id, "from": from}).Execute()
	if err != nil {
		return fmt.Errorf("move order %s to %s: %w", r.Id, to, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return shop.Fail(http.StatusConflict, "order_status_changed",
			"订单状态已变化，请刷新 / the order's status changed, reload it")
	}
	r.Set("status", to)
	return saveBuilt(txApp, r)
}

// sendNotice records a buyer (or staff, userId "") notification in app's transaction (see
// [shop.Notify]); realtime subscribers get the row and the outbox its
// deliveries after the commit.
func sendNotice(app core.App, userId, kind, title, body, ref string, data ...map[string]string) error {
	n := shop.Notification{UserId: userId, Kind: kind, Title: title, Body: body, RefId: ref}
	if len(data) > 0 {
		n.Data = data[0]
	}
	return shop.Notify(app, n)
}

// nowDate returns the current time as a PocketBase date.
func nowDate() types.DateTime {
	return types.NowDateTime()
}

func yuan(fen int64) string { return money.Yuan(fen) }
