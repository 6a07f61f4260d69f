package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// wx_subscriptions counts a user's one-time WeChat subscribe-message
// permissions per template: each "accept" in wx.requestSubscribeMessage
// allows one message, which the wxsubscribe plugin spends when it sends.
// Users read their own counts; only the plugin writes them.
func init() {
	m.Register(func(app core.App) error {
		users, err := app.FindCollectionByNameOrId("users")
		if err != nil {
			return err
		}
		c := core.NewBaseCollection("wx_subscriptions")
		c.Fields.Add(relationTo("user", users.Id, true, true))
		c.Fields.Add(&core.TextField{Name: "template_id", Required: true, Max: 64})
		c.Fields.Add(intField("count", 0))
		addTimestamps(c)
		c.AddIndex("idx_wx_subscriptions_key", true, "user, template_id", "")
		own := "user = @request.auth.id"
		c.ListRule = types.Pointer(own)
		c.ViewRule = types.Pointer(own)
		return app.Save(c)
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("wx_subscriptions")
		if err != nil {
			return nil
		}
		return app.Delete(c)
	})
}
