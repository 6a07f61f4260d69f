package shop

import (
	"github.com/pocketbase/pocketbase/core"
)

var (
	_ core.RecordProxy = (*Wallet)(nil)
	_ core.RecordProxy = (*WalletEntry)(nil)
	_ core.RecordProxy = (*Withdrawal)(nil)
)

// Wallet is a record proxy for the wallets collection (one per user; the
// balances are the sums of the user's ledger, see hooks/wallet).
type Wallet struct {
	core.BaseRecordProxy
}

// AsWallet wraps a wallets record; nil stays nil.
func AsWallet(r *core.Record) *Wallet {
	if r == nil {
		return nil
	}
	w := &Wallet{}
	w.SetProxyRecord(r)
	return w
}

// User returns the id of the wallet's owner.
func (w *Wallet) User() string {
	return w.GetString("user")
}

// Available is the balance that can be spent or withdrawn, in fen (below
// zero it is a debt).
func (w *Wallet) Available() int64 {
	return int64(w.GetInt("available"))
}

// Frozen is the money held by withdrawals in flight, in fen.
func (w *Wallet) Frozen() int64 {
	return int64(w.GetInt("frozen"))
}

// TotalEarned is all commission ever credited, in fen.
func (w *Wallet) TotalEarned() int64 {
	return int64(w.GetInt("total_earned"))
}

// TotalWithdrawn is all money ever paid out, in fen.
func (w *Wallet) TotalWithdrawn() int64 {
	return int64(w.GetInt("total_withdrawn"))
}

// LastSeq is the sequence number of the wallet's newest ledger entry.
func (w *Wallet) LastSeq() int {
	return w.GetInt("last_seq")
}

// WalletEntry is a record proxy for the wallet_entries collection (one row
// of a wallet's hash-chained ledger).
type WalletEntry struct {
	core.BaseRecordProxy
}

// AsWalletEntry wraps a wallet_entries record; nil stays nil.
func AsWalletEntry(r *core.Record) *WalletEntry {
	if r == nil {
		return nil
	}
	e := &WalletEntry{}
	e.SetProxyRecord(r)
	return e
}

// Kind is the ledger kind of the entry (see internal/ledger).
func (e *WalletEntry) Kind() string {
	return e.GetString("kind")
}

// Amount is the signed change of the available balance, in fen.
func (e *WalletEntry) Amount() int64 {
	return int64(e.GetInt("amount"))
}

// BalanceAfter is the available balance after the entry, in fen.
func (e *WalletEntry) BalanceAfter() int64 {
	return int64(e.GetInt("balance_after"))
}

// Withdrawal is a record proxy for the withdrawals collection (money a
// distributor takes out of their wallet).
type Withdrawal struct {
	core.BaseRecordProxy
}

// AsWithdrawal wraps a withdrawals record; nil stays nil.
func AsWithdrawal(r *core.Record) *Withdrawal {
	if r == nil {
		return nil
	}
	w := &Withdrawal{}
	w.SetProxyRecord(r)
	return w
}

// Amount is what the user asked to withdraw, in fen (fee included).
func (w *Withdrawal) Amount() int64 {
	return int64(w.GetInt("amount"))
}

// Fee is the shop's fee, in fen.
func (w *Withdrawal) Fee() int64 {
	return int64(w.GetInt("fee"))
}

// Payout is what reaches the user: Amount − Fee, in fen.
func (w *Withdrawal) Payout() int64 {
	return int64(w.GetInt("payout"))
}
