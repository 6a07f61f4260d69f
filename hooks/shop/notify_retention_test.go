package shop_test

import (
	"testing"

	"github.com/pocketbase/dbx"

	"fenxiao/hooks/shop"
	"fenxiao/tests"
)

// TestNotificationRetention: the job deletes finished deliveries and read
// notifications older than the retention (with their deliveries), and
// keeps unread notifications, pending deliveries and anything younger;
// the setting moves the line.
func TestNotificationRetention(t *testing.T) {
	app, s := tests.NewShopApp(t)
	user, _ := tests.User(t, app, "n@test.local", nil)
	note := func(read bool, age string) string {
		n := tests.Save(t, app, "notifications", map[string]any{"user": user.Id, "kind": "order_shipped", "title": "已发货", "read": read})
		if _, err := app.DB().NewQuery("UPDATE notifications SET created = datetime('now', {:age}) WHERE id = {:id}").
			Bind(dbx.Params{"age": age, "id": n.Id}).Execute(); err != nil {
			t.Fatal(err)
		}
		return n.Id
	}
	delivery := func(notification, channel, status, age string) string {
		d := tests.Save(t, app, "notification_deliveries", map[string]any{"notification": notification, "channel": channel, "status": status})
		if _, err := app.DB().NewQuery("UPDATE notification_deliveries SET created = datetime('now', {:age}) WHERE id = {:id}").
			Bind(dbx.Params{"age": age, "id": d.Id}).Execute(); err != nil {
			t.Fatal(err)
		}
		return d.Id
	}
	oldRead := note(true, "-100 days")
	oldReadPending := delivery(oldRead, "sms", "pending", "-100 days") // goes with its notification
	oldUnread := note(false, "-100 days")
	oldSent := delivery(oldUnread, "sms", "sent", "-100 days")
	oldPending := delivery(oldUnread, "wechat", "pending", "-100 days")
	youngRead := note(true, "-10 days")
	youngSent := delivery(youngRead, "sms", "sent", "-10 days")

	exists := func(collection, id string) bool {
		_, err := app.FindRecordById(collection, id)
		return err == nil
	}
	res, err := s.RunJob(app, "notification_retention")
	if err != nil || res.Error != "" {
		t.Fatalf("run: %v %+v", err, res)
	}
	if res.Summary != "deleted 1 deliveries and 1 read notifications older than 90 days" {
		t.Errorf("summary %q", res.Summary)
	}
	for _, c := range []struct {
		collection, id string
		kept           bool
	}{
		{"notifications", oldRead, false}, {"notification_deliveries", oldReadPending, false},
		{"notifications", oldUnread, true}, {"notification_deliveries", oldSent, false},
		{"notification_deliveries", oldPending, true},
		{"notifications", youngRead, true}, {"notification_deliveries", youngSent, true},
	} {
		if exists(c.collection, c.id) != c.kept {
			t.Errorf("%s %s kept = %v, want %v", c.collection, c.id, !c.kept, c.kept)
		}
	}

	// a shorter retention reaches the younger ones
	settings, err := app.FindFirstRecordByFilter(shop.SettingsCollection, "")
	if err != nil {
		t.Fatal(err)
	}
	settings.Set("notification_retention_days", 7)
	if err := app.Save(settings); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RunJob(app, "notification_retention"); err != nil {
		t.Fatal(err)
	}
	if exists("notifications", youngRead) || exists("notification_deliveries", youngSent) || !exists("notifications", oldUnread) {
		t.Error("a 7-day retention kept the 10-day-old read notification or dropped an unread one")
	}
}
