// Package stmtcache keeps the statements that run in every payment
// prepared on PocketBase's writer connection across transactions: SQLite
// parsing them again each time is most of what they cost here.
//
// [Query] returns a query on the transaction that runs through such a
// statement once it exists; the first transaction to use a statement runs
// it unprepared and has it prepared, off the request, after it completed.
// The cache is per app and keyed by the SQL text, so callers keep their
// statements' text stable (no values spliced in) and few in shapes.
package stmtcache

import (
	"context"
	"database/sql"
	"sync"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

const stmtCacheKey = "fenxiao.stmtcache"

// maxCachedStmts bounds the statements kept (shapes vary with list lengths).
const maxCachedStmts = 128

// stmtCache holds the statements prepared on one *sql.DB (PocketBase's
// writer pool of one connection).
type stmtCache struct {
	mu      sync.Mutex
	db      *sql.DB
	stmts   map[string]*sql.Stmt
	pending map[string]bool
}

// Query is txApp.DB().NewQuery(query), run through a statement kept
// prepared across transactions when there is one. Outside a transaction it
// is a plain query.
func Query(txApp core.App, query string) *dbx.Query {
	builder := txApp.DB()
	tx, ok := builder.(*dbx.Tx)
	if !ok {
		return builder.NewQuery(query)
	}
	b, ok := tx.Builder.(interface {
		DB() *dbx.DB
		Executor() dbx.Executor
	})
	if !ok {
		return builder.NewQuery(query)
	}
	sqlTx, ok := b.Executor().(*sql.Tx)
	if !ok || b.DB() == nil || b.DB().DB() == nil {
		return builder.NewQuery(query)
	}
	db := b.DB()
	c, _ := txApp.Store().GetOrSet(stmtCacheKey, func() any {
		return &stmtCache{db: db.DB(), stmts: map[string]*sql.Stmt{}, pending: map[string]bool{}}
	}).(*stmtCache)
	if c == nil || c.db != db.DB() {
		return builder.NewQuery(query)
	}
	return dbx.NewQuery(db, &cachedExecutor{tx: sqlTx, cache: c, app: txApp}, query)
}

// cachedExecutor runs a transaction's statements through the cache.
type cachedExecutor struct {
	tx    *sql.Tx
	cache *stmtCache
	app   core.App
}

// stmt returns the cached statement of query bound to the transaction, or
// nil after asking for it to be prepared once the transaction is over.
func (e *cachedExecutor) stmt(ctx context.Context, query string) *sql.Stmt {
	c := e.cache
	c.mu.Lock()
	s := c.stmts[query]
	ask := s == nil && !c.pending[query] && len(c.stmts)+len(c.pending) < maxCachedStmts
	if ask {
		c.pending[query] = true
	}
	c.mu.Unlock()
	if s != nil {
		return e.tx.StmtContext(ctx, s)
	}
	if ask {
		prepare := func() {
			go func() {
				s, err := c.db.Prepare(query)
				c.mu.Lock()
				defer c.mu.Unlock()
				delete(c.pending, query)
				if err == nil {
					c.stmts[query] = s
				}
			}()
		}
		if info := e.app.TxInfo(); info != nil {
			info.OnComplete(func(error) error { prepare(); return nil })
		} else {
			c.mu.Lock()
			delete(c.pending, query)
			c.mu.Unlock()
		}
	}
	return nil
}

func (e *cachedExecutor) Exec(query string, args ...any) (sql.Result, error) {
	return e.ExecContext(context.Background(), query, args...)
}

func (e *cachedExecutor) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := e.stmt(ctx, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return e.tx.ExecContext(ctx, query, args...)
}

func (e *cachedExecutor) Query(query string, args ...any) (*sql.Rows, error) {
	return e.QueryContext(context.Background(), query, args...)
}

func (e *cachedExecutor) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := e.stmt(ctx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return e.tx.QueryContext(ctx, query, args...)
}

func (e *cachedExecutor) Prepare(query string) (*sql.Stmt, error) {
	if s := e.stmt(context.Background(), query); s != nil {
		return s, nil
	}
	return e.tx.Prepare(query)
}
