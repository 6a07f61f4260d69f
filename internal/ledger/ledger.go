// Package ledger defines the append-only, hash-chained wallet ledger.
//
// Every wallet has two balances, both in int64 fen: available (spendable,
// withdrawable; it may go below zero only as a debt from a clawback or an
// adjustment) and frozen (commission waiting to settle and withdrawals in
// flight; never below zero). Every change is an Entry that records its kind,
// its signed amount and both balances after it. Entries are chained per
// wallet: each one stores the hash of the previous one, so editing,
// deleting or reordering a row breaks the chain and Verify names the first
// bad entry.
//
// note: a chain alone can't detect a full rewrite of every row from some
// point on by someone who can also update the wallet's stored balances;
// keeping (or publishing) the last hash outside the database closes that.
package ledger

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
)

// Entry kinds.
const (
	KindCommissionFrozen    = "commission_frozen"
	KindCommissionSettled   = "commission_settled"
	KindCommissionCancelled = "commission_cancelled"
	KindClawback            = "clawback"
	KindWithdrawHold        = "withdraw_hold"
	KindWithdrawRelease     = "withdraw_release"
	KindWithdrawPaid        = "withdraw_paid"
	KindWithdrawFee         = "withdraw_fee"
	KindReward              = "reward"
	KindPayment             = "payment"
	KindRefundToBalance     = "refund_to_balance"
	KindAdjustment          = "adjustment"
)

// Entry is one ledger row.
type Entry struct {
	WalletId string
	Seq      int64 // 1, 2, 3, ... per wallet

	Kind   string
	Amount int64 // signed fen; see Rule for the sign each kind takes

	BalanceAfter int64 // available balance after this entry
	FrozenAfter  int64 // frozen balance after this entry

	RefType string // e.g. "commission", "withdrawal", "order"
	RefId   string
	Actor   string // who caused it: a user id, "system", or a superuser id

	// CreatedAt is an RFC3339 UTC timestamp, hashed exactly as stored.
	CreatedAt string

	PrevHash string // Hash of the previous entry, "" for the first one
	Hash     string // HashEntry of this entry
}

// Sign constrains the Amount of a kind.
type Sign int

// Amount signs.
const (
	Positive Sign = 1  // Amount > 0
	Negative Sign = -1 // Amount < 0
	NonZero  Sign = 0  // Amount != 0, either sign
)

// KindRule says how an entry of a kind moves the two balances:
//
//	available += AvailableFactor × Amount
//	frozen    += FrozenFactor × Amount
type KindRule struct {
	Sign            Sign
	AvailableFactor int64
	FrozenFactor    int64

	// MayOverdraw allows the kind to take available below zero (a debt).
	// Kinds that don't may only lower available down to zero. No kind
	// may take frozen below zero.
	MayOverdraw bool
}

// kinds is the kind table, documented on Rule.
var kinds = map[string]KindRule{
	KindCommissionFrozen:    {Sign: Positive, FrozenFactor: 1},
	KindCommissionSettled:   {Sign: Positive, AvailableFactor: 1, FrozenFactor: -1},
	KindCommissionCancelled: {Sign: Negative, FrozenFactor: 1},
	KindClawback:            {Sign: Negative, AvailableFactor: 1, MayOverdraw: true},
	KindWithdrawHold:        {Sign: Positive, AvailableFactor: -1, FrozenFactor: 1},
	KindWithdrawRelease:     {Sign: Positive, AvailableFactor: 1, FrozenFactor: -1},
	KindWithdrawPaid:        {Sign: Negative, FrozenFactor: 1},
	KindWithdrawFee:         {Sign: Negative, FrozenFactor: 1},
	KindReward:              {Sign: Positive, AvailableFactor: 1},
	KindPayment:             {Sign: Negative, AvailableFactor: 1},
	KindRefundToBalance:     {Sign: Positive, AvailableFactor: 1},
	KindAdjustment:          {Sign: NonZero, AvailableFactor: 1, MayOverdraw: true},
}

