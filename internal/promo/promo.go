// Package promo is the shop's pure promotion engine: given cart lines and the
// promotions on offer it works out, without touching a database, how much
// comes off every line, which gifts go into the parcel, and why.
//
// # API
//
//   - [Apply] prices a cart: per-line discounts, gifts, the promotions applied
//     with a human explanation of the arithmetic, and the promotions that were
//     considered but skipped, with a stable [Reason].
//   - [Validate] checks a promotion an admin is saving; the error is an
//     [*Error] with a stable Code().
//   - [Labels] and [BestUnitPrice] serve product pages: the tags to show
//     ("满200减30", "8.5折", "满200赠") and the unit price after the best
//     per-item discount (full reductions are not included there).
//
// The engine is deterministic: the same input gives the same output,
// whatever order the promotions are passed in.
//
// # Money
//
// Amounts are int64 fen, rates basis points (8500 = 8.5折), and every amount
// the engine computes by a rate is floored to the fen. No float is used.
//
// # Eligibility
//
// A promotion is considered only if it is Active, passes [Validate],
// StartsAt ≤ now < EndsAt (a zero EndsAt means no end), the buyer has used it
// fewer than PerUserLimit times (0 = unlimited; the caller supplies the
// counts) and at least one line is in its scope. A line is in scope unless its
// product is in ExcludedProductIds, and then: always for [ScopeAll]; for
// [ScopeProducts] if its ProductId is in ProductIds; for [ScopeCategories] if
// any id of its CategoryPath (root … leaf) is in CategoryIds, so a promotion
// on a category covers its sub-categories. Lines with Quantity ≤ 0 or a
// negative UnitPrice are never in scope.
//
// # Order of application
//
//  1. Per-item discounts ([TypeDiscount]) work on the unit price, so the cart
//     agrees with [BestUnitPrice] on the product page: special prices first
//     (the unit price becomes min(price, special)), then rates in rank order,
//     each taking floor(unit × (10000 − rate) / 10000) off the unit price left
//     by the previous one. A line's item discount is unit off × quantity.
//  2. Full reductions ([TypeFullReduction]) in rank order. A tier is met when
//     the matching lines' amount after per-item discounts reaches its
//     threshold; the met tier taking the most off wins. With Repeat (每满) a
//     tier takes its Off once per full threshold (off × ⌊amount/threshold⌋),
//     capped at MaxOff when set. The off amount is capped at what is still
//     payable on the matching lines (after item discounts and earlier full
//     reductions) and allocated to them pro rata by that payable amount with
//     [money.Allocate] (largest remainder), so the per-line shares sum to the
//     promotion's amount exactly and no line ever goes below zero.
//  3. Gifts ([TypeGift]) in rank order, by a threshold amount (the matching
//     lines' amount after per-item discounts, the same base as 满减, so
//     "满200" means one thing in both) and/or a threshold quantity. A gift is
//     given only whole: if the stock the caller reports (GiftStock, shared by
//     promotions giving the same SKU) is short it is not given, and the
//     promotion is skipped with [ReasonGiftOutOfStock].
//
// Rank order is Priority descending, then Id ascending.
//
// # Conflicts
//
// Stackable promotions combine with everything. Non-stackable promotions of
// the discount and full-reduction types exclude each other on any line they
// share: a line carries at most one non-stackable promotion (plus any number
// of stackable ones). Gifts never conflict (they do not change what a line
// costs) and their Stackable flag is ignored. Among the non-stackable
// promotions the engine picks the combination best for the buyer:
//
//   - A per-item discount acts on each line on its own, so non-stackable
//     discounts are resolved line by line: the one leaving the lowest unit
//     price (together with the line's stackable discounts) wins, ties to the
//     higher rank. A promotion may thus win some of its lines and lose others.
//   - A full reduction is all or nothing over its lines, so the choices that
//     interact across lines are the non-stackable full reductions. A chosen
//     one strips the non-stackable discounts from its lines. The engine
//     evaluates the whole pipeline (discounts, every full reduction, caps) for
//     each set of non-stackable full reductions whose lines are pairwise
//     disjoint and keeps the set with the largest total discount. Ties go to
//     the combination containing the highest-ranked non-stackable promotion
//     in which the two differ.
//   - With up to 8 candidate full reductions the search is exhaustive (at most
//     256 evaluations, each linear in lines × promotions and allocation-free
//     in the usual case). With more, which a shop rarely runs at once, the
//     engine scores each candidate's standalone gain, finds the heaviest
//     conflict-free set by a budgeted branch and bound (exact for additive
//     gains, which they are unless stackable reductions span several
//     candidates), scores it with the real pipeline against the greedy set
//     (by gain, each kept only if it raises the total) and keeps the better.
//     Either way the result is deterministic.
//
// note: the per-line choice of a non-stackable discount does not look ahead
// at stackable full reductions; a deeper discount that drops a stackable
// 满减 below its threshold is still taken. When a discount and a 满减 should
// be weighed against each other, mark both non-stackable: the engine then
// compares the whole combinations.
package promo

