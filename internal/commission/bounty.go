package commission

// BountyWithinCap reports whether an inviter who earned count bounties
// adding up to sum fen today may earn one more of amount fen under the
// daily caps (capCount bounties, capAmount fen; 0 = no cap). A bounty that
// would cross the amount cap is refused whole, never cut down.
func BountyWithinCap(count int, sum, amount int64, capCount int, capAmount int64) bool {
	if amount <= 0 {
		return false
	}
	if capCount > 0 && count >= capCount {
		return false
	}
	if capAmount > 0 && sum+amount > capAmount {
		return false
	}
	return true
}

// BountyKept reports whether a first order that earned a bounty still
// qualifies after its refunds: what it still pays (payable − refunded)
// must be at least minOrder, and at least 1 fen (a fully refunded order
// never keeps its bounty).
func BountyKept(payable, refunded, minOrder int64) bool {
	return payable-refunded >= max(minOrder, 1)
}
