package shop_test

import (
	"errors"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/tests"
)

// TestTxQuery: one query per text and transaction (nested ones included),
// bound afresh on each use, a new one in the next transaction, none kept
// once the transactions ended (committed or rolled back).
func TestTxQuery(t *testing.T) {
	app, s := tests.NewShopApp(t)
	const sql = "SELECT {:a} + {:b}"

	var first *dbx.Query
	err := app.RunInTransaction(func(txApp core.App) error {
		first = shop.TxQuery(txApp, sql)
		for _, c := range [][3]int{{1, 2, 3}, {10, 20, 30}} {
			var got int
			if err := shop.TxQuery(txApp, sql).Bind(dbx.Params{"a": c[0], "b": c[1]}).Row(&got); err != nil {
				return err
			}
			if got != c[2] {
				t.Errorf("%d + %d = %d, want %d", c[0], c[1], got, c[2])
			}
		}
		return txApp.RunInTransaction(func(inner core.App) error {
			if shop.TxQuery(inner, sql) != first {
				t.Error("a nested transaction got another query")
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := shop.TxQueriesOpen(s); n != 0 {
		t.Fatalf("%d transactions still keep queries after the commit", n)
	}

	_ = app.RunInTransaction(func(txApp core.App) error {
		if shop.TxQuery(txApp, sql) == first {
			t.Error("the next transaction got the query of the previous one")
		}
		return errors.New("roll back")
	})
	if n := shop.TxQueriesOpen(s); n != 0 {
		t.Fatalf("%d transactions still keep queries after the rollback", n)
	}

	if q := shop.TxQuery(app, sql); q == shop.TxQuery(app, sql) {
		t.Error("outside a transaction the query was kept")
	}
}
