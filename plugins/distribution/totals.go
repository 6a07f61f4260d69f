package distribution

import (
	"encoding/json"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// periodAll is the commission_totals period of a user's running total.
const periodAll = "all"

// totalsDelta is a change to a user's earning buckets, in fen.
type totalsDelta struct {
	frozen, settled, cancelled, sales int64
}

func (d totalsDelta) zero() bool {
	return d == totalsDelta{}
}

// addTotals adds d to the user's bucket of the given day and running total.
func addTotals(txApp core.App, userId, day string, d totalsDelta) error {
	if d.zero() {
		return nil
	}
	return addTotalsBulk(txApp, []totalsRow{{User: userId, Period: day, totalsDelta: d}})
}

// totalsRow is one bucket change of addTotalsBulk.
type totalsRow struct {
	User   string
	Period string
	totalsDelta
}

// addTotalsBulk applies the bucket changes, each to its day and to the
// user's running total, in one statement.
func addTotalsBulk(txApp core.App, rows []totalsRow) error {
	if len(rows) == 0 {
		return nil
	}
	type item struct {
		U string `json:"u"`
		P string `json:"p"`
		F int64  `json:"f"`
		S int64  `json:"s"`
		C int64  `json:"c"`
		V int64  `json:"v"`
	}
	all := map[string]*item{}
	items := make([]item, 0, len(rows)*2)
	for _, r := range rows {
		if r.zero() {
			continue
		}
		items = append(items, item{U: r.User, P: r.Period, F: r.frozen, S: r.settled, C: r.cancelled, V: r.sales})
		a := all[r.User]
		if a == nil {
			a = &item{U: r.User, P: periodAll}
			all[r.User] = a
		}
		a.F += r.frozen
		a.S += r.settled
		a.C += r.cancelled
		a.V += r.sales
	}
	for _, a := range all {
		items = append(items, *a)
	}
	if len(items) == 0 {
		return nil
	}
	raw, err := json.Marshal(items)
	if err != nil {
		return err
	}
	// note: one INSERT … SELECT over json_each, so a settlement batch with
	// thousands of buckets is a single statement
	_, err = txApp.DB().NewQuery(`
		INSERT INTO {{commission_totals}} ([[id]], [[user]], [[period]], [[frozen]], [[settled]], [[cancelled]], [[sales]])
		SELECT substr(lower(hex(randomblob(8))), 1, 15),
			json_extract(value, '$.u'), json_extract(value, '$.p'),
			json_extract(value, '$.f'), json_extract(value, '$.s'), json_extract(value, '$.c'), json_extract(value, '$.v')
		FROM json_each({:items}) WHERE true
		ON CONFLICT ([[user]], [[period]]) DO UPDATE SET
			[[frozen]] = [[frozen]] + excluded.[[frozen]],
			[[settled]] = [[settled]] + excluded.[[settled]],
			[[cancelled]] = [[cancelled]] + excluded.[[cancelled]],
			[[sales]] = [[sales]] + excluded.[[sales]]`,
	).Bind(dbx.Params{"items": string(raw)}).Execute()
	return wrap("update commission totals", err)
}
