// Package commission computes the three-level distribution commission of an
// order from a snapshot of its lines, its buyer, the buyer's upline chain and
// the shop settings.
//
// It is pure arithmetic over int64 fen and basis points: no database, no
// clock, no floats. Every share carries its inputs (base, rule, source) and a
// human readable formula, so a distributor can see why they earned what they
// earned, and a refund can be applied later to the very rule that was used.
package commission

import (
	"strconv"

	"fenxiao/internal/money"
)

// MaxLevels is the number of upline levels ever paid.
const MaxLevels = 3

// Rule kinds.
const (
	ModeRate  = "rate"  // value is in basis points of the line base
	ModeFixed = "fixed" // value is fen per unit
)

// Rule sources, in precedence order.
const (
	SourceSku      = "sku"
	SourceProduct  = "product"
	SourceLevel    = "level"
	SourceSettings = "settings"
)

// Override is a product or SKU specific commission rule.
//
// The caller resolves precedence between the two (a SKU override beats a
// product override) and passes only the winning one, with Source set to
// SourceSku or SourceProduct.
type Override struct {
	// Mode is ModeRate or ModeFixed.
	Mode string

	// Values holds one value per level: basis points for ModeRate, fen per
	// unit for ModeFixed. A 0 means "deliberately no commission" for that
	// level; it is not a fallback to the level or settings rates.
	Values [MaxLevels]int64

	// Source is SourceSku or SourceProduct.
	Source string
}

// Line is one order line as paid.
type Line struct {
	LineId    string
	ProductId string
	SkuId     string
	Quantity  int

	// Paid is what was actually paid for the line, in fen, after the
	// order-level discounts allocated to it.
	Paid int64

	// ShippingShare is the line's share of the shipping fee, in fen. It is
	// part of the base only when Settings.IncludeShipping is on.
	ShippingShare int64

	// IsGift marks a free gift line; gifts never earn commission.
	IsGift bool

	// Override is the winning SKU/product rule, or nil.
	Override *Override
}

// Buyer is the user who placed the order.
type Buyer struct {
	UserId        string
	IsDistributor bool

	// LevelRank and LevelRates are the buyer's own distributor level. They
	// are only used in self-purchase mode, where the buyer earns level 1.
	LevelRank  int
	LevelRates *[MaxLevels]int64
}

// Upline is one entry of the buyer's upline chain snapshot: the buyer's
// referrer first, then the referrer's referrer, and so on.
type Upline struct {
	UserId        string
	IsDistributor bool
	LevelRank     int

	// LevelRates are the rates of the upline's distributor level, or nil
	// when the upline has no level (or the level has no rates of its own).
	LevelRates *[MaxLevels]int64
}

// Settings are the shop wide commission settings.
type Settings struct {
	// Rates are the default basis points for levels 1..3.
	Rates [MaxLevels]int64

	// IncludeShipping adds the line's shipping share to its base.
	IncludeShipping bool

	// SelfPurchase lets a distributor earn level 1 on their own orders.
	SelfPurchase bool

	// OrderCapBP caps the total commission of an order at OrderCapBP × Σ base
	// (floored to the fen). 0 means no cap.
	OrderCapBP int64
}

// Input is everything Compute needs, all snapshotted at payment time.
type Input struct {
	Lines    []Line
	Buyer    Buyer
	Chain    []Upline
	Settings Settings
}

// Share is the commission one beneficiary earns on one line at one level.
type Share struct {
	LineId      string
	Level       int // 1..3
	Beneficiary string

	// Base is the amount the rule was applied to, in fen.
	Base int64

	// Quantity is the line quantity the rule saw (fixed rules pay per unit;
	// AfterRefund needs it to recompute on the remaining units).
	Quantity int

	RuleKind  string // ModeRate or ModeFixed
	RuleValue int64  // basis points or fen per unit
	Source    string // SourceSku, SourceProduct, SourceLevel or SourceSettings

	// Amount is the commission in fen, after the order cap.
	Amount int64

	// Uncapped is what the rule alone gives, before the order cap.
	// It equals Amount unless Capped is set.
	Uncapped int64

	// Capped reports whether the order cap scaled this share down.
	Capped bool

	// Formula explains Amount in words a distributor can read.
	Formula string
}

