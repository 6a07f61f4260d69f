package backoffice

import (
	"encoding/json"
	"maps"
	"net/http"
	"strconv"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/internal/roles"
)

// offlinePayMethod is orders.pay_method of an order paid by bank transfer
// (the method plugins/offlinepay registers).
const offlinePayMethod = "offline"

// queues are the console's work lists: what each shows, who may see it and
// in which order the work is done (oldest first). Statuses are bound as
// params, the list queries also take {:limit} and {:offset}.
var queues = map[string]struct {
	perms  []string
	count  string
	list   string
	params dbx.Params
}{
	"ship": {
		perms: []string{roles.OrdersShip},
		count: "SELECT COUNT(*) FROM {{orders}} o WHERE o.status = {:status}",
		list: "SELECT o.id, o.order_no, o.status, o.payable, o.quantity, o.paid_at, o.address, o.buyer_note, o.pay_method, " +
			"u.nickname AS buyer_name, u.phone AS buyer_phone, " +
			"(SELECT group_concat(i.title || ' ' || i.spec_text || ' ×' || i.quantity, '；') FROM {{order_items}} i WHERE i.[order] = o.id) AS items " +
			"FROM {{orders}} o LEFT JOIN {{users}} u ON u.id = o.buyer WHERE o.status = {:status} ORDER BY o.paid_at, o.id",
		params: dbx.Params{"status": shop.OrderPaid},
	},
	"offline": {
		perms: []string{roles.PaymentsConfirm},
		count: "SELECT COUNT(*) FROM {{orders}} o WHERE o.status = {:status} AND o.pay_method = {:method}",
		list: "SELECT o.id, o.order_no, o.status, o.payable, o.quantity, o.created, o.expires_at, u.nickname AS buyer_name, u.phone AS buyer_phone " +
			"FROM {{orders}} o LEFT JOIN {{users}} u ON u.id = o.buyer WHERE o.status = {:status} AND o.pay_method = {:method} ORDER BY o.created, o.id",
		params: dbx.Params{"status": shop.OrderPendingPayment, "method": offlinePayMethod},
	},
	"aftersales": {
		perms: []string{roles.AftersalesProcess},
		count: "SELECT COUNT(*) FROM {{aftersales}} a WHERE " + shop.OpenAftersaleSQL("a.status"),
		list: "SELECT a.id, a.type, a.status, a.reason, a.amount_requested, a.amount_approved, a.return_company, a.return_no, a.created, " +
			"o.id AS order_id, o.order_no, o.status AS order_status, u.nickname AS buyer_name, u.phone AS buyer_phone " +
			"FROM {{aftersales}} a LEFT JOIN {{orders}} o ON o.id = a.[order] LEFT JOIN {{users}} u ON u.id = a.buyer " +
			"WHERE " + shop.OpenAftersaleSQL("a.status") + " ORDER BY a.created, a.id",
	},
	"withdrawals": {
		perms: []string{roles.WithdrawalsReview, roles.WithdrawalsPay},
		count: "SELECT COUNT(*) FROM {{withdrawals}} w WHERE w.status IN (" + withdrawalsToDo + ")",
		list: "SELECT w.id, w.status, w.channel, w.amount, w.fee, w.payout, w.account, w.reason, w.transfer_attempts, w.created, w.reviewed_by, " +
			"u.nickname AS user_name, u.phone AS user_phone " +
			"FROM {{withdrawals}} w LEFT JOIN {{users}} u ON u.id = w.user " +
			"WHERE w.status IN (" + withdrawalsToDo + ") ORDER BY w.created, w.id",
		params: withdrawalsToDoParams,
	},
}

// withdrawalsToDo are the params of the withdrawals someone has to act on:
// review (pending), pay or retry (approved, failed), or follow up a
// transfer in flight.
const withdrawalsToDo = "{:w_pending}, {:w_approved}, {:w_failed}, {:w_transferring}, {:w_wait_user_confirm}"

