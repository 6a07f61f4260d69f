package promotion

import (
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/internal/pricing"
)

// onOrderPaid records one promotion_usages row per promotion applied to
// the order (orders.promotions, written at checkout), in the transaction
// that paid it.
func (p *plugin) onOrderPaid(e *shop.OrderEvent) error {
	if err := recordUsage(e.App, e.Order.Record); err != nil {
		return err
	}
	return e.Next()
}

func recordUsage(txApp core.App, order *core.Record) error {
	var applied []pricing.Applied
	if raw := order.GetString("promotions"); raw != "" && raw != "null" {
		if err := order.UnmarshalJSONField("promotions", &applied); err != nil {
			return fmt.Errorf("order %s promotions: %w", order.Id, err)
		}
	}
	if len(applied) == 0 {
		return nil
	}
	ids := make([]string, 0, len(applied))
	for _, a := range applied {
		ids = append(ids, a.PromotionId)
	}
	// note: a promotion deleted since checkout has nothing left to count
	promotions, err := txApp.FindRecordsByIds(promotionsCollection, ids)
	if err != nil {
		return fmt.Errorf("order %s promotions: %w", order.Id, err)
	}
	col, err := txApp.FindCachedCollectionByNameOrId(usagesCollection)
	if err != nil {
		return err
	}
	for _, pr := range promotions {
		n, err := txApp.CountRecords(usagesCollection, dbx.HashExp{"promotion": pr.Id, "order": order.Id})
		if err != nil {
			return err
		}
		if n > 0 {
			continue // already counted: a replayed event changes nothing
		}
		u := core.NewRecord(col)
		u.Set("promotion", pr.Id)
		u.Set("user", order.GetString("buyer"))
		u.Set("order", order.Id)
		if err := txApp.Save(u); err != nil {
			return fmt.Errorf("record usage of promotion %s: %w", pr.Id, err)
		}
	}
	return nil
}
