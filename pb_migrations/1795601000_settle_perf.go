package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// The settlement job walks the frozen commissions in table (rowid) order,
// so that a batch updates neighbouring pages instead of pages all over the
// table. idx_commissions_frozen_seq holds only the frozen rows, keyed by
// the constant status, i.e. in rowid order; it replaces
// idx_commissions_frozen (beneficiary, id), which only the job used, so the
// UPDATE that settles a commission still maintains one partial index.
func init() {
	m.Register(func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("commissions")
		if err != nil {
			return err
		}
		c.RemoveIndex("idx_commissions_frozen")
		c.AddIndex("idx_commissions_frozen_seq", false, "status", "status = 'frozen'")
		return app.Save(c)
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("commissions")
		if err != nil {
			return err
		}
		c.RemoveIndex("idx_commissions_frozen_seq")
		c.AddIndex("idx_commissions_frozen", false, "beneficiary, id", "status = 'frozen'")
		return app.Save(c)
	})
}
