package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// commission_orders lets a distributor read the order number of each of
// their commissions: the order itself is the buyer's and stays closed to
// the upline, so the H5 commission rows showed its id. A read-only view,
// one row per commission, readable by its beneficiary only.
func init() {
	m.Register(func(app core.App) error {
		v := core.NewViewCollection("commission_orders")
		v.ViewQuery = `SELECT c.id, c.beneficiary, o.order_no
			FROM commissions c LEFT JOIN orders o ON o.id = c.[order]`
		v.ListRule = types.Pointer("beneficiary = @request.auth.id")
		v.ViewRule = types.Pointer("beneficiary = @request.auth.id")
		return app.Save(v)
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("commission_orders")
		if err != nil {
			return nil
		}
		return app.Delete(c)
	})
}
