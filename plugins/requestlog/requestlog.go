// Package requestlog thins PocketBase's request log: every failed request
// is logged, and one in N successful ones, N being the shop setting
// request_log_sample (1 = every request, 0 = failed requests only).
//
// PocketBase logs each request as a row in auxiliary.db, written on the
// logs' own connection in batches of 200; under load that is about 8% of
// the server's CPU per order and a log that grows by some 300 bytes per
// request (363 MB after 1.2 million). Sampling keeps the log's picture of
// the traffic and its errors at a tenth of that. How long rows are kept,
// the minimum level and whether IPs are logged stay PocketBase's settings
// (Dashboard → Settings → Logs).
//
// Example usage:
//
//	hooks.MustRegister(app, hooks.Config{})
//	requestlog.MustRegister(app, requestlog.Config{})
package requestlog

import (
	"sync/atomic"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"fenxiao/hooks/shop"
)

// SettingField is the shop_settings field holding N.
const SettingField = "request_log_sample"

// Config configures the plugin.
type Config struct {
	// Sample, when above 0, overrides the shop setting (for tools and tests).
	Sample int
}

// MustRegister registers the plugin and panics on error.
func MustRegister(app core.App, config Config) {
	if err := Register(app, config); err != nil {
		panic(err)
	}
}

// Register binds the sampling middleware to every route.
func Register(app core.App, config Config) error {
	var seen atomic.Uint64
	skip := apis.SkipSuccessActivityLog()
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.Bind(&hook.Handler[*core.RequestEvent]{
			Id: "fenxiaoRequestLogSample",
			// inside PocketBase's activity logger, which reads the mark
			// after the request
			Priority: apis.DefaultActivityLoggerMiddlewarePriority + 1,
			Func: func(e *core.RequestEvent) error {
				n := sample(e.App, config)
				if n == 1 || (n > 1 && seen.Add(1)%uint64(n) == 0) {
					return e.Next()
				}
				// marks the request: logged only if it fails
				return skip.Func(e)
			},
		})
		return se.Next()
	})
	return nil
}

// sample answers N: the override, the shop setting, or every request when
// the setting cannot be read or is out of range (a value written straight
// into the database).
func sample(app core.App, config Config) int {
	if config.Sample > 0 {
		return config.Sample
	}
	s, err := shop.ReadSettings(app)
	if err != nil || s.Record == nil {
		return 1
	}
	n := s.Record.GetInt(SettingField)
	if n < 0 {
		return 1
	}
	return n
}
