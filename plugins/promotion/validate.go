package promotion

import (
	"errors"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/internal/promo"
)

// CodeTiersMalformed is returned when promotions.tiers is not a list of
// {threshold, off} in fen.
const CodeTiersMalformed = "promo_tiers_malformed"

// bindValidation checks every promotion saved (dashboard, REST or Go) with
// the engine's own rules, before PocketBase's field checks.
func (p *plugin) bindValidation() {
	p.app.OnRecordValidate(promotionsCollection).BindFunc(func(e *core.RecordEvent) error {
		if err := validateRecord(e.Record); err != nil {
			return err
		}
		return e.Next()
	})
}

// validateRecord returns a 400 [shop.Error] on the field at fault, with the
// stable code of [promo.Validate], or nil.
func validateRecord(r *core.Record) error {
	o, err := fromRecord(r)
	if err != nil {
		return shop.FieldFail("tiers", CodeTiersMalformed,
			`满减档位格式应为 [{"threshold": 20000, "off": 3000}]（单位：分） / tiers must be [{"threshold", "off"}] in fen`)
	}
	err = promo.Validate(o.Promotion)
	var pe *promo.Error
	if errors.As(err, &pe) {
		return shop.FieldFail(fieldOf(pe.Code(), o.Scope), pe.Code(), pe.Error())
	}
	return err
}

// fieldOf returns the promotions field a validation code is about.
func fieldOf(code string, scope promo.Scope) string {
	switch code {
	case promo.CodeTypeInvalid:
		return "type"
	case promo.CodeScopeInvalid:
		return "scope"
	case promo.CodeScopeIdsRequired:
		if scope == promo.ScopeProducts {
			return "products"
		}
		return "categories"
	case promo.CodeTimeRangeInvalid:
		return "ends_at"
	case promo.CodePerUserLimitInvalid:
		return "per_user_limit"
	case promo.CodeTiersRequired, promo.CodeTiersNotAscending, promo.CodeTierOffInvalid:
		return "tiers"
	case promo.CodeMaxOffInvalid:
		return "max_off"
	case promo.CodeDiscountModeInvalid:
		return "discount_mode"
	case promo.CodeDiscountRateInvalid:
		return "rate_bp"
	case promo.CodeSpecialPriceInvalid:
		return "special_price"
	case promo.CodeGiftSkuRequired:
		return "gift_sku"
	case promo.CodeGiftQuantityInvalid:
		return "gift_quantity"
	case promo.CodeGiftThresholdInvalid:
		return "gift_min_amount"
	}
	return "error"
}