// Rule returns the rule of a kind, and false for an unknown kind.
//
// In the kind table below, Amount is the signed change to the wallet total
// (available + frozen) for kinds that touch one balance; for the transfers
// between the two balances (settled, hold, release), which don't change the
// total, Amount is the positive sum moved:
//
//	kind                  amount  available  frozen   notes
//	commission_frozen       > 0       —       +A      commission earned, not yet settled
//	commission_settled      > 0      +A       −A      frozen → available
//	commission_cancelled    < 0       —       +A      unsettled commission cancelled (A < 0)
//	clawback                < 0      +A        —      settled commission reversed; may leave a debt
//	withdraw_hold           > 0      −A       +A      available → frozen at withdrawal request
//	withdraw_release        > 0      +A       −A      frozen → available (rejected / failed)
//	withdraw_paid           < 0       —       +A      transfer done, net of the fee
//	withdraw_fee            < 0       —       +A      the fee kept from the held sum
//	reward                  > 0      +A        —      bounty, bonus
//	payment                 < 0      +A        —      paying an order from the balance
//	refund_to_balance       > 0      +A        —      refund credited to the balance
//	adjustment              ≠ 0      +A        —      superuser correction; may leave a debt
//
// A withdrawal of W with fee F is withdraw_hold(W), then either
// withdraw_paid(−(W−F)) + withdraw_fee(−F), or withdraw_release(W).
func Rule(kind string) (KindRule, bool) {
	r, ok := kinds[kind]
	return r, ok
}

// Apply returns the balances after an entry of kind and amount is applied
// to available and frozen, or an *Error (Seq 0) when the kind is unknown,
// the amount has the wrong sign, frozen would go below zero, or available
// would go (further) below zero for a kind that may not overdraw.
//
// Use it to compute BalanceAfter and FrozenAfter of a new entry; Verify
// uses it to recompute them.
func Apply(kind string, amount, available, frozen int64) (newAvailable, newFrozen int64, err error) {
	rule, ok := kinds[kind]
	if !ok {
		return available, frozen, &Error{code: CodeUnknownKind, Reason: fmt.Sprintf("unknown kind %q", kind)}
	}
	switch {
	case amount == 0,
		rule.Sign == Positive && amount < 0,
		rule.Sign == Negative && amount > 0:
		return available, frozen, &Error{code: CodeBadAmount, Reason: fmt.Sprintf("amount %d has the wrong sign for %s", amount, kind)}
	}

	newAvailable = available + rule.AvailableFactor*amount
	newFrozen = frozen + rule.FrozenFactor*amount

	if newFrozen < 0 {
		return available, frozen, &Error{code: CodeNegativeFrozen, Reason: fmt.Sprintf("%s of %d takes frozen from %d to %d", kind, amount, frozen, newFrozen)}
	}
	if !rule.MayOverdraw && newAvailable < 0 && newAvailable < available {
		return available, frozen, &Error{code: CodeInsufficientBalance, Reason: fmt.Sprintf("%s of %d takes available from %d to %d", kind, amount, available, newAvailable)}
	}
	return newAvailable, newFrozen, nil
}

// hashDomain separates ledger hashes from any other SHA-256 use and
// versions the encoding.
const hashDomain = "fenxiao/ledger/v1"

// HashEntry returns the hex SHA-256 of the canonical encoding of e: the
// domain tag, then every field except Hash in a fixed order — WalletId, Seq,
// Kind, Amount, BalanceAfter, FrozenAfter, RefType, RefId, Actor,
// CreatedAt, PrevHash. Strings are written as an 8 byte big-endian length
// followed by their bytes and integers as 8 byte big-endian two's
// complement, so no two different entries share an encoding.
func HashEntry(e Entry) string {
	h := sha256.New()
	writeString(h, hashDomain)
	writeString(h, e.WalletId)
	writeInt(h, e.Seq)
	writeString(h, e.Kind)
	writeInt(h, e.Amount)
	writeInt(h, e.BalanceAfter)
	writeInt(h, e.FrozenAfter)
	writeString(h, e.RefType)
	writeString(h, e.RefId)
	writeString(h, e.Actor)
	writeString(h, e.CreatedAt)
	writeString(h, e.PrevHash)
	return hex.EncodeToString(h.Sum(nil))
}

