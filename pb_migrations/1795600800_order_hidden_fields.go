package pb_migrations

import (
	"fmt"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// orderHiddenFields are order fields for the merchant only: the admin's note
// and the upline chain snapshotted at payment (who earns from the order).
// Hidden, buyers never get them through the REST API or realtime and cannot
// filter by them; superusers (dashboard) and Go code still see them.
var orderHiddenFields = []string{"admin_note", "upline_snapshot"}

func init() {
	m.Register(func(app core.App) error {
		return setOrderFieldsHidden(app, true)
	}, func(app core.App) error {
		return setOrderFieldsHidden(app, false)
	})
}

func setOrderFieldsHidden(app core.App, hidden bool) error {
	c, err := app.FindCollectionByNameOrId("orders")
	if err != nil {
		return err
	}
	for _, name := range orderHiddenFields {
		f := c.Fields.GetByName(name)
		if f == nil {
			return fmt.Errorf("orders.%s not found", name)
		}
		f.SetHidden(hidden)
	}
	return app.Save(c)
}
