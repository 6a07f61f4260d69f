package promo

import (
	"fmt"

	"fenxiao/internal/money"
)

// Validation error codes, stable for API clients.
const (
	CodeTypeInvalid          = "promo_type_invalid"
	CodeScopeInvalid         = "promo_scope_invalid"
	CodeScopeIdsRequired     = "promo_scope_ids_required"
	CodeTimeRangeInvalid     = "promo_time_range_invalid"
	CodePerUserLimitInvalid  = "promo_per_user_limit_invalid"
	CodeTiersRequired        = "promo_tiers_required"
	CodeTiersNotAscending    = "promo_tiers_not_ascending"
	CodeTierOffInvalid       = "promo_tier_off_invalid"
	CodeMaxOffInvalid        = "promo_max_off_invalid"
	CodeDiscountModeInvalid  = "promo_discount_mode_invalid"
	CodeDiscountRateInvalid  = "promo_discount_rate_invalid"
	CodeSpecialPriceInvalid  = "promo_special_price_invalid"
	CodeGiftSkuRequired      = "promo_gift_sku_required"
	CodeGiftQuantityInvalid  = "promo_gift_quantity_invalid"
	CodeGiftThresholdInvalid = "promo_gift_threshold_invalid"
)

// Error is a validation error with a stable machine-readable code.
type Error struct {
	code    string
	message string
}

// Code returns the stable error code, e.g. "promo_tiers_not_ascending".
func (e *Error) Code() string { return e.code }

// Error returns the human message (Chinese first, then English).
func (e *Error) Error() string { return e.message }

func errorf(code, format string, args ...any) *Error {
	return &Error{code: code, message: fmt.Sprintf(format, args...)}
}

// Validate checks a promotion an admin is about to save and returns the first
// problem found as an [*Error], or nil.
//
// Apply runs it too and skips invalid promotions with [ReasonInvalid].
func Validate(p Promotion) error {
	// note: returning a nil *Error as error would be non-nil, hence the wrapper
	if err := validate(&p); err != nil {
		return err
	}
	return nil
}

func validate(p *Promotion) *Error {
	switch p.Scope {
	case ScopeAll:
	case ScopeCategories:
		if len(p.CategoryIds) == 0 {
			return errorf(CodeScopeIdsRequired, "按分类参与的活动须至少选择一个分类 (categories scope needs category ids)")
		}
	case ScopeProducts:
		if len(p.ProductIds) == 0 {
			return errorf(CodeScopeIdsRequired, "按商品参与的活动须至少选择一个商品 (products scope needs product ids)")
		}
	default:
		return errorf(CodeScopeInvalid, "活动范围无效：%q (scope must be all, categories or products)", p.Scope)
	}

	if !p.EndsAt.IsZero() && !p.EndsAt.After(p.StartsAt) {
		return errorf(CodeTimeRangeInvalid, "结束时间须晚于开始时间 (EndsAt must be after StartsAt)")
	}
	if p.PerUserLimit < 0 {
		return errorf(CodePerUserLimitInvalid, "每人限用次数不能为负 (per-user limit must be ≥ 0)")
	}

	switch p.Type {
	case TypeFullReduction:
		if len(p.Tiers) == 0 {
			return errorf(CodeTiersRequired, "满减活动须至少设置一档 (at least one tier is required)")
		}
		for i, t := range p.Tiers {
			if i > 0 && t.Threshold <= p.Tiers[i-1].Threshold {
				return errorf(CodeTiersNotAscending, "第%d档门槛¥%s须高于上一档¥%s (tiers must be strictly ascending by threshold)",
					i+1, money.Yuan(t.Threshold), money.Yuan(p.Tiers[i-1].Threshold))
			}
			if t.Off <= 0 || t.Off >= t.Threshold {
				return errorf(CodeTierOffInvalid, "第%d档减免金额须大于0且小于门槛 (tier off must be > 0 and < threshold)", i+1)
			}
		}
		if p.MaxOff < 0 {
			return errorf(CodeMaxOffInvalid, "封顶金额不能为负 (MaxOff must be ≥ 0)")
		}
	case TypeDiscount:
		switch p.DiscountMode {
		case DiscountRate:
			if p.RateBP <= 0 || p.RateBP >= money.BasisPoints {
				return errorf(CodeDiscountRateInvalid, "折扣须在0与10折之间 (rate must be strictly between 0 and 10000 bp)")
			}
		case DiscountSpecialPrice:
			if p.SpecialPrice < 0 {
				return errorf(CodeSpecialPriceInvalid, "特价不能为负 (special price must be ≥ 0)")
			}
		default:
			return errorf(CodeDiscountModeInvalid, "折扣方式无效：%q (discount mode must be rate or special_price)", p.DiscountMode)
		}
	case TypeGift:
		if p.GiftSkuId == "" {
			return errorf(CodeGiftSkuRequired, "请选择赠品 (gift sku is required)")
		}
		if p.GiftQuantity <= 0 {
			return errorf(CodeGiftQuantityInvalid, "赠品数量须大于0 (gift quantity must be > 0)")
		}
		if p.GiftMinAmount < 0 || p.GiftMinQuantity < 0 {
			return errorf(CodeGiftThresholdInvalid, "赠送门槛不能为负 (gift thresholds must be ≥ 0)")
		}
	default:
		return errorf(CodeTypeInvalid, "活动类型无效：%q (type must be full_reduction, discount or gift)", p.Type)
	}
	return nil
}
