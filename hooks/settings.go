package hooks

import (
	"net/http"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"fenxiao/hooks/shop"
)

// bindErrorShape makes business rule errors raised by record hooks reach
// API clients with their status and stable code (PocketBase would otherwise
// report them as a generic "Failed to save record" 400), dashboard included.
func bindErrorShape(app core.App) {
	surface := func(err error) error {
		if err == nil {
			return nil
		}
		return shop.ToApiError(err)
	}
	app.OnRecordCreateRequest().BindFunc(func(e *core.RecordRequestEvent) error { return surface(e.Next()) })
	app.OnRecordUpdateRequest().BindFunc(func(e *core.RecordRequestEvent) error { return surface(e.Next()) })
	app.OnRecordDeleteRequest().BindFunc(func(e *core.RecordRequestEvent) error { return surface(e.Next()) })

	// every error of a route under /api/shop/ (handlers, auth, rate limit,
	// body limit) leaves with a stable code
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.Bind(shop.ErrorShape())
		return se.Next()
	})
}

// bindSettingsRules keeps the shop settings record single and sane for every
// writer, the dashboard included.
func bindSettingsRules(app core.App) {
	app.OnRecordCreate(shop.SettingsCollection).Bind(&hook.Handler[*core.RecordEvent]{Id: "fenxiaoSettingsCreate", Func: func(e *core.RecordEvent) error {
		if e.Record.Id != shop.SettingsId {
			return shop.Fail(http.StatusConflict, "settings_single",
				"店铺设置只有一条记录，请编辑它 / edit the one existing settings record")
		}
		return e.Next()
	}})
	app.OnRecordDelete(shop.SettingsCollection).Bind(&hook.Handler[*core.RecordEvent]{Id: "fenxiaoSettingsDelete", Func: func(e *core.RecordEvent) error {
		return shop.Fail(http.StatusConflict, "settings_single", "店铺设置不能删除 / the settings record cannot be deleted")
	}})
	app.OnRecordValidate(shop.SettingsCollection).Bind(&hook.Handler[*core.RecordEvent]{Id: "fenxiaoSettingsValidate", Func: func(e *core.RecordEvent) error {
		s := shop.SettingsFromRecord(e.Record)
		total := s.CommissionRates[0] + s.CommissionRates[1] + s.CommissionRates[2]
		if total > s.CommissionMaxTotal {
			return shop.FieldFail("commission_l1_bp", "commission_rates_exceed_max",
				"三级佣金比例之和超过上限 / the three commission rates add up above commission_max_total_bp")
		}
		return e.Next()
	}})
}
