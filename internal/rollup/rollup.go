// Package rollup keeps the console's report figures per Asia/Shanghai day
// (report_days) and the orders per status and payment method
// (report_counts), so that the summary and the daily series read a few
// hundred rows instead of every order of the range.
//
// The tables are kept by SQLite triggers on orders, refunds and users: the
// rollup changes in the statement that changes the source row, so in the
// same transaction, whatever wrote it (a payment, a refund, a sign-up, the
// distribution plugin, a dashboard edit or raw SQL). [Rebuild] recomputes
// both tables from the source tables and [Drift] compares them (the audit
// fails on any difference).
//
// Example usage:
//
//	// in a migration
//	for _, sql := range rollup.CreateSQL() { ... }
//	// on demand
//	n, err := rollup.Rebuild(shop.RollupDB(app.NonconcurrentDB()))
package rollup

import (
	"fmt"
	"strings"
)

// DB is what [Rebuild] and [Drift] need of a database, so that this
// package stays free of any driver or framework; shop.RollupDB adapts a
// PocketBase app's dbx builder to it.
type DB interface {
	// Exec runs a statement and returns the rows it affected.
	Exec(sql string) (int64, error)
	// All runs a query and scans its rows into dest (a pointer to a slice
	// of structs with db tags).
	All(sql string, dest any) error
}

// Tables the rollup writes.
const (
	DaysTable   = "report_days"
	CountsTable = "report_counts"
)

// Day is one row of report_days; amounts in fen.
type Day struct {
	Day             string `db:"day" json:"day"`
	GMV             int64  `db:"gmv" json:"gmv"`
	PaidOrders      int64  `db:"paid_orders" json:"paid_orders"`
	Refunds         int64  `db:"refunds" json:"refunds"`
	RefundCount     int64  `db:"refund_count" json:"refund_count"`
	NewUsers        int64  `db:"new_users" json:"new_users"`
	NewDistributors int64  `db:"new_distributors" json:"new_distributors"`
}

func (d Day) zero() bool {
	return d.GMV == 0 && d.PaidOrders == 0 && d.Refunds == 0 && d.RefundCount == 0 && d.NewUsers == 0 && d.NewDistributors == 0
}

// DayOf is the SQL of the shop's calendar day (Asia/Shanghai, UTC+8 all
// year since 1991) of a PocketBase date column, e.g. "2026-12-05".
func DayOf(column string) string {
	return "date(" + column + ", '+8 hours')"
}

// measure is one thing counted per day: the rows of a table that meet a
// condition add their values to the day of one of their dates.
type measure struct {
	name, table string
	// cond, date and the values use {r} for the row (NEW or OLD)
	cond, date string
	values     map[string]string
	// watched columns: an update of any of them moves the row's part
	watched []string
}

var measures = []measure{
	{
		name: "paid", table: "orders",
		cond: "COALESCE({r}.paid_at, '') != ''", date: "{r}.paid_at",
		values:  map[string]string{"gmv": "{r}.payable", "paid_orders": "1"},
		watched: []string{"paid_at", "payable"},
	},
	{
		name: "refund", table: "refunds",
		cond: "{r}.status = 'success' AND COALESCE({r}.refunded_at, '') != ''", date: "{r}.refunded_at",
		values:  map[string]string{"refunds": "{r}.amount", "refund_count": "1"},
		watched: []string{"status", "refunded_at", "amount"},
	},
	{
		name: "signup", table: "users",
		cond: "COALESCE({r}.created, '') != ''", date: "{r}.created",
		values:  map[string]string{"new_users": "1"},
		watched: []string{"created"},
	},
	{
		name: "distributor", table: "users",
		cond: "COALESCE({r}.distributor_since, '') != ''", date: "{r}.distributor_since",
		values:  map[string]string{"new_distributors": "1"},
		watched: []string{"distributor_since"},
	},
}

// dayColumns in the order of the table.
var dayColumns = []string{"gmv", "paid_orders", "refunds", "refund_count", "new_users", "new_distributors"}

