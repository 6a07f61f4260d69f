// Package wallet is the shop core's money store: one wallet per user with
// an append-only, hash-chained ledger of wallet_entries (see
// [fenxiao/internal/ledger] for the entry kinds and how each one moves the
// available and frozen balances).
//
// Every change goes through [Post], inside the caller's transaction, so the
// entry is booked together with the fact it records (a commission, a
// withdrawal, a payment) or not at all. Record hooks refuse every other
// write to wallets and wallet_entries, the dashboard included: entries are
// never updated or deleted, corrections are new entries.
//
// Example usage (in a plugin):
//
//	err := app.RunInTransaction(func(txApp core.App) error {
//		// ... save the commission row ...
//		_, err := wallet.Post(txApp, wallet.Posting{
//			UserId: userId, Kind: ledger.KindCommissionFrozen, Amount: 327,
//			RefType: "commission", RefId: commissionId,
//			Actor: "system:distribution", Note: "订单 2026112543210 一级佣金",
//		})
//		return err
//	})
package wallet

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/hooks/shop"
	"fenxiao/internal/ledger"
	"fenxiao/internal/roles"
)

// Collection names.
const (
	WalletsCollection = "wallets"
	EntriesCollection = "wallet_entries"
)

// TimeLayout is how an entry's created time enters its hash: UTC with
// milliseconds, the precision PocketBase stores.
const TimeLayout = "2006-01-02T15:04:05.000Z"

var (
	// ErrNotInTransaction is returned by [Post] given a non-transactional app.
	ErrNotInTransaction = errors.New("wallet: Post must be called with a transaction's app")

	// ErrInsufficientBalance is returned when an entry would take available
	// below zero (or further below) for a kind that may not overdraw.
	ErrInsufficientBalance = shop.ErrInsufficientBalance

	// ErrInsufficientFrozen is returned when an entry would take frozen below zero.
	ErrInsufficientFrozen = shop.Fail(http.StatusConflict, "insufficient_frozen", "冻结金额不足 / not enough frozen funds")

	// ErrConcurrentUpdate is returned when the wallet changed between the
	// read and the conditional update (another process or connection wrote it).
	ErrConcurrentUpdate = shop.Fail(http.StatusConflict, "wallet_busy", "钱包正忙，请重试 / the wallet changed, retry")

	errWriteRefused = shop.Fail(http.StatusForbidden, "wallet_read_only",
		"钱包和流水只能由系统记账，不能手动修改 / wallets and their entries are written by the ledger only")
	errEntryImmutable = shop.Fail(http.StatusForbidden, "wallet_entry_immutable",
		"流水不能修改或删除，请记一笔调整 / ledger entries are never edited or deleted; book an adjustment")
)

// Config configures the wallet core. It has no options yet.
type Config struct{}

// Register binds the wallet rules and routes to app:
//
//	GET  /api/shop/wallet                          user: own balances (zeros before the first entry)
//	POST /api/shop/admin/wallets/{user}/adjust     superuser: {amount, note, ref?} book an adjustment
func Register(app core.App, s *shop.Shop, config Config) error {
	_ = s
	_ = config

	refuseExternal := func(e *core.RecordEvent) error {
		if !isInternal(e.Context) {
			return errWriteRefused
		}
		return e.Next()
	}
	app.OnRecordCreate(WalletsCollection).Bind(&hook.Handler[*core.RecordEvent]{Id: "fenxiaoWalletWalletCreate", Func: refuseExternal})
	app.OnRecordUpdate(WalletsCollection).Bind(&hook.Handler[*core.RecordEvent]{Id: "fenxiaoWalletWalletUpdate", Func: refuseExternal})
	app.OnRecordDelete(WalletsCollection).Bind(&hook.Handler[*core.RecordEvent]{Id: "fenxiaoWalletWalletDelete", Func: func(e *core.RecordEvent) error { return errWriteRefused }})

	app.OnRecordCreate(EntriesCollection).Bind(&hook.Handler[*core.RecordEvent]{Id: "fenxiaoWalletEntryCreate", Func: refuseExternal})
	app.OnRecordUpdate(EntriesCollection).Bind(&hook.Handler[*core.RecordEvent]{Id: "fenxiaoWalletEntryUpdate", Func: func(e *core.RecordEvent) error { return errEntryImmutable }})
	app.OnRecordDelete(EntriesCollection).Bind(&hook.Handler[*core.RecordEvent]{Id: "fenxiaoWalletEntryDelete", Func: func(e *core.RecordEvent) error { return errEntryImmutable }})

	// this package's own record saves of a wallet (and of entries booked in
	// bulk) run their conditional statement in place of PocketBase's
	// unconditional UPDATE/INSERT: one write that keeps the optimistic check,
	// with the save's hooks and realtime events around it
	ownWrite := func() *hook.Handler[*core.RecordEvent] {
		return &hook.Handler[*core.RecordEvent]{
			Func: func(e *core.RecordEvent) error {
				w, _ := e.Context.Value(writeKey{}).(*recordWrite)
				if w == nil || w.done {
					return e.Next()
				}
				w.done = true
				return w.exec(e.Record)
			},
			// after PocketBase's own execute handler (99), which sets the autodates
			Priority: 100,
		}
	}
	// note: a fresh handler per hook, Bind of a tagged hook wraps its Func
	app.OnRecordUpdateExecute(WalletsCollection).Bind(ownWrite())
	app.OnRecordCreateExecute(EntriesCollection).Bind(ownWrite())
	app.Store().Set(ownWritesKey, true)

	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET("/api/shop/wallet", balanceView).Bind(apis.RequireAuth("users"))
		se.Router.POST("/api/shop/admin/wallets/{user}/adjust", adjust).Bind(shop.RequirePermission(roles.WalletsAdjust))
		return se.Next()
	})
	return nil
}