var withdrawalsToDoParams = dbx.Params{
	"w_pending":           shop.WithdrawalPending,
	"w_approved":          shop.WithdrawalApproved,
	"w_failed":            shop.WithdrawalFailed,
	"w_transferring":      shop.WithdrawalTransferring,
	"w_wait_user_confirm": shop.WithdrawalWaitUserConfirm,
}

// queue answers one page of a work list: {total, page, perPage, items}.
func (p *plugin) queue(e *core.RequestEvent) error {
	q, ok := queues[e.Request.PathValue("name")]
	if !ok {
		return shop.Fail(http.StatusNotFound, "queue_not_found", "没有这个待办列表 / unknown queue")
	}
	if e.Auth == nil {
		return shop.Fail(http.StatusUnauthorized, "auth_required", "请先登录 / sign in first")
	}
	if !shop.Can(e.Auth, q.perms...) {
		return shop.Fail(http.StatusForbidden, "permission_denied", "没有权限执行此操作 / your role does not allow this")
	}
	page, perPage := pageParams(e)
	var total int64
	if err := e.App.DB().NewQuery(q.count).Bind(q.params).Row(&total); err != nil {
		return err
	}
	params := dbx.Params{"limit": perPage, "offset": (page - 1) * perPage}
	maps.Copy(params, q.params)
	items, err := rowsAsMaps(e.App, q.list+" LIMIT {:limit} OFFSET {:offset}", params)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, map[string]any{"total": total, "page": page, "perPage": perPage, "items": items})
}

func pageParams(e *core.RequestEvent) (int, int) {
	page, _ := strconv.Atoi(e.Request.URL.Query().Get("page"))
	perPage, _ := strconv.Atoi(e.Request.URL.Query().Get("perPage"))
	if page < 1 {
		page = 1
	}
	if perPage < 1 || perPage > 500 {
		perPage = 50
	}
	return page, perPage
}

// rowsAsMaps runs a read query and returns its rows as JSON objects; JSON
// columns (address, account) are decoded so the console reads them as is.
func rowsAsMaps(app core.App, sql string, params dbx.Params) ([]map[string]any, error) {
	rows, err := app.DB().NewQuery(sql).Bind(params).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	list := []map[string]any{}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		m := make(map[string]any, len(cols))
		for i, c := range cols {
			v := vals[i]
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			if s, ok := v.(string); ok && (c == "address" || c == "account") && s != "" {
				var decoded any
				if json.Unmarshal([]byte(s), &decoded) == nil {
					v = decoded
				}
			}
			m[c] = v
		}
		list = append(list, m)
	}
	return list, rows.Err()
}

// orderDetail answers an order with its lines and buyer, for the packing
// list and the order drawer.
func (p *plugin) orderDetail(e *core.RequestEvent) error {
	id, err := shop.PathId(e, "id")
	if err != nil {
		return err
	}
	params := dbx.Params{"id": id}
	orders, err := rowsAsMaps(e.App, "SELECT o.id, o.order_no, o.status, o.goods_amount, o.discount_amount, o.shipping_fee, o.payable, "+
		"o.refunded_amount, o.quantity, o.address, o.buyer_note, o.admin_note, o.pay_method, o.paid_at, o.shipped_at, o.tracking_company, o.tracking_no, o.created, "+
		"u.nickname AS buyer_name, u.phone AS buyer_phone FROM {{orders}} o LEFT JOIN {{users}} u ON u.id = o.buyer WHERE o.id = {:id} OR o.order_no = {:id}", params)
	if err != nil {
		return err
	}
	if len(orders) == 0 {
		return shop.Fail(http.StatusNotFound, "order_not_found", "订单不存在 / order not found")
	}
	order := orders[0]
	lines, err := rowsAsMaps(e.App, "SELECT id, title, spec_text, unit_price, quantity, paid_amount, refunded_amount, returned_quantity, is_gift "+
		"FROM {{order_items}} WHERE [order] = {:id} ORDER BY created, id", dbx.Params{"id": order["id"]})
	if err != nil {
		return err
	}
	order["lines"] = lines
	return e.JSON(http.StatusOK, order)
}
