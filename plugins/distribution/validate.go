package distribution

import (
	"errors"
	"math"
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/internal/commission"
)

// bindValidation refuses, for every writer (dashboard, API, Go), level
// rates above the shop maximum and product or SKU overrides that would
// promise more than the goods are paid.
func (p *plugin) bindValidation() {
	p.app.OnRecordValidate(levelsCollection).BindFunc(func(e *core.RecordEvent) error {
		settings, err := shop.LoadSettings(e.App)
		if err != nil {
			return err
		}
		rates := [commission.MaxLevels]int64{
			int64(e.Record.GetInt("rate_l1_bp")),
			int64(e.Record.GetInt("rate_l2_bp")),
			int64(e.Record.GetInt("rate_l3_bp")),
		}
		if err := commission.ValidateRates(rates, settings.CommissionMaxTotal); err != nil {
			return fieldError("rate_l1_bp", err)
		}
		return e.Next()
	})

	p.app.OnRecordValidate(productsCollection).BindFunc(func(e *core.RecordEvent) error {
		mode := e.Record.GetString("commission_mode")
		if mode == "" {
			return e.Next()
		}
		// a product rule must fit its cheapest SKU
		price := int64(math.MaxInt64)
		if !e.Record.IsNew() {
			var row struct {
				Min int64 `db:"min"`
				N   int   `db:"n"`
			}
			err := e.App.DB().NewQuery("SELECT COALESCE(MIN([[price]]), 0) AS [[min]], COUNT(*) AS [[n]] FROM {{skus}} WHERE [[product]] = {:p}").
				Bind(dbx.Params{"p": e.Record.Id}).One(&row)
			if err != nil {
				return err
			}
			if row.N > 0 {
				price = row.Min
			}
		}
		if err := validateOverride(e.App, e.Record, price); err != nil {
			return err
		}
		return e.Next()
	})

	p.app.OnRecordValidate(skusCollection).BindFunc(func(e *core.RecordEvent) error {
		price := int64(e.Record.GetInt("price"))
		rule := e.Record
		if e.Record.GetString("commission_mode") == "" {
			// the product's rule applies to this SKU: it must fit its price too
			product, err := e.App.FindRecordById(productsCollection, e.Record.GetString("product"))
			if err != nil || product.GetString("commission_mode") == "" {
				return e.Next()
			}
			rule = product
		}
		if err := validateOverride(e.App, rule, price); err != nil {
			return err
		}
		return e.Next()
	})
}

// validateOverride checks the commission override stored on r (a product
// or SKU record) against a unit price.
func validateOverride(app core.App, r *core.Record, unitPrice int64) error {
	settings, err := shop.LoadSettings(app)
	if err != nil {
		return err
	}
	o := commission.Override{
		Mode: r.GetString("commission_mode"),
		Values: [commission.MaxLevels]int64{
			int64(r.GetInt("commission_l1")),
			int64(r.GetInt("commission_l2")),
			int64(r.GetInt("commission_l3")),
		},
	}
	return fieldError("commission_l1", commission.ValidateOverride(o, unitPrice, settings.CommissionMaxTotal))
}

// fieldError turns a commission validation error into a 400 on field.
func fieldError(field string, err error) error {
	var ce *commission.Error
	if errors.As(err, &ce) {
		return shop.FieldFail(field, ce.Code(), ce.Error())
	}
	return err
}

// bindImmutability keeps commissions and their corrections append-only:
// once written, they change only through the plugin's own conditional SQL
// (settlement, refunds), never by a record save or delete from anyone.
func (p *plugin) bindImmutability() {
	refuseUpdate := func(e *core.RecordEvent) error {
		return shop.Fail(http.StatusConflict, "distribution_immutable",
			"佣金记录不可修改，更正请使用调整记录 / commission facts are immutable; corrections are new rows")
	}
	for _, name := range []string{commissionsCollection, adjustmentsCollection, levelChangesCollection} {
		p.app.OnRecordUpdate(name).BindFunc(refuseUpdate)
		p.app.OnRecordDelete(name).BindFunc(refuseUpdate)
	}
}
