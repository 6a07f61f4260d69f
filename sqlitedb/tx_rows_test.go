package sqlitedb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"
	"time"
)

// QueryTx reads the transaction's own rows, and its Scan gives what
// database/sql's Rows.Scan gives for the same row and destinations, NULLs
// and refusals included; it starts no goroutine per query.
func TestQueryTxScansAsDatabaseSQL(t *testing.T) {
	db := open(t)
	if _, err := db.NewQuery("CREATE TABLE v (s TEXT, i INTEGER, f REAL, b BOOLEAN, raw BLOB, d DATETIME, nul TEXT)").Execute(); err != nil {
		t.Fatal(err)
	}
	tx, err := db.DB().Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	// uncommitted: only this transaction sees the row
	if _, err := tx.Exec("INSERT INTO v VALUES ('text', 42, 1.5, 1, x'00ff', '2026-12-06 05:00:00.123Z', NULL)"); err != nil {
		t.Fatal(err)
	}
	const query = "SELECT s, i, f, b, raw, d, nul, i, s, nul FROM v WHERE i = ?"

	type row struct {
		S       string
		I       int64
		F       float64
		B       bool
		Raw     []byte
		D       string
		Nul     sql.NullString
		IAsText string
		Any     any
		NulAny  any
	}
	scanWith := func(scan func(...any) error) (row, error) {
		var r row
		err := scan(&r.S, &r.I, &r.F, &r.B, &r.Raw, &r.D, &r.Nul, &r.IAsText, &r.Any, &r.NulAny)
		return r, err
	}

	want := func() row {
		rows, err := tx.Query(query, 42)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		if !rows.Next() {
			t.Fatalf("database/sql found no row: %v", rows.Err())
		}
		r, err := scanWith(rows.Scan)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}()

	rows, err := QueryTx(tx, query, 42)
	if err != nil || rows == nil {
		t.Fatalf("QueryTx: %v, %v", rows, err)
	}
	if cols, _ := rows.Columns(); len(cols) != 10 || cols[0] != "s" || cols[6] != "nul" {
		t.Errorf("columns %v", cols)
	}
	if !rows.Next() {
		t.Fatalf("QueryTx found no row: %v", rows.Err())
	}
	got, err := scanWith(rows.Scan)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("QueryTx scanned %#v, database/sql %#v", got, want)
	}
	if want.S != "text" || want.I != 42 || !want.B || want.Nul.Valid || want.IAsText != "42" {
		t.Errorf("the reference row is not what was inserted: %#v", want)
	}
	// a NULL into a string is refused, as database/sql refuses it
	var s string
	if err := rows.Scan(&s, &s, &s, &s, &s, &s, &s, &s, &s, &s); err == nil {
		t.Error("a NULL into a string was accepted")
	}
	if rows.Next() {
		t.Error("a second row")
	}
	if rows.Err() != nil {
		t.Error(rows.Err())
	}
	_ = rows.Close()

	// no goroutine per query: a thousand queries leave the count where it was
	before := runtime.NumGoroutine()
	peak := before
	for range 1000 {
		rows, err := QueryTx(tx, "SELECT i FROM v WHERE i = ?", 42)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
		}
		peak = max(peak, runtime.NumGoroutine())
		_ = rows.Close()
	}
	if peak > before {
		t.Errorf("goroutines went from %d to %d over the queries", before, peak)
	}

	// a bad statement reports its error and leaves the transaction usable
	if _, err := QueryTx(tx, "SELECT nosuchcolumn FROM v"); err == nil {
		t.Error("a bad query gave no error")
	}
	var n int
	if err := tx.QueryRow("SELECT count(*) FROM v").Scan(&n); err != nil || n != 1 {
		t.Errorf("after the bad query: %d rows, %v", n, err)
	}
}

// A transaction on a pool that is not of Connect (the engine's own
// driver here) gets nil rows and no error: the request runs there as an
// empty statement.
func TestQueryTxElsewhere(t *testing.T) {
	drv, dsn, err := engine(filepath.Join(t.TempDir(), "data.db"))
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(plainConnector{drv, dsn})
	defer db.Close()
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	rows, err := QueryTx(tx, "SELECT 1")
	if rows != nil || err != nil {
		t.Errorf("got %v, %v", rows, err)
	}
}

type plainConnector struct {
	drv driver.Driver
	dsn string
}

func (c plainConnector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c plainConnector) Driver() driver.Driver                        { return c.drv }

