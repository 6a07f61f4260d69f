package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// Three indexes of orders hold only the rows their queries look for.
//
// Every order was written into each of them at checkout and moved at
// payment (a delete and an insert each), and the commit writes every page
// those touch; under load they were about a sixteenth of the pages the
// writer committed without uplines. Now:
//
//   - the auto-cancel job and the payment reconciliation look among unpaid
//     orders: idx_orders_pending_expires holds those alone (an order leaves
//     it when paid or cancelled);
//   - the auto-confirm job looks among shipped orders:
//     idx_orders_shipped_at holds those alone (checkout and payment never
//     touch it);
//   - the rankings read paid orders by paid_at: idx_orders_paid_payable,
//     which replaces idx_orders_paid_at_payable, leaves out the unpaid
//     ones, whose paid_at is empty (checkout no longer touches it).
//
// SQLite uses a partial index only for a query whose WHERE repeats its
// condition literally; the jobs and the rankings do. The first two keep
// status as their first column although it is the same in every row: with
// it the planner sees them serve the status term and the range, and
// prefers them to idx_orders_status_created.
var orderPartialIndexes = []struct {
	old, oldColumns string
	new, columns    string
	where           string
}{
	{"idx_orders_status_expires", "status, expires_at", "idx_orders_pending_expires", "status, expires_at", "status = 'pending_payment'"},
	{"idx_orders_status_shipped", "status, shipped_at", "idx_orders_shipped_at", "status, shipped_at", "status = 'shipped'"},
	{"idx_orders_paid_at_payable", "paid_at, payable", "idx_orders_paid_payable", "paid_at, payable", "paid_at != ''"},
}

func init() {
	m.Register(func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("orders")
		if err != nil {
			return err
		}
		for _, ix := range orderPartialIndexes {
			c.RemoveIndex(ix.old)
			c.AddIndex(ix.new, false, ix.columns, ix.where)
		}
		return app.Save(c)
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("orders")
		if err != nil {
			return err
		}
		for _, ix := range orderPartialIndexes {
			c.RemoveIndex(ix.new)
			c.AddIndex(ix.old, false, ix.oldColumns, "")
		}
		return app.Save(c)
	})
}
