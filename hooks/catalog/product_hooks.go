package catalog

import (
	"context"
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/spf13/cast"

	"fenxiao/hooks/shop"
)

// shelfRuleKey marks the context of a product save made by the stock rules
// ([syncProductStock]), the only writer allowed to record off_reason
// "sold_out": see [keepOffReasonHonest].
type shelfRuleKey struct{}

// shelfRuleContext returns the context the stock rules save products with.
func shelfRuleContext() context.Context {
	return context.WithValue(context.Background(), shelfRuleKey{}, true)
}

func isShelfRule(ctx context.Context) bool {
	v, _ := ctx.Value(shelfRuleKey{}).(bool)
	return v
}

// bindProductHooks keeps the server-owned product fields right for every
// writer (dashboard, API, Go code).
func bindProductHooks(app core.App) {
	app.OnRecordCreate(productsCollection).Bind(&hook.Handler[*core.RecordEvent]{Id: "fenxiaoCatalogProductCreate", Func: func(e *core.RecordEvent) error {
		normalizeShelf(e.Record)
		return e.Next()
	}})

	app.OnRecordUpdateRequest(productsCollection).Bind(&hook.Handler[*core.RecordRequestEvent]{Id: "fenxiaoCatalogProductShelfRequest", Func: manualShelfRequest})

	app.OnRecordUpdate(productsCollection).Bind(&hook.Handler[*core.RecordEvent]{Id: "fenxiaoCatalogProductUpdate", Func: func(e *core.RecordEvent) error {
		return inTx(e, func(txApp core.App) error {
			normalizeShelf(e.Record)
			if !isShelfRule(e.Context) {
				if err := keepOffReasonHonest(txApp, e.Record); err != nil {
					return err
				}
			}
			if err := keepServerFields(txApp, e.Record); err != nil {
				return err
			}
			return e.Next()
		})
	}})
}

// normalizeShelf keeps status and off_reason consistent: an on-shelf product
// has no off reason, and taking one off by hand records "manual".
func normalizeShelf(r *core.Record) {
	switch r.GetString("status") {
	case StatusOn:
		r.Set("off_reason", "")
	case StatusOff:
		if r.GetString("off_reason") == "" {
			r.Set("off_reason", OffManual)
		}
	}
}

// keepOffReasonHonest is applied to every product update not made by the
// stock rules (dashboard, API, other Go code): such a writer cannot newly
// claim "sold_out", so a product it takes off the shelf is off by hand and
// stays off when restocked. "Newly" is judged against the database row, not
// r.Original(), which a record saved twice by Go code does not refresh.
func keepOffReasonHonest(txApp core.App, r *core.Record) error {
	if r.GetString("status") != StatusOff || r.GetString("off_reason") != OffSoldOut {
		return nil
	}
	var row struct {
		Status    string `db:"status"`
		OffReason string `db:"off_reason"`
	}
	err := txApp.DB().Select("status", "off_reason").From(productsCollection).
		Where(dbx.HashExp{"id": r.Id}).One(&row)
	if err != nil {
		return fmt.Errorf("read product %s: %w", r.Id, err)
	}
	if row.Status != StatusOff || row.OffReason != OffSoldOut {
		r.Set("off_reason", OffManual)
	}
	return nil
}

// manualShelfRequest makes an explicit off-shelf request a manual one: a
// dashboard or API update naming status "off" without also naming
// off_reason "sold_out" records off_reason "manual", also on a product the
// stock rules had already taken off as sold out, so that a later restock
// does not put it back on against the admin's will. (The dashboard form
// sends every field; saving it unchanged keeps the reason it shows.)
func manualShelfRequest(e *core.RecordRequestEvent) error {
	info, err := e.RequestInfo()
	if err != nil {
		return err
	}
	if status, ok := info.Body["status"]; ok && cast.ToString(status) == StatusOff &&
		cast.ToString(info.Body["off_reason"]) != OffSoldOut {
		e.Record.Set("off_reason", OffManual)
	}
	return e.Next()
}

// keepServerFields overwrites the fields the server maintains with their
// current database values, so that a dashboard form saved with stale figures
// cannot roll back sales or stock.
func keepServerFields(txApp core.App, r *core.Record) error {
	var row struct {
		Sales    int   `db:"sales"`
		Stock    int   `db:"stock"`
		MinPrice int64 `db:"min_price"`
		MaxPrice int64 `db:"max_price"`
	}
	err := shop.TxQuery(txApp, `SELECT [[sales]],
			COALESCE((SELECT SUM([[stock]]) FROM {{skus}} WHERE [[product]] = {:id}), 0) AS [[stock]],
			COALESCE((SELECT MIN([[price]]) FROM {{skus}} WHERE [[product]] = {:id}), 0) AS [[min_price]],
			COALESCE((SELECT MAX([[price]]) FROM {{skus}} WHERE [[product]] = {:id}), 0) AS [[max_price]]
		FROM {{products}} WHERE [[id]] = {:id}`).
		Bind(dbx.Params{"id": r.Id}).One(&row)
	if err != nil {
		return fmt.Errorf("read product %s: %w", r.Id, err)
	}
	r.Set("sales", row.Sales)
	r.Set("stock", row.Stock)
	r.Set("min_price", row.MinPrice)
	r.Set("max_price", row.MaxPrice)
	return nil
}

// inTx runs fn with e.App switched to a transaction for the rest of the
// hook chain (e.Next() included), reusing the caller's transaction if any.
func inTx(e *core.RecordEvent, fn func(txApp core.App) error) error {
	original := e.App
	defer func() { e.App = original }()
	return e.App.RunInTransaction(func(txApp core.App) error {
		e.App = txApp
		return fn(txApp)
	})
}