import (
	"slices"
	"time"
)

// Type is a promotion's kind.
type Type string

const (
	// TypeFullReduction is 满减: tiers of threshold → amount off.
	TypeFullReduction Type = "full_reduction"
	// TypeDiscount is 打折 / 特价: a rate or a special unit price per item.
	TypeDiscount Type = "discount"
	// TypeGift is 赠品: a gift SKU given when a threshold is met.
	TypeGift Type = "gift"
)

// Scope selects the lines a promotion covers.
type Scope string

const (
	// ScopeAll covers every line.
	ScopeAll Scope = "all"
	// ScopeCategories covers lines with any CategoryPath id in CategoryIds.
	ScopeCategories Scope = "categories"
	// ScopeProducts covers lines whose ProductId is in ProductIds.
	ScopeProducts Scope = "products"
)

// DiscountMode tells how a [TypeDiscount] promotion lowers the price.
type DiscountMode string

const (
	// DiscountRate multiplies the unit price by RateBP / 10000.
	DiscountRate DiscountMode = "rate"
	// DiscountSpecialPrice sets the unit price to SpecialPrice (if lower).
	DiscountSpecialPrice DiscountMode = "special_price"
)

// Tier is one step of a full reduction: 满 Threshold 减 Off, both in fen.
type Tier struct {
	Threshold int64
	Off       int64
}

// Promotion is one promotion as the merchant configured it.
type Promotion struct {
	Id   string
	Name string
	Type Type

	Scope              Scope
	CategoryIds        []string
	ProductIds         []string
	ExcludedProductIds []string

	// StartsAt and EndsAt bound the promotion: live iff StartsAt ≤ now < EndsAt.
	// A zero EndsAt means it never ends.
	StartsAt time.Time
	EndsAt   time.Time

	// PerUserLimit is how many orders of one buyer may use it (0 = unlimited).
	PerUserLimit int
	// Priority ranks promotions (higher first); ties go to the lower Id.
	Priority int
	// Stackable promotions combine with any other; see the package doc.
	Stackable bool
	// Active is the merchant's on/off switch.
	Active bool

	// Tiers, Repeat and MaxOff configure TypeFullReduction. Tiers are strictly
	// ascending by Threshold. Repeat (每满) takes a tier's Off once per full
	// Threshold. MaxOff, when > 0, caps the amount taken off.
	Tiers  []Tier
	Repeat bool
	MaxOff int64

	// DiscountMode, RateBP and SpecialPrice configure TypeDiscount:
	// RateBP in basis points (8500 = 8.5折), SpecialPrice in fen per unit.
	DiscountMode DiscountMode
	RateBP       int64
	SpecialPrice int64

	// GiftSkuId and GiftQuantity configure TypeGift. GiftStock is the
	// caller's count of gift units in stock. The gift is given when the
	// matching lines reach GiftMinAmount (fen) and GiftMinQuantity (units);
	// a zero threshold is no condition.
	GiftSkuId       string
	GiftQuantity    int
	GiftStock       int
	GiftMinAmount   int64
	GiftMinQuantity int
}

