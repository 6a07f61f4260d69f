package pb_migrations

import (
	"strings"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Notifications that reach people outside the app.
//
// notifications gains "data" (the facts a channel template fills in: order
// number, amount, reason, ...) and loses its required user: notifications
// for the merchant's staff (kinds "staff_*") belong to no buyer and are
// seen by superusers only (no rule matches an empty user).
//
// notification_deliveries is the outbox: one row per notification and
// channel (unique), written in the business transaction with the
// notification and delivered after the commit by the outbox worker.
// Statuses: pending (due at next_at) → sent | failed (gave up) | skipped
// (the channel cannot reach the person: no subscription, no phone).
// Superusers only: last_error may name provider accounts.
//
// notification_prefs holds a user's switched-off channels per kind:
// muted = {"order_shipped": ["sms", "wechat_subscribe"], ...}. The core
// ignores it for money events.
func init() {
	m.Register(func(app core.App) error {
		users, err := app.FindCollectionByNameOrId("users")
		if err != nil {
			return err
		}
		n, err := app.FindCollectionByNameOrId("notifications")
		if err != nil {
			return err
		}
		if f, ok := n.Fields.GetByName("user").(*core.RelationField); ok {
			f.Required = false
		}
		n.Fields.Add(&core.JSONField{Name: "data", MaxSize: 4 << 10})
		if n.UpdateRule != nil {
			// the owner still may only mark a notification read
			n.UpdateRule = types.Pointer(*n.UpdateRule + " && @request.body.data:isset = false")
		}
		n.AddIndex("idx_notifications_kind", false, "kind, created", "")
		if err := app.Save(n); err != nil {
			return err
		}

		d := core.NewBaseCollection("notification_deliveries")
		d.Fields.Add(relationTo("notification", n.Id, true, true))
		d.Fields.Add(&core.TextField{Name: "channel", Required: true, Max: 32})
		d.Fields.Add(&core.SelectField{Name: "status", Required: true, MaxSelect: 1,
			Values: []string{"pending", "sent", "failed", "skipped"}})
		d.Fields.Add(intField("attempts", 0))
		d.Fields.Add(&core.DateField{Name: "next_at"})
		d.Fields.Add(&core.DateField{Name: "sent_at"})
		d.Fields.Add(&core.TextField{Name: "last_error", Max: 1000})
		addTimestamps(d)
		d.AddIndex("idx_notification_deliveries_key", true, "notification, channel", "")
		d.AddIndex("idx_notification_deliveries_due", false, "status, next_at", "")
		if err := app.Save(d); err != nil {
			return err
		}

		p := core.NewBaseCollection("notification_prefs")
		p.Fields.Add(relationTo("user", users.Id, true, true))
		p.Fields.Add(&core.JSONField{Name: "muted", MaxSize: 4 << 10})
		addTimestamps(p)
		p.AddIndex("idx_notification_prefs_user", true, "user", "")
		own := "user = @request.auth.id"
		p.ListRule = types.Pointer(own)
		p.ViewRule = types.Pointer(own)
		p.CreateRule = types.Pointer("@request.auth.id != '' && @request.body.user = @request.auth.id")
		p.UpdateRule = types.Pointer(own + " && @request.body.user:isset = false")
		return app.Save(p)
	}, func(app core.App) error {
		for _, name := range []string{"notification_prefs", "notification_deliveries"} {
			if c, err := app.FindCollectionByNameOrId(name); err == nil {
				if err := app.Delete(c); err != nil {
					return err
				}
			}
		}
		// note: staff notifications have no user and cannot stay once it is required
		if _, err := app.DB().NewQuery("DELETE FROM {{notifications}} WHERE [[user]] = ''").Execute(); err != nil {
			return err
		}
		n, err := app.FindCollectionByNameOrId("notifications")
		if err != nil {
			return err
		}
		n.Fields.RemoveByName("data")
		if n.UpdateRule != nil {
			n.UpdateRule = types.Pointer(strings.TrimSuffix(*n.UpdateRule, " && @request.body.data:isset = false"))
		}
		n.RemoveIndex("idx_notifications_kind")
		if f, ok := n.Fields.GetByName("user").(*core.RelationField); ok {
			f.Required = true
		}
		return app.Save(n)
	})
}
