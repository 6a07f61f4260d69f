package wallet

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/hooks/shop"
	"fenxiao/internal/ledger"
)

// Posting is one entry for [PostMany]: the arguments of one [Post] call;
// Posted is what [PostMany] did with one posting. Both are declared in the
// shop seam, which plugins post through ([shop.PostEntries]).
type (
	Posting = shop.Posting
	Posted  = shop.Posted
)

// field limits of wallet_entries (see the wallet migration)
const (
	maxRefType = 32
	maxRefId   = 64
	maxActor   = 64
	maxNote    = 200
)

// entryColumns are the wallet_entries columns PostMany inserts, in order.
var entryColumns = []string{"id", "wallet", "user", "seq", "kind", "amount", "balance_after", "frozen_after",
	"ref_type", "ref_id", "actor", "prev_hash", "hash", "note", "created"}

// PostMany books the postings, in order, inside txApp: the result is the
// same as calling [Post] for each of them in turn in the same transaction
// (same balances, the same seq and hash chain per wallet, the same
// idempotency per (refType, refId, kind, wallet) and the same errors), but
// set-based, for jobs that book thousands of entries at once (settlement):
//
//   - one query loads every wallet involved (missing wallets are created
//     through the record API, as Post does);
//   - one query finds the entries already booked for the postings' refs;
//   - the entries are computed in Go with [ledger.Apply] and [ledger.Next];
//   - they are appended through one prepared INSERT and each wallet gets
//     one conditional UPDATE (on the last_seq it was loaded with) through
//     one prepared statement.
//
// Every check runs before anything is written: when a posting is refused
// (insufficient balance, ref conflict, bad kind, sign or field) PostMany
// returns the error and has written nothing but possibly newly created
// empty wallets, which the caller's rollback removes.
//
// Unlike Post, the entries and wallet updates are written with SQL, not
// through records: record hooks do not run for them and realtime
// subscribers of wallets and wallet_entries get NO event for them (a
// client sees the new balance on its next read). The write guards of this
// package are unaffected. Use Post or [PostRecords] wherever a client waits
// for the event.
func PostMany(txApp core.App, postings []Posting) ([]Posted, error) {
	if err := checkPostings(txApp, postings); err != nil || len(postings) == 0 {
		return nil, err
	}
	wallets, err := loadWallets(txApp, postings)
	if err != nil {
		return nil, err
	}
	plan, err := planPostings(txApp, postings, wallets)
	if err != nil {
		return nil, err
	}
	if err := insertEntries(txApp, plan.rows, plan.created); err != nil {
		return nil, err
	}
	if err := updateWallets(txApp, plan.touched, plan.created); err != nil {
		return nil, err
	}
	return plan.result, nil
}

