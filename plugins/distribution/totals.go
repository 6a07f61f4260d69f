package distribution

import (
	"strconv"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
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
// user's running total: a few in one statement, many through one prepared
// statement.
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
	// note: one prepared single-row upsert run per bucket: a settlement
	// batch's thousands of buckets were measured slower through one
	// INSERT … SELECT over json_each (parsing and extracting every field)
	q := txApp.DB().NewQuery(totalsUpsertSQL("({:i}, {:u}, {:p}, {:f}, {:s}, {:c}, {:v})")).Prepare()
	defer q.Close()
	params := dbx.Params{}
	for _, it := range items {
		params["i"] = shop.NewId()
		params["u"], params["p"] = it.U, it.P
		params["f"], params["s"], params["c"], params["v"] = it.F, it.S, it.C, it.V
		if _, err := q.Bind(params).Execute(); err != nil {
			return wrap("update commission totals", err)
		}
	}
	return nil
}

// totalsUpsertSQL is the upsert of commission_totals rows given as VALUES.
func totalsUpsertSQL(values string) string {
	return "INSERT INTO {{commission_totals}} ([[id]], [[user]], [[period]], [[frozen]], [[settled]], [[cancelled]], [[sales]]) VALUES " +
		values + ` ON CONFLICT ([[user]], [[period]]) DO UPDATE SET
			[[frozen]] = [[frozen]] + excluded.[[frozen]],
			[[settled]] = [[settled]] + excluded.[[settled]],
			[[cancelled]] = [[cancelled]] + excluded.[[cancelled]],
			[[sales]] = [[sales]] + excluded.[[sales]]`
}

// totalsItem is one bucket change as addTotalsBulk writes it.
type totalsItem struct {
	U, P       string
	F, S, C, V int64
}

// smallTotalsBatch is the most bucket changes written as one multi-row
// VALUES upsert (a payment's few beneficiaries, a statement kept prepared)
// rather than one execution each of a single-row upsert prepared for the
// call (a settlement batch's thousands).
const smallTotalsBatch = 16

// addTotalsValues upserts the few bucket changes in one INSERT … VALUES.
func addTotalsValues(txApp core.App, items []totalsItem) error {
	var b strings.Builder
	params := make(dbx.Params, len(items)*7)
	for i, it := range items {
		if i > 0 {
			b.WriteString(", ")
		}
		n := strconv.Itoa(i)
		b.WriteString("({:i" + n + "}, {:u" + n + "}, {:p" + n + "}, {:f" + n + "}, {:s" + n + "}, {:c" + n + "}, {:v" + n + "})")
		params["i"+n] = shop.NewId()
		params["u"+n] = it.U
		params["p"+n] = it.P
		params["f"+n] = it.F
		params["s"+n] = it.S
		params["c"+n] = it.C
		params["v"+n] = it.V
	}
	_, err := shop.TxQuery(txApp, totalsUpsertSQL(b.String())).Bind(params).Execute()
	return wrap("update commission totals", err)
}
