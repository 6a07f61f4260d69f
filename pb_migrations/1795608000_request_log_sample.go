package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// shop_settings.request_log_sample: PocketBase writes one row per request
// into the request log (auxiliary.db), about 8% of the server's CPU per
// order and 300 bytes a request; the requestlog plugin keeps every failed
// request and one in request_log_sample of the successful ones (1 = every
// request, 0 = failed requests only). Retention stays PocketBase's
// (Dashboard → Settings → Logs: max days, min level, IP).
func init() {
	m.Register(func(app core.App) error {
		settings, err := app.FindCollectionByNameOrId("shop_settings")
		if err != nil {
			return err
		}
		settings.Fields.Add(intField("request_log_sample", 1_000_000))
		if err := app.Save(settings); err != nil {
			return err
		}
		r, err := app.FindRecordById("shop_settings", "shopsettings001")
		if err != nil {
			return err
		}
		r.Set("request_log_sample", RequestLogSampleDefault)
		return app.Save(r)
	}, func(app core.App) error {
		settings, err := app.FindCollectionByNameOrId("shop_settings")
		if err != nil {
			return err
		}
		settings.Fields.RemoveByName("request_log_sample")
		return app.Save(settings)
	})
}

// RequestLogSampleDefault keeps one successful request in 10 in the log.
const RequestLogSampleDefault = 10
