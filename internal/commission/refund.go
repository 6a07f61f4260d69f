package commission

// AfterRefund recomputes a share after part or all of its line is refunded
// and returns the share's new amount and the clawback (original − new).
//
// share is the share as computed at payment, never a previously reduced
// copy; refundedQty and refundedBase are the CUMULATIVE units and fen
// refunded on the line so far, refundedBase in the same terms as
// share.Base (so including the refunded shipping share when the base
// included shipping). The clawback is therefore relative to the original
// amount: the caller books the difference from clawbacks already booked.
// Recomputing from the original avoids compounding the flooring of
// successive partial refunds.
//
// The same rule is applied to what remains:
//
//	remainingBase = clamp(share.Base − refundedBase, 0, share.Base)
//	remainingQty  = clamp(share.Quantity − refundedQty, 0, share.Quantity)
//	rate:  new = floor(remainingBase × RuleValue / 10000)
//	fixed: new = min(RuleValue × remainingQty, remainingBase)
//
// A fixed rule pays per unit, so a money-only partial refund (refundedQty 0,
// e.g. a price adjustment) reduces it only through the remaining-base bound;
// a full refund (remainingBase 0) always takes it to 0. A fixed share stored
// without a quantity (Quantity <= 0) falls back to the pro-rata rule below.
//
// A capped share (share.Capped) is reduced proportionally to the remaining
// base, floored, and never above what the rule alone would now pay:
//
//	new = min(floor(share.Amount × remainingBase / share.Base), rule(remaining))
//
// In every case 0 <= new <= share.Amount, so the clawback is never negative
// and never more than the original amount.
func AfterRefund(share Share, refundedQty int, refundedBase int64) (newAmount, clawback int64) {
	if share.Amount <= 0 || share.Base <= 0 {
		return max(share.Amount, 0), 0
	}

	remBase := share.Base - max(refundedBase, 0)
	remBase = max(min(remBase, share.Base), 0)
	remQty := max(min(share.Quantity-max(refundedQty, 0), share.Quantity), 0)

	var n int64
	if remBase > 0 {
		prorata := proRata(share.Amount, remBase, share.Base)
		switch share.RuleKind {
		case ModeRate:
			n = ruleAmount(ModeRate, share.RuleValue, remBase, 0)
		case ModeFixed:
			if share.Quantity > 0 {
				n = fixedAmount(share.RuleValue, remQty, remBase)
			} else {
				n = prorata
			}
		default:
			n = prorata
		}
		if share.Capped {
			n = min(n, prorata)
		}
	}

	n = max(min(n, share.Amount), 0)
	return n, share.Amount - n
}

// proRata returns floor(amount × part / whole) for 0 <= part <= whole, whole > 0.
func proRata(amount, part, whole int64) int64 {
	// note: amount ≤ whole for any share (rates ≤ 100%, fixed bounded by the
	// base), so amount × part ≤ whole² stays far below int64 overflow for
	// any real line amount
	return amount * part / whole
}
