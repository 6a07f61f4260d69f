package catalog

import (
	"encoding/json"
	"fmt"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"fenxiao/internal/pricing"
)

// bindTemplateHooks refuses shipping templates whose regions do not have
// the documented shape, so that a typo in the dashboard cannot break carts.
func bindTemplateHooks(app core.App) {
	app.OnRecordValidate(templatesCollection).Bind(&hook.Handler[*core.RecordEvent]{Id: "fenxiaoCatalogTemplateRegions", Func: func(e *core.RecordEvent) error {
		if _, err := templateRegions(e.Record); err != nil {
			return validation.Errors{"regions": validation.NewError("invalid_regions",
				`格式: [{"provinces":["新疆"],"first_units":1,"first_fee":2000,"extra_units":1,"extra_fee":1000,"free_threshold":0}]`)}
		}
		return e.Next()
	}})
}

// templateRegions decodes shipping_templates.regions (null or empty: none).
func templateRegions(r *core.Record) ([]pricing.Region, error) {
	raw, _ := r.GetRaw("regions").(interface{ String() string })
	if raw == nil {
		return nil, nil
	}
	text := raw.String()
	if text == "" || text == "null" {
		return nil, nil
	}
	var regions []pricing.Region
	if err := json.Unmarshal([]byte(text), &regions); err != nil {
		return nil, fmt.Errorf("bad regions: %w", err)
	}
	for _, reg := range regions {
		if len(reg.Provinces) == 0 || reg.FirstUnits < 0 || reg.FirstFee < 0 ||
			reg.ExtraUnits < 0 || reg.ExtraFee < 0 || reg.FreeThreshold < 0 {
			return nil, fmt.Errorf("bad regions: a region needs provinces and non-negative figures")
		}
	}
	return regions, nil
}