// bump is the statement adding (sign "+") or taking away ("-") row r's
// part of m.
func (m measure) bump(r, sign string) string {
	cols := []string{"day"}
	vals := []string{DayOf(strings.ReplaceAll(m.date, "{r}", r))}
	sets := []string{}
	for _, c := range dayColumns {
		v, ok := m.values[c]
		if !ok {
			continue
		}
		cols = append(cols, c)
		vals = append(vals, sign+"("+strings.ReplaceAll(v, "{r}", r)+")")
		sets = append(sets, fmt.Sprintf("%s = %s + excluded.%s", c, c, c))
	}
	return fmt.Sprintf("INSERT INTO %s (%s) SELECT %s WHERE %s ON CONFLICT(day) DO UPDATE SET %s;",
		DaysTable, strings.Join(cols, ", "), strings.Join(vals, ", "),
		strings.ReplaceAll(m.cond, "{r}", r), strings.Join(sets, ", "))
}

// countKey is the report_counts key of an order row: "status/pay_method".
const countKey = "COALESCE({r}.status, '') || '/' || COALESCE({r}.pay_method, '')"

func countBump(r string, delta int) string {
	return fmt.Sprintf("INSERT INTO %s (key, n) VALUES (%s, %d) ON CONFLICT(key) DO UPDATE SET n = n + excluded.n;",
		CountsTable, strings.ReplaceAll(countKey, "{r}", r), delta)
}

// CreateSQL returns the statements creating both tables and their
// triggers (in a migration, followed by [Rebuild] for existing rows).
func CreateSQL() []string {
	// the two tables, three triggers per measure, three on orders
	out := make([]string, 0, 2+3*len(measures)+3)
	out = append(out,
		`CREATE TABLE `+DaysTable+` (
			day TEXT PRIMARY KEY NOT NULL,
			gmv INTEGER NOT NULL DEFAULT 0,
			paid_orders INTEGER NOT NULL DEFAULT 0,
			refunds INTEGER NOT NULL DEFAULT 0,
			refund_count INTEGER NOT NULL DEFAULT 0,
			new_users INTEGER NOT NULL DEFAULT 0,
			new_distributors INTEGER NOT NULL DEFAULT 0
		) WITHOUT ROWID`,
		`CREATE TABLE `+CountsTable+` (key TEXT PRIMARY KEY NOT NULL, n INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID`,
	)
	for _, m := range measures {
		changed := make([]string, len(m.watched))
		for i, c := range m.watched {
			changed[i] = fmt.Sprintf("OLD.%s IS NOT NEW.%s", c, c)
		}
		out = append(out,
			fmt.Sprintf("CREATE TRIGGER %s_%s_ins AFTER INSERT ON %s BEGIN %s END",
				DaysTable, m.name, m.table, m.bump("NEW", "+")),
			fmt.Sprintf("CREATE TRIGGER %s_%s_del AFTER DELETE ON %s BEGIN %s END",
				DaysTable, m.name, m.table, m.bump("OLD", "-")),
			fmt.Sprintf("CREATE TRIGGER %s_%s_upd AFTER UPDATE OF %s ON %s WHEN %s BEGIN %s %s END",
				DaysTable, m.name, strings.Join(m.watched, ", "), m.table, strings.Join(changed, " OR "),
				m.bump("OLD", "-"), m.bump("NEW", "+")),
		)
	}
	out = append(out,
		"CREATE TRIGGER "+CountsTable+"_orders_ins AFTER INSERT ON orders BEGIN "+countBump("NEW", 1)+" END",
		"CREATE TRIGGER "+CountsTable+"_orders_del AFTER DELETE ON orders BEGIN "+countBump("OLD", -1)+" END",
		"CREATE TRIGGER "+CountsTable+"_orders_upd AFTER UPDATE OF status, pay_method ON orders "+
			"WHEN OLD.status IS NOT NEW.status OR OLD.pay_method IS NOT NEW.pay_method BEGIN "+
			countBump("OLD", -1)+" "+countBump("NEW", 1)+" END",
	)
	return out
}

// DropSQL returns the statements removing the triggers and tables.
func DropSQL() []string {
	var out []string
	for _, m := range measures {
		for _, op := range []string{"ins", "del", "upd"} {
			out = append(out, fmt.Sprintf("DROP TRIGGER IF EXISTS %s_%s_%s", DaysTable, m.name, op))
		}
	}
	for _, op := range []string{"ins", "del", "upd"} {
		out = append(out, fmt.Sprintf("DROP TRIGGER IF EXISTS %s_orders_%s", CountsTable, op))
	}
	return append(out, "DROP TABLE IF EXISTS "+DaysTable, "DROP TABLE IF EXISTS "+CountsTable)
}

