package shop

import (
	"database/sql"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

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
