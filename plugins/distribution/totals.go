package distribution

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/internal/stmtcache"
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
	type bucket struct{ user, period string }
	all := map[string]*totalsItem{}
	days := make(map[bucket]int, len(rows))
	items := make([]totalsItem, 0, len(rows)*2)
	for _, r := range rows {
		if r.zero() {
			continue
		}
		// one item per bucket: a bucket changed twice is changed by the sum
		if i, ok := days[bucket{r.User, r.Period}]; ok {
			items[i].F += r.frozen
			items[i].S += r.settled
			items[i].C += r.cancelled
			items[i].V += r.sales
		} else {
			days[bucket{r.User, r.Period}] = len(items)
			items = append(items, totalsItem{U: r.User, P: r.Period, F: r.frozen, S: r.settled, C: r.cancelled, V: r.sales})
		}
		a := all[r.User]
		if a == nil {
			a = &totalsItem{U: r.User, P: periodAll}
			all[r.User] = a
		}
		a.F += r.frozen
		a.S += r.settled
		a.C += r.cancelled
		a.V += r.sales
	}
	for _, r := range rows {
		// in first-seen order, so that the statement is the same for the same input
		if a := all[r.User]; a != nil {
			items = append(items, *a)
			delete(all, r.User)
		}
	}
	if len(items) == 0 {
		return nil
	}
	if len(items) <= smallTotalsBatch {
		return addTotalsValues(txApp, items)
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

// totalsItem is one bucket change as addTotalsBulk writes it.
type totalsItem struct {
	U string `json:"u"`
	P string `json:"p"`
	F int64  `json:"f"`
	S int64  `json:"s"`
	C int64  `json:"c"`
	V int64  `json:"v"`
}

// smallTotalsBatch is the most bucket changes written as one multi-row
// VALUES upsert (a payment's few beneficiaries) rather than over json_each
// (a settlement batch): no JSON to build, parse and extract for a handful.
const smallTotalsBatch = 16

// addTotalsValues upserts the few bucket changes in one INSERT … VALUES.
func addTotalsValues(txApp core.App, items []totalsItem) error {
	var b strings.Builder
	b.WriteString("INSERT INTO {{commission_totals}} ([[id]], [[user]], [[period]], [[frozen]], [[settled]], [[cancelled]], [[sales]]) VALUES ")
	params := make(dbx.Params, len(items)*7)
	for i, it := range items {
		if i > 0 {
			b.WriteString(", ")
		}
		n := strconv.Itoa(i)
		b.WriteString("({:i" + n + "}, {:u" + n + "}, {:p" + n + "}, {:f" + n + "}, {:s" + n + "}, {:c" + n + "}, {:v" + n + "})")
		params["i"+n] = core.GenerateDefaultRandomId()
		params["u"+n] = it.U
		params["p"+n] = it.P
		params["f"+n] = it.F
		params["s"+n] = it.S
		params["c"+n] = it.C
		params["v"+n] = it.V
	}
	b.WriteString(` ON CONFLICT ([[user]], [[period]]) DO UPDATE SET
			[[frozen]] = [[frozen]] + excluded.[[frozen]],
			[[settled]] = [[settled]] + excluded.[[settled]],
			[[cancelled]] = [[cancelled]] + excluded.[[cancelled]],
			[[sales]] = [[sales]] + excluded.[[sales]]`)
	_, err := stmtcache.Query(txApp, b.String()).Bind(params).Execute()
	return wrap("update commission totals", err)
}
