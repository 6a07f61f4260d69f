package stmtcache_test

import (
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/internal/stmtcache"
	"fenxiao/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Main(m) }

// TestQuerySameAnswersAcrossTransactions runs one statement outside a
// transaction, in the transaction that asks for it to be prepared, and in
// later ones that run through the prepared statement: the answers are the
// database's every time, including a transaction's own uncommitted write.
func TestQuerySameAnswersAcrossTransactions(t *testing.T) {
	app, _ := testutil.NewShopApp(t)
	u, _ := testutil.User(t, app, "a@test.local", map[string]any{"nickname": "甲"})
	const q = "SELECT [[nickname]] FROM {{users}} WHERE [[id]] = {:id}"
	read := func(a core.App) string {
		t.Helper()
		var name string
		if err := stmtcache.Query(a, q).Bind(dbx.Params{"id": u.Id}).Row(&name); err != nil {
			t.Fatal(err)
		}
		return name
	}

	if got := read(app); got != "甲" {
		t.Fatalf("outside a transaction: %q", got)
	}
	for i, name := range []string{"乙", "丙", "丁"} {
		err := app.RunInTransaction(func(txApp core.App) error {
			if _, err := txApp.DB().NewQuery("UPDATE {{users}} SET [[nickname]] = {:n} WHERE [[id]] = {:id}").
				Bind(dbx.Params{"n": name, "id": u.Id}).Execute(); err != nil {
				return err
			}
			if got := read(txApp); got != name {
				t.Errorf("transaction %d reads %q, want its own %q", i, got, name)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// the statement is prepared in the background after the first commit
		time.Sleep(20 * time.Millisecond)
	}
	if got := read(app); got != "丁" {
		t.Fatalf("after the transactions: %q", got)
	}
}
