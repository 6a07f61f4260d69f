package shop_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/tests"
)

// TestRunInTransactionGroupCommit: callers that wait while a transaction
// runs share the next one, and each keeps its own outcome: a failed or
// panicking caller leaves nothing and fails alone, the others commit once
// (those before the failure ran again after the rollback), and after-commit
// work runs once for each committed caller and never for a failed one.
func TestRunInTransactionGroupCommit(t *testing.T) {
	app, s := tests.NewShopApp(t)
	user, _ := tests.User(t, app, "batch@test.local", nil)
	insert := noteInserter(user.Id)
	rows := func(title string) int {
		var n int
		err := app.DB().NewQuery("SELECT COUNT(*) FROM notifications WHERE title = {:t}").
			Bind(map[string]any{"t": title}).Row(&n)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	waitFor := func(n int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for shop.WritesWaiting(s) != n {
			if time.Now().After(deadline) {
				t.Fatalf("%d callers in line, want %d", shop.WritesWaiting(s), n)
			}
			time.Sleep(time.Millisecond)
		}
	}

	// the first caller holds its transaction open until the others are in line
	entered, release := make(chan struct{}), make(chan struct{})
	firstDone := make(chan error, 1)
	go func() {
		firstDone <- s.RunInTransaction(app, func(txApp core.App) error {
			close(entered)
			<-release
			return insert(txApp, "first")
		})
	}()
	<-entered

	refused := errors.New("refused")
	const callers = 10
	var runs, afterCommits [callers + 1]atomic.Int32
	errs := make([]error, callers+1)
	var wg sync.WaitGroup
	for i := 1; i <= callers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.RunInTransaction(app, func(txApp core.App) error {
				runs[i].Add(1)
				if err := insert(txApp, fmt.Sprint("c", i)); err != nil {
					return err
				}
				shop.AfterCommit(txApp, func(core.App) { afterCommits[i].Add(1) })
				switch i {
				case 3, 7:
					return refused
				case 5:
					panic("boom")
				}
				return nil
			})
		}()
		waitFor(i) // in line in this order
	}
	close(release)
	if err := <-firstDone; err != nil {
		t.Fatal(err)
	}
	wg.Wait()

	if rows("first") != 1 {
		t.Fatalf("first caller: %d rows", rows("first"))
	}
	for i := 1; i <= callers; i++ {
		title := fmt.Sprint("c", i)
		switch i {
		case 3, 7:
			if !errors.Is(errs[i], refused) || rows(title) != 0 || afterCommits[i].Load() != 0 {
				t.Errorf("caller %d: error %v, %d rows, %d after-commits", i, errs[i], rows(title), afterCommits[i].Load())
			}
		case 5:
			if errs[i] == nil || !strings.Contains(errs[i].Error(), "boom") || rows(title) != 0 || afterCommits[i].Load() != 0 {
				t.Errorf("caller 5 (panics): error %v, %d rows, %d after-commits", errs[i], rows(title), afterCommits[i].Load())
			}
		default:
			if errs[i] != nil || rows(title) != 1 || afterCommits[i].Load() != 1 {
				t.Errorf("caller %d: error %v, %d rows, %d after-commits", i, errs[i], rows(title), afterCommits[i].Load())
			}
		}
	}
	// callers 1–2 shared the batch with 3 and ran again after its rollback;
	// 4 ran with 5, then 6 with 7, and all three again after; 8–10 once
	wantRuns := [callers + 1]int32{0, 2, 2, 1, 2, 1, 2, 1, 1, 1, 1}
	for i := 1; i <= callers; i++ {
		if runs[i].Load() != wantRuns[i] {
			t.Errorf("caller %d ran %d times, want %d", i, runs[i].Load(), wantRuns[i])
		}
	}
}
