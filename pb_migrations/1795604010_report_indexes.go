package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// reportIndexes serve the console's figures and daily series. Each covers
// the columns its aggregate reads, so a 90-day sum over a million orders
// reads the index alone and never the order rows.
var reportIndexes = []struct {
	collection, name, columns, where string
}{
	{"orders", "idx_orders_paid_at_payable", "paid_at, payable", ""},
	{"orders", "idx_orders_status_created", "status, created", ""},
	{"refunds", "idx_refunds_status_refunded_at", "status, refunded_at, amount", ""},
	{"users", "idx_users_created", "created", ""},
	{"users", "idx_users_distributor_since", "distributor_since", ""},
	{"withdrawals", "idx_withdrawals_status_payout", "status, payout", ""},
	{"aftersales", "idx_aftersales_status_created", "status, created", ""},
}

func init() {
	m.Register(func(app core.App) error {
		for _, ix := range reportIndexes {
			c, err := app.FindCollectionByNameOrId(ix.collection)
			if err != nil {
				return err
			}
			c.AddIndex(ix.name, false, ix.columns, ix.where)
			if err := app.Save(c); err != nil {
				return err
			}
		}
		return nil
	}, func(app core.App) error {
		for _, ix := range reportIndexes {
			c, err := app.FindCollectionByNameOrId(ix.collection)
			if err != nil {
				continue
			}
			c.RemoveIndex(ix.name)
			if err := app.Save(c); err != nil {
				return err
			}
		}
		return nil
	})
}
