// Package sqlitedb opens PocketBase's SQLite databases with every
// connection keeping its most used statements prepared.
//
// database/sql hands a query with arguments straight to the driver, and
// the SQLite driver parses and plans it, runs it and throws the plan away:
// on a checkout or a payment, which run a few dozen small statements,
// parsing them is about a fifth of the CPU the request costs. PocketBase
// and dbx build the same SQL text for the same kind of query (values are
// bound, not spliced in), so a small per-connection cache keyed by the text
// removes nearly all of that work.
//
// Use [Connect] as PocketBase's DBConnect. It opens the same driver with
// the same pragmas as PocketBase's default.
package sqlitedb

import (
	"container/list"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"reflect"
	"sync"

	"github.com/pocketbase/dbx"
	_ "modernc.org/sqlite"
)

// pragmas are PocketBase's defaults (core.DefaultDBConnect, v0.39): the
// busy timeout first, so that a connection waits instead of failing while
// another one switches the database to WAL.
const pragmas = "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=journal_size_limit(200000000)" +
	"&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-32000)"

// MaxStatements is how many prepared statements a connection keeps (least
// recently used go first). PocketBase may open up to 120 connections to the
// data database under load; at a few KiB a statement this bounds the cache
// to a few MiB per busy connection.
const MaxStatements = 64

// maxQueryLen keeps very long SQL (migrations, generated bulk inserts) out
// of the cache: such text is rarely run twice.
const maxQueryLen = 4096

// Connect opens the SQLite database at dbPath like PocketBase's default
// DBConnect, through connections that cache their prepared statements.
func Connect(dbPath string) (*dbx.DB, error) {
	inner, err := sqliteDriver()
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(&connector{driver: &cachingDriver{inner: inner}, dsn: dbPath + pragmas})
	// note: dbx picks its SQL dialect by this name
	return dbx.NewFromDB(db, "sqlite"), nil
}

var (
	innerOnce sync.Once
	innerDrv  driver.Driver
	innerErr  error
)

// sqliteDriver returns the registered "sqlite" driver (modernc.org/sqlite),
// the same instance PocketBase uses, so functions registered on it apply.
func sqliteDriver() (driver.Driver, error) {
	innerOnce.Do(func() {
		db, err := sql.Open("sqlite", "")
		if err != nil {
			innerErr = fmt.Errorf("sqlite driver: %w", err)
			return
		}
		innerDrv = db.Driver()
		innerErr = db.Close()
	})
	return innerDrv, innerErr
}

// innerConn is what database/sql uses of a modernc.org/sqlite connection.
type innerConn interface {
	driver.Conn
	driver.ConnPrepareContext
	driver.ConnBeginTx
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// innerStmt is what a cached statement must do.
type innerStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

type connector struct {
	driver *cachingDriver
	dsn    string
}

func (c *connector) Connect(context.Context) (driver.Conn, error) { return c.driver.Open(c.dsn) }
func (c *connector) Driver() driver.Driver                        { return c.driver }

type cachingDriver struct{ inner driver.Driver }

func (d *cachingDriver) Open(name string) (driver.Conn, error) {
	c, err := d.inner.Open(name)
	if err != nil {
		return nil, err
	}
	ic, ok := c.(innerConn)
	if !ok {
		_ = c.Close()
		return nil, errors.New("sqlitedb: the sqlite driver's connection lacks the context interfaces")
	}
	return &conn{innerConn: ic, stmts: map[string]*cachedStmt{}}, nil
}

// conn is a driver connection with a statement cache. database/sql never
// uses a connection from two goroutines at once, but a statement's rows may
// still be open when the next statement runs (a query inside a loop over
// another's rows), so a statement in use is never handed out twice.
type conn struct {
	innerConn

	mu    sync.Mutex
	stmts map[string]*cachedStmt
	lru   list.List // of *cachedStmt, most recently used first
}

type cachedStmt struct {
	query string
	stmt  innerStmt
	busy  bool // its rows are open
	gone  bool // evicted while busy: close it when its rows are
	elem  *list.Element
}

// acquire returns the cached statement for query, preparing it on first
// use, or nil when the query is not cached or its statement is busy.
func (c *conn) acquire(ctx context.Context, query string) *cachedStmt {
	if len(query) > maxQueryLen {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if cs := c.stmts[query]; cs != nil {
		if cs.busy {
			return nil
		}
		cs.busy = true
		c.lru.MoveToFront(cs.elem)
		return cs
	}
	s, err := c.innerConn.PrepareContext(ctx, query)
	if err != nil {
		return nil // the uncached path reports the error
	}
	is, ok := s.(innerStmt)
	if !ok {
		_ = s.Close()
		return nil
	}
	cs := &cachedStmt{query: query, stmt: is, busy: true}
	cs.elem = c.lru.PushFront(cs)
	c.stmts[query] = cs
	c.evictLocked()
	return cs
}

// release marks cs free again (or closes it if it was evicted meanwhile).
func (c *conn) release(cs *cachedStmt) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cs.busy = false
	if cs.gone {
		_ = cs.stmt.Close()
	}
}

// evictLocked drops least recently used statements above MaxStatements.
func (c *conn) evictLocked() {
	for e := c.lru.Back(); e != nil && c.lru.Len() > MaxStatements; {
		prev := e.Prev()
		cs := e.Value.(*cachedStmt)
		c.lru.Remove(e)
		delete(c.stmts, cs.query)
		if cs.busy {
			cs.gone = true
		} else {
			_ = cs.stmt.Close()
		}
		e = prev
	}
}

func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	cs := c.acquire(ctx, query)
	if cs == nil {
		return c.innerConn.ExecContext(ctx, query, args)
	}
	defer c.release(cs)
	return cs.stmt.ExecContext(ctx, args)
}

func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cs := c.acquire(ctx, query)
	if cs == nil {
		return c.innerConn.QueryContext(ctx, query, args)
	}
	r, err := cs.stmt.QueryContext(ctx, args)
	if err != nil {
		c.release(cs)
		return nil, err
	}
	return &rows{Rows: r, conn: c, stmt: cs}, nil
}

// Close finalizes the cached statements, then closes the connection.
func (c *conn) Close() error {
	c.mu.Lock()
	for _, cs := range c.stmts {
		_ = cs.stmt.Close()
	}
	c.stmts = map[string]*cachedStmt{}
	c.lru.Init()
	c.mu.Unlock()
	return c.innerConn.Close()
}

// rows frees its statement for the next query when closed.
type rows struct {
	driver.Rows
	conn   *conn
	stmt   *cachedStmt
	closed bool
}

func (r *rows) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	err := r.Rows.Close()
	r.conn.release(r.stmt)
	return err
}

// the column type interfaces of the driver's rows, passed through for
// sql.Rows.ColumnTypes

func (r *rows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *rows) ColumnTypeLength(i int) (int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeLength); ok {
		return t.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *rows) ColumnTypeNullable(i int) (bool, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *rows) ColumnTypePrecisionScale(i int) (int64, int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypePrecisionScale); ok {
		return t.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}

func (r *rows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeOf(new(any)).Elem()
}
