package pb_migrations

import (
	"fmt"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// After-sale photos show the buyer's goods and often their home or face:
// they are protected files, served only with a file token
// (POST /api/files/token) of someone the aftersales view rule lets see the
// record (the buyer who applied, or a superuser). Buyers upload them with
// POST /api/shop/aftersales/{id}/photos; there is still no update rule.
func init() {
	m.Register(func(app core.App) error {
		return setAftersalePhotosProtected(app, true)
	}, func(app core.App) error {
		return setAftersalePhotosProtected(app, false)
	})
}

func setAftersalePhotosProtected(app core.App, protected bool) error {
	c, err := app.FindCollectionByNameOrId("aftersales")
	if err != nil {
		return err
	}
	f, ok := c.Fields.GetByName("photos").(*core.FileField)
	if !ok {
		return fmt.Errorf("aftersales.photos is not a file field")
	}
	f.Protected = protected
	return app.Save(c)
}
