// Package sqlitedb opens PocketBase's SQLite databases: with SQLite's own
// C library when the binary is built with cgo (the default wherever a C
// compiler is installed), else with the pure-Go translation PocketBase
// ships (CGO_ENABLED=0), and in both cases with every connection keeping
// its most used statements prepared.
//
// Why C: the shop's heaviest writes (checkout, payment, settlement) spend
// most of their time inside SQLite, and the C library runs them about
// twice as fast as the translation on the same machine (settling a million
// commissions: 8 s against 25 s). The pure-Go build stays for targets
// without a C toolchain; the database file is the same for both.
//
// Why the statement cache: database/sql hands a query with arguments
// straight to the driver, which parses and plans it, runs it and throws the
// plan away. On a checkout or a payment, which run a few dozen small
// statements, parsing was about a fifth of the CPU the request cost with
// the pure-Go engine. PocketBase and dbx build the same SQL text for the
// same kind of query (values are bound, not spliced in), so a small
// per-connection cache keyed by the text removes nearly all of that work.
//
// Use [Connect] as PocketBase's DBConnect; it applies PocketBase's pragmas.
package sqlitedb

import (
	"container/list"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/pocketbase/dbx"
)

// MaxStatements is how many prepared statements a connection keeps (least
// recently used go first). PocketBase may open up to 120 connections to the
// data database under load; at a few KiB a statement this bounds the cache
// to a few MiB per busy connection.
const MaxStatements = 64

// maxQueryLen keeps very long SQL (migrations, generated bulk inserts) out
// of the cache: such text is rarely run twice.
const maxQueryLen = 4096

// CacheKiB is each connection's page cache (PRAGMA cache_size), a quarter
// of PocketBase's 32,000 KiB.
//
// Why: a reader's cache does not last. A connection that begins a read after
// another one's commit drops its whole cache, so under a steady stream of
// orders the readers fill and empty theirs all day long and a large cache
// keeps nothing. It only kept memory: with up to 15 idle readers, the writer,
// the logs' pools and the checkpointer, each could hold 32 MB. In a mixed
// load of 16 buyers (three levels, searches, refunds, confirmations; 6
// minutes) the shop's RSS at the sixth minute was 155 MiB with 8,000 KiB
// against 321 MiB with 32,000 (which went on to 360 MiB at the eleventh),
// at the same speed (122,000 orders in those 6 minutes against 121,000).
// The writer's hot pages (the tails of the tables and indexes an order
// writes) fit in 8 MB many times over. What it costs is in the big batch
// jobs: settling 1,000,000 commissions took 24.1 s against 21.8 s (one
// run each).
const CacheKiB = 8000

// txLock is how the connections begin a transaction: BEGIN IMMEDIATE,
// which takes the write lock at once, waiting for it (busy_timeout) when
// someone holds it.
//
// Why: a transaction begun with a plain BEGIN reads first and asks for the
// write lock only at its first write, and SQLite refuses that upgrade at
// once, without waiting, when anyone holds the lock at that moment: the
// busy timeout applies only to a connection that holds no read lock yet.
// The shop writes through one connection, yet the lock is not only the
// writer's: a reader that finds the WAL index header in mid-update takes
// it for a few microseconds to read the header again, as does a
// checkpoint. Under load that now and then failed a payment with
// "database is locked" (once in a dozen 15 s load runs of about 8,000
// orders each). Every transaction here is the writer's (PocketBase runs
// them on its one-connection pool), so taking the lock at BEGIN costs
// nothing, and a BEGIN that meets the lock taken waits instead of failing.
const txLock = "immediate"

// Connect opens the SQLite database at dbPath with PocketBase's pragmas,
// through connections that cache their prepared statements.
func Connect(dbPath string) (*dbx.DB, error) {
	inner, dsn, err := engine(dbPath)
	if err != nil {
		return nil, err
	}
	c := &connector{driver: &cachingDriver{inner: inner}, dsn: dsn}
	c.checkpoints = acquireCheckpointer(inner, dsn)
	startTrimming()
	db := sql.OpenDB(c)
	// note: dbx picks its SQL dialect by this name
	return dbx.NewFromDB(db, "sqlite"), nil
}

