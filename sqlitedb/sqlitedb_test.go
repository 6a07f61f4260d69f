package sqlitedb

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
)

func open(t *testing.T) *dbx.DB {
	t.Helper()
	db, err := Connect(filepath.Join(t.TempDir(), "data.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	// one connection, so every statement below meets the same cache
	db.DB().SetMaxOpenConns(1)
	if _, err := db.NewQuery("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, n INTEGER)").Execute(); err != nil {
		t.Fatal(err)
	}
	return db
}

// twoPools opens two pools on one new database, as PocketBase opens its
// readers and its writer, with a table t holding the row (id 1, n 0).
func twoPools(t *testing.T) (first, second *dbx.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data.db")
	for _, db := range []**dbx.DB{&first, &second} {
		opened, err := Connect(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = opened.Close() })
		*db = opened
	}
	if _, err := first.NewQuery("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER)").Execute(); err != nil {
		t.Fatal(err)
	}
	if _, err := first.NewQuery("INSERT INTO t (id, n) VALUES (1, 0)").Execute(); err != nil {
		t.Fatal(err)
	}
	return first, second
}

// cached returns the statements cached on the pool's one connection.
func cached(t *testing.T, db *dbx.DB) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	c, err := db.DB().Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Raw(func(dc any) error {
		cc := dc.(*conn)
		cc.mu.Lock()
		defer cc.mu.Unlock()
		if len(cc.stmts) != cc.lru.Len() {
			t.Errorf("cache map has %d statements, LRU list %d", len(cc.stmts), cc.lru.Len())
		}
		for q, cs := range cc.stmts {
			if cs.busy {
				t.Errorf("statement %q still busy with no rows open", q)
			}
			out[q] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestStatementsAreReusedWithFreshArguments(t *testing.T) {
	db := open(t)
	insert := "INSERT INTO t (name, n) VALUES ({:name}, {:n})"
	for i := range 5 {
		if _, err := db.NewQuery(insert).Bind(dbx.Params{"name": fmt.Sprint("n", i), "n": i}).Execute(); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 5 {
		var n int
		err := db.NewQuery("SELECT n FROM t WHERE name = {:name}").Bind(dbx.Params{"name": fmt.Sprint("n", i)}).Row(&n)
		if err != nil || n != i {
			t.Fatalf("row %d: got %d, %v", i, n, err)
		}
	}
	// a query that finds nothing leaves its statement ready for the next
	var n int
	err := db.NewQuery("SELECT n FROM t WHERE name = {:name}").Bind(dbx.Params{"name": "none"}).Row(&n)
	if err != sql.ErrNoRows {
		t.Fatalf("missing row: %v", err)
	}
	if err := db.NewQuery("SELECT n FROM t WHERE name = {:name}").Bind(dbx.Params{"name": "n3"}).Row(&n); err != nil || n != 3 {
		t.Fatalf("after an empty result: %d, %v", n, err)
	}

	c := cached(t, db)
	want := 2 // the SELECT and the INSERT (a plain write); with cacheExec the CREATE too
	if cacheExec {
		want = 3
	}
	if len(c) != want {
		t.Fatalf("cached %d statements, want %d: %v", len(c), want, c)
	}
}

// TestReturningRunAsExecCommits: an UPDATE … RETURNING run as Exec outside
// a transaction is committed (seen from another connection) every time,
// also once its statement could be cached.
func TestReturningRunAsExecCommits(t *testing.T) {
	writer, reader := twoPools(t)
	writer.DB().SetMaxOpenConns(1)
	for want := 1; want <= 3; want++ {
		if _, err := writer.NewQuery("UPDATE t SET n = n + 1 WHERE id = 1 RETURNING n").Execute(); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := reader.NewQuery("SELECT n FROM t WHERE id = 1").Row(&n); err != nil || n != want {
			t.Fatalf("after update %d the reader sees %d (%v)", want, n, err)
		}
	}
}

func TestFailedStatementStaysUsable(t *testing.T) {
	db := open(t)
	insert := "INSERT INTO t (name, n) VALUES ({:name}, 1)"
	if _, err := db.NewQuery(insert).Bind(dbx.Params{"name": "a"}).Execute(); err != nil {
		t.Fatal(err)
	}
	if _, err := db.NewQuery(insert).Bind(dbx.Params{"name": "a"}).Execute(); err == nil {
		t.Fatal("duplicate name inserted")
	}
	if _, err := db.NewQuery(insert).Bind(dbx.Params{"name": "b"}).Execute(); err != nil {
		t.Fatalf("insert after a constraint failure: %v", err)
	}
	var count int
	if err := db.NewQuery("SELECT COUNT(*) FROM t").Row(&count); err != nil || count != 2 {
		t.Fatalf("rows: %d, %v", count, err)
	}
}

func TestSameQueryWhileItsRowsAreOpen(t *testing.T) {
	db := open(t)
	for i := range 3 {
		if _, err := db.NewQuery("INSERT INTO t (name, n) VALUES ({:name}, {:n})").
			Bind(dbx.Params{"name": fmt.Sprint("n", i), "n": i}).Execute(); err != nil {
			t.Fatal(err)
		}
	}
	const q = "SELECT n FROM t WHERE n >= {:min} ORDER BY n"
	err := db.Transactional(func(tx *dbx.Tx) error {
		outer, err := tx.NewQuery(q).Bind(dbx.Params{"min": 0}).Rows()
		if err != nil {
			return err
		}
		defer outer.Close()
		seen := 0
		for outer.Next() {
			var n int
			if err := outer.Scan(&n); err != nil {
				return err
			}
			// the same text again while the outer rows are open: it must
			// not reset the outer statement under them
			var inner []int
			if err := tx.NewQuery(q).Bind(dbx.Params{"min": n}).Column(&inner); err != nil {
				return err
			}
			if len(inner) != 3-n {
				return fmt.Errorf("inner query from %d: %v", n, inner)
			}
			seen++
		}
		if seen != 3 {
			return fmt.Errorf("outer rows: %d", seen)
		}
		return outer.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	cached(t, db) // and nothing is left busy
}

func TestCacheIsBounded(t *testing.T) {
	db := open(t)
	for i := range MaxStatements + 20 {
		var n int
		if err := db.NewQuery(fmt.Sprintf("SELECT %d", i)).Row(&n); err != nil || n != i {
			t.Fatalf("select %d: %d, %v", i, n, err)
		}
	}
	c := cached(t, db)
	if len(c) != MaxStatements {
		t.Fatalf("cached %d statements, want %d", len(c), MaxStatements)
	}
	if !c[fmt.Sprintf("SELECT %d", MaxStatements+19)] || c["SELECT 0"] {
		t.Fatal("the least recently used statements should have gone first")
	}
}

func TestSchemaChangeSeenByCachedStatement(t *testing.T) {
	db := open(t)
	if _, err := db.NewQuery("INSERT INTO t (name, n) VALUES ('a', 1)").Execute(); err != nil {
		t.Fatal(err)
	}
	cols := func() []string {
		rows, err := db.NewQuery("SELECT * FROM t").Rows()
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		c, _ := rows.Columns()
		return c
	}
	if got := cols(); len(got) != 3 {
		t.Fatalf("columns before: %v", got)
	}
	if _, err := db.NewQuery("ALTER TABLE t ADD COLUMN extra TEXT DEFAULT 'x'").Execute(); err != nil {
		t.Fatal(err)
	}
	if got := cols(); len(got) != 4 || got[3] != "extra" {
		t.Fatalf("columns after ALTER TABLE: %v", got)
	}
}

// TestPlainWrite: only single INSERT/UPDATE/DELETE/REPLACE statements
// without RETURNING may keep their statement prepared after Exec.
func TestPlainWrite(t *testing.T) {
	cases := []struct {
		query string
		want  bool
	}{
		{"INSERT INTO t (a) VALUES (?)", true},
		{"  update t SET a = 1 WHERE id = ?", true},
		{"DELETE FROM t WHERE id = ?", true},
		{"REPLACE INTO t (a) VALUES (1)", true},
		{"UPDATE t SET a = a - 1 WHERE id = ? RETURNING a", false},
		{"update t set a = 1 returning *", false},
		{"SELECT a FROM t", false},
		{"CREATE TABLE t (a)", false},
		{"INSERT INTO t VALUES (1); DELETE FROM t", false},
		{"PRAGMA optimize", false},
		{"", false},
	}
	for _, c := range cases {
		if got := plainWrite(c.query); got != c.want {
			t.Errorf("plainWrite(%q) = %v, want %v", c.query, got, c.want)
		}
	}
}

// A transaction that has read and then writes must not fail because
// another connection holds the write lock at that moment: with a plain
// BEGIN, SQLite refuses that upgrade at once ("database is locked"),
// whatever the busy timeout. Here a second pool on the same file takes the
// lock between the first transaction's read and its write; both must
// commit, one after the other.
func TestWriteAfterReadWaitsForTheLock(t *testing.T) {
	first, second := twoPools(t)

	tx, err := first.Begin()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := tx.NewQuery("SELECT n FROM t WHERE id = 1").Row(&n); err != nil {
		t.Fatal(err)
	}

	other := make(chan error, 1)
	go func() {
		_, err := second.NewQuery("UPDATE t SET n = n + 10 WHERE id = 1").Execute()
		other <- err
	}()
	// give the other writer time to take the lock if it can
	time.Sleep(100 * time.Millisecond)

	if _, err := tx.NewQuery("UPDATE t SET n = {:n} WHERE id = 1").Bind(dbx.Params{"n": n + 1}).Execute(); err != nil {
		_ = tx.Rollback()
		t.Fatalf("the write after the read failed: %v", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatalf("commit: %v", err)
	}
	if err := <-other; err != nil {
		t.Fatalf("the other writer failed: %v", err)
	}
	if err := first.NewQuery("SELECT n FROM t WHERE id = 1").Row(&n); err != nil {
		t.Fatal(err)
	}
	if n != 11 {
		t.Fatalf("n = %d, want 11: both writes, one after the other", n)
	}
}

// Every connection, of either engine, gets the shop's page cache size
// rather than PocketBase's.
func TestConnectionsUseTheCacheSize(t *testing.T) {
	db := open(t)
	var kib int
	if err := db.NewQuery("PRAGMA cache_size").Row(&kib); err != nil {
		t.Fatal(err)
	}
	if kib != -CacheKiB {
		t.Fatalf("cache_size = %d, want %d (KiB)", kib, -CacheKiB)
	}
}
