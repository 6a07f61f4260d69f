package levels

import "time"

// Access are the level conditions of a product or a SKU.
type Access struct {
	// MinLevel reserves it (专享) for this rank and above: the others
	// neither see nor buy it. 0: no reservation.
	MinLevel int

	// EarlyLevel releases it early (提前购) to this rank and above: the
	// others see it but may buy it only from OpensAt. 0: no early access.
	EarlyLevel int

	// OpensAt is when an early-access item opens to everyone (zero: not
	// decided yet, only the early levels may buy it).
	OpensAt time.Time
}

// Why a viewer may not buy something.
const (
	ReasonLevelRequired = "level_required"  // reserved for a higher level
	ReasonNotYetOnSale  = "not_yet_on_sale" // early access, not open to the viewer yet
)

// Verdict is what a viewer of a given rank may do with an item.
type Verdict struct {
	// Visible is false for an item reserved above the viewer.
	Visible bool

	// Reason is "" when the viewer may buy the item, else one of the
	// Reason* constants.
	Reason string

	// Level is the rank the reason is about (the reservation's or the
	// early access'), 0 without a reason.
	Level int

	// OpensAt is when an early-access item opens to everyone.
	OpensAt time.Time
}

// Check judges the conditions of a product and of one of its SKUs (either
// may be the zero Access) for a viewer of rank at time now. A reservation
// wins over early access; the product's conditions are judged before the
// SKU's.
func Check(rank int, now time.Time, conditions ...Access) Verdict {
	for _, a := range conditions {
		if a.MinLevel > 0 && rank < a.MinLevel {
			return Verdict{Reason: ReasonLevelRequired, Level: a.MinLevel}
		}
	}
	for _, a := range conditions {
		if a.Early(now) && rank < a.EarlyLevel {
			return Verdict{Visible: true, Reason: ReasonNotYetOnSale, Level: a.EarlyLevel, OpensAt: a.OpensAt}
		}
	}
	return Verdict{Visible: true}
}

// Early reports whether a is in its early-access period at now.
func (a Access) Early(now time.Time) bool {
	return a.EarlyLevel > 0 && (a.OpensAt.IsZero() || now.Before(a.OpensAt))
}

// LevelPrice is the price of a SKU from a level up.
type LevelPrice struct {
	Level int   `json:"level"`
	Price int64 `json:"price"` // fen
}

// BestPrice returns the unit price a buyer of rank pays for a SKU sold at
// base with the given level prices: the lowest level price whose level the
// buyer reaches, never above base; and the level of that price (0 when base
// applies). On a tie the lower level is named.
func BestPrice(base int64, prices []LevelPrice, rank int) (int64, int) {
	best, level := base, 0
	for _, p := range prices {
		if p.Level <= 0 || p.Level > rank || p.Price < 0 {
			continue
		}
		if p.Price < best || (p.Price == best && level > 0 && p.Level < level) {
			best, level = p.Price, p.Level
		}
	}
	return best, level
}

// ValidateLevelPrices reports what is wrong with a SKU's level prices, ""
// when they are fine: levels 1..100, each once, prices not negative.
func ValidateLevelPrices(prices []LevelPrice) string {
	seen := map[int]bool{}
	for _, p := range prices {
		switch {
		case p.Level < 1 || p.Level > 100:
			return "level must be 1..100"
		case p.Price < 0:
			return "price must not be negative"
		case seen[p.Level]:
			return "each level once"
		}
		seen[p.Level] = true
	}
	return ""
}