// PostRecords books the postings like [PostMany] (the same entries, hash
// chains, idempotency, checks before any write and errors), for postings a
// client waits to see: the entries are created and each touched wallet is
// saved once, with its final balances, through the app's record saves, so
// record hooks run and realtime subscribers of wallets and wallet_entries
// get the create and update events [Post] gives them. Each save runs one
// statement, built once: the entry INSERT ([shop.Exec]), or the wallet's
// conditional UPDATE on the last_seq it was loaded with ([shop.TxQuery]).
//
// Without [Register] (no write hooks bound) it calls [Post] per posting.
func PostRecords(txApp core.App, postings []Posting) ([]Posted, error) {
	if err := checkPostings(txApp, postings); err != nil || len(postings) == 0 {
		return nil, err
	}
	if !ownWrites(txApp) {
		out := make([]Posted, 0, len(postings))
		for _, p := range postings {
			r, err := Post(txApp, p)
			if err != nil {
				return nil, err
			}
			out = append(out, Posted{WalletId: r.GetString("wallet"), EntryId: r.Id, Seq: int64(r.GetInt("seq")),
				BalanceAfter: int64(r.GetInt("balance_after")), FrozenAfter: int64(r.GetInt("frozen_after"))})
		}
		return out, nil
	}

	wallets, err := loadWalletRecords(txApp, postings)
	if err != nil {
		return nil, err
	}
	plan, err := planPostings(txApp, postings, wallets)
	if err != nil {
		return nil, err
	}

	for _, w := range plan.touched {
		if err := saveWallet(txApp, w.record, w); err != nil {
			return nil, err
		}
	}
	if len(plan.rows) > 0 {
		entries, err := txApp.FindCachedCollectionByNameOrId(EntriesCollection)
		if err != nil {
			return nil, err
		}
		createdAt, err := types.ParseDateTime(plan.created)
		if err != nil {
			return nil, err
		}
		for _, row := range plan.rows {
			e := row.entry
			r := shop.NewRecord(entries)
			r.Id = row.id
			shop.SetField(r, "wallet", e.WalletId)
			shop.SetField(r, "user", row.userId)
			shop.SetField(r, "seq", e.Seq)
			shop.SetField(r, "kind", e.Kind)
			shop.SetField(r, "amount", e.Amount)
			shop.SetField(r, "balance_after", e.BalanceAfter)
			shop.SetField(r, "frozen_after", e.FrozenAfter)
			shop.SetField(r, "ref_type", e.RefType)
			shop.SetField(r, "ref_id", e.RefId)
			shop.SetField(r, "actor", e.Actor)
			shop.SetField(r, "prev_hash", e.PrevHash)
			shop.SetField(r, "hash", e.Hash)
			shop.SetField(r, "note", row.note)
			r.SetRaw("created", createdAt)
			ctx, write := writeContext(func(r *core.Record) error {
				if _, err := shop.Exec(txApp, insertEntrySQL, entryArgs(row, plan.created)...); err != nil {
					return fmt.Errorf("wallet: append entry %d to %s: %w", e.Seq, e.WalletId, err)
				}
				r.MarkAsNotNew()
				return nil
			})
			if err := txApp.SaveNoValidateWithContext(ctx, r); err != nil {
				return nil, err
			}
			if !write.done {
				return nil, fmt.Errorf("wallet: append entry %d to %s: the insert did not run", e.Seq, e.WalletId)
			}
		}
	}
	return plan.result, nil
}

// checkPostings refuses a non-transactional app and incomplete or
// oversized postings, before anything is read or written.
func checkPostings(txApp core.App, postings []Posting) error {
	if !txApp.IsTransactional() {
		return ErrNotInTransaction
	}
	for i, p := range postings {
		if p.UserId == "" || p.RefType == "" || p.RefId == "" || p.Actor == "" {
			return fmt.Errorf("wallet: posting %d needs a user, a ref type, a ref id and an actor (got %q, %q, %q, %q)",
				i, p.UserId, p.RefType, p.RefId, p.Actor)
		}
		switch {
		case utf8.RuneCountInString(p.RefType) > maxRefType:
			return fieldError(i, "ref_type", maxRefType)
		case utf8.RuneCountInString(p.RefId) > maxRefId:
			return fieldError(i, "ref_id", maxRefId)
		case utf8.RuneCountInString(p.Actor) > maxActor:
			return fieldError(i, "actor", maxActor)
		}
	}
	return nil
}

// postingPlan is what the postings write, computed before any write.
type postingPlan struct {
	result  []Posted
	rows    []entryRow
	touched []*walletState
	created string // the entries' created time as stored
}

