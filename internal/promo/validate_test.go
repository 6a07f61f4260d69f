package promo

import (
	"errors"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	valid := []Promotion{
		fullReduction("fr", Tier{20000, 3000}, Tier{50000, 10000}),
		rate("r", 8500),
		rate("r", 1),
		rate("r", 9999),
		special("sp", 0),
		gift("g", "mug", 1, 0, 0),
		categories(rate("c", 8000), "clothing"),
		products(rate("p", 8000), "p1"),
	}
	for _, p := range valid {
		if err := Validate(p); err != nil {
			t.Errorf("%+v: unexpected %v", p, err)
		}
	}

	cases := []struct {
		name string
		edit func(p *Promotion)
		base Promotion
		code string
	}{
		{"unknown type", func(p *Promotion) { p.Type = "coupon" }, rate("r", 8000), CodeTypeInvalid},
		{"unknown scope", func(p *Promotion) { p.Scope = "" }, rate("r", 8000), CodeScopeInvalid},
		{"categories without ids", func(p *Promotion) { p.Scope = ScopeCategories }, rate("r", 8000), CodeScopeIdsRequired},
		{"products without ids", func(p *Promotion) { p.Scope = ScopeProducts }, rate("r", 8000), CodeScopeIdsRequired},
		{"ends before it starts", func(p *Promotion) { p.StartsAt, p.EndsAt = now, now.Add(-time.Second) }, rate("r", 8000), CodeTimeRangeInvalid},
		{"ends when it starts", func(p *Promotion) { p.StartsAt, p.EndsAt = now, now }, rate("r", 8000), CodeTimeRangeInvalid},
		{"negative per-user limit", func(p *Promotion) { p.PerUserLimit = -1 }, rate("r", 8000), CodePerUserLimitInvalid},
		{"no tiers", func(p *Promotion) { p.Tiers = nil }, fullReduction("fr"), CodeTiersRequired},
		{"tiers descending", func(p *Promotion) {}, fullReduction("fr", Tier{50000, 10000}, Tier{20000, 3000}), CodeTiersNotAscending},
		{"tiers equal", func(p *Promotion) {}, fullReduction("fr", Tier{20000, 3000}, Tier{20000, 4000}), CodeTiersNotAscending},
		{"off equals threshold", func(p *Promotion) {}, fullReduction("fr", Tier{20000, 20000}), CodeTierOffInvalid},
		{"off above threshold", func(p *Promotion) {}, fullReduction("fr", Tier{20000, 30000}), CodeTierOffInvalid},
		{"zero off", func(p *Promotion) {}, fullReduction("fr", Tier{20000, 0}), CodeTierOffInvalid},
		{"negative cap", func(p *Promotion) { p.MaxOff = -1 }, fullReduction("fr", Tier{20000, 3000}), CodeMaxOffInvalid},
		{"no discount mode", func(p *Promotion) { p.DiscountMode = "" }, rate("r", 8000), CodeDiscountModeInvalid},
		{"rate zero", func(p *Promotion) {}, rate("r", 0), CodeDiscountRateInvalid},
		{"rate 10折", func(p *Promotion) {}, rate("r", 10000), CodeDiscountRateInvalid},
		{"rate negative", func(p *Promotion) {}, rate("r", -1), CodeDiscountRateInvalid},
		{"special price negative", func(p *Promotion) {}, special("sp", -1), CodeSpecialPriceInvalid},
		{"gift without sku", func(p *Promotion) { p.GiftSkuId = "" }, gift("g", "mug", 1, 1, 0), CodeGiftSkuRequired},
		{"gift without quantity", func(p *Promotion) { p.GiftQuantity = 0 }, gift("g", "mug", 1, 1, 0), CodeGiftQuantityInvalid},
		{"gift negative threshold", func(p *Promotion) { p.GiftMinQuantity = -1 }, gift("g", "mug", 1, 1, 0), CodeGiftThresholdInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := c.base
			c.edit(&p)
			err := Validate(p)
			var perr *Error
			if !errors.As(err, &perr) {
				t.Fatalf("want *Error %s, got %v", c.code, err)
			}
			if perr.Code() != c.code || perr.Error() == "" {
				t.Fatalf("code %q (%s), want %q", perr.Code(), perr.Error(), c.code)
			}
		})
	}
}
