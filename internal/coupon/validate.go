package coupon

import (
	"fmt"
	"time"
)

// Validation error codes, stable for API clients.
const (
	CodeKindInvalid       = "coupon_kind_invalid"
	CodeOffInvalid        = "coupon_off_invalid"
	CodeRateInvalid       = "coupon_rate_invalid"
	CodeMaxOffInvalid     = "coupon_max_off_invalid"
	CodeThresholdInvalid  = "coupon_threshold_invalid"
	CodeScopeInvalid      = "coupon_scope_invalid"
	CodeScopeIdsRequired  = "coupon_scope_ids_required"
	CodeValidityInvalid   = "coupon_validity_invalid"
	CodeQuantityInvalid   = "coupon_quantity_invalid"
	CodePerUserInvalid    = "coupon_per_user_limit_invalid"
	CodeThresholdBelowOff = "coupon_threshold_below_off"
)

// Error is a validation error with a stable machine-readable code.
type Error struct {
	Field   string
	code    string
	message string
}

// Code returns the stable error code, e.g. "coupon_rate_invalid".
func (e *Error) Code() string { return e.code }

// Error returns the human message (Chinese first, then English).
func (e *Error) Error() string { return e.message }

func errorf(field, code, format string, args ...any) *Error {
	return &Error{Field: field, code: code, message: fmt.Sprintf(format, args...)}
}

// Validate checks a template's kind, amounts and scope, returning the first
// problem as an [*Error], or nil.
func Validate(t Template) error {
	if err := validate(&t); err != nil {
		return err
	}
	return nil
}

func validate(t *Template) *Error {
	switch t.Kind {
	case KindAmount:
		if t.Off <= 0 {
			return errorf("off", CodeOffInvalid, "减免金额必须大于0 / the amount off must be positive")
		}
		if t.Threshold > 0 && t.Threshold < t.Off {
			return errorf("threshold", CodeThresholdBelowOff, "使用门槛不能低于减免金额 / the threshold cannot be below the amount off")
		}
	case KindPercent:
		if t.RateBP <= 0 || t.RateBP >= 10000 {
			return errorf("rate_bp", CodeRateInvalid, "折扣比例必须在1到9999个基点之间 / the rate off must be 1 to 9999 basis points")
		}
		if t.MaxOff < 0 {
			return errorf("max_off", CodeMaxOffInvalid, "最高优惠不能为负 / the cap cannot be negative")
		}
	default:
		return errorf("kind", CodeKindInvalid, "优惠券类型无效 / invalid coupon kind")
	}
	if t.Threshold < 0 {
		return errorf("threshold", CodeThresholdInvalid, "使用门槛不能为负 / the threshold cannot be negative")
	}
	switch t.Scope {
	case ScopeAll:
	case ScopeCategories:
		if len(t.CategoryIds) == 0 {
			return errorf("categories", CodeScopeIdsRequired, "请选择适用分类 / choose the categories")
		}
	case ScopeProducts:
		if len(t.ProductIds) == 0 {
			return errorf("products", CodeScopeIdsRequired, "请选择适用商品 / choose the products")
		}
	default:
		return errorf("scope", CodeScopeInvalid, "适用范围无效 / invalid scope")
	}
	return nil
}

// Validity is how long a claimed coupon stays usable.
type Validity struct {
	// Fixed dates (Days == 0): usable StartsAt ≤ now < EndsAt.
	StartsAt, EndsAt time.Time

	// Days > 0: usable for this many days from the claim.
	Days int
}

// Window returns the validity window of a coupon claimed at claimedAt.
func (v Validity) Window(claimedAt time.Time) (time.Time, time.Time) {
	if v.Days > 0 {
		return claimedAt, claimedAt.AddDate(0, 0, v.Days)
	}
	return v.StartsAt, v.EndsAt
}

// ValidateValidity checks a validity: either days > 0, or fixed dates with
// an end after the start.
func ValidateValidity(v Validity) error {
	if v.Days < 0 || (v.Days == 0 && (v.EndsAt.IsZero() || !v.EndsAt.After(v.StartsAt))) {
		return errorf("validity", CodeValidityInvalid, "有效期无效：填写领取后天数，或结束晚于开始的固定日期 / invalid validity: days after claiming, or fixed dates ending after they start")
	}
	return nil
}
