package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// shop_settings.notification_retention_days: how long the daily job
// notification_retention keeps read notifications and finished outbox
// deliveries (0 or unset: 90 days).
func init() {
	m.Register(func(app core.App) error {
		s, err := app.FindCollectionByNameOrId("shop_settings")
		if err != nil {
			return err
		}
		s.Fields.Add(&core.NumberField{Name: "notification_retention_days", OnlyInt: true, Min: types.Pointer(0.0),
			Help: "已读通知和已结束的推送记录保留天数（0 = 默认 90 天）"})
		return app.Save(s)
	}, func(app core.App) error {
		s, err := app.FindCollectionByNameOrId("shop_settings")
		if err != nil {
			return err
		}
		s.Fields.RemoveByName("notification_retention_days")
		return app.Save(s)
	})
}