// Engine names the SQLite library this binary was built with.
func Engine() string { return engineName }

// innerConn is what the cache needs of a driver connection (both engines
// have it); Ping, ResetSession and IsValid are passed on when present.
type innerConn interface {
	driver.Conn
	driver.ConnPrepareContext
	driver.ConnBeginTx
	driver.ExecerContext
	driver.QueryerContext
}

// innerStmt is what a cached statement must do.
type innerStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

type connector struct {
	driver      *cachingDriver
	dsn         string
	checkpoints *checkpointer
	closeOnce   sync.Once
}

// Close gives back the pool's share of the checkpointer, which stops with
// the last pool of its database (database/sql calls it from DB.Close).
func (c *connector) Close() error {
	c.closeOnce.Do(c.checkpoints.release)
	return nil
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
		return nil, errors.New("sqlitedb: the SQLite driver's connection lacks the context interfaces")
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

// checkArgs refuses a number of arguments that differs from the
// statement's parameters when the engine knows it (the C one), as
// database/sql refuses it for a prepared statement: run as they are, the C
// engine binds NULL to the missing ones. (The pure-Go engine refuses too
// few itself.)
func checkArgs(cs *cachedStmt, args []driver.NamedValue) error {
	if n := cs.stmt.NumInput(); n >= 0 && n != len(args) {
		return fmt.Errorf("sqlitedb: %d arguments for the %d parameters of the statement", len(args), n)
	}
	return nil
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
	if query == connRequestText {
		if req, ok := ctx.Value(connRequestKey{}).(*connRequest); ok {
			req.conn = c
			return driver.RowsAffected(0), nil
		}
	}
	if !cacheExec && !plainWrite(query) {
		return c.innerConn.ExecContext(ctx, query, args)
	}
	cs := c.acquire(ctx, query)
	if cs == nil {
		return c.innerConn.ExecContext(ctx, query, args)
	}
	defer c.release(cs)
	if err := checkArgs(cs, args); err != nil {
		return nil, err
	}
	return cs.stmt.ExecContext(ctx, args)
}

// plainWrite reports whether query is one INSERT, UPDATE, DELETE or
// REPLACE without RETURNING: such a statement runs to its end in one step,
// so it holds nothing once Exec returns and can stay prepared on every
// engine. (A statement that returns rows, run as Exec, stops at its first
// row and stays open, see cacheExec.)
func plainWrite(query string) bool {
	q := strings.TrimLeft(query, " \t\r\n")
	if len(q) < 7 {
		return false
	}
	switch strings.ToUpper(q[:6]) {
	case "INSERT", "UPDATE", "DELETE":
	default:
		if !strings.EqualFold(q[:7], "REPLACE") {
			return false
		}
	}
	return !containsFold(q, "RETURNING") && !strings.Contains(q, ";")
}

// containsFold is a case-insensitive strings.Contains for an upper-case
// ASCII word.
func containsFold(s, upperWord string) bool {
	n := len(upperWord)
	for i := 0; i+n <= len(s); i++ {
		if s[i] == upperWord[0] || s[i] == upperWord[0]+('a'-'A') {
			if strings.EqualFold(s[i:i+n], upperWord) {
				return true
			}
		}
	}
	return false
}

func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cs := c.acquire(ctx, query)
	if cs == nil {
		return c.innerConn.QueryContext(ctx, query, args)
	}
	if err := checkArgs(cs, args); err != nil {
		c.release(cs)
		return nil, err
	}
	r, err := cs.stmt.QueryContext(ctx, args)
	if err != nil {
		c.release(cs)
		return nil, err
	}
	return &rows{Rows: r, conn: c, stmt: cs}, nil
}

func (c *conn) Ping(ctx context.Context) error {
	if p, ok := c.innerConn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *conn) ResetSession(ctx context.Context) error {
	if r, ok := c.innerConn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *conn) IsValid() bool {
	if v, ok := c.innerConn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
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
