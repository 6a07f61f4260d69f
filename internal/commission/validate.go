package commission

import (
	"fmt"

	"fenxiao/internal/money"
)

// Error codes returned by ValidateRates and ValidateOverride.
const (
	CodeRateNegative        = "commission_rate_negative"
	CodeRatesExceedMax      = "commission_rates_exceed_max"
	CodeFixedNegative       = "commission_fixed_negative"
	CodeFixedExceedPrice    = "commission_fixed_exceed_price"
	CodeOverrideModeInvalid = "commission_override_mode_invalid"
)

// Error is a validation error with a stable machine readable code and a
// human message (Chinese first).
type Error struct {
	code    string
	message string
}

// Code returns the stable machine readable error code.
func (e *Error) Code() string {
	return e.code
}

// Error implements the error interface.
func (e *Error) Error() string {
	return e.message
}

func newError(code, format string, args ...any) *Error {
	return &Error{code: code, message: fmt.Sprintf(format, args...)}
}

// ValidateRates checks the three level rates (basis points) a merchant saves
// in the shop settings or on a distributor level: none may be negative and
// their sum may not exceed maxTotalBP.
//
// maxTotalBP is itself bounded to 100% (10000), so whatever the configured
// maximum, the three levels together can never promise more than was paid.
func ValidateRates(rates [MaxLevels]int64, maxTotalBP int64) error {
	maxTotalBP = min(maxTotalBP, money.BasisPoints)

	var sum int64
	for i, r := range rates {
		if r < 0 {
			return newError(CodeRateNegative, "%s佣金比例不能为负数 (level %d rate is negative: %d bp)", levelNames[i], i+1, r)
		}
		sum += r
	}
	if sum > maxTotalBP {
		return newError(CodeRatesExceedMax, "三级佣金比例合计 %s 超过上限 %s (rates add up to %d bp, above the %d bp maximum)", percent(sum), percent(maxTotalBP), sum, maxTotalBP)
	}
	return nil
}

// ValidateOverride checks a product or SKU override at save time.
//
// A rate override follows ValidateRates. A fixed override may not be
// negative and its three per-unit amounts together may not exceed
// unitPrice, the unit selling price in fen (for a product override, pass
// the lowest price among its SKUs). Zeros are allowed: they mean
// "deliberately no commission" for that level.
func ValidateOverride(o Override, unitPrice int64, maxTotalBP int64) error {
	switch o.Mode {
	case ModeRate:
		return ValidateRates(o.Values, maxTotalBP)
	case ModeFixed:
		var sum int64
		for i, v := range o.Values {
			if v < 0 {
				return newError(CodeFixedNegative, "%s固定佣金不能为负数 (level %d fixed amount is negative: %d fen)", levelNames[i], i+1, v)
			}
			sum += v
		}
		if sum > unitPrice {
			return newError(CodeFixedExceedPrice, "三级固定佣金合计 ¥%s 超过商品单价 ¥%s (fixed amounts add up to %d fen, above the unit price %d fen)", money.Yuan(sum), money.Yuan(max(unitPrice, 0)), sum, unitPrice)
		}
		return nil
	default:
		return newError(CodeOverrideModeInvalid, "佣金规则类型无效: %q (mode must be %q or %q)", o.Mode, ModeRate, ModeFixed)
	}
}
