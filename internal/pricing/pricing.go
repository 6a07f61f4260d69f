// Package pricing prices a cart: which lines can be bought, their amounts,
// discounts, shipping and the totals. It is pure (no database), so the cart
// API, checkout and tests all compute the very same figures.
//
// All amounts are int64 fen.
//
// Example usage:
//
//	cart, err := pricing.Price(pricing.Input{
//		Lines:     lines,                       // from the cart and the catalog
//		Templates: templates,                   // shipping templates by id
//		Address:   &pricing.Address{Province: "浙江省"},
//		Discounts: promo.Discounts,             // optional
//	})
//	// cart.Total == cart.Goods - cart.Discount + cart.Shipping
package pricing

import (
	"slices"
	"strings"
)

// Line statuses: why a line can or cannot be bought now.
const (
	StatusOK                = "ok"
	StatusOffShelf          = "off_shelf"          // product off shelf or gone
	StatusSoldOut           = "sold_out"           // SKU stock is 0
	StatusInsufficientStock = "insufficient_stock" // fewer units left than asked for

	// A line's Blocked status: the buyer's distributor level may not buy it.
	StatusLevelRequired = "level_required"  // reserved for a higher level
	StatusNotYetOnSale  = "not_yet_on_sale" // early access, not open to the buyer yet
)

// Line is one cart (or order) line with the catalog facts its price depends on.
type Line struct {
	// Id is the caller's key of the line (a cart_items id).
	Id string

	SkuId     string
	ProductId string
	Title     string
	SpecText  string
	Image     string

	// CategoryIds are the product's category path, root first, leaf last,
	// for promotions scoped to a category.
	CategoryIds []string

	Quantity int
	Selected bool

	// UnitPrice is the SKU's current price in fen.
	UnitPrice int64

	// Stock is the number of units available now.
	Stock int

	// OnShelf is false when the product is off the shelf or deleted.
	OnShelf bool

	// Weight is grams per unit.
	Weight int

	// TemplateId is the product's shipping template ("": ships free).
	TemplateId string

	// NoCoupon is true for a line no coupon may take anything off (a
	// flash-sale line that does not allow stacking).
	NoCoupon bool

	// Blocked, when set, is the status of a line on the shelf that this
	// buyer may not buy (StatusLevelRequired, StatusNotYetOnSale); such a
	// line is left out of the totals like an off-shelf one. BlockedNote
	// says why in the buyer's words ("V2及以上提前购，12-10 20:00 开放").
	Blocked     string
	BlockedNote string

	// BasePrice is the SKU's price for everyone and PriceLabel names the
	// level price UnitPrice is instead ("V2"), "" when UnitPrice is the
	// SKU's price. Display only: pricing uses UnitPrice.
	BasePrice  int64
	PriceLabel string
}

// Discounts is what promotions take off a set of lines.
type Discounts struct {
	// PerLine is the fen off each line, in the order of the lines given.
	PerLine []int64

	// Gifts are free items added to the order.
	Gifts []Gift

	// Applied explains each promotion that applied.
	Applied []Applied
}

// Gift is a free item granted by a promotion.
type Gift struct {
	SkuId    string `json:"sku"`
	Quantity int    `json:"quantity"`
	Label    string `json:"label"`
}

// Applied is one promotion that applied and how much it took off.
type Applied struct {
	PromotionId string `json:"promotion"`
	Label       string `json:"label"`
	Explanation string `json:"explanation"`
	Amount      int64  `json:"amount"`
}

// Coupons is what the buyer's coupon takes off a set of lines, after the
// promotions.
type Coupons struct {
	// PerLine is the fen off each line, in the order of the lines given.
	PerLine []int64

	// Applied is the coupon used (nil: none).
	Applied *AppliedCoupon

	// Options are the buyer's coupons for a picker: usable ones with what
	// they take off, unusable ones with the reason.
	Options []CouponOption
}

// AppliedCoupon is the coupon a cart or order uses.
type AppliedCoupon struct {
	Id     string `json:"id"`
	Label  string `json:"label"`
	Amount int64  `json:"amount"`
}

// CouponOption is one of the buyer's coupons as a cart shows it.
type CouponOption struct {
	Id    string `json:"id"`
	Name  string `json:"name"`
	Label string `json:"label"`

	// Usable is false with Reason (a stable code) and Message when the
	// coupon cannot be used on this cart.
	Usable  bool   `json:"usable"`
	Reason  string `json:"reason"`
	Message string `json:"message"`

	// Amount is what the coupon would take off this cart.
	Amount   int64  `json:"amount"`
	StartsAt string `json:"starts_at"`
	EndsAt   string `json:"ends_at"`

	// Selected marks the coupon the cart uses.
	Selected bool `json:"selected"`
}

// Address is what pricing needs to know about the delivery address.
type Address struct {
	Province string
}

// Input is everything a priced cart depends on.
type Input struct {
	Lines []Line

	// Templates are the shipping templates by id.
	Templates map[string]Template

	// Address is the delivery address; nil prices shipping with the
	// templates' default rules and marks it as an estimate.
	Address *Address

	// Discounts, when set, is called once with the lines that count towards
	// the total (selected and buyable), in [DiscountOrder]. Its error is
	// returned by [Price]: a cart whose promotions cannot be worked out has
	// no price, rather than the price without them.
	Discounts func(lines []Line) (Discounts, error)

	// Coupons, when set, is called once after Discounts with the same
	// lines in the same order and what promotions took off each. Its error
	// is returned by [Price], like that of Discounts.
	Coupons func(lines []Line, promoOff []int64) (Coupons, error)
}

