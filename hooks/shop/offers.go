package shop

import (
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// Offer is a special price one line of a checkout is bought at (a flash
// sale), as its [OfferProvider] grants it.
type Offer struct {
	// Kind names the provider's offer, e.g. "flash"; kept on the order.
	Kind string

	// UnitPrice replaces the SKU's price (fen).
	UnitPrice int64

	// Stock is the number of units left at this offer; it replaces the
	// SKU's stock when the line is priced.
	Stock int

	// OnShelf, when true, sells the line even if its product is off the
	// shelf (a product delisted because its normal stock, reserved for the
	// offer, ran out); the provider checks the shelf itself.
	OnShelf bool

	// NoPromotions keeps promotions off the order; NoCoupon keeps coupons
	// off the line.
	NoPromotions bool
	NoCoupon     bool

	// NoCommission books no commission on the order.
	NoCommission bool

	// PayWithin, when > 0, replaces the shop's payment window: the unpaid
	// order is cancelled after it.
	PayWithin time.Duration
}

// OfferProvider grants special offers at checkout (POST /api/shop/checkout
// {offer, items: [one line]}). The order's line is priced at the offer;
// inside the checkout transaction Take takes the offer's own stock (and
// checks its per-buyer limit again), before the core takes the SKU's stock
// like any order. When the order is cancelled the core returns the SKU's
// stock, and the provider gives the offer's units back on OnOrderCancelled.
type OfferProvider interface {
	// Prepare checks that buyer may buy qty of sku under the offer ref now
	// and returns the offer; a shop error (e.g. sold out, limit reached,
	// not started) fails the checkout.
	Prepare(app core.App, buyer *core.Record, ref, sku string, qty int) (*Offer, error)

	// Take takes qty of the offer's stock for order, inside the checkout
	// transaction, conditionally: an error rolls the order back.
	Take(txApp core.App, order *core.Record, ref, sku string, qty int) error
}

// SetOffers sets the offer provider (nil: checkout refuses offers).
func (s *Shop) SetOffers(o OfferProvider) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offers = o
}

// Offers returns the provider set with [Shop.SetOffers], or nil.
func (s *Shop) Offers() OfferProvider {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.offers
}