// beneficiary is one resolved, payable level.
type beneficiary struct {
	userId     string
	levelRates *[MaxLevels]int64
	self       bool
}

// Compute returns the commission shares of an order, ordered by line (as
// given) then level. Only shares with a positive amount are returned; a
// fixed 0, a rate that floors to nothing or a share capped to nothing is
// omitted, so the result can be stored as is.
//
// Rules:
//   - The base of a line is Paid, plus ShippingShare when
//     Settings.IncludeShipping is on. Gift lines and lines with Paid <= 0
//     never earn.
//   - Level k is paid to the k-th entry of the chain; entries after the
//     third are ignored, so no more than three levels are ever paid.
//   - Only distributors earn. A chain entry that is not a distributor is
//     skipped WITHOUT shifting the levels above it: its level is simply not
//     paid (the shop keeps it) and the next entry still gets the next level.
//     Likewise an entry with an empty id, an entry that is the buyer
//     (self-referral) and an entry already seen lower in the chain (a cycle)
//     are not paid and do not shift.
//   - Self-purchase: when Settings.SelfPurchase is on and the buyer is a
//     distributor, the buyer is level 1 on their own order and the chain
//     shifts up by one: the buyer's referrer is paid level 2 and the
//     referrer's referrer level 3; the third chain entry gets nothing.
//     When it is off, or the buyer is not a distributor, the buyer earns
//     nothing and the chain is paid from level 1.
//   - Rule precedence per line and level: the line Override (its value for
//     that level, even 0) > the beneficiary's LevelRates > Settings.Rates.
//     An Override whose Mode is neither "rate" nor "fixed" pays nothing
//     (fail closed; ValidateOverride rejects it at save time).
//   - A rate is floored to the fen (money.ApplyRate). A fixed rule pays
//     value × quantity, but never more than the line base: a commission
//     can't exceed what the buyer actually paid for the line.
//   - Order cap: when Settings.OrderCapBP > 0 and the sum of all shares
//     exceeds floor(Σ base × OrderCapBP / 10000), where Σ base sums the
//     bases of every earning (non-gift, paid) line, every share is scaled
//     with money.Allocate(cap, amounts): the total then equals the cap
//     exactly and no share exceeds its uncapped value. Capped shares say
//     "capped" in their formula.
func Compute(in Input) []Share {
	bens := resolveBeneficiaries(in.Buyer, in.Chain, in.Settings.SelfPurchase)
	if bens[0] == nil && bens[1] == nil && bens[2] == nil {
		return nil
	}

	shares := make([]Share, 0, len(in.Lines)*MaxLevels)
	lineOf := make([]int, 0, cap(shares)) // shares[i] comes from in.Lines[lineOf[i]]
	var sumBase, total int64
	for i, line := range in.Lines {
		if line.IsGift || line.Paid <= 0 {
			continue
		}
		base := line.Paid
		if in.Settings.IncludeShipping && line.ShippingShare > 0 {
			base += line.ShippingShare
		}
		sumBase += base

		for k, b := range bens {
			if b == nil {
				continue
			}
			kind, value, source := pickRule(line.Override, b.levelRates, in.Settings.Rates, k)
			amount := ruleAmount(kind, value, base, line.Quantity)
			if amount <= 0 {
				continue
			}
			total += amount
			shares = append(shares, Share{
				LineId:      line.LineId,
				Level:       k + 1,
				Beneficiary: b.userId,
				Base:        base,
				Quantity:    line.Quantity,
				RuleKind:    kind,
				RuleValue:   value,
				Source:      source,
				Amount:      amount,
				Uncapped:    amount,
			})
			lineOf = append(lineOf, i)
		}
	}

	if in.Settings.OrderCapBP > 0 {
		if capTotal := money.ApplyRate(sumBase, in.Settings.OrderCapBP); total > capTotal {
			applyCap(shares, capTotal)
		}
	}

	// note: formulas are written last, once the cap is known, and shares
	// capped to nothing are dropped here
	out := shares[:0]
	for i, s := range shares {
		if s.Amount <= 0 {
			continue
		}
		self := s.Level == 1 && bens[0].self
		s.Formula = formula(in.Lines[lineOf[i]], in.Settings.IncludeShipping, s, self, in.Settings.OrderCapBP)
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// resolveBeneficiaries maps levels 1..3 to who is paid, nil for an unpaid level.
// Earns reports whether anyone of in's buyer and chain is paid at some
// level under in.Settings; when it is false [Compute] returns no shares
// whatever the lines, so a caller can skip loading them.
func Earns(in Input) bool {
	bens := resolveBeneficiaries(in.Buyer, in.Chain, in.Settings.SelfPurchase)
	return bens[0] != nil || bens[1] != nil || bens[2] != nil
}

func resolveBeneficiaries(buyer Buyer, chain []Upline, selfPurchase bool) [MaxLevels]*beneficiary {
	var bens [MaxLevels]*beneficiary
	seen := make(map[string]struct{}, MaxLevels)

	level := 0
	if selfPurchase && buyer.IsDistributor && buyer.UserId != "" {
		bens[0] = &beneficiary{userId: buyer.UserId, levelRates: buyer.LevelRates, self: true}
		seen[buyer.UserId] = struct{}{}
		level = 1
	}

	for _, up := range chain {
		if level >= MaxLevels {
			break
		}
		k := level
		level++ // note: a skipped entry still consumes its level (no shifting)

		if up.UserId == "" || !up.IsDistributor || up.UserId == buyer.UserId {
			continue
		}
		if _, dup := seen[up.UserId]; dup {
			continue
		}
		seen[up.UserId] = struct{}{}
		bens[k] = &beneficiary{userId: up.UserId, levelRates: up.LevelRates}
	}

	return bens
}

// pickRule applies the precedence override > level rates > settings for level index k.
func pickRule(o *Override, levelRates *[MaxLevels]int64, rates [MaxLevels]int64, k int) (kind string, value int64, source string) {
	switch {
	case o != nil:
		return o.Mode, o.Values[k], o.Source
	case levelRates != nil:
		return ModeRate, levelRates[k], SourceLevel
	default:
		return ModeRate, rates[k], SourceSettings
	}
}

// ruleAmount evaluates one rule on a base, floored, and for fixed rules
// bounded by the base. Unknown kinds and negative values give 0.
func ruleAmount(kind string, value, base int64, quantity int) int64 {
	if base <= 0 || value <= 0 {
		return 0
	}
	switch kind {
	case ModeRate:
		return money.ApplyRate(base, value)
	case ModeFixed:
		return fixedAmount(value, quantity, base)
	default:
		return 0
	}
}

// fixedAmount returns min(value × quantity, limit) without overflowing.
func fixedAmount(value int64, quantity int, limit int64) int64 {
	if value <= 0 || quantity <= 0 || limit <= 0 {
		return 0
	}
	q := int64(quantity)
	// note: value > limit/q ⇔ value×q > limit for positive integers, and it
	// avoids computing a product that could overflow on absurd inputs
	if value > limit/q {
		return limit
	}
	return value * q
}

// applyCap scales the share amounts down so that they sum to capTotal.
func applyCap(shares []Share, capTotal int64) {
	weights := make([]int64, len(shares))
	for i, s := range shares {
		weights[i] = s.Amount
	}
	// note: capTotal < Σ weights, so every allocated share is
	// floor(cap×w/Σ) (+1 at most) ≤ w: no share grows
	capped := money.Allocate(capTotal, weights)
	for i := range shares {
		if capped[i] != shares[i].Amount {
			shares[i].Amount = capped[i]
			shares[i].Capped = true
		}
	}
}

var levelNames = [MaxLevels]string{"一级", "二级", "三级"}

var sourceNames = map[string]string{
	SourceSku:      "SKU规则",
	SourceProduct:  "商品规则",
	SourceLevel:    "等级规则",
	SourceSettings: "店铺设置",
}

// formula renders e.g. "¥32.70 × 10.00% = ¥3.27 (一级, 商品规则)" or
// "¥5.00 × 2件 = ¥10.00 (二级, 固定佣金, SKU规则)", followed for a capped
// share by "; 订单佣金上限 15.00% → ¥1.50 (capped)".
//
// note: built with strconv appends rather than fmt, as it runs for every
// share of every order and dominated Compute's cost
func formula(line Line, includeShipping bool, s Share, self bool, capBP int64) string {
	b := make([]byte, 0, 128)

	switch s.RuleKind {
	case ModeFixed:
		b = appendYuan(b, s.RuleValue)
		b = append(b, " × "...)
		b = strconv.AppendInt(b, int64(s.Quantity), 10)
		b = append(b, "件"...)
		if q := int64(s.Quantity); q > 0 && s.RuleValue > s.Base/q {
			// bounded by the base; the product itself isn't printed as it
			// may not even fit an int64 on absurd inputs
			b = append(b, ", 以实付 "...)
			b = appendYuan(b, s.Base)
			b = append(b, " 为限"...)
		}
	default:
		if includeShipping && line.ShippingShare > 0 {
			b = append(b, '(')
			b = appendYuan(b, line.Paid)
			b = append(b, " + 运费 "...)
			b = appendYuan(b, line.ShippingShare)
			b = append(b, ')')
		} else {
			b = appendYuan(b, s.Base)
		}
		b = append(b, " × "...)
		b = appendPercent(b, s.RuleValue)
	}

	b = append(b, " = "...)
	b = appendYuan(b, s.Uncapped)
	b = append(b, " ("...)
	b = append(b, levelNames[s.Level-1]...)
	if self {
		b = append(b, "·自购"...)
	}
	if s.RuleKind == ModeFixed {
		b = append(b, ", 固定佣金"...)
	}
	b = append(b, ", "...)
	if name, ok := sourceNames[s.Source]; ok {
		b = append(b, name...)
	} else {
		b = append(b, s.Source...)
	}
	b = append(b, ')')

	if s.Capped {
		b = append(b, "; 订单佣金上限 "...)
		b = appendPercent(b, capBP)
		b = append(b, " → "...)
		b = appendYuan(b, s.Amount)
		b = append(b, " (capped)"...)
	}

	return string(b)
}

// appendYuan appends fen as "¥12.34" (same digits as money.Yuan).
func appendYuan(b []byte, fen int64) []byte {
	b = append(b, "¥"...)
	return appendHundredths(b, fen)
}

// appendPercent appends basis points as a percentage, e.g. 1050 → "10.50%".
func appendPercent(b []byte, bp int64) []byte {
	return append(appendHundredths(b, bp), '%')
}

// percent formats basis points as a percentage with two decimals, e.g. 1050 → "10.50%".
func percent(bp int64) string {
	return string(appendPercent(nil, bp))
}

// appendHundredths appends v/100 with exactly two decimals.
func appendHundredths(b []byte, v int64) []byte {
	u := uint64(v)
	if v < 0 {
		b = append(b, '-')
		u = -u // note: also right for math.MinInt64
	}
	b = strconv.AppendUint(b, u/100, 10)
	b = append(b, '.', byte('0'+u%100/10), byte('0'+u%10))
	return b
}
