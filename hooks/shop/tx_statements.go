package shop

import (
	"context"
	"database/sql"
	"sync"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// MaxTxQueries bounds the statements [TxQuery] keeps. Past it, a new text
// gets a query of its own, as outside a transaction: only code that builds
// its SQL from data (an IN list per row count) ever gets near it.
const MaxTxQueries = 512

// maxTxQueryLen keeps long texts (an IN list of thousands of ids) out of
// the kept statements: such a text is rarely run twice, and kept it would
// hold its memory for the life of the app. The database's connections do
// not keep them prepared either (package sqlitedb).
const maxTxQueryLen = 4096

// TxQuery returns txApp.DB().NewQuery(sql) for a transaction of the data
// database, built once for the life of the app: every call with the same
// sql gets the same query, which runs on the transaction open at the time.
//
// Why: dbx rewrites the text of every query it builds (placeholders and
// quoting, two regular expressions over the whole text), and that rewrite
// was about a tenth of the CPU of the shop's one writer, which every
// checkout and payment waits for. Built once per transaction, a statement
// was still rewritten once per group-commit batch; built once per app, it
// is rewritten once. The query is not prepared on the transaction: the
// database's connection keeps its statements prepared already (package
// sqlitedb).
//
// Sharing one query is safe because the data database has one write
// connection: at most one of its transactions is open at a time, and only
// the goroutine running it uses these queries. Bind every parameter of the
// statement on each use (Bind merges into the parameters of the previous
// use), and use the query before the next TxQuery call with the same text.
// Outside a data-database transaction, or without a shop attached, it
// returns a new query.
func TxQuery(txApp core.App, sql string) *dbx.Query {
	info := txApp.TxInfo()
	s := Get(txApp)
	if info == nil || s == nil {
		return txApp.DB().NewQuery(sql)
	}
	tx, ok := txApp.NonconcurrentDB().(*dbx.Tx)
	if !ok {
		// a transaction of the auxiliary (logs) database
		return txApp.DB().NewQuery(sql)
	}
	return s.txQueries.get(tx, sql)
}

// txQueries are the [TxQuery] queries of one app's data database.
type txQueries struct {
	mu      sync.Mutex
	exec    txExecutor
	queries map[string]*dbx.Query
}

func (t *txQueries) get(tx *dbx.Tx, sql string) *dbx.Query {
	b, ok := tx.Builder.(interface {
		DB() *dbx.DB
		Executor() dbx.Executor
	})
	if !ok {
		return tx.NewQuery(sql)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	// note: the open transaction is the only one, so pointing the shared
	// executor at it cannot redirect a query of another transaction
	t.exec.set(b.Executor())
	if q := t.queries[sql]; q != nil {
		return q
	}
	if len(t.queries) >= MaxTxQueries || len(sql) > maxTxQueryLen {
		return tx.NewQuery(sql)
	}
	if t.queries == nil {
		t.queries = map[string]*dbx.Query{}
	}
	q := dbx.NewQuery(b.DB(), &t.exec, sql)
	t.queries[sql] = q
	return q
}

// txExecutor runs statements on the data database's open transaction.
type txExecutor struct {
	mu sync.Mutex
	tx dbx.Executor
}

func (e *txExecutor) set(tx dbx.Executor) {
	e.mu.Lock()
	e.tx = tx
	e.mu.Unlock()
}

func (e *txExecutor) current() dbx.Executor {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.tx
}

func (e *txExecutor) Exec(query string, args ...any) (sql.Result, error) {
	return e.current().Exec(query, args...)
}

func (e *txExecutor) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return e.current().ExecContext(ctx, query, args...)
}

func (e *txExecutor) Query(query string, args ...any) (*sql.Rows, error) {
	return e.current().Query(query, args...)
}

func (e *txExecutor) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return e.current().QueryContext(ctx, query, args...)
}

func (e *txExecutor) Prepare(query string) (*sql.Stmt, error) {
	return e.current().Prepare(query)
}
