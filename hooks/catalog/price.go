package catalog

import (
	"time"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/internal/pricing"
)

// Entry is one line to price: a SKU, a quantity and whether it is selected.
// Id is the caller's key of the line (a cart_items id, or the SKU id).
type Entry struct {
	Id       string
	Sku      string
	Quantity int
	Selected bool
}

// PriceRequest is what a priced cart or order depends on besides the catalog.
type PriceRequest struct {
	User    *core.Record
	Entries []Entry

	// Address prices shipping for its province (nil: an estimate with the
	// templates' default rules).
	Address *core.Record

	// Coupon is the buyer's choice of coupon: "" the best usable one,
	// "none", or a coupon id (see [shop.CouponProvider]).
	Coupon string

	// Offer, when set, prices every entry at the offer (checkout allows an
	// offer on a one-line order only): its unit price and stock replace the
	// SKU's, and it may keep promotions and coupons off.
	Offer *shop.Offer
}

// Price prices entries with the current catalog facts, fitted to the buyer's
// distributor level (level prices, reserved and early-access SKUs: see
// privileges.go). The cart view and checkout both price through it, so
// every line amount the cart shows is the amount the order books. Entries whose SKU no longer exists are left
// out of the cart; they are missing from the returned infos too.
func Price(app core.App, s *shop.Shop, req PriceRequest) (pricing.Cart, map[string]*SkuInfo, error) {
	ids := make([]string, len(req.Entries))
	for i, en := range req.Entries {
		ids[i] = en.Sku
	}
	infos, err := LookupSkus(app, ids)
	if err != nil {
		return pricing.Cart{}, nil, err
	}
	if err := applyViewer(app, infos, ViewerLevel(req.User), time.Now()); err != nil {
		return pricing.Cart{}, nil, err
	}
	lines := make([]pricing.Line, 0, len(req.Entries))
	templateIds := []string{}
	for _, en := range req.Entries {
		info := infos[en.Sku]
		if info == nil {
			continue
		}
		l := info.Line(en.Id, en.Quantity, en.Selected)
		if o := req.Offer; o != nil {
			l.UnitPrice, l.Stock, l.NoCoupon = o.UnitPrice, o.Stock, o.NoCoupon
			l.PriceLabel = "" // note: the offer's price replaces a level price, they never add up
			l.OnShelf = l.OnShelf || o.OnShelf
		}
		lines = append(lines, l)
		if info.TemplateId != "" {
			templateIds = append(templateIds, info.TemplateId)
		}
	}
	templates, err := LoadShippingTemplates(app, templateIds)
	if err != nil {
		return pricing.Cart{}, nil, err
	}

	in := pricing.Input{Lines: lines, Templates: templates}
	if req.Address != nil {
		in.Address = &pricing.Address{Province: req.Address.GetString("province")}
	}
	// note: the shop's promotions (see [shop.Shop.SetDiscounts]), looked up
	// per call because plugins register after the core; the cart and
	// checkout both come here, so they cannot price differently
	var discounts shop.DiscountsFunc
	if s != nil {
		discounts = s.Discounts()
	}
	if req.Offer != nil && req.Offer.NoPromotions {
		discounts = nil
	}
	if discounts != nil {
		in.Discounts = func(lines []pricing.Line) (pricing.Discounts, error) {
			return discounts(app, req.User, lines)
		}
	}
	if coupons := couponsOf(s); coupons != nil && req.User != nil {
		in.Coupons = func(lines []pricing.Line, promoOff []int64) (pricing.Coupons, error) {
			return coupons.Quote(app, req.User, lines, promoOff, req.Coupon)
		}
	}
	cart, err := pricing.Price(in)
	if err != nil {
		return pricing.Cart{}, nil, err
	}
	return cart, infos, nil
}

func couponsOf(s *shop.Shop) shop.CouponProvider {
	if s == nil {
		return nil
	}
	return s.Coupons()
}
