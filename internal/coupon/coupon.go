// Package coupon is the pure coupon engine of the shop: which of a buyer's
// coupons can be used on a set of cart lines, why the others cannot, how
// much each takes off and how that is split over the lines. It reads no
// database; the coupon plugin (plugins/coupon) feeds it records.
//
// Rules:
//
//   - Kinds: KindAmount takes Off fen off (满减券, or 无门槛 with Threshold
//     0); KindPercent takes RateBP of the eligible amount off (floored to
//     the fen), capped at MaxOff when set (折扣券).
//   - Scope: all, categories (a category covers its sub-categories) or
//     products; excluded products are never covered.
//   - Stacking with promotions: a coupon works on what the buyer pays after
//     promotions. A template with WithPromotions false does not touch a line
//     a promotion discounted (the line counts neither towards its threshold
//     nor gets a share of it); with WithPromotions true it does, and its
//     threshold is judged on the amounts after promotions. A line marked
//     NoCoupon (e.g. a flash-sale line) never takes a coupon.
//   - One coupon per order.
//   - The discount is split over the eligible lines in proportion to what
//     they pay, with the largest remainder method, so every line's share is
//     exact and the shares sum to the discount.
//
// All amounts are int64 fen; rates are basis points.
package coupon

import (
	"fmt"
	"slices"
	"time"

	"fenxiao/internal/money"
)

// Kinds of coupon.
const (
	KindAmount  = "amount"
	KindPercent = "percent"
)

// Scopes.
const (
	ScopeAll        = "all"
	ScopeCategories = "categories"
	ScopeProducts   = "products"
)

// Reasons a coupon cannot be used now (stable codes for clients).
const (
	ReasonUsed          = "used"
	ReasonNotStarted    = "not_started"
	ReasonExpired       = "expired"
	ReasonNoEligible    = "no_eligible_items"
	ReasonBelowMinimum  = "below_threshold"
	ReasonNothingOff    = "nothing_off"
	ReasonInvalid       = "invalid"
	ReasonNotApplicable = "not_applicable"
)

// Template is what a coupon gives: the kind, amounts and scope.
type Template struct {
	Kind string `json:"kind"`

	// Off is the fen taken off (KindAmount).
	Off int64 `json:"off"`

	// RateBP is the share taken off in basis points (KindPercent):
	// 1500 = 15% off (8.5折).
	RateBP int64 `json:"rate_bp"`

	// MaxOff caps a KindPercent discount (0: no cap).
	MaxOff int64 `json:"max_off"`

	// Threshold is the least eligible amount the coupon needs (0: none).
	Threshold int64 `json:"threshold"`

	Scope              string   `json:"scope"`
	CategoryIds        []string `json:"categories"`
	ProductIds         []string `json:"products"`
	ExcludedProductIds []string `json:"excluded_products"`

	// WithPromotions lets the coupon apply to lines a promotion discounted.
	WithPromotions bool `json:"with_promotions"`
}

// Coupon is one coupon a buyer holds.
type Coupon struct {
	Id       string
	Template Template

	// StartsAt and EndsAt bound the validity: usable while
	// StartsAt ≤ now < EndsAt (a zero EndsAt never ends).
	StartsAt time.Time
	EndsAt   time.Time

	// Used is true when an order holds the coupon.
	Used bool
}

// Line is one cart line as the engine sees it.
type Line struct {
	ProductId    string
	CategoryPath []string

	// Amount is what the line pays before the coupon (after promotions).
	Amount int64

	// Promoted is true when a promotion took something off the line.
	Promoted bool

	// NoCoupon is true for a line no coupon may touch.
	NoCoupon bool
}

// Quote is what one coupon would do to a set of lines.
type Quote struct {
	CouponId string

	// Usable is true when the coupon can be used on these lines; Reason
	// (one of the Reason* codes) and Message say why not.
	Usable  bool
	Reason  string
	Message string

	// Amount is the discount in fen (0 when not usable); PerLine its split
	// over the lines given, in their order.
	Amount  int64
	PerLine []int64

	// Base is the eligible amount the threshold was judged on.
	Base int64
}

