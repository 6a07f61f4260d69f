package shop_test

import (
	"errors"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/tests"
)

// TestAfterCommit: fn runs after the outermost commit, synchronously and
// with the root app; never after a rollback; at once outside a transaction.
func TestAfterCommit(t *testing.T) {
	app, _ := tests.NewShopApp(t)

	var got []string
	err := app.RunInTransaction(func(txApp core.App) error {
		if err := txApp.RunInTransaction(func(inner core.App) error {
			shop.AfterCommit(inner, func(root core.App) {
				if root.IsTransactional() {
					t.Error("fn got a transactional app")
				}
				got = append(got, "inner")
			})
			return nil
		}); err != nil {
			return err
		}
		if len(got) != 0 {
			t.Error("fn ran before the outermost commit")
		}
		shop.AfterCommit(txApp, func(core.App) { got = append(got, "outer") })
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != "inner" || got[1] != "outer" {
		t.Fatalf("after commit ran %v, want [inner outer] by the time RunInTransaction returned", got)
	}

	refused := errors.New("refused")
	ran := false
	err = app.RunInTransaction(func(txApp core.App) error {
		shop.AfterCommit(txApp, func(core.App) { ran = true })
		return refused
	})
	if !errors.Is(err, refused) || ran {
		t.Fatalf("rollback: err %v, fn ran %v; want the error and no run", err, ran)
	}

	shop.AfterCommit(app, func(root core.App) { ran = root == core.App(app) })
	if !ran {
		t.Fatal("outside a transaction fn did not run at once with the app")
	}
}
