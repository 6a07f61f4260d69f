package hooks

import (
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// FirstSuperuser is the superuser created when the server starts on a
// database that has none (FENXIAO_ADMIN_EMAIL and FENXIAO_ADMIN_PASSWORD):
// a container comes up with a dashboard login instead of PocketBase's
// one-time installer link, which a headless deployment never sees.
type FirstSuperuser struct {
	Email    string
	Password string
}

// bindFirstSuperuser creates config's superuser on serve when both fields
// are set and no superuser exists yet (PocketBase's temporary installer
// account does not count). An existing shop is never touched: changing the
// variables later does not change or add any account.
func bindFirstSuperuser(app core.App, config FirstSuperuser) {
	if config.Email == "" || config.Password == "" {
		return
	}
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		n, err := se.App.CountRecords(core.CollectionNameSuperusers,
			dbx.Not(dbx.HashExp{"email": core.DefaultInstallerEmail}))
		if err != nil {
			return fmt.Errorf("first superuser: %w", err)
		}
		if n > 0 {
			return se.Next()
		}
		c, err := se.App.FindCachedCollectionByNameOrId(core.CollectionNameSuperusers)
		if err != nil {
			return fmt.Errorf("first superuser: %w", err)
		}
		su := core.NewRecord(c)
		su.SetEmail(config.Email)
		su.SetPassword(config.Password)
		// note: a refused e-mail or a short password stops the server with the reason
		if err := se.App.Save(su); err != nil {
			return fmt.Errorf("first superuser %s from FENXIAO_ADMIN_EMAIL/FENXIAO_ADMIN_PASSWORD: %w", config.Email, err)
		}
		se.App.Logger().Info("first superuser created", "email", config.Email)
		return se.Next()
	})
}
