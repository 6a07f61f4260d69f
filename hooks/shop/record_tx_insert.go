package shop

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// BindTxInserts makes a new record of the shop's own collections saved
// inside a transaction write its row through one INSERT per table, built
// once and run straight on the transaction's connection ([Exec]). The row
// is the one PocketBase writes (the record's DBExport); the save keeps its
// validation, hooks, field interceptors (autodates, files) and realtime
// events, as only the statement's construction changes.
//
// Why: dbx builds every statement it runs by rewriting its text with two
// regular expressions over the whole of it, and an INSERT of an order
// (about thirty columns, each quoted and bound by name) is its longest.
// Inside [Shop.RunInTransaction] a batch of payments saves the same kinds
// of rows (orders, lines, payments, notifications) over and over; kept per
// table, the statement costs the shop's one writer a map lookup and a
// look at each column.
//
// It runs after PocketBase's own execute handler (priority 99, which runs
// the field interceptors) and after a handler that writes the row itself
// (priority 100: the wallet's ledger entries, with their own statement);
// outside a transaction, and for system collections, the save writes as
// PocketBase does.
func BindTxInserts(app core.App) {
	app.OnRecordCreateExecute().Bind(&hook.Handler[*core.RecordEvent]{
		Id:       "fenxiaoTxInserts",
		Priority: 101,
		Func: func(e *core.RecordEvent) error {
			c := e.Record.Collection()
			if !e.App.IsTransactional() || c == nil || c.System || c.IsView() {
				return e.Next()
			}
			return txInsert(e.App, e.Record)
		},
	})
}

func txInsert(txApp core.App, r *core.Record) error {
	data, err := r.DBExport(txApp)
	if err != nil {
		return err
	}
	if _, ok := data[core.FieldNameId]; !ok {
		data[core.FieldNameId] = r.Id
	}
	if id, _ := data[core.FieldNameId].(string); id == "" {
		return errors.New("empty primary key is not allowed")
	}
	var st *insertStatement
	if s := Get(txApp); s != nil {
		st = s.inserts.get(r.Collection().Name, data)
	} else {
		st = newInsertStatement(r.Collection().Name, data)
	}
	args := make([]any, len(st.cols))
	for i, c := range st.cols {
		args[i] = data[c]
	}
	if _, err := Exec(txApp, st.sql, args...); err != nil {
		return err
	}
	r.MarkAsNotNew()
	return nil
}

// insertStatement is the INSERT of a row of one table: its columns, in the
// order of the statement's parameters, and its text.
type insertStatement struct {
	cols []string
	sql  string
}

func newInsertStatement(table string, data map[string]any) *insertStatement {
	cols := slices.Sorted(maps.Keys(data))
	var b strings.Builder
	b.WriteString("INSERT INTO " + quoteName(table) + " (")
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quoteName(c))
	}
	b.WriteString(") VALUES (" + Placeholders(len(cols)) + ")")
	return &insertStatement{cols: cols, sql: b.String()}
}

// quoteName quotes a table or column name for SQLite.
func quoteName(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// matches reports whether the statement writes exactly the columns of data.
func (st *insertStatement) matches(data map[string]any) bool {
	if len(st.cols) != len(data) {
		return false
	}
	for _, c := range st.cols {
		if _, ok := data[c]; !ok {
			return false
		}
	}
	return true
}

// insertStatements keeps one INSERT per table, built again when a row's
// columns differ from the kept one's (a field added to or removed from the
// collection).
//
// Why: building the statement (sorting the columns, writing the text) and
// binding it by name through dbx cost about as much as SQLite's own insert
// of the row, once for every order, line, payment, ledger entry and
// notification the writer saves.
type insertStatements struct {
	mu     sync.Mutex
	tables map[string]*insertStatement
}

func (t *insertStatements) get(table string, data map[string]any) *insertStatement {
	t.mu.Lock()
	defer t.mu.Unlock()
	if st := t.tables[table]; st != nil && st.matches(data) {
		return st
	}
	st := newInsertStatement(table, data)
	if t.tables == nil {
		t.tables = map[string]*insertStatement{}
	}
	t.tables[table] = st
	return st
}