// internalKey marks a write made by this package.
type internalKey struct{}

func isInternal(ctx context.Context) bool {
	if ctx == nil {
		return false
	}
	v, _ := ctx.Value(internalKey{}).(bool)
	return v
}

var internalCtx = context.WithValue(context.Background(), internalKey{}, true)

// writeKey carries, in a save's context, the statement that writes the
// record instead of PocketBase's default one (see [Register]).
type writeKey struct{}

// recordWrite is the statement of one save; done says it ran.
type recordWrite struct {
	exec func(r *core.Record) error
	done bool
}

// writeContext returns an internal save context whose record is written by exec.
func writeContext(exec func(r *core.Record) error) (context.Context, *recordWrite) {
	w := &recordWrite{exec: exec}
	return context.WithValue(internalCtx, writeKey{}, w), w
}

// ownWritesKey is set in the app store once [Register] bound the write hooks.
const ownWritesKey = "fenxiao.wallet.ownWrites"

// ownWrites reports whether the app runs this package's conditional writes
// in record saves (false when [Register] was not called).
func ownWrites(app core.App) bool {
	v, _ := app.Store().Get(ownWritesKey).(bool)
	return v
}

// updateWalletSQL moves a wallet to its new head, on the last_seq it was read with.
const updateWalletSQL = `UPDATE {{wallets}} SET
			[[available]] = {:available}, [[frozen]] = {:frozen},
			[[total_earned]] = {:earned}, [[total_withdrawn]] = {:withdrawn},
			[[last_seq]] = {:seq}, [[last_hash]] = {:hash}, [[updated]] = {:updated}
		WHERE [[id]] = {:id} AND [[last_seq]] = {:prevSeq}`

