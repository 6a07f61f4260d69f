package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// wx_shipping_uploads (plugins/wxshipping) is the outbox of shipping info
// reported to WeChat's 发货信息管理 for orders paid with WeChat Pay: one row
// per order, written in the transaction that shipped it (status pending),
// then uploaded after the commit (uploaded, or failed with WeChat's error and
// retried by the wx_shipping_retry job). Superusers only.
func init() {
	m.Register(func(app core.App) error {
		orders, err := app.FindCollectionByNameOrId("orders")
		if err != nil {
			return err
		}
		c := core.NewBaseCollection("wx_shipping_uploads")
		c.Fields.Add(relationTo("order", orders.Id, true, true))
		c.Fields.Add(&core.SelectField{Name: "status", Required: true, MaxSelect: 1,
			Values: []string{"pending", "uploaded", "failed"}})
		c.Fields.Add(&core.TextField{Name: "transaction_id", Max: 128})
		c.Fields.Add(&core.TextField{Name: "tracking_company", Max: 32})
		c.Fields.Add(&core.TextField{Name: "tracking_no", Max: 64})
		// the carrier code sent to WeChat (its delivery_id)
		c.Fields.Add(&core.TextField{Name: "express_company", Max: 32})
		c.Fields.Add(intField("attempts", 0))
		c.Fields.Add(&core.TextField{Name: "last_error", Max: 500})
		c.Fields.Add(&core.DateField{Name: "uploaded_at"})
		addTimestamps(c)
		c.AddIndex("idx_wx_shipping_uploads_order", true, "[order]", "")
		c.AddIndex("idx_wx_shipping_uploads_status", false, "status, updated", "")
		return app.Save(c)
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("wx_shipping_uploads")
		if err != nil {
			return nil
		}
		return app.Delete(c)
	})
}
