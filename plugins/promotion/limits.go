package promotion

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"fenxiao/hooks/shop"
	"fenxiao/internal/pricing"
)

// statusCancelled is the only order status that gives a promotion back:
// an unpaid order that was cancelled. Every other order (unpaid, paid,
// shipped, completed, refunded) keeps the use it took.
const statusCancelled = shop.OrderCancelled

// bindLimits makes the per-buyer limits hold for every writer of orders.
//
// The cart and checkout price outside the checkout transaction, with the
// usage counts they read then, so two concurrent checkouts can both see the
// promotion unused. This hook runs on the order's create, inside the
// transaction that takes the stock and writes the order (checkout saves the
// order with its txApp); it recounts the buyer's live orders carrying each
// limited promotion and refuses the order when the limit is already taken.
//
// note: the recount is race free because PocketBase runs every write
// transaction on its nonconcurrent pool, a single connection
// (core/base.go: nonconcurrentDB.DB().SetMaxOpenConns(1);
// core/db_tx.go: RunInTransaction uses app.NonconcurrentDB()), so a second
// checkout's transaction starts only after the first one committed and
// sees its order.
func (p *plugin) bindLimits() {
	p.app.OnRecordCreate(ordersCollection).Bind(&hook.Handler[*core.RecordEvent]{Id: "fenxiaoPromotionOrderLimits", Func: func(e *core.RecordEvent) error {
		applied, err := orderPromotions(e.Record)
		if err != nil {
			return err
		}
		if len(applied) == 0 {
			return e.Next()
		}
		original := e.App
		defer func() { e.App = original }()
		// note: nested in checkout's transaction (a no-op wrapper there);
		// a Go writer without one gets check and insert in one transaction
		return e.App.RunInTransaction(func(txApp core.App) error {
			e.App = txApp
			if err := checkLimits(txApp, e.Record.GetString("buyer"), applied); err != nil {
				return err
			}
			return e.Next()
		})
	}})
}

// orderPromotions returns the promotions applied to an order at checkout.
func orderPromotions(order *core.Record) ([]pricing.Applied, error) {
	var applied []pricing.Applied
	if raw := order.GetString("promotions"); raw != "" && raw != "null" {
		if err := order.UnmarshalJSONField("promotions", &applied); err != nil {
			return nil, fmt.Errorf("order %s promotions: %w", order.Id, err)
		}
	}
	return applied, nil
}

// checkLimits refuses a new order of buyer carrying a promotion whose
// per-buyer limit the buyer's live orders already use up. It must run in
// the transaction that writes the order.
func checkLimits(txApp core.App, buyer string, applied []pricing.Applied) error {
	if buyer == "" {
		return nil
	}
	ids := make([]string, 0, len(applied))
	for _, a := range applied {
		ids = append(ids, a.PromotionId)
	}
	// note: read fresh in the transaction, not from the cache
	records, err := txApp.FindRecordsByIds(promotionsCollection, ids)
	if err != nil {
		return unavailable(err)
	}
	var limited []string
	limits := map[string]*core.Record{}
	for _, r := range records {
		if r.GetInt("per_user_limit") > 0 {
			limited = append(limited, r.Id)
			limits[r.Id] = r
		}
	}
	if len(limited) == 0 {
		return nil
	}
	used, err := usageCounts(txApp, buyer, limited)
	if err != nil {
		return unavailable(err)
	}
	for _, id := range limited {
		r := limits[id]
		limit := r.GetInt("per_user_limit")
		if used[id] >= limit {
			name := r.GetString("name")
			return shop.Fail(http.StatusConflict, "promotion_limit_reached",
				fmt.Sprintf("「%s」每人限用%d次，已被您的其他订单使用，请重新结算 / promotion %s: the per-buyer limit of %d is used by your other orders, please check out again",
					name, limit, name, limit))
		}
	}
	return nil
}

// usageCounts returns how many times the buyer has used each of the given
// promotions: their live orders (any status but cancelled) carrying it on
// orders.promotions. Paid orders also have promotion_usages rows; counting
// orders gives the same answer for them and covers the unpaid ones too.
func usageCounts(app core.App, userId string, promotionIds []string) (map[string]int, error) {
	params := dbx.Params{"buyer": userId, "cancelled": statusCancelled}
	in := make([]string, len(promotionIds))
	for i, id := range promotionIds {
		key := fmt.Sprintf("p%d", i)
		params[key] = id
		in[i] = "{:" + key + "}"
	}
	var rows []struct {
		Promotion string `db:"promotion"`
		N         int    `db:"n"`
	}
	err := app.DB().NewQuery(
		"SELECT json_extract(j.[[value]], '$.promotion') AS promotion, COUNT(DISTINCT o.[[id]]) AS n" +
			" FROM {{" + ordersCollection + "}} o, json_each(CASE WHEN json_valid(o.[[promotions]]) THEN o.[[promotions]] ELSE '[]' END) j" +
			" WHERE o.[[buyer]] = {:buyer} AND o.[[status]] != {:cancelled}" +
			" AND json_extract(j.[[value]], '$.promotion') IN (" + strings.Join(in, ", ") + ")" +
			" GROUP BY 1").
		Bind(params).All(&rows)
	if err != nil {
		return nil, fmt.Errorf("promotion usage: %w", err)
	}
	usage := make(map[string]int, len(rows))
	for _, r := range rows {
		usage[r.Promotion] += r.N
	}
	return usage, nil
}