// ExecTx writes in the transaction what database/sql's Exec writes for the
// same arguments (a driver.Valuer, a time, a NULL, a bool), reports the
// rows it changed and the database's refusal, and on a foreign pool does
// nothing and returns no result.
func TestExecTxWritesAsDatabaseSQL(t *testing.T) {
	db := open(t)
	if _, err := db.NewQuery("CREATE TABLE w (k TEXT PRIMARY KEY, i INTEGER, b BOOLEAN, d DATETIME, v TEXT, nul TEXT)").Execute(); err != nil {
		t.Fatal(err)
	}
	tx, err := db.DB().Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	const insert = "INSERT INTO w (k, i, b, d, v, nul) VALUES (?, ?, ?, ?, ?, ?)"
	at := time.Date(2026, 12, 7, 4, 0, 0, 0, time.UTC)
	args := func(k string) []any { return []any{k, 42, true, at, valuer("from Value"), nil} }
	if _, err := tx.Exec(insert, args("sql")...); err != nil {
		t.Fatal(err)
	}
	res, err := ExecTx(tx, insert, args("tx")...)
	if err != nil || res == nil {
		t.Fatalf("ExecTx: %v, %v", res, err)
	}
	if n, err := res.RowsAffected(); n != 1 || err != nil {
		t.Errorf("rows affected %d, %v", n, err)
	}
	rowOf := func(k string) string {
		var s string
		if err := tx.QueryRow("SELECT quote(i) || quote(b) || quote(d) || quote(v) || quote(nul) FROM w WHERE k = ?", k).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	if a, b := rowOf("sql"), rowOf("tx"); a != b {
		t.Errorf("database/sql wrote %s, ExecTx %s", a, b)
	}
	if res, err := ExecTx(tx, "UPDATE w SET i = i + 1 WHERE i = ?", 42); err != nil {
		t.Fatal(err)
	} else if n, _ := res.RowsAffected(); n != 2 {
		t.Errorf("update changed %d rows, want 2", n)
	}
	if _, err := ExecTx(tx, insert, args("tx")...); err == nil {
		t.Error("a duplicate key was accepted")
	}
	if _, err := ExecTx(tx, insert, "short"); err == nil {
		t.Error("too few arguments were accepted")
	}
	if _, err := ExecTx(tx, insert, "x", 1, true, at, make(chan int), nil); err == nil {
		t.Error("an argument SQLite cannot take was accepted")
	}

	drv, dsn, err := engine(filepath.Join(t.TempDir(), "data.db"))
	if err != nil {
		t.Fatal(err)
	}
	plain := sql.OpenDB(plainConnector{drv, dsn})
	defer plain.Close()
	ptx, err := plain.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer ptx.Rollback()
	if res, err := ExecTx(ptx, "CREATE TABLE never (x)"); res != nil || err != nil {
		t.Errorf("on a foreign pool: %v, %v", res, err)
	}
	var n int
	if err := ptx.QueryRow("SELECT count(*) FROM sqlite_master WHERE name = 'never'").Scan(&n); err != nil || n != 0 {
		t.Errorf("on a foreign pool the statement ran: %d, %v", n, err)
	}
}

type valuer string

func (v valuer) Value() (driver.Value, error) { return string(v), nil }

// A statement kept prepared refuses too few arguments on both engines, as
// database/sql refuses them for a prepared statement, and writes nothing:
// left alone the C engine bound NULL to the missing one.
func TestKeptStatementsCountArguments(t *testing.T) {
	db := open(t)
	if _, err := db.NewQuery("CREATE TABLE w (k TEXT, i INTEGER)").Execute(); err != nil {
		t.Fatal(err)
	}
	const insert = "INSERT INTO w (k, i) VALUES (?, ?)"
	for round := range 2 { // the second finds the statement kept
		if _, err := db.DB().Exec(insert, "few"); err == nil {
			t.Errorf("round %d: one argument for two parameters was accepted", round)
		}
		if rows, err := db.DB().Query("SELECT k FROM w WHERE i = ? AND k = ?", 1); err == nil {
			rows.Close()
			t.Errorf("round %d: a query took one argument for two parameters", round)
		}
		if _, err := db.DB().Exec(insert, "ok", round); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	if err := db.DB().QueryRow("SELECT count(*) FROM w WHERE k != 'ok'").Scan(&n); err != nil || n != 0 {
		t.Errorf("%d refused rows written, %v", n, err)
	}
}
