package promo

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"fenxiao/internal/money"
)

// Labels returns the tags to show on a product page for the promotions live
// at now that cover the product, in rank order without duplicates, e.g.
// ["8.5折", "满200减30，满500减100", "满200赠"].
//
// Per-user limits are not considered: the page is the same for every buyer.
func Labels(promos []Promotion, productId string, categoryPath []string, now time.Time) []string {
	var out []string
	for _, i := range rankOrder(promos) {
		p := &promos[i]
		if !p.LiveAt(now) || validate(p) != nil || !p.Covers(productId, categoryPath) {
			continue
		}
		l := label(p)
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// BestUnitPrice returns a product's unit price after the best per-item
// discounts live at now (all stackable ones plus the best non-stackable one),
// computed exactly as [Apply] prices a line of it. Full reductions and gifts
// are not included; per-user limits are not considered.
func BestUnitPrice(unitPrice int64, promos []Promotion, productId string, categoryPath []string, now time.Time) int64 {
	if unitPrice <= 0 {
		return unitPrice
	}
	line := []Line{{ProductId: productId, CategoryPath: categoryPath, UnitPrice: unitPrice, Quantity: 1}}
	e := newEngine(line, promos, nil, now, TypeDiscount)
	e.priceItems()
	return e.uYes[0]
}

// label is p's short tag.
func label(p *Promotion) string {
	switch p.Type {
	case TypeFullReduction:
		parts := make([]string, len(p.Tiers))
		for i := range p.Tiers {
			parts[i] = tierLabel(p, i)
		}
		s := strings.Join(parts, "，")
		if p.MaxOff > 0 {
			s += "，最高减" + yuanShort(p.MaxOff)
		}
		return s
	case TypeDiscount:
		if p.DiscountMode == DiscountSpecialPrice {
			return "特价¥" + money.Yuan(p.SpecialPrice)
		}
		return rateLabel(p.RateBP)
	case TypeGift:
		switch {
		case p.GiftMinAmount > 0 && p.GiftMinQuantity > 0:
			return "满" + yuanShort(p.GiftMinAmount) + "且满" + strconv.Itoa(p.GiftMinQuantity) + "件赠"
		case p.GiftMinAmount > 0:
			return "满" + yuanShort(p.GiftMinAmount) + "赠"
		case p.GiftMinQuantity > 0:
			return "满" + strconv.Itoa(p.GiftMinQuantity) + "件赠"
		}
		return "赠"
	}
	return p.Name
}

// tierLabel is "满200减30", or "每满200减30" for a repeating promotion.
func tierLabel(p *Promotion, i int) string {
	s := "满" + yuanShort(p.Tiers[i].Threshold) + "减" + yuanShort(p.Tiers[i].Off)
	if p.Repeat {
		s = "每" + s
	}
	return s
}

// rateLabel formats basis points as 折: 8500 → "8.5折", 8000 → "8折".
func rateLabel(bp int64) string {
	s := strconv.FormatInt(bp/1000, 10)
	if frac := bp % 1000; frac != 0 {
		f := strings.TrimRight(strconv.FormatInt(1000+frac, 10)[1:], "0")
		s += "." + f
	}
	return s + "折"
}

// yuanShort formats fen as yuan without trailing zeros: 20000 → "200",
// 19990 → "199.9", 1999 → "19.99".
func yuanShort(fen int64) string {
	s := money.Yuan(fen)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// yuan formats fen for explanations: 25600 → "¥256.00".
func yuan(fen int64) string {
	return "¥" + money.Yuan(fen)
}

// displayName is how a promotion is named in another one's explanation.
func displayName(p *Promotion) string {
	if p.Name != "" {
		return p.Name
	}
	return label(p)
}