// saveWallet sets the wallet record w to the state s and saves it through
// the app (hooks, realtime) with one conditional UPDATE on s.prevSeq
// ([updateWalletSQL], built once, [shop.TxQuery]). It returns
// [ErrConcurrentUpdate] when the wallet moved since it was read.
func saveWallet(txApp core.App, w *core.Record, s *walletState) error {
	w.Set("available", s.available)
	w.Set("frozen", s.frozen)
	w.Set("total_earned", s.earned)
	w.Set("total_withdrawn", s.withdrawn)
	w.Set("last_seq", s.lastSeq)
	w.Set("last_hash", s.lastHash)
	ctx, write := writeContext(func(r *core.Record) error {
		res, err := shop.TxQuery(txApp, updateWalletSQL).Bind(dbx.Params{
			"available": s.available,
			"frozen":    s.frozen,
			"earned":    s.earned,
			"withdrawn": s.withdrawn,
			"seq":       s.lastSeq,
			"hash":      s.lastHash,
			"updated":   r.GetDateTime("updated").String(),
			"id":        r.Id,
			"prevSeq":   s.prevSeq,
		}).Execute()
		if err != nil {
			return fmt.Errorf("wallet: update %s: %w", r.Id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrConcurrentUpdate
		}
		return nil
	})
	if err := txApp.SaveNoValidateWithContext(ctx, w); err != nil {
		if errors.Is(err, ErrConcurrentUpdate) {
			return ErrConcurrentUpdate
		}
		return fmt.Errorf("wallet: save %s: %w", w.Id, err)
	}
	if !write.done {
		return fmt.Errorf("wallet: save %s: the conditional update did not run", w.Id)
	}
	return nil
}

// Post books one ledger entry on the user's wallet and returns it.
//
// It must be called with a transaction's app (txApp.IsTransactional()), so
// that the entry commits or rolls back with the change it records. It
// creates the wallet if missing, applies the kind's rule (see
// [ledger.Apply]): an entry the rule refuses changes nothing and returns
// [ErrInsufficientBalance] (409 insufficient_balance), [ErrInsufficientFrozen]
// or a 400 for a bad kind or sign. It then updates the wallet with a
// conditional update on last_seq and appends the hash-chained entry.
//
// RefType and RefId name the fact the entry books (e.g. "withdrawal" and
// its id) and are required. Posting the same (RefType, RefId, Kind) on the
// same wallet again is a no-op returning the existing entry; if the amount
// differs it also returns a 409 ledger_ref_conflict error.
//
// Actor says who caused the entry: "user:<id>", "superuser:<id>" or
// "system:<what>". Note is a short human description.
func Post(txApp core.App, p Posting) (*core.Record, error) {
	userId, kind, amount, refType, refId, actor, note := p.UserId, p.Kind, p.Amount, p.RefType, p.RefId, p.Actor, p.Note
	if !txApp.IsTransactional() {
		return nil, ErrNotInTransaction
	}
	if userId == "" || refType == "" || refId == "" || actor == "" {
		return nil, fmt.Errorf("wallet: Post needs a user, a ref type, a ref id and an actor (got %q, %q, %q, %q)",
			userId, refType, refId, actor)
	}

	w, err := findOrCreate(txApp, userId)
	if err != nil {
		return nil, err
	}

	// a plain indexed lookup (idx_wallet_entries_ref): every payment and
	// settlement batch passes here, and a filter expression costs more to
	// parse than the query costs to run; a new ref has nothing booked yet
	if !p.NewRef {
		existing := &core.Record{}
		err = txApp.RecordQuery(EntriesCollection).
			AndWhere(dbx.HashExp{"ref_type": refType, "ref_id": refId, "kind": kind, "wallet": w.Id}).
			Limit(1).
			One(existing)
		switch {
		case err == nil:
			if shop.AsWalletEntry(existing).Amount() != amount {
				return existing, shop.Fail(http.StatusConflict, "ledger_ref_conflict", fmt.Sprintf(
					"%s %s/%s is already booked with amount %d, not %d", kind, refType, refId, existing.GetInt("amount"), amount))
			}
			return existing, nil
		case !errors.Is(err, sql.ErrNoRows):
			return nil, fmt.Errorf("wallet: find entry %s %s/%s: %w", kind, refType, refId, err)
		}
	}

	available, frozen := shop.AsWallet(w).Available(), shop.AsWallet(w).Frozen()
	newAvailable, newFrozen, err := ledger.Apply(kind, amount, available, frozen)
	if err != nil {
		return nil, applyError(err)
	}

	lastSeq := int64(w.GetInt("last_seq"))
	var prev *ledger.Entry
	if lastSeq > 0 {
		prev = &ledger.Entry{Seq: lastSeq, Hash: w.GetString("last_hash")}
	}
	created := time.Now().UTC().Truncate(time.Millisecond)
	entry := ledger.Next(prev, ledger.Entry{
		WalletId:     w.Id,
		Kind:         kind,
		Amount:       amount,
		BalanceAfter: newAvailable,
		FrozenAfter:  newFrozen,
		RefType:      refType,
		RefId:        refId,
		Actor:        actor,
		CreatedAt:    created.Format(TimeLayout),
	})

	earned, withdrawn := Totals(kind, amount)
	totalEarned := shop.AsWallet(w).TotalEarned() + earned
	totalWithdrawn := shop.AsWallet(w).TotalWithdrawn() + withdrawn

	state := &walletState{id: w.Id, available: newAvailable, frozen: newFrozen, earned: totalEarned,
		withdrawn: totalWithdrawn, lastSeq: entry.Seq, lastHash: entry.Hash, prevSeq: lastSeq}
	own := ownWrites(txApp)
	if own {
		// one write: the record save (hooks, realtime) runs the conditional
		// update, so nothing else wrote the wallet since it was read
		if err := saveWallet(txApp, w, state); err != nil {
			return nil, err
		}
	} else {
		// optimistic check: nothing else wrote the wallet since it was read
		res, err := shop.TxQuery(txApp, updateWalletSQL).
			Bind(dbx.Params{
				"available": newAvailable,
				"frozen":    newFrozen,
				"earned":    totalEarned,
				"withdrawn": totalWithdrawn,
				"seq":       entry.Seq,
				"hash":      entry.Hash,
				"updated":   types.NowDateTime().String(),
				"id":        w.Id,
				"prevSeq":   lastSeq,
			}).Execute()
		if err != nil {
			return nil, fmt.Errorf("wallet: update %s: %w", w.Id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil, ErrConcurrentUpdate
		}
	}

	entries, err := txApp.FindCachedCollectionByNameOrId(EntriesCollection)
	if err != nil {
		return nil, err
	}
	r := shop.NewRecord(entries)
	r.Set("wallet", w.Id)
	r.Set("user", userId)
	r.Set("seq", entry.Seq)
	r.Set("kind", kind)
	r.Set("amount", amount)
	r.Set("balance_after", newAvailable)
	r.Set("frozen_after", newFrozen)
	r.Set("ref_type", refType)
	r.Set("ref_id", refId)
	r.Set("actor", actor)
	r.Set("prev_hash", entry.PrevHash)
	r.Set("hash", entry.Hash)
	r.Set("note", truncate(note, 200))
	createdAt, err := types.ParseDateTime(created)
	if err != nil {
		return nil, err
	}
	r.SetRaw("created", createdAt)
	if err := txApp.SaveWithContext(internalCtx, r); err != nil {
		return nil, fmt.Errorf("wallet: append entry %d to %s: %w", entry.Seq, w.Id, err)
	}

	if !own {
		// save the same values through the record so that hooks and
		// realtime subscribers see the new balances
		w.Set("available", newAvailable)
		w.Set("frozen", newFrozen)
		w.Set("total_earned", totalEarned)
		w.Set("total_withdrawn", totalWithdrawn)
		w.Set("last_seq", entry.Seq)
		w.Set("last_hash", entry.Hash)
		if err := txApp.SaveNoValidateWithContext(internalCtx, w); err != nil {
			return nil, fmt.Errorf("wallet: save %s: %w", w.Id, err)
		}
	}

	return r, nil
}

// Totals returns how an entry changes a wallet's total_earned and
// total_withdrawn: settled commission and rewards (less clawbacks) are
// earned; paid withdrawals and their fees are withdrawn.
func Totals(kind string, amount int64) (earned, withdrawn int64) {
	switch kind {
	case ledger.KindCommissionSettled, ledger.KindReward, ledger.KindClawback:
		return amount, 0
	case ledger.KindWithdrawPaid, ledger.KindWithdrawFee:
		return 0, -amount
	}
	return 0, 0
}

// Balance returns the user's available and frozen balances (0, 0 when the
// user has no wallet yet). Inside a transaction pass its app.
func Balance(app core.App, userId string) (available, frozen int64, err error) {
	w, err := shop.FindRecord(app, WalletsCollection, "`user` = ?", userId)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("wallet: balance of %s: %w", userId, err)
	}
	return shop.AsWallet(w).Available(), shop.AsWallet(w).Frozen(), nil
}

// findOrCreate returns the user's wallet, creating an empty one if missing.
func findOrCreate(txApp core.App, userId string) (*core.Record, error) {
	w, err := txApp.FindFirstRecordByData(WalletsCollection, "user", userId)
	if err == nil {
		return w, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("wallet: find wallet of %s: %w", userId, err)
	}
	c, err := txApp.FindCachedCollectionByNameOrId(WalletsCollection)
	if err != nil {
		return nil, err
	}
	w = shop.NewRecord(c)
	w.Set("user", userId)
	if err := txApp.SaveWithContext(internalCtx, w); err != nil {
		return nil, fmt.Errorf("wallet: create wallet of %s: %w", userId, err)
	}
	return w, nil
}

func applyError(err error) error {
	var le *ledger.Error
	if !errors.As(err, &le) {
		return err
	}
	switch le.Code() {
	case ledger.CodeInsufficientBalance:
		return ErrInsufficientBalance
	case ledger.CodeNegativeFrozen:
		return ErrInsufficientFrozen
	default:
		return shop.Fail(http.StatusBadRequest, le.Code(), le.Reason)
	}
}

func truncate(s string, max int) string {
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	return string(r[:max])
}
