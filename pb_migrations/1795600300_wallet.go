package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Wallets and their hash-chained ledger (see fenxiao/internal/ledger and
// fenxiao/hooks/wallet).
//
// wallets holds one row per user: available (may be negative: a debt left
// by a clawback or an adjustment), frozen (commission not yet settled and
// withdrawals in flight), total_earned (settled commission and rewards,
// less clawbacks), total_withdrawn (completed withdrawals, fee included)
// and last_seq/last_hash, the head of the entry chain.
//
// wallet_entries is append-only: one row per change, never updated or
// deleted by anyone. (wallet, seq) is unique, and so is the fact an entry
// books, (ref_type, ref_id, kind, wallet), so a retried call never books twice.
//
// Users read their own wallet and entries (REST and realtime); nobody
// writes either through the API: every change goes through wallet.Post.
func init() {
	m.Register(func(app core.App) error {
		users, err := app.FindCollectionByNameOrId("users")
		if err != nil {
			return err
		}
		own := types.Pointer("user = @request.auth.id")

		wallets := core.NewBaseCollection("wallets")
		wallets.Fields.Add(relationTo("user", users.Id, true, false))
		wallets.Fields.Add(fenField("available", true))
		wallets.Fields.Add(fenField("frozen", false))
		wallets.Fields.Add(fenField("total_earned", true))
		wallets.Fields.Add(fenField("total_withdrawn", false))
		wallets.Fields.Add(intField("last_seq", 0))
		wallets.Fields.Add(&core.TextField{Name: "last_hash", Max: 64})
		addTimestamps(wallets)
		wallets.AddIndex("idx_wallets_user", true, "user", "")
		wallets.ListRule = own
		wallets.ViewRule = own
		if err := app.Save(wallets); err != nil {
			return err
		}

		entries := core.NewBaseCollection("wallet_entries")
		entries.Fields.Add(relationTo("wallet", wallets.Id, true, false))
		entries.Fields.Add(relationTo("user", users.Id, true, false))
		entries.Fields.Add(&core.NumberField{Name: "seq", OnlyInt: true, Required: true, Min: types.Pointer(1.0)})
		entries.Fields.Add(&core.SelectField{Name: "kind", Required: true, MaxSelect: 1, Values: []string{
			"commission_frozen", "commission_settled", "commission_cancelled", "clawback",
			"withdraw_hold", "withdraw_release", "withdraw_paid", "withdraw_fee",
			"reward", "payment", "refund_to_balance", "adjustment",
		}})
		entries.Fields.Add(fenField("amount", true))
		entries.Fields.Add(fenField("balance_after", true))
		entries.Fields.Add(fenField("frozen_after", false))
		entries.Fields.Add(&core.TextField{Name: "ref_type", Required: true, Max: 32})
		entries.Fields.Add(&core.TextField{Name: "ref_id", Required: true, Max: 64})
		// who caused it: "user:<id>", "superuser:<id>" or "system:<what>"
		entries.Fields.Add(&core.TextField{Name: "actor", Required: true, Max: 64})
		entries.Fields.Add(&core.TextField{Name: "prev_hash", Max: 64})
		entries.Fields.Add(&core.TextField{Name: "hash", Required: true, Max: 64})
		entries.Fields.Add(&core.TextField{Name: "note", Max: 200})
		// set by wallet.Post before the insert; part of the hash
		entries.Fields.Add(&core.AutodateField{Name: "created", OnCreate: true})
		entries.AddIndex("idx_wallet_entries_seq", true, "wallet, seq", "")
		entries.AddIndex("idx_wallet_entries_ref", true, "ref_type, ref_id, kind, wallet", "")
		entries.AddIndex("idx_wallet_entries_user", false, "user, created", "")
		entries.ListRule = own
		entries.ViewRule = own
		return app.Save(entries)
	}, func(app core.App) error {
		for _, name := range []string{"wallet_entries", "wallets"} {
			c, err := app.FindCollectionByNameOrId(name)
			if err != nil {
				continue
			}
			if err := app.Delete(c); err != nil {
				return err
			}
		}
		return nil
	})
}
