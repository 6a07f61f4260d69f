package shop

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/sqlitedb"
)

// FindRecordById is app.FindRecordById(collection, id) for the reads every
// request makes (the signed-in user, the order paid, the address used):
// see [FindRecord]. It returns sql.ErrNoRows when no row matches.
func FindRecordById(app core.App, collection, id string) (*core.Record, error) {
	return FindRecord(app, collection, "`id` = ?", id)
}

// FindRecord is [FindRecords] for the first row that matches, or
// sql.ErrNoRows when none does.
func FindRecord(app core.App, collection, where string, args ...any) (*core.Record, error) {
	list, err := findRecords(app, collection, where, " LIMIT 1", args)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, sql.ErrNoRows
	}
	return list[0], nil
}

// FindRecords returns the records of collection whose rows match where,
// in the order SQLite reads them, as app.RecordQuery(collection) with that
// condition would, in app's transaction if it has one. where is SQLite's
// own SQL, with a ? for each of args and keywords quoted ("`order` = ?"),
// and may end with ORDER BY and LIMIT.
//
// Why: PocketBase's record queries build the statement anew on every call
// (its select builder, then dbx's rewrite of the text with regular
// expressions) and scan through dbx; for the hot reads of a request (the
// signed-in user, above all) that was over a third of their cost. Here
// the text is plain, so the connection finds its prepared statement by it
// at once (package sqlitedb), and each row becomes a record as PocketBase
// makes it ([RecordFromRow]).
func FindRecords(app core.App, collection, where string, args ...any) ([]*core.Record, error) {
	return findRecords(app, collection, where, "", args)
}

func findRecords(app core.App, collection, where, limit string, args []any) ([]*core.Record, error) {
	c, err := app.FindCachedCollectionByNameOrId(collection)
	if err != nil {
		return nil, err
	}
	rows, err := Query(app, "SELECT * FROM `"+c.Name+"` WHERE "+where+limit, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	columns, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	values := make([]sql.NullString, len(columns))
	dest := make([]any, len(columns))
	for i := range values {
		dest[i] = &values[i]
	}
	var list []*core.Record
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		row := make(dbx.NullStringMap, len(columns))
		for i, name := range columns {
			row[name] = values[i]
		}
		r, err := RecordFromRow(c, row)
		if err != nil {
			return nil, err
		}
		list = append(list, r)
	}
	return list, rows.Err()
}

// ScanRows runs query as [Query] does and calls each with a scan of every
// row in turn, stopping at the first error.
func ScanRows(app core.App, each func(scan func(dest ...any) error) error, query string, args ...any) error {
	rows, err := Query(app, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Placeholders returns n placeholders for an IN list of [Query] ("?, ?, ?"),
// or NULL when n is 0, which matches nothing.
func Placeholders(n int) string {
	if n <= 0 {
		return "NULL"
	}
	return "?" + strings.Repeat(", ?", n-1)
}

// ScanRow runs query as [Query] does and scans its first row into dest,
// or returns sql.ErrNoRows when there is none. An UPDATE ... RETURNING
// does all its changes before its first row comes back (SQLite runs
// the whole statement at its first step), so reading one row is enough.
func ScanRow(app core.App, query string, args []any, dest ...any) error {
	rows, err := Query(app, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	return rows.Scan(dest...)
}

// Rows are the rows [Query] returns: *sql.Rows, or in a transaction of
// the data database rows read straight from its connection
// ([sqlitedb.QueryTx]), which scan as *sql.Rows do.
type Rows interface {
	Columns() ([]string, error)
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
}

// Query runs query, SQLite's own SQL with a ? for each of args, on app's
// data database: in its open transaction, or on the pool of read
// connections. The caller closes the rows, and in a transaction closes
// them before it runs anything else.
//
// Why: for the hot reads of a request, dbx's rewrite of the text (two
// regular expressions over it) and its reflective scan cost as much as
// SQLite's own work; a plain text finds its prepared statement at once
// (package sqlitedb) and the caller scans what it knows. In a transaction
// the rows come straight from the connection, without the goroutine
// database/sql starts for every query in one (see [sqlitedb.QueryTx]).
func Query(app core.App, query string, args ...any) (Rows, error) {
	if tx, ok := app.NonconcurrentDB().(*dbx.Tx); ok {
		if b, ok := tx.Builder.(interface{ Executor() dbx.Executor }); ok {
			ex := b.Executor()
			rows, err := sqlitedb.QueryTx(ex, query, args...)
			if err != nil {
				return nil, err
			}
			if rows != nil {
				return rows, nil
			}
			return ex.QueryContext(context.Background(), query, args...)
		}
	}
	// note: outside a transaction of the data database (an auxiliary one
	// included) its pool of read connections serves
	if db, ok := app.ConcurrentDB().(*dbx.DB); ok {
		return db.DB().QueryContext(context.Background(), query, args...)
	}
	return nil, errors.New("shop: the data database is not a dbx.DB")
}

// Exec runs query, SQLite's own SQL with a ? for each of args, on app's
// data database: in its open transaction straight on its connection
// ([sqlitedb.ExecTx]), or outside one on the write connection.
func Exec(app core.App, query string, args ...any) (sql.Result, error) {
	if tx, ok := app.NonconcurrentDB().(*dbx.Tx); ok {
		if b, ok := tx.Builder.(interface{ Executor() dbx.Executor }); ok {
			ex := b.Executor()
			res, err := sqlitedb.ExecTx(ex, query, args...)
			if err != nil || res != nil {
				return res, err
			}
			return ex.ExecContext(context.Background(), query, args...)
		}
	}
	if db, ok := app.NonconcurrentDB().(*dbx.DB); ok {
		return db.DB().ExecContext(context.Background(), query, args...)
	}
	return nil, errors.New("shop: the data database is not a dbx.DB")
}

// FindTxRecord is txApp.FindFirstRecordByData(collection, column, value)
// through [FindRecord], for the shop's one writer (a payment reads its
// order this way). It returns sql.ErrNoRows when no row matches.
func FindTxRecord(txApp core.App, collection, column string, value any) (*core.Record, error) {
	return FindRecord(txApp, collection, "`"+column+"` = ?", value)
}

// RecordFromRow makes a record of collection c from a row read with
// SELECT *, as PocketBase's record queries do: every field prepares its
// column's value (nil for NULL or a missing column), then the record is
// marked as loaded from the database. Its autodate fields know their
// loaded values, so that saving it does not copy it (see [NewRecord]).
func RecordFromRow(c *core.Collection, row dbx.NullStringMap) (*core.Record, error) {
	r := core.NewRecord(c)
	for _, f := range c.Fields {
		var raw any
		if v, ok := row[f.GetName()]; ok && v.Valid {
			raw = v.String
		}
		value, err := f.PrepareValue(r, raw)
		if err != nil {
			return nil, err
		}
		r.SetRaw(f.GetName(), value)
	}
	if err := r.PostScan(); err != nil {
		return nil, err
	}
	primeLoadedAutodates(r)
	return r, nil
}
