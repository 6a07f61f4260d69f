package audit

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/internal/ledger"
)

type withdrawalRow struct {
	Id     string `db:"id"`
	User   string `db:"user"`
	Amount string `db:"amount"`
	Fee    string `db:"fee"`
	Payout string `db:"payout"`
	Status string `db:"status"`
}

type refEntryRow struct {
	RefId  string `db:"ref_id"`
	Kind   string `db:"kind"`
	Amount string `db:"amount"`
	User   string `db:"user"`
	Id     string `db:"id"`
}

// inFlight are the withdrawal statuses whose amount is still held.
var inFlight = map[string]bool{"pending": true, "approved": true, "transferring": true, "wait_user_confirm": true}

// checkWithdrawals verifies that amount = fee + payout, that each
// withdrawal's wallet entries match its status (held; then released, or
// paid plus fee), that no withdrawal entry is left without a withdrawal,
// and that each wallet's frozen balance covers its withdrawals in flight.
func checkWithdrawals(app core.App, c *checker) (string, bool, error) {
	if m := missing(app, map[string][]string{
		"withdrawals":    {"user", "amount", "fee", "payout", "status"},
		"wallet_entries": nil,
	}); len(m) > 0 {
		return fmt.Sprintf("no %s", strings.Join(m, ", ")), true, nil
	}

	var list []withdrawalRow
	if err := app.DB().Select("id", "user", "amount", "fee", "payout", "status").
		From("withdrawals").OrderBy("id").All(&list); err != nil {
		return "", false, err
	}

	var entries []refEntryRow
	err := app.DB().NewQuery(`SELECT e.id, e.ref_id, e.kind, e.amount, e.user
			FROM {{wallet_entries}} e WHERE e.ref_type = 'withdrawal' ORDER BY e.ref_id, e.seq`).All(&entries)
	if err != nil {
		return "", false, err
	}
	byRef := map[string][]refEntryRow{}
	for _, e := range entries {
		byRef[e.RefId] = append(byRef[e.RefId], e)
	}

	held := map[string]int64{}
	for _, w := range list {
		ref := row("withdrawals", w.Id)
		amount, ok1 := fen(w.Amount)
		fee, ok2 := fen(w.Fee)
		payout, ok3 := fen(w.Payout)
		if !ok1 || !ok2 || !ok3 {
			c.failf(ref, "holds a non-integer amount")
			continue
		}
		if amount <= 0 || fee < 0 || payout <= 0 || amount != fee+payout {
			c.failf(ref, "amount %d, fee %d, payout %d: want amount = fee + payout, all positive", amount, fee, payout)
			continue
		}

		got := map[string]int64{}
		for _, e := range byRef[w.Id] {
			a, _ := fen(e.Amount)
			if e.User != w.User {
				c.failf(row("wallet_entries", e.Id), "withdrawal %s of user %s is booked on user %s", w.Id, w.User, e.User)
			}
			got[e.Kind] += a
		}
		delete(byRef, w.Id)

		want := map[string]int64{ledger.KindWithdrawHold: amount}
		switch {
		case inFlight[w.Status]:
			held[w.User] += amount
		case w.Status == "paid":
			want[ledger.KindWithdrawPaid] = -payout
			if fee > 0 {
				want[ledger.KindWithdrawFee] = -fee
			}
		case w.Status == "rejected" || w.Status == "failed" || w.Status == "closed":
			want[ledger.KindWithdrawRelease] = amount
		default:
			c.failf(ref, "unknown status %q", w.Status)
			continue
		}
		if !sameAmounts(got, want) {
			c.failf(ref, "is %s but its wallet entries are %s, want %s", w.Status, formatAmounts(got), formatAmounts(want))
		}
	}

	orphans := make([]string, 0, len(byRef))
	for id := range byRef {
		orphans = append(orphans, id)
	}
	sort.Strings(orphans)
	for _, id := range orphans {
		c.failf(row("wallet_entries", byRef[id][0].Id), "books withdrawal %q, which does not exist", id)
	}

	users := make([]string, 0, len(held))
	for u := range held {
		users = append(users, u)
	}
	sort.Strings(users)
	for _, u := range users {
		var frozen string
		err := app.DB().NewQuery("SELECT frozen FROM {{wallets}} WHERE [[user]] = {:user}").
			Bind(map[string]any{"user": u}).Row(&frozen)
		if err != nil {
			c.failf(row("users", u), "has withdrawals in flight (%d) but no wallet", held[u])
			continue
		}
		if f, _ := fen(frozen); f < held[u] {
			c.failf(row("users", u), "wallet frozen %d does not cover the withdrawals in flight (%d)", f, held[u])
		}
	}

	return fmt.Sprintf("%d withdrawals, %d entries", len(list), len(entries)), false, nil
}

func sameAmounts(a, b map[string]int64) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}

func formatAmounts(m map[string]int64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
