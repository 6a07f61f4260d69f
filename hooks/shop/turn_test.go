package shop_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/tests"
)

// TestRunInTransactionTurns: fn runs in a transaction (rolled back on
// error), a nested call runs at once, concurrent callers all get their
// turn, and the turn is given up at the commit, before the work the
// transaction left for after it.
func TestRunInTransactionTurns(t *testing.T) {
	app, s := tests.NewShopApp(t)
	count := func() int {
		var n int
		if err := app.DB().NewQuery("SELECT COUNT(*) FROM notifications").Row(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	user, _ := tests.User(t, app, "turns@test.local", nil)
	note := noteInserter(user.Id)
	insert := func(txApp core.App) error { return note(txApp, "t") }

	failed := errors.New("refused")
	err := s.RunInTransaction(app, func(txApp core.App) error {
		if !txApp.IsTransactional() {
			t.Error("fn did not get a transaction")
		}
		if err := insert(txApp); err != nil {
			return err
		}
		// nested: the caller already holds the turn
		return s.RunInTransaction(txApp, func(inner core.App) error { return failed })
	})
	if !errors.Is(err, failed) || count() != 0 {
		t.Fatalf("error %v, %d rows left by a rolled back transaction", err, count())
	}

	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.RunInTransaction(app, insert); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if count() != 20 {
		t.Fatalf("%d rows after 20 concurrent callers", count())
	}

	// work left for after the commit runs after the turn is given up: here
	// it waits for the next caller's whole transaction
	next := make(chan error, 1)
	err = s.RunInTransaction(app, func(txApp core.App) error {
		txApp.TxInfo().OnComplete(func(error) error {
			go func() { next <- s.RunInTransaction(app, insert) }()
			select {
			case err := <-next:
				next <- err
			case <-time.After(5 * time.Second):
				t.Error("the next caller still waits after the commit")
			}
			return nil
		})
		return insert(txApp)
	})
	if err != nil || <-next != nil || count() != 22 {
		t.Fatalf("after-commit turn: %v, %d rows", err, count())
	}
}