// planPostings computes every entry of the postings, in order, on the
// loaded wallets (which it advances), after the entries already booked.
func planPostings(txApp core.App, postings []Posting, wallets map[string]*walletState) (*postingPlan, error) {
	booked, err := bookedEntries(txApp, postings)
	if err != nil {
		return nil, err
	}

	created := time.Now().UTC().Truncate(time.Millisecond)
	createdAt := created.Format(TimeLayout)
	createdDB, err := types.ParseDateTime(created)
	if err != nil {
		return nil, err
	}
	plan := &postingPlan{
		result:  make([]Posted, len(postings)),
		rows:    make([]entryRow, 0, len(postings)),
		touched: make([]*walletState, 0, len(wallets)),
		created: createdDB.String(),
	}
	for i, p := range postings {
		w := wallets[p.UserId]
		k := bookKey{p.RefType, p.RefId, p.Kind, w.id}
		if b, ok := booked[k]; ok {
			if b.amount != p.Amount {
				return nil, shop.Fail(http.StatusConflict, "ledger_ref_conflict", fmt.Sprintf(
					"%s %s/%s is already booked with amount %d, not %d", p.Kind, p.RefType, p.RefId, b.amount, p.Amount))
			}
			plan.result[i] = Posted{WalletId: w.id, EntryId: b.id, Seq: b.seq, BalanceAfter: b.balanceAfter, FrozenAfter: b.frozenAfter, Existing: true}
			continue
		}

		newAvailable, newFrozen, err := ledger.Apply(p.Kind, p.Amount, w.available, w.frozen)
		if err != nil {
			return nil, fmt.Errorf("wallet: posting %d (%s %d %s/%s for %s): %w",
				i, p.Kind, p.Amount, p.RefType, p.RefId, p.UserId, applyError(err))
		}
		var prev *ledger.Entry
		if w.lastSeq > 0 {
			prev = &ledger.Entry{Seq: w.lastSeq, Hash: w.lastHash}
		}
		e := ledger.Next(prev, ledger.Entry{
			WalletId:     w.id,
			Kind:         p.Kind,
			Amount:       p.Amount,
			BalanceAfter: newAvailable,
			FrozenAfter:  newFrozen,
			RefType:      p.RefType,
			RefId:        p.RefId,
			Actor:        p.Actor,
			CreatedAt:    createdAt,
		})
		earned, withdrawn := Totals(p.Kind, p.Amount)
		if !w.dirty {
			w.dirty = true
			w.prevSeq = w.lastSeq
			plan.touched = append(plan.touched, w)
		}
		w.available, w.frozen = newAvailable, newFrozen
		w.earned += earned
		w.withdrawn += withdrawn
		w.lastSeq, w.lastHash = e.Seq, e.Hash

		id := shop.NewId()
		plan.rows = append(plan.rows, entryRow{id: id, userId: p.UserId, entry: e, note: truncate(p.Note, maxNote)})
		booked[k] = bookedEntry{id: id, amount: p.Amount, seq: e.Seq, balanceAfter: newAvailable, frozenAfter: newFrozen}
		plan.result[i] = Posted{WalletId: w.id, EntryId: id, Seq: e.Seq, BalanceAfter: newAvailable, FrozenAfter: newFrozen}
	}
	return plan, nil
}

func fieldError(i int, field string, max int) error {
	return shop.FieldFail(field, "validation_length_out_of_range",
		fmt.Sprintf("posting %d: %s is longer than %d characters", i, field, max))
}

// walletState is a wallet as PostMany reads and advances it.
type walletState struct {
	id                                   string
	available, frozen, earned, withdrawn int64
	lastSeq                              int64
	lastHash                             string
	dirty                                bool
	prevSeq                              int64        // last_seq as loaded, for the conditional update
	record                               *core.Record // the wallet record (PostRecords only)
}

// loadWallets returns the postings' wallets by user, creating missing ones.
func loadWallets(txApp core.App, postings []Posting) (map[string]*walletState, error) {
	users := make([]string, 0, len(postings))
	seen := make(map[string]bool, len(postings))
	for _, p := range postings {
		if !seen[p.UserId] {
			seen[p.UserId] = true
			users = append(users, p.UserId)
		}
	}
	load := func(users []string) (map[string]*walletState, error) {
		raw, err := json.Marshal(users)
		if err != nil {
			return nil, err
		}
		var rows []struct {
			Id        string `db:"id"`
			User      string `db:"user"`
			Available int64  `db:"available"`
			Frozen    int64  `db:"frozen"`
			Earned    int64  `db:"total_earned"`
			Withdrawn int64  `db:"total_withdrawn"`
			LastSeq   int64  `db:"last_seq"`
			LastHash  string `db:"last_hash"`
		}
		err = shop.TxQuery(txApp, `SELECT [[id]], [[user]],
				CAST([[available]] AS INTEGER) AS [[available]], CAST([[frozen]] AS INTEGER) AS [[frozen]],
				CAST([[total_earned]] AS INTEGER) AS [[total_earned]], CAST([[total_withdrawn]] AS INTEGER) AS [[total_withdrawn]],
				CAST([[last_seq]] AS INTEGER) AS [[last_seq]], [[last_hash]]
			FROM {{wallets}} WHERE [[user]] IN (SELECT [[value]] FROM json_each({:users}))`).
			Bind(dbx.Params{"users": string(raw)}).All(&rows)
		if err != nil {
			return nil, fmt.Errorf("wallet: load wallets: %w", err)
		}
		m := make(map[string]*walletState, len(rows))
		for _, r := range rows {
			m[r.User] = &walletState{id: r.Id, available: r.Available, frozen: r.Frozen, earned: r.Earned,
				withdrawn: r.Withdrawn, lastSeq: r.LastSeq, lastHash: r.LastHash}
		}
		return m, nil
	}

	wallets, err := load(users)
	if err != nil {
		return nil, err
	}
	var created []string
	for _, u := range users {
		if wallets[u] == nil {
			if _, err := findOrCreate(txApp, u); err != nil {
				return nil, err
			}
			created = append(created, u)
		}
	}
	if len(created) > 0 {
		more, err := load(created)
		if err != nil {
			return nil, err
		}
		for _, u := range created {
			if more[u] == nil {
				return nil, fmt.Errorf("wallet: the wallet of %s was not created", u)
			}
			wallets[u] = more[u]
		}
	}
	return wallets, nil
}