// LiveAt reports whether p is switched on and now is within
// [StartsAt, EndsAt).
func (p *Promotion) LiveAt(now time.Time) bool {
	return p.Active && !now.Before(p.StartsAt) && (p.EndsAt.IsZero() || now.Before(p.EndsAt))
}

// Covers reports whether a product with the given category path (root …
// leaf) is in p's scope.
func (p *Promotion) Covers(productId string, categoryPath []string) bool {
	if slices.Contains(p.ExcludedProductIds, productId) {
		return false
	}
	switch p.Scope {
	case ScopeAll:
		return true
	case ScopeProducts:
		return slices.Contains(p.ProductIds, productId)
	case ScopeCategories:
		for _, c := range categoryPath {
			if slices.Contains(p.CategoryIds, c) {
				return true
			}
		}
	}
	return false
}

// Line is one cart line as the engine sees it.
type Line struct {
	Key          string
	SkuId        string
	ProductId    string
	CategoryPath []string // root … leaf
	UnitPrice    int64    // fen
	Quantity     int
}

// Reason is a stable code for why a promotion was skipped.
type Reason string

const (
	ReasonDisabled        Reason = "disabled"          // Active is false
	ReasonInvalid         Reason = "invalid"           // fails Validate
	ReasonNotStarted      Reason = "not_started"       // now < StartsAt
	ReasonEnded           Reason = "ended"             // now ≥ EndsAt
	ReasonLimitReached    Reason = "limit_reached"     // PerUserLimit used up
	ReasonNoMatchingLines Reason = "no_matching_lines" // nothing in scope
	ReasonThresholdNotMet Reason = "threshold_not_met" // 满 not reached
	ReasonNoBenefit       Reason = "no_benefit"        // would take nothing off
	ReasonNotBest         Reason = "not_best"          // lost to a better non-stackable combination
	ReasonGiftOutOfStock  Reason = "gift_out_of_stock" // gift stock short
)

// Gift is a gift to add to the order.
type Gift struct {
	PromotionId string
	SkuId       string
	Quantity    int
	Label       string
}

// Applied is a promotion that took effect.
type Applied struct {
	PromotionId string
	Name        string
	Type        Type
	// Label is the short tag, e.g. "满200减30", "8.5折", "满200赠".
	Label string
	// Explanation shows the arithmetic in Chinese.
	Explanation string
	// Amount is the fen taken off (0 for gifts).
	Amount int64
	// PerLine is Amount split over the lines, in input order (nil for gifts).
	PerLine []int64
}

// Skipped is a promotion that was considered but did not take effect.
type Skipped struct {
	PromotionId string
	Name        string
	Type        Type
	Reason      Reason
	Explanation string
	// Shortfall is how many fen more the matching lines need to reach the
	// lowest threshold (ReasonThresholdNotMet on an amount threshold).
	Shortfall int64
	// ShortfallQuantity is how many more units are needed (gift quantity
	// thresholds).
	ShortfallQuantity int
}

// Result is what [Apply] works out for a cart. Every promotion passed to
// Apply appears exactly once, in Applied or in Skipped.
type Result struct {
	// PerLine is the fen off each line, in input order; never more than the
	// line's UnitPrice × Quantity.
	PerLine []int64
	Gifts   []Gift
	// Applied lists discounts, then full reductions, then gifts, each in
	// rank order.
	Applied []Applied
	// Skipped lists the rest in rank order.
	Skipped []Skipped
	// TotalDiscount is Σ PerLine.
	TotalDiscount int64
}