// PricedLine is a line with its status and amounts.
type PricedLine struct {
	Line

	// Status is one of the Status* constants.
	Status string

	// Available is the number of units that can be bought now.
	Available int

	// InTotal is true when the line is selected and buyable, i.e. counted
	// in the cart's totals; Discount and Paid are 0 for the other lines.
	InTotal bool

	// Amount is UnitPrice × Quantity.
	Amount int64

	// Discount is the promotions' and the coupon's share of this line.
	Discount int64

	// CouponDiscount is the coupon's part of Discount.
	CouponDiscount int64

	// Paid is Amount − Discount.
	Paid int64
}

// Cart is a priced cart. Total = Goods − Discount + Shipping.
type Cart struct {
	Lines []PricedLine

	// Quantity is the number of units counted in the totals.
	Quantity int

	Goods    int64
	Discount int64
	Shipping int64
	Total    int64

	// ShippingEstimated is true when no address was given.
	ShippingEstimated bool

	// CouponDiscount is the coupon's part of Discount.
	CouponDiscount int64

	Gifts   []Gift
	Applied []Applied

	// Coupon is the coupon used (nil: none); CouponOptions the buyer's
	// coupons for a picker.
	Coupon        *AppliedCoupon
	CouponOptions []CouponOption
}

// Price prices the lines of in. It never fails: lines that cannot be bought
// are reported with their status and left out of the totals.
func Price(in Input) (Cart, error) {
	cart := Cart{
		Lines:             make([]PricedLine, len(in.Lines)),
		ShippingEstimated: in.Address == nil,
	}

	var counted []int // indexes of the lines in the total
	for i, l := range in.Lines {
		pl := PricedLine{Line: l, Status: lineStatus(l), Amount: l.UnitPrice * int64(l.Quantity)}
		if l.OnShelf && l.Blocked == "" && l.Stock > 0 {
			pl.Available = l.Stock
		}
		pl.InTotal = l.Selected && pl.Status == StatusOK && l.Quantity > 0
		if pl.InTotal {
			pl.Paid = pl.Amount
			counted = append(counted, i)
		}
		cart.Lines[i] = pl
	}

	if (in.Discounts != nil || in.Coupons != nil) && len(counted) > 0 {
		// note: the discount splits give tied remainders to the earlier
		// line, so the order the caller read its lines in (the cart newest
		// first, an order as posted) must not reach them: every caller's
		// split is the same fen for fen
		slices.SortStableFunc(counted, func(a, b int) int { return DiscountOrder(in.Lines[a], in.Lines[b]) })
		lines := make([]Line, len(counted))
		for k, i := range counted {
			lines[k] = in.Lines[i]
		}
		promoOff := make([]int64, len(counted))
		if in.Discounts != nil {
			d, err := in.Discounts(lines)
			if err != nil {
				return Cart{}, err
			}
			for k, i := range counted {
				if k >= len(d.PerLine) {
					break
				}
				// note: a discount never makes a line negative or adds to it
				off := min(max(d.PerLine[k], 0), cart.Lines[i].Amount)
				promoOff[k] = off
				cart.Lines[i].Discount = off
				cart.Lines[i].Paid = cart.Lines[i].Amount - off
			}
			cart.Gifts = d.Gifts
			cart.Applied = d.Applied
		}
		if in.Coupons != nil {
			c, err := in.Coupons(lines, promoOff)
			if err != nil {
				return Cart{}, err
			}
			cart.CouponOptions = c.Options
			if c.Applied != nil {
				var total int64
				for k, i := range counted {
					if k >= len(c.PerLine) {
						break
					}
					off := min(max(c.PerLine[k], 0), cart.Lines[i].Paid)
					cart.Lines[i].CouponDiscount = off
					cart.Lines[i].Discount += off
					cart.Lines[i].Paid -= off
					total += off
				}
				applied := *c.Applied
				applied.Amount = total
				cart.Coupon = &applied
				cart.CouponDiscount = total
			}
		}
	}

	slices.Sort(counted)
	for _, i := range counted {
		pl := cart.Lines[i]
		cart.Quantity += pl.Quantity
		cart.Goods += pl.Amount
		cart.Discount += pl.Discount
	}
	cart.Shipping = shipping(cart.Lines, counted, in.Templates, in.Address)
	cart.Total = cart.Goods - cart.Discount + cart.Shipping
	return cart, nil
}

// DiscountOrder is the one order in which lines reach a discount split
// (promotions, coupons): by SKU, then by line id. A cart holds one line per
// SKU and checkout merges a SKU's lines, so the split of a set of lines
// never depends on the order a caller listed them in.
func DiscountOrder(a, b Line) int {
	if c := strings.Compare(a.SkuId, b.SkuId); c != 0 {
		return c
	}
	return strings.Compare(a.Id, b.Id)
}

func lineStatus(l Line) string {
	switch {
	case !l.OnShelf:
		return StatusOffShelf
	case l.Blocked != "":
		return l.Blocked
	case l.Stock <= 0:
		return StatusSoldOut
	case l.Quantity > l.Stock:
		return StatusInsufficientStock
	default:
		return StatusOK
	}
}
