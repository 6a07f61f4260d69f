package sqlitedb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"time"
)

// Execer is what [QueryTx] needs of a transaction: *sql.Tx has it.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// connRequestText is the statement text with which [QueryTx] asks the
// connection of a transaction for itself. Sent to a connection that is not
// of this package, it runs as an empty statement (a comment) and does
// nothing.
const connRequestText = "-- sqlitedb: the connection of this transaction"

type connRequestKey struct{}

// connRequest is filled by conn.ExecContext with the connection itself.
type connRequest struct{ conn *conn }

// QueryTx runs query with args on the connection of tx, a transaction on
// a pool opened by [Connect], and returns its rows read straight from the
// connection; it returns nil rows and a nil error when tx is not on such a
// pool (the caller then queries tx itself). The caller closes the rows
// before tx runs anything else and before it ends, and uses tx from one
// goroutine (database/sql's lock on the connection is not taken).
//
// Why: database/sql starts a goroutine for every query it runs in a
// transaction (to close the rows if the transaction's context ends), and
// the shop's one writer runs dozens of queries per payment: starting those
// goroutines alone was about a twentieth of the writer's Go time in a
// profile (16 buyers, three levels of uplines), on the path every write
// waits for, and each one wakes again when its rows close.
func QueryTx(tx Execer, query string, args ...any) (*Rows, error) {
	c, named, err := txConn(tx, args)
	if c == nil || err != nil {
		return nil, err
	}
	r, err := c.QueryContext(context.Background(), query, named)
	if err != nil {
		return nil, err
	}
	cols := r.Columns()
	return &Rows{rows: r, cols: cols, vals: make([]driver.Value, len(cols))}, nil
}

// namedArgs converts args as database/sql converts the arguments of a
// connection without a NamedValueChecker (this package's has none).
func namedArgs(args []any) ([]driver.NamedValue, error) {
	named := make([]driver.NamedValue, len(args))
	for i, a := range args {
		v, err := driver.DefaultParameterConverter.ConvertValue(a)
		if err != nil {
			return nil, fmt.Errorf("sqlitedb: argument %d: %w", i+1, err)
		}
		named[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return named, nil
}

// Rows are the rows of [QueryTx], read as *sql.Rows reads them: Next
// moves to the next row, Scan converts its columns into the destinations
// as database/sql does (the same conversions, the same refusals).
type Rows struct {
	rows   driver.Rows
	cols   []string
	vals   []driver.Value
	err    error
	closed bool
}

// Columns returns the names of the columns.
func (r *Rows) Columns() ([]string, error) { return r.cols, nil }

// Next reads the next row and reports whether there was one; at the end
// or on an error it closes the rows (Err tells which).
func (r *Rows) Next() bool {
	if r.closed {
		return false
	}
	if err := r.rows.Next(r.vals); err != nil {
		if !errors.Is(err, io.EOF) {
			r.err = err
		}
		_ = r.Close()
		return false
	}
	return true
}

// Scan copies the current row's columns into dest, one pointer per column.
func (r *Rows) Scan(dest ...any) error {
	if r.closed {
		return errors.New("sqlitedb: Scan on closed rows")
	}
	if len(dest) != len(r.vals) {
		return fmt.Errorf("sqlitedb: %d destinations for %d columns", len(dest), len(r.vals))
	}
	for i, d := range dest {
		if err := assign(d, r.vals[i]); err != nil {
			return fmt.Errorf("sqlitedb: scanning column %d (%q): %w", i, r.cols[i], err)
		}
	}
	return nil
}

// Err is the error that ended Next early, if any.
func (r *Rows) Err() error { return r.err }

// Close frees the statement for the connection's next query; safe to call
// twice.
func (r *Rows) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	return r.rows.Close()
}

// assign stores v into dest with database/sql's conversions: a
// sql.Scanner scans it, the other destinations go through sql.Null's Scan,
// which converts as Rows.Scan does. NULL into a plain destination is
// refused, as Rows.Scan refuses it.
func assign(dest any, v driver.Value) error {
	switch d := dest.(type) {
	case sql.Scanner:
		return d.Scan(v)
	case *string:
		return assignTo(d, v)
	case *int64:
		return assignTo(d, v)
	case *int:
		return assignTo(d, v)
	case *int32:
		return assignTo(d, v)
	case *float64:
		return assignTo(d, v)
	case *bool:
		return assignTo(d, v)
	case *[]byte:
		// note: a copy, as Rows.Scan makes (a nil for NULL)
		if v == nil {
			*d = nil
			return nil
		}
		return assignTo(d, v)
	case *time.Time:
		return assignTo(d, v)
	case *any:
		if b, ok := v.([]byte); ok {
			v = append([]byte(nil), b...)
		}
		*d = v
		return nil
	}
	return fmt.Errorf("unsupported destination %T", dest)
}

func assignTo[T any](d *T, v driver.Value) error {
	if v == nil {
		return fmt.Errorf("converting NULL to %T is unsupported", *d)
	}
	var n sql.Null[T]
	if err := n.Scan(v); err != nil {
		return err
	}
	*d = n.V
	return nil
}

// ExecTx runs query with args on the connection of tx as [QueryTx] does,
// and returns its result; it returns a nil result and a nil error when tx
// is not on a pool opened by [Connect] (the caller then runs it on tx
// itself). The arguments are converted as database/sql converts them.
//
// Why: the shop's writer inserts several rows per order; through
// database/sql each statement's arguments are checked twice over and its
// connection locked, on the path every checkout and payment waits for.
func ExecTx(tx Execer, query string, args ...any) (sql.Result, error) {
	c, named, err := txConn(tx, args)
	if c == nil || err != nil {
		return nil, err
	}
	return c.ExecContext(context.Background(), query, named)
}

// txConn asks tx for its connection (nil when tx is not on a pool of
// [Connect]) and converts args for it.
func txConn(tx Execer, args []any) (*conn, []driver.NamedValue, error) {
	req := &connRequest{}
	if _, err := tx.ExecContext(context.WithValue(context.Background(), connRequestKey{}, req), connRequestText); err != nil {
		return nil, nil, err
	}
	if req.conn == nil {
		return nil, nil, nil
	}
	named, err := namedArgs(args)
	if err != nil {
		return nil, nil, err
	}
	return req.conn, named, nil
}
