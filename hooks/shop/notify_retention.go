package shop

import (
	"fmt"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// DefaultNotificationRetentionDays is how long read notifications and
// finished deliveries are kept when shop_settings.notification_retention_days
// is unset or not positive.
const DefaultNotificationRetentionDays = 90

// retentionBatch bounds one delete, so the job never holds the single
// writer long while buyers check out.
const retentionBatch = 1000

// NotificationRetentionJob is the daily job notification_retention: it
// deletes the outbox deliveries that are finished (sent, failed for good,
// skipped) and the read in-app notifications, both older than the
// retention (their remaining deliveries go with them). Unread notifications
// and pending deliveries are kept whatever their age.
func NotificationRetentionJob() Job {
	return Job{
		Name:        "notification_retention",
		Schedule:    "40 3 * * *",
		Description: "deletes finished notification deliveries and read notifications older than notification_retention_days",
		Run:         runNotificationRetention,
	}
}

// notificationRetentionDays reads the setting straight from the record
// (the field is optional: a shop without it keeps the default).
func notificationRetentionDays(app core.App) int {
	r, err := app.FindFirstRecordByFilter(SettingsCollection, "")
	if err != nil || r.Collection().Fields.GetByName("notification_retention_days") == nil {
		return DefaultNotificationRetentionDays
	}
	if days := r.GetInt("notification_retention_days"); days > 0 {
		return days
	}
	return DefaultNotificationRetentionDays
}

func runNotificationRetention(app core.App) (string, error) {
	days := notificationRetentionDays(app)
	before := types.NowDateTime().Add(-time.Duration(days) * 24 * time.Hour).String()
	deliveries, err := deleteInBatches(app, "notification_deliveries",
		dbx.And(dbx.In("status", "sent", "failed", "skipped"), dbx.NewExp("created < {:before}", dbx.Params{"before": before})))
	if err != nil {
		return "", err
	}
	notifications, err := deleteInBatches(app, "notifications",
		dbx.And(dbx.HashExp{"read": true}, dbx.NewExp("created < {:before}", dbx.Params{"before": before})))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("deleted %d deliveries and %d read notifications older than %d days", deliveries, notifications, days), nil
}

// deleteInBatches deletes the rows of table matching where, a batch per
// transaction. Deliveries of a deleted notification go by the relation's
// cascade (PocketBase deletes them with the record; a plain DELETE here
// would leave them), so notifications are deleted as records.
func deleteInBatches(app core.App, table string, where dbx.Expression) (int, error) {
	total := 0
	for {
		var ids []string
		if err := app.DB().Select("id").From(table).Where(where).Limit(retentionBatch).Column(&ids); err != nil {
			return total, err
		}
		if len(ids) == 0 {
			return total, nil
		}
		err := app.RunInTransaction(func(txApp core.App) error {
			if table == "notifications" {
				records, err := txApp.FindRecordsByIds(table, ids)
				if err != nil {
					return err
				}
				for _, r := range records {
					if err := txApp.Delete(r); err != nil {
						return err
					}
				}
				return nil
			}
			_, err := txApp.DB().Delete(table, dbx.In("id", toAny(ids)...)).Execute()
			return err
		})
		if err != nil {
			return total, err
		}
		total += len(ids)
		if len(ids) < retentionBatch {
			return total, nil
		}
	}
}

func toAny(ids []string) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}
