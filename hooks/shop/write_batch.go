package shop

import (
	"fmt"
	"runtime/debug"
	"sync"

	"github.com/pocketbase/pocketbase/core"
)

// MaxWriteBatch is the most [Shop.RunInTransaction] callers one
// transaction takes. A caller waits at most for one batch ahead of its
// own; at 2–8 ms a write this keeps that wait well under half a second
// even when a thousand buyers arrive at once.
const MaxWriteBatch = 32

// RunInTransaction is app.RunInTransaction for the shop's busiest writes
// (adding to the cart, checkout, payment), with group commit: callers that
// arrive while a transaction is running wait for it, then all run, in the
// order they came, in the next transaction, which commits once for them
// all.
//
// Why: PocketBase writes through one connection, so these writes run one
// after another whatever the number of cores, and a commit (writing every
// page the transaction changed to the WAL) was about a sixth of a
// payment's CPU. Orders touch the same pages (the tail of each table's
// indexes, the same SKUs and wallets), so a batch writes each once.
//
// Each caller keeps its own outcome, as if it had run alone:
//
//   - fn's error fails only that caller. The batch is rolled back (so that
//     PocketBase and [AfterCommit] see the rollback of everything written
//     in it), the callers before the failed one run again, and commit, in a
//     transaction of their own, then those after it in the next one. fn
//     may therefore run more than once, always in a fresh transaction, and
//     must keep its effects to txApp ([AfterCommit] for anything else),
//     which the shop's writes do;
//   - a failed commit fails every caller of the batch;
//   - a panic in fn fails that caller with an error (the others go on).
//
// The batch gives the turn to the next one at its commit: what the
// transaction left for after it (realtime, notifiers) runs while the next
// batch writes. Inside a transaction fn runs at once, in it.
func (s *Shop) RunInTransaction(app core.App, fn func(txApp core.App) error) error {
	if app.IsTransactional() {
		return app.RunInTransaction(fn)
	}
	c := &writeCall{fn: fn, done: make(chan struct{}), lead: make(chan struct{}, 1)}
	if s.writes.enqueue(c) {
		s.lead(app)
	}
	for {
		select {
		case <-c.done:
			return c.err
		case <-c.lead:
			s.lead(app)
		}
	}
}

// WritesWaiting is how many [Shop.RunInTransaction] callers wait for the
// next batch: how far the shop's one writer is behind, and what tests wait
// on to line callers up in a known order.
func WritesWaiting(s *Shop) int {
	s.writes.mu.Lock()
	defer s.writes.mu.Unlock()
	return len(s.writes.waiting)
}

// writeQueue is the line of [Shop.RunInTransaction] callers; one of them at
// a time leads, running the others' functions with its own.
type writeQueue struct {
	mu      sync.Mutex
	waiting []*writeCall
	leading bool
}

type writeCall struct {
	fn   func(txApp core.App) error
	err  error
	done chan struct{} // closed when err is final
	lead chan struct{} // this caller leads the next batch
}

// enqueue adds c to the line and reports whether its caller must lead
// (nobody else does).
func (q *writeQueue) enqueue(c *writeCall) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.waiting = append(q.waiting, c)
	if q.leading {
		return false
	}
	q.leading = true
	return true
}

// take removes the next batch from the line.
func (q *writeQueue) take() []*writeCall {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := min(len(q.waiting), MaxWriteBatch)
	batch := q.waiting[:n:n]
	q.waiting = q.waiting[n:]
	return batch
}

// handOff makes the first waiting caller the leader, or ends leading when
// nobody waits.
func (q *writeQueue) handOff() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.waiting) == 0 {
		q.leading = false
		return
	}
	q.waiting[0].lead <- struct{}{}
}

// lead runs the next batch and hands the turn on.
func (s *Shop) lead(app core.App) {
	batch := s.writes.take()
	handedOff := false
	handOff := func() {
		if !handedOff {
			handedOff = true
			s.writes.handOff()
		}
	}
	defer handOff()

	// segments still to run, in order; a failure splits its segment
	todo := [][]*writeCall{batch}
	for len(todo) > 0 {
		seg := todo[0]
		todo = todo[1:]
		failed := -1
		err := app.RunInTransaction(func(txApp core.App) error {
			// note: after-commit functions run in the order they were
			// added, this one first
			txApp.TxInfo().OnComplete(func(txErr error) error {
				if txErr == nil && len(todo) == 0 {
					handOff()
				}
				return nil
			})
			for i, c := range seg {
				if err := runWriteCall(c, txApp); err != nil {
					failed = i
					return err
				}
			}
			return nil
		})
		if failed < 0 {
			for _, c := range seg {
				c.finish(err)
			}
			continue
		}
		seg[failed].finish(err)
		var next [][]*writeCall
		if failed > 0 {
			next = append(next, seg[:failed])
		}
		if failed+1 < len(seg) {
			next = append(next, seg[failed+1:])
		}
		todo = append(next, todo...)
	}
}

// runWriteCall runs c's function, a panic becoming its error: the leader
// runs other callers' code and must not die of it.
func runWriteCall(c *writeCall, txApp core.App) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic in a shop transaction: %v\n%s", r, debug.Stack())
		}
	}()
	return c.fn(txApp)
}

func (c *writeCall) finish(err error) {
	c.err = err
	close(c.done)
}