// Covers reports whether a product with the category path (root … leaf)
// is in the template's scope.
func (t *Template) Covers(productId string, categoryPath []string) bool {
	if slices.Contains(t.ExcludedProductIds, productId) {
		return false
	}
	switch t.Scope {
	case ScopeAll:
		return true
	case ScopeProducts:
		return slices.Contains(t.ProductIds, productId)
	case ScopeCategories:
		for _, c := range categoryPath {
			if slices.Contains(t.CategoryIds, c) {
				return true
			}
		}
	}
	return false
}

// OffFor returns what the template takes off an eligible base amount
// (never more than the base).
func (t *Template) OffFor(base int64) int64 {
	var off int64
	switch t.Kind {
	case KindAmount:
		off = t.Off
	case KindPercent:
		off = money.ApplyRate(base, t.RateBP)
		if t.MaxOff > 0 {
			off = min(off, t.MaxOff)
		}
	}
	return max(min(off, base), 0)
}

// Apply quotes coupon c on lines at time now.
func Apply(c Coupon, lines []Line, now time.Time) Quote {
	q := Quote{CouponId: c.Id, PerLine: make([]int64, len(lines))}
	fail := func(reason, msg string) Quote {
		q.Reason, q.Message = reason, msg
		return q
	}
	t := &c.Template
	if err := Validate(*t); err != nil {
		return fail(ReasonInvalid, "优惠券配置有误 / the coupon is misconfigured")
	}
	switch {
	case c.Used:
		return fail(ReasonUsed, "优惠券已使用 / already used")
	case now.Before(c.StartsAt):
		return fail(ReasonNotStarted, fmt.Sprintf("%s 起可用 / usable from %s",
			c.StartsAt.Format("2006-01-02 15:04"), c.StartsAt.Format("2006-01-02 15:04")))
	case !c.EndsAt.IsZero() && !now.Before(c.EndsAt):
		return fail(ReasonExpired, "优惠券已过期 / expired")
	}

	weights := make([]int64, len(lines))
	for i, l := range lines {
		if l.NoCoupon || l.Amount <= 0 || (l.Promoted && !t.WithPromotions) || !t.Covers(l.ProductId, l.CategoryPath) {
			continue
		}
		weights[i] = l.Amount
		q.Base += l.Amount
	}
	if q.Base == 0 {
		if !t.WithPromotions && anyPromoted(lines) {
			return fail(ReasonNoEligible, "不与促销活动同享，无可用商品 / does not combine with promotions: no eligible items")
		}
		return fail(ReasonNoEligible, "无适用商品 / no eligible items in the cart")
	}
	if q.Base < t.Threshold {
		short := t.Threshold - q.Base
		return fail(ReasonBelowMinimum, fmt.Sprintf("还差%s元可用 / %s yuan short of the threshold",
			money.Yuan(short), money.Yuan(short)))
	}
	off := t.OffFor(q.Base)
	if off <= 0 {
		return fail(ReasonNothingOff, "无可优惠金额 / nothing to take off")
	}
	q.Usable, q.Amount = true, off
	q.PerLine = money.Allocate(off, weights)
	return q
}

func anyPromoted(lines []Line) bool {
	for _, l := range lines {
		if l.Promoted {
			return true
		}
	}
	return false
}

// QuoteAll quotes every coupon and returns the quotes with the index of the
// best usable one (-1: none). The best takes the most off; on a tie the
// one that expires first (so the buyer keeps the longer-lived), then the
// lower id.
func QuoteAll(coupons []Coupon, lines []Line, now time.Time) ([]Quote, int) {
	quotes := make([]Quote, len(coupons))
	best := -1
	for i, c := range coupons {
		quotes[i] = Apply(c, lines, now)
		if !quotes[i].Usable {
			continue
		}
		if best < 0 || better(coupons[i], quotes[i], coupons[best], quotes[best]) {
			best = i
		}
	}
	return quotes, best
}

func better(a Coupon, qa Quote, b Coupon, qb Quote) bool {
	if qa.Amount != qb.Amount {
		return qa.Amount > qb.Amount
	}
	ae, be := a.EndsAt, b.EndsAt
	if !ae.Equal(be) {
		switch {
		case ae.IsZero():
			return false
		case be.IsZero():
			return true
		}
		return ae.Before(be)
	}
	return a.Id < b.Id
}
