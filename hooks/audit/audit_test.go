package audit_test

import (
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/audit"
	"fenxiao/hooks/wallet"
	"fenxiao/internal/ledger"
	"fenxiao/tests"
)

func TestMain(m *testing.M) { tests.Main(m) }

// setup books a short history on one wallet and returns its entries.
func setup(t *testing.T) (core.App, []*core.Record) {
	t.Helper()
	app, _ := tests.NewShopApp(t)
	u, _ := tests.User(t, app, "a@test.local", nil)
	other, _ := tests.User(t, app, "b@test.local", nil)
	err := app.RunInTransaction(func(txApp core.App) error {
		for i, s := range []struct {
			kind   string
			amount int64
		}{
			{ledger.KindCommissionFrozen, 1000},
			{ledger.KindCommissionSettled, 1000},
			{ledger.KindWithdrawHold, 400},
			{ledger.KindWithdrawRelease, 400},
		} {
			if _, err := wallet.Post(txApp, wallet.Posting{UserId: u.Id, Kind: s.kind, Amount: s.amount, RefType: "test", RefId: "t1", Actor: "system:test"}); err != nil {
				return err
			}
			if _, err := wallet.Post(txApp, wallet.Posting{UserId: other.Id, Kind: ledger.KindReward, Amount: int64(i + 1), RefType: "test", RefId: s.kind, Actor: "system:test"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	w, err := app.FindFirstRecordByData(wallet.WalletsCollection, "user", u.Id)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := wallet.Entries(app, w.Id)
	if err != nil || len(entries) != 4 {
		t.Fatalf("entries: %v (%d)", err, len(entries))
	}

	rep, err := audit.Run(app)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("clean history fails the audit:\n%s", rep)
	}
	return app, entries
}

// exec tampers with the money data, so the audit at cleanup is off.
func exec(t *testing.T, app core.App, sql string, params dbx.Params) {
	t.Helper()
	tests.SkipAudit(t)
	if _, err := app.DB().NewQuery(sql).Bind(params).Execute(); err != nil {
		t.Fatal(err)
	}
}

func wantFailure(t *testing.T, app core.App, row string) {
	t.Helper()
	rep, err := audit.Run(app)
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() {
		t.Fatalf("tampering went unnoticed:\n%s", rep)
	}
	if !strings.Contains(rep.Err().Error(), row) {
		t.Fatalf("first problem does not name %s: %v\n%s", row, rep.Err(), rep)
	}
	if !strings.Contains(rep.String(), "audit FAILED") {
		t.Fatalf("report: %s", rep)
	}
}

func TestAuditPassesAndSkips(t *testing.T) {
	app, _ := setup(t)
	rep, _ := audit.Run(app)
	for _, c := range rep.Checks {
		if c.Status == audit.StatusFailed {
			t.Fatalf("%s failed", c.Name)
		}
	}
	if len(rep.Checks) != 9 {
		t.Fatalf("%d checks", len(rep.Checks))
	}

	// a shop without commissions: that check is skipped, not failed
	// (the views commission_overview and commission_orders read commissions: they go first)
	for _, name := range []string{"commission_overview", "commission_orders", "commission_adjustments", "commissions"} {
		c, err := app.FindCollectionByNameOrId(name)
		if err != nil {
			continue
		}
		if err := app.Delete(c); err != nil {
			t.Fatalf("drop %s: %v", name, err)
		}
	}
	rep, err := audit.Run(app)
	if err != nil {
		t.Fatal(err)
	}
	var skipped bool
	for _, c := range rep.Checks {
		if c.Name == "commissions" && c.Status == audit.StatusSkipped {
			skipped = true
		}
	}
	if !skipped || !rep.OK() {
		t.Fatalf("commissions not skipped:\n%s", rep)
	}
}

func TestAuditFindsATamperedAmount(t *testing.T) {
	app, entries := setup(t)
	// the amount and both balances are made consistent, so only the hash can tell
	exec(t, app, "UPDATE wallet_entries SET amount = 2000 WHERE id = {:id}", dbx.Params{"id": entries[0].Id})
	wantFailure(t, app, "wallet_entries/"+entries[0].Id)
}

func TestAuditFindsADeletedEntry(t *testing.T) {
	app, entries := setup(t)
	exec(t, app, "DELETE FROM wallet_entries WHERE id = {:id}", dbx.Params{"id": entries[1].Id})
	// the entry after the gap is the first bad row
	wantFailure(t, app, "wallet_entries/"+entries[2].Id)
}

func TestAuditFindsADeletedLastEntry(t *testing.T) {
	app, entries := setup(t)
	exec(t, app, "DELETE FROM wallet_entries WHERE id = {:id}", dbx.Params{"id": entries[3].Id})
	wantFailure(t, app, "wallets/"+entries[3].GetString("wallet"))
}

func TestAuditFindsATamperedBalance(t *testing.T) {
	app, entries := setup(t)
	w := entries[0].GetString("wallet")
	exec(t, app, "UPDATE wallets SET available = available + 1 WHERE id = {:id}", dbx.Params{"id": w})
	wantFailure(t, app, "wallets/"+w)
}
