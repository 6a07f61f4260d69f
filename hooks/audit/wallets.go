package audit

import (
	"errors"
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/hooks/wallet"
	"fenxiao/internal/ledger"
)

type walletRow struct {
	Id             string `db:"id"`
	User           string `db:"user"`
	Available      string `db:"available"`
	Frozen         string `db:"frozen"`
	TotalEarned    string `db:"total_earned"`
	TotalWithdrawn string `db:"total_withdrawn"`
	LastSeq        string `db:"last_seq"`
	LastHash       string `db:"last_hash"`
}

type entryRow struct {
	Id           string `db:"id"`
	Wallet       string `db:"wallet"`
	User         string `db:"user"`
	Seq          string `db:"seq"`
	Kind         string `db:"kind"`
	Amount       string `db:"amount"`
	BalanceAfter string `db:"balance_after"`
	FrozenAfter  string `db:"frozen_after"`
	RefType      string `db:"ref_type"`
	RefId        string `db:"ref_id"`
	Actor        string `db:"actor"`
	PrevHash     string `db:"prev_hash"`
	Hash         string `db:"hash"`
	Created      string `db:"created"`
}

// checkWallets verifies, per wallet: the entries' seq and hash chain, each
// entry's balances, that the entries sum to the wallet's stored balances,
// its chain head (last_seq, last_hash) and totals, and that every entry
// belongs to the wallet's user; and that no entry points to a missing wallet.
func checkWallets(app core.App, c *checker) (string, bool, error) {
	if m := missing(app, map[string][]string{wallet.WalletsCollection: nil, wallet.EntriesCollection: nil}); len(m) > 0 {
		return fmt.Sprintf("no %v collection", m), true, nil
	}

	var wallets []walletRow
	err := app.DB().Select("id", "user", "available", "frozen", "total_earned", "total_withdrawn", "last_seq", "last_hash").
		From(wallet.WalletsCollection).OrderBy("id").All(&wallets)
	if err != nil {
		return "", false, err
	}

	var total int
	for _, w := range wallets {
		var rows []entryRow
		err := app.DB().Select("*").From(wallet.EntriesCollection).
			Where(dbx.HashExp{"wallet": w.Id}).OrderBy("seq", "id").All(&rows)
		if err != nil {
			return "", false, err
		}
		total += len(rows)
		checkWallet(c, w, rows)
	}

	var orphans []entryRow
	err = app.DB().NewQuery(`SELECT e.* FROM {{wallet_entries}} e
			LEFT JOIN {{wallets}} w ON w.id = e.wallet
			WHERE w.id IS NULL ORDER BY e.id`).All(&orphans)
	if err != nil {
		return "", false, err
	}
	for _, e := range orphans {
		c.failf(row(wallet.EntriesCollection, e.Id), "belongs to wallet %q, which does not exist", e.Wallet)
	}

	return fmt.Sprintf("%d wallets, %d entries", len(wallets), total), false, nil
}

func checkWallet(c *checker, w walletRow, rows []entryRow) {
	walletRef := row(wallet.WalletsCollection, w.Id)
	available, ok1 := fen(w.Available)
	frozen, ok2 := fen(w.Frozen)
	earned, ok3 := fen(w.TotalEarned)
	withdrawn, ok4 := fen(w.TotalWithdrawn)
	lastSeq, ok5 := fen(w.LastSeq)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 {
		c.failf(walletRef, "holds a non-integer amount")
		return
	}

	entries := make([]ledger.Entry, len(rows))
	var wantEarned, wantWithdrawn int64
	for i, r := range rows {
		ref := fmt.Sprintf("%s (wallet %s, seq %v)", row(wallet.EntriesCollection, r.Id), w.Id, r.Seq)
		seq, okS := fen(r.Seq)
		amount, okA := fen(r.Amount)
		after, okB := fen(r.BalanceAfter)
		frozenAfter, okF := fen(r.FrozenAfter)
		if !okS || !okA || !okB || !okF {
			c.failf(ref, "holds a non-integer number")
			return
		}
		if r.User != w.User {
			c.failf(ref, "is booked for user %q, but the wallet belongs to %q", r.User, w.User)
			return
		}
		created, err := types.ParseDateTime(r.Created)
		if err != nil {
			c.failf(ref, "has an unreadable created time %q", r.Created)
			return
		}
		entries[i] = ledger.Entry{
			WalletId:     r.Wallet,
			Seq:          seq,
			Kind:         r.Kind,
			Amount:       amount,
			BalanceAfter: after,
			FrozenAfter:  frozenAfter,
			RefType:      r.RefType,
			RefId:        r.RefId,
			Actor:        r.Actor,
			CreatedAt:    created.Time().UTC().Format(wallet.TimeLayout),
			PrevHash:     r.PrevHash,
			Hash:         r.Hash,
		}
		de, dw := wallet.Totals(r.Kind, amount)
		wantEarned += de
		wantWithdrawn += dw
	}

	if err := ledger.Verify(entries, available, frozen); err != nil {
		var le *ledger.Error
		if errors.As(err, &le) && le.Code() != ledger.CodeFinalMismatch && le.Index >= 0 && le.Index < len(rows) {
			r := rows[le.Index]
			c.failf(fmt.Sprintf("%s (wallet %s, seq %v)", row(wallet.EntriesCollection, r.Id), w.Id, r.Seq), "%s (%s)", le.Reason, le.Code())
		} else {
			c.failf(walletRef, "%v (the wallet's last_seq is %d)", err, lastSeq)
		}
		return
	}

	var headSeq int64
	var headHash string
	if n := len(entries); n > 0 {
		headSeq, headHash = entries[n-1].Seq, entries[n-1].Hash
	}
	if lastSeq != headSeq || w.LastHash != headHash {
		c.failf(walletRef, "chain head is seq %d hash %.12s, but the last entry is seq %d hash %.12s",
			lastSeq, w.LastHash, headSeq, headHash)
		return
	}
	if earned != wantEarned || withdrawn != wantWithdrawn {
		c.failf(walletRef, "totals are earned %d, withdrawn %d; the entries give %d, %d",
			earned, withdrawn, wantEarned, wantWithdrawn)
	}
}