// sourceDays is what report_days should hold, computed from the source
// tables with the same conditions as the triggers.
func sourceDays() string {
	parts := make([]string, len(measures))
	for i, m := range measures {
		cols := make([]string, 0, 1+len(dayColumns))
		cols = append(cols, DayOf(strings.ReplaceAll(m.date, "{r}.", ""))+" AS day")
		for _, c := range dayColumns {
			v, ok := m.values[c]
			if !ok {
				v = "0"
			}
			cols = append(cols, strings.ReplaceAll(v, "{r}.", "")+" AS "+c)
		}
		parts[i] = fmt.Sprintf("SELECT %s FROM %s WHERE %s", strings.Join(cols, ", "), m.table,
			strings.ReplaceAll(m.cond, "{r}.", ""))
	}
	sums := make([]string, len(dayColumns))
	for i, c := range dayColumns {
		sums[i] = fmt.Sprintf("SUM(%s) AS %s", c, c)
	}
	return fmt.Sprintf("SELECT day, %s FROM (%s) GROUP BY day",
		strings.Join(sums, ", "), strings.Join(parts, " UNION ALL "))
}

func sourceCounts() string {
	return "SELECT " + strings.ReplaceAll(countKey, "{r}.", "") + " AS key, COUNT(*) AS n FROM orders GROUP BY 1"
}

// Rebuild recomputes both tables from the source tables and returns the
// number of days written. Run it in a transaction (or on the
// non-concurrent DB) so that no write lands between the delete and the
// insert.
func Rebuild(db DB) (int, error) {
	steps := []string{
		"DELETE FROM " + DaysTable,
		"DELETE FROM " + CountsTable,
		"INSERT INTO " + DaysTable + " (day, " + strings.Join(dayColumns, ", ") + ") " + sourceDays(),
		"INSERT INTO " + CountsTable + " (key, n) " + sourceCounts(),
	}
	days := 0
	for i, sql := range steps {
		n, err := db.Exec(sql)
		if err != nil {
			return 0, fmt.Errorf("rollup rebuild: %w", err)
		}
		if i == 2 {
			days = int(n)
		}
	}
	return days, nil
}

// Mismatch is one day (or order count) where the rollup and the source
// tables disagree.
type Mismatch struct {
	Key            string
	Rollup, Source string
}

// Drift compares both tables with the source tables and returns every
// difference (nil when they agree). A rollup row of zeros without source
// rows is not a difference: it is what a reversed change leaves.
func Drift(db DB) ([]Mismatch, error) {
	var kept, want []Day
	if err := db.All("SELECT * FROM "+DaysTable, &kept); err != nil {
		return nil, err
	}
	if err := db.All(sourceDays(), &want); err != nil {
		return nil, err
	}
	var out []Mismatch
	byDay := map[string]Day{}
	for _, d := range kept {
		byDay[d.Day] = d
	}
	for _, w := range want {
		k := byDay[w.Day]
		k.Day = w.Day
		if k != w {
			out = append(out, Mismatch{Key: DaysTable + "/" + w.Day, Rollup: fmt.Sprintf("%+v", k), Source: fmt.Sprintf("%+v", w)})
		}
		delete(byDay, w.Day)
	}
	for _, k := range byDay {
		if !k.zero() {
			out = append(out, Mismatch{Key: DaysTable + "/" + k.Day, Rollup: fmt.Sprintf("%+v", k), Source: "no rows"})
		}
	}

	type count struct {
		Key string `db:"key"`
		N   int64  `db:"n"`
	}
	var keptN, wantN []count
	if err := db.All("SELECT key, n FROM "+CountsTable, &keptN); err != nil {
		return nil, err
	}
	if err := db.All(sourceCounts(), &wantN); err != nil {
		return nil, err
	}
	byKey := map[string]int64{}
	for _, c := range keptN {
		byKey[c.Key] = c.N
	}
	for _, w := range wantN {
		if byKey[w.Key] != w.N {
			out = append(out, Mismatch{Key: CountsTable + "/" + w.Key, Rollup: fmt.Sprint(byKey[w.Key]), Source: fmt.Sprint(w.N)})
		}
		delete(byKey, w.Key)
	}
	for k, n := range byKey {
		if n != 0 {
			out = append(out, Mismatch{Key: CountsTable + "/" + k, Rollup: fmt.Sprint(n), Source: "0"})
		}
	}
	return out, nil
}
