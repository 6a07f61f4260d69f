package shop_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/tests"
)

// TestTxQuery: one query per text for the life of the app, bound afresh on
// each use and run on the transaction open at the time (its uncommitted
// rows are visible to it, and go with its rollback); a new query outside a
// data-database transaction and past the limit.
func TestTxQuery(t *testing.T) {
	app, s := tests.NewShopApp(t)
	const sum = "SELECT {:a} + {:b}"
	if _, err := app.DB().NewQuery("CREATE TABLE txq (n INTEGER)").Execute(); err != nil {
		t.Fatal(err)
	}
	const insert = "INSERT INTO {{txq}} ([[n]]) VALUES ({:n})"
	const count = "SELECT COUNT(*) FROM {{txq}}"

	var first *dbx.Query
	err := app.RunInTransaction(func(txApp core.App) error {
		first = shop.TxQuery(txApp, sum)
		for _, c := range [][3]int{{1, 2, 3}, {10, 20, 30}} {
			var got int
			if err := shop.TxQuery(txApp, sum).Bind(dbx.Params{"a": c[0], "b": c[1]}).Row(&got); err != nil {
				return err
			}
			if got != c[2] {
				t.Errorf("%d + %d = %d, want %d", c[0], c[1], got, c[2])
			}
		}
		if _, err := shop.TxQuery(txApp, insert).Bind(dbx.Params{"n": 1}).Execute(); err != nil {
			return err
		}
		return txApp.RunInTransaction(func(inner core.App) error {
			if shop.TxQuery(inner, sum) != first {
				t.Error("a nested transaction got another query")
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}

	rollback := errors.New("roll back")
	err = app.RunInTransaction(func(txApp core.App) error {
		if shop.TxQuery(txApp, sum) != first {
			t.Error("the next transaction got another query")
		}
		if _, err := shop.TxQuery(txApp, insert).Bind(dbx.Params{"n": 2}).Execute(); err != nil {
			return err
		}
		var n int
		if err := shop.TxQuery(txApp, count).Row(&n); err != nil {
			return err
		}
		if n != 2 {
			t.Errorf("inside the second transaction the query counts %d rows, want 2 (the open transaction's row unseen)", n)
		}
		return rollback
	})
	if !errors.Is(err, rollback) {
		t.Fatal(err)
	}
	var n int
	if err := app.DB().NewQuery("SELECT COUNT(*) FROM txq").Row(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("%d rows after the rollback, want 1", n)
	}

	if q := shop.TxQuery(app, sum); q == shop.TxQuery(app, sum) || q == first {
		t.Error("outside a transaction the query was kept")
	}
	err = app.AuxRunInTransaction(func(txApp core.App) error {
		if q := shop.TxQuery(txApp, sum); q == shop.TxQuery(txApp, sum) || q == first {
			t.Error("in a transaction of the auxiliary database the query was kept")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	err = app.RunInTransaction(func(txApp core.App) error {
		for i := shop.TxQueriesKept(s); i < shop.MaxTxQueries; i++ {
			shop.TxQuery(txApp, fmt.Sprintf("SELECT %d", i))
		}
		if shop.TxQueriesKept(s) != shop.MaxTxQueries {
			t.Errorf("%d statements kept, want %d", shop.TxQueriesKept(s), shop.MaxTxQueries)
		}
		if q := shop.TxQuery(txApp, "SELECT -1"); q == shop.TxQuery(txApp, "SELECT -1") {
			t.Error("a statement past the limit was kept")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
