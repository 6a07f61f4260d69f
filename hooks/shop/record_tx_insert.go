package shop

import (
	"errors"
	"maps"
	"slices"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// BindTxInserts makes a new record of the shop's own collections saved
// inside a transaction write its row through [TxQuery]: one INSERT per
// table and set of columns, built once. The row is the one
// PocketBase writes (the record's DBExport); the save keeps its
// validation, hooks, field interceptors (autodates, files) and realtime
// events, as only the statement's construction changes.
//
// Why: dbx builds every statement it runs by rewriting its text with two
// regular expressions over the whole of it, and an INSERT of an order
// (about thirty columns, each quoted and bound by name) is its longest.
// Inside [Shop.RunInTransaction] a batch of payments saves the same kinds
// of rows (orders, lines, payments, notifications) over and over; built
// once per batch, the statement costs the shop's one writer a map lookup.
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
	cols := slices.Sorted(maps.Keys(data))
	var b strings.Builder
	b.WriteString("INSERT INTO {{")
	b.WriteString(r.Collection().Name)
	b.WriteString("}} (")
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("[[" + c + "]]")
	}
	b.WriteString(") VALUES (")
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("{:" + c + "}")
	}
	b.WriteString(")")
	// note: every column of the statement is bound here, so nothing of an
	// earlier row of the batch is left in the shared query's parameters
	if _, err := TxQuery(txApp, b.String()).Bind(dbx.Params(data)).Execute(); err != nil {
		return err
	}
	r.MarkAsNotNew()
	return nil
}
