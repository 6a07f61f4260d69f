package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// What GET /api/shop/distribution/leaderboard shows, and to whom, is the
// merchant's choice (shop_settings.leaderboard_visibility):
//
//   - off: nobody but superusers;
//   - members_masked (default): signed-in users, nicknames masked, no user ids;
//   - members: signed-in users, full nicknames, no user ids;
//   - public_masked: anyone, nicknames masked, no user ids;
//   - public: anyone, full nicknames and user ids (the behaviour before).
func init() {
	m.Register(func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("shop_settings")
		if err != nil {
			return err
		}
		c.Fields.Add(&core.SelectField{Name: "leaderboard_visibility", MaxSelect: 1,
			Values: []string{"off", "members_masked", "members", "public_masked", "public"}})
		if err := app.Save(c); err != nil {
			return err
		}
		r, err := app.FindRecordById(c, "shopsettings001")
		if err != nil {
			return nil // no settings record to fill in
		}
		r.Set("leaderboard_visibility", "members_masked")
		return app.Save(r)
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("shop_settings")
		if err != nil {
			return err
		}
		c.Fields.RemoveByName("leaderboard_visibility")
		return app.Save(c)
	})
}