// loadWalletRecords is [loadWallets] with the wallets read as records, for
// saves through the app.
func loadWalletRecords(txApp core.App, postings []Posting) (map[string]*walletState, error) {
	users := make([]any, 0, len(postings))
	seen := make(map[string]bool, len(postings))
	for _, p := range postings {
		if !seen[p.UserId] {
			seen[p.UserId] = true
			users = append(users, p.UserId)
		}
	}
	if len(users) == 0 {
		return map[string]*walletState{}, nil
	}
	records, err := shop.FindRecords(txApp, WalletsCollection,
		"`user` IN ("+shop.Placeholders(len(users))+")", users...)
	if err != nil {
		return nil, fmt.Errorf("wallet: load wallets: %w", err)
	}
	byUser := make(map[string]*core.Record, len(records))
	for _, r := range records {
		byUser[r.GetString("user")] = r
	}
	m := make(map[string]*walletState, len(users))
	for _, u := range users {
		id := u.(string)
		r := byUser[id]
		if r == nil {
			if r, err = findOrCreate(txApp, id); err != nil {
				return nil, err
			}
		}
		w := shop.AsWallet(r)
		m[id] = &walletState{id: r.Id, available: w.Available(), frozen: w.Frozen(),
			earned: w.TotalEarned(), withdrawn: w.TotalWithdrawn(),
			lastSeq: int64(w.LastSeq()), lastHash: r.GetString("last_hash"), record: r}
	}
	return m, nil
}

type bookKey struct{ refType, refId, kind, wallet string }

type bookedEntry struct {
	id                        string
	amount                    int64
	seq                       int64
	balanceAfter, frozenAfter int64
}

// bookedEntries returns the entries already booked for the postings' refs,
// in one query through idx_wallet_entries_ref (none for a posting whose
// ref is new, see [shop.Posting.NewRef]).
func bookedEntries(txApp core.App, postings []Posting) (map[bookKey]bookedEntry, error) {
	type ref struct{ t, id string }
	seen := map[ref]bool{}
	refs := make([][2]string, 0, 1)
	for _, p := range postings {
		if p.NewRef {
			continue
		}
		r := ref{p.RefType, p.RefId}
		if !seen[r] {
			seen[r] = true
			refs = append(refs, [2]string{p.RefType, p.RefId})
		}
	}
	if len(refs) == 0 {
		return map[bookKey]bookedEntry{}, nil
	}
	type row struct {
		Id, Wallet, Kind, RefType, RefId       string
		Amount, Seq, BalanceAfter, FrozenAfter int64
	}
	var rows []row
	const columns = "e.`id`, e.`wallet`, e.`kind`, e.`ref_type`, e.`ref_id`, " +
		"CAST(e.`amount` AS INTEGER), CAST(e.`seq` AS INTEGER), " +
		"CAST(e.`balance_after` AS INTEGER), CAST(e.`frozen_after` AS INTEGER)"
	var query string
	var args []any
	if len(refs) <= smallRefBatch && oneRefType(refs) {
		// a payment's few refs of one type: a plain IN list on the index,
		// no JSON to build and walk
		args = make([]any, 0, len(refs)+1)
		args = append(args, refs[0][0])
		for _, r := range refs {
			args = append(args, r[1])
		}
		query = "SELECT " + columns + " FROM `wallet_entries` e INDEXED BY idx_wallet_entries_ref " +
			"WHERE e.`ref_type` = ? AND e.`ref_id` IN (" + shop.Placeholders(len(refs)) + ")"
	} else {
		raw, err := json.Marshal(refs)
		if err != nil {
			return nil, err
		}
		args = []any{string(raw)}
		query = "SELECT " + columns + " FROM json_each(?) j CROSS JOIN `wallet_entries` e INDEXED BY idx_wallet_entries_ref " +
			"WHERE e.`ref_type` = json_extract(j.`value`, '$[0]') AND e.`ref_id` = json_extract(j.`value`, '$[1]')"
	}
	err := shop.ScanRows(txApp, func(scan func(...any) error) error {
		var r row
		if err := scan(&r.Id, &r.Wallet, &r.Kind, &r.RefType, &r.RefId, &r.Amount, &r.Seq, &r.BalanceAfter, &r.FrozenAfter); err != nil {
			return err
		}
		rows = append(rows, r)
		return nil
	}, query, args...)
	if err != nil {
		return nil, fmt.Errorf("wallet: find booked entries: %w", err)
	}
	m := make(map[bookKey]bookedEntry, len(rows))
	for _, r := range rows {
		m[bookKey{r.RefType, r.RefId, r.Kind, r.Wallet}] = bookedEntry{
			id: r.Id, amount: r.Amount, seq: r.Seq, balanceAfter: r.BalanceAfter, frozenAfter: r.FrozenAfter}
	}
	return m, nil
}

