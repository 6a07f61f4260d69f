package shop

import (
	"github.com/pocketbase/pocketbase/core"
)

// PayMethodGift is the pay_method of an order the shop gives away (a
// leaderboard prize): it is created paid at zero price, with no payment and
// without [Shop.OnOrderPaid], so it never earns commission or a bounty,
// and ships from the console's ship queue like any paid order.
const PayMethodGift = "gift"

// GiftOrder asks for an order of one gift SKU at zero price.
type GiftOrder struct {
	// UserId receives the gift, at their default delivery address (their
	// latest address when none is marked default).
	UserId string

	// SkuId and Quantity are what is sent; the SKU's stock is taken.
	SkuId    string
	Quantity int

	// Note is kept on the order as its buyer note, e.g. "周佣金榜第1名奖品".
	Note string
}

// GiftOrderFunc creates the order inside txApp and returns it. A shop error
// (no address: 409 gift_no_address, the SKU missing or out of stock) leaves
// nothing written by it.
type GiftOrderFunc func(txApp core.App, g GiftOrder) (*core.Record, error)

// SetGiftOrders sets the function that creates gift orders (the orders core
// sets it; nil: gifts cannot be ordered).
func (s *Shop) SetGiftOrders(fn GiftOrderFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.giftOrders = fn
}

// GiftOrders returns the function set with [Shop.SetGiftOrders], or nil.
func (s *Shop) GiftOrders() GiftOrderFunc {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.giftOrders
}
