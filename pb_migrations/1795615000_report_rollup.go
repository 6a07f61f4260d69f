package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"fenxiao/hooks/shop"
	"fenxiao/internal/rollup"
)

// The console's per-day figures and order counts, kept by triggers in the
// transaction of every change (see fenxiao/internal/rollup) and filled
// from the rows that exist when the migration runs.
func init() {
	m.Register(func(app core.App) error {
		for _, sql := range rollup.CreateSQL() {
			if _, err := app.DB().NewQuery(sql).Execute(); err != nil {
				return err
			}
		}
		_, err := rollup.Rebuild(shop.RollupDB(app.DB()))
		return err
	}, func(app core.App) error {
		for _, sql := range rollup.DropSQL() {
			if _, err := app.DB().NewQuery(sql).Execute(); err != nil {
				return err
			}
		}
		return nil
	})
}