// smallRefBatch is the most refs bookedEntries looks up with an IN list.
const smallRefBatch = 32

// oneRefType reports whether the refs share one ref type.
func oneRefType(refs [][2]string) bool {
	for _, r := range refs {
		if r[0] != refs[0][0] {
			return false
		}
	}
	return len(refs) > 0
}

type entryRow struct {
	id, userId string
	entry      ledger.Entry
	note       string
}

// insertEntries appends the entries through [insertEntrySQL], which the
// connection keeps prepared (package sqlitedb).
//
// note: one row per execution on purpose: modernc.org/sqlite matches every
// bound parameter against the argument list, so a multi-row INSERT's
// binding cost grows with the square of its parameters and multi-row
// statements were measured slower than the prepared single-row one.
func insertEntries(txApp core.App, rows []entryRow, created string) error {
	if len(rows) == 0 {
		return nil
	}
	// note: inserted in (wallet, seq) order, which keeps each wallet's chain
	// order: the seq and ref indexes then grow at neighbouring positions
	// instead of one random page per entry
	rows = slices.Clone(rows)
	slices.SortStableFunc(rows, func(a, b entryRow) int {
		return strings.Compare(a.entry.WalletId, b.entry.WalletId)
	})
	for _, r := range rows {
		if _, err := shop.Exec(txApp, insertEntrySQL, entryArgs(r, created)...); err != nil {
			return fmt.Errorf("wallet: append entry %d to %s: %w", r.entry.Seq, r.entry.WalletId, err)
		}
	}
	return nil
}

// insertEntrySQL is the INSERT of one wallet_entries row, in SQLite's own
// SQL with a ? for each of [entryColumns], for [shop.Exec]: written once
// per entry in the shop's one writer, it skips dbx's binding by name.
var insertEntrySQL = "INSERT INTO `wallet_entries` (`" + strings.Join(entryColumns, "`, `") +
	"`) VALUES (" + shop.Placeholders(len(entryColumns)) + ")"

// entryArgs are the row's [insertEntrySQL] arguments.
func entryArgs(r entryRow, created string) []any {
	e := r.entry
	return []any{r.id, e.WalletId, r.userId, e.Seq, e.Kind, e.Amount, e.BalanceAfter, e.FrozenAfter,
		e.RefType, e.RefId, e.Actor, e.PrevHash, e.Hash, r.note, created}
}

// updateWallets moves each touched wallet to its new head with a
// conditional update on the last_seq it was loaded with.
func updateWallets(txApp core.App, wallets []*walletState, updated string) error {
	if len(wallets) == 0 {
		return nil
	}
	q := txApp.DB().NewQuery(updateWalletSQL).Prepare()
	defer q.Close()
	params := dbx.Params{}
	for _, w := range wallets {
		params["available"] = w.available
		params["frozen"] = w.frozen
		params["earned"] = w.earned
		params["withdrawn"] = w.withdrawn
		params["seq"] = w.lastSeq
		params["hash"] = w.lastHash
		params["updated"] = updated
		params["id"] = w.id
		params["prevSeq"] = w.prevSeq
		res, err := q.Bind(params).Execute()
		if err != nil {
			return fmt.Errorf("wallet: update %s: %w", w.id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrConcurrentUpdate
		}
	}
	return nil
}
