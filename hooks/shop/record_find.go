package shop

import (
	"context"
	"database/sql"
	"sync"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// FindRecordById is app.FindRecordById(collection, id) for the reads every
// request makes (the signed-in user, the order paid, the address used):
// outside a transaction the row is read with a statement text made once
// per collection, straight through database/sql, and becomes a record as
// PocketBase's record queries make it ([RecordFromRow]); in a transaction
// it is [FindTxRecord]. It returns sql.ErrNoRows when no row matches.
//
// Why: PocketBase builds the query anew on every call (its select builder,
// then dbx's rewrite of the text with regular expressions) and scans the
// row through dbx; that was over a third of what such a read cost, and the
// reads of the signed-in user alone were about a tenth of the shop's CPU
// under load.
func FindRecordById(app core.App, collection, id string) (*core.Record, error) {
	if app.IsTransactional() {
		return FindTxRecord(app, collection, "id", id)
	}
	db, ok := app.ConcurrentDB().(*dbx.DB)
	if !ok {
		return app.FindRecordById(collection, id)
	}
	c, err := app.FindCachedCollectionByNameOrId(collection)
	if err != nil {
		return nil, err
	}
	rows, err := db.DB().QueryContext(context.Background(), selectByIdSQL(db, c.Name), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, sql.ErrNoRows
	}
	columns, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	values := make([]sql.NullString, len(columns))
	dest := make([]any, len(columns))
	for i := range values {
		dest[i] = &values[i]
	}
	if err := rows.Scan(dest...); err != nil {
		return nil, err
	}
	row := make(dbx.NullStringMap, len(columns))
	for i, name := range columns {
		row[name] = values[i]
	}
	return RecordFromRow(c, row)
}

// selectByIdTexts holds the statement text of [FindRecordById] per
// collection name.
var selectByIdTexts sync.Map

func selectByIdSQL(db *dbx.DB, collection string) string {
	if s, ok := selectByIdTexts.Load(collection); ok {
		return s.(string)
	}
	s := "SELECT * FROM " + db.QuoteTableName(collection) + " WHERE " + db.QuoteColumnName("id") + " = ? LIMIT 1"
	selectByIdTexts.Store(collection, s)
	return s
}

// FindTxRecord is txApp.FindFirstRecordByData(collection, column, value)
// for the shop's one writer: the statement is built once ([TxQuery]) and
// the row becomes a record as PocketBase's record queries make it
// ([RecordFromRow]). It returns sql.ErrNoRows when no row matches.
//
// Why: a payment reads its order this way in the writer, and building the
// query through PocketBase's query builder (and dbx's rewrite of its text)
// for every payment was most of what the read cost.
func FindTxRecord(txApp core.App, collection, column string, value any) (*core.Record, error) {
	c, err := txApp.FindCachedCollectionByNameOrId(collection)
	if err != nil {
		return nil, err
	}
	var row dbx.NullStringMap
	err = TxQuery(txApp, "SELECT * FROM {{"+c.Name+"}} WHERE [["+column+"]] = {:v} LIMIT 1").
		Bind(dbx.Params{"v": value}).One(&row)
	if err != nil {
		return nil, err
	}
	if row == nil {
		return nil, sql.ErrNoRows
	}
	return RecordFromRow(c, row)
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