func writeInt(h hash.Hash, v int64) {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(v))
	h.Write(b[:])
}

func writeString(h hash.Hash, s string) {
	writeInt(h, int64(len(s)))
	h.Write([]byte(s))
}

// Next chains e after prev (nil for the wallet's first entry): it sets
// Seq, PrevHash and Hash and returns the result. Everything else, including
// BalanceAfter and FrozenAfter (see Apply), is the caller's.
func Next(prev *Entry, e Entry) Entry {
	if prev == nil {
		e.Seq = 1
		e.PrevHash = ""
	} else {
		e.Seq = prev.Seq + 1
		e.PrevHash = prev.Hash
	}
	e.Hash = HashEntry(e)
	return e
}

// Verify checks a wallet's complete ledger, ordered by Seq, against the
// wallet's stored available balance and frozen balance:
//   - the entries all belong to the same wallet and Seq runs 1, 2, 3, ...;
//   - each PrevHash is the previous entry's Hash ("" for the first);
//   - each Hash is HashEntry of the entry;
//   - each BalanceAfter and FrozenAfter follow from the previous ones (0, 0
//     before the first) and the entry's Kind and Amount (see Rule, Apply);
//   - the last entry's balances equal balance and frozen (both 0 when there
//     are no entries).
//
// It returns nil or an *Error naming the first bad entry.
func Verify(entries []Entry, balance, frozen int64) error {
	var (
		available, held int64
		prevHash        string
	)
	for i, e := range entries {
		bad := func(code, format string, args ...any) error {
			return &Error{Seq: e.Seq, Index: i, code: code, Reason: fmt.Sprintf(format, args...)}
		}

		if i > 0 && e.WalletId != entries[0].WalletId {
			return bad(CodeWalletMismatch, "entry belongs to wallet %q, not %q", e.WalletId, entries[0].WalletId)
		}
		if want := int64(i + 1); e.Seq != want {
			return bad(CodeSeqGap, "seq %d where %d was expected", e.Seq, want)
		}
		if e.PrevHash != prevHash {
			return bad(CodePrevHashMismatch, "prev hash %.12s does not link to the previous entry's %.12s", e.PrevHash, prevHash)
		}
		if h := HashEntry(e); e.Hash != h {
			return bad(CodeHashMismatch, "stored hash %.12s, computed %.12s: the entry was altered", e.Hash, h)
		}

		nextAvailable, nextHeld, err := Apply(e.Kind, e.Amount, available, held)
		if err != nil {
			ve := err.(*Error)
			ve.Seq, ve.Index = e.Seq, i
			return ve
		}
		if e.BalanceAfter != nextAvailable {
			return bad(CodeBalanceMismatch, "balance after is %d, but %d %s on %d gives %d", e.BalanceAfter, e.Amount, e.Kind, available, nextAvailable)
		}
		if e.FrozenAfter != nextHeld {
			return bad(CodeFrozenMismatch, "frozen after is %d, but %d %s on %d gives %d", e.FrozenAfter, e.Amount, e.Kind, held, nextHeld)
		}

		available, held, prevHash = nextAvailable, nextHeld, e.Hash
	}

	if available != balance || held != frozen {
		var seq int64
		if n := len(entries); n > 0 {
			seq = entries[n-1].Seq
		}
		return &Error{
			Seq:    seq,
			Index:  len(entries) - 1,
			code:   CodeFinalMismatch,
			Reason: fmt.Sprintf("ledger ends at available %d, frozen %d but the wallet stores %d, %d", available, held, balance, frozen),
		}
	}
	return nil
}
