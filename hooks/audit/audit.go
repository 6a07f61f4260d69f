// Package audit proves the shop's money invariants from what is stored:
// every wallet's hash-chained ledger, withdrawals against their entries,
// orders against their payments and refunds, and commissions against
// their rules.
//
// Checks that need a collection the database does not have (a shop
// without the orders core or the distribution plugin) are skipped and
// reported as skipped, never failed.
//
// Example usage:
//
//	report, err := audit.Run(app)
//	if err != nil {
//		return err // the audit itself could not run
//	}
//	fmt.Print(report)
//	if !report.OK() {
//		return report.Err() // names the first bad row
//	}
package audit

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pocketbase/pocketbase/core"
)

// Check statuses.
const (
	StatusOK      = "ok"
	StatusFailed  = "failed"
	StatusSkipped = "skipped"
)

// Check is the outcome of one family of checks.
type Check struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	// Detail says what was checked, or why the check was skipped.
	Detail string `json:"detail"`
}

// Problem is one invariant broken by one row.
type Problem struct {
	Check string `json:"check"`
	// Row names the bad row as "collection/id".
	Row     string `json:"row"`
	Message string `json:"message"`
}

// String implements [fmt.Stringer].
func (p Problem) String() string {
	return fmt.Sprintf("%s: %s: %s", p.Check, p.Row, p.Message)
}

// Report is what [Run] found.
type Report struct {
	Checks   []Check   `json:"checks"`
	Problems []Problem `json:"problems"`
}

// OK reports whether no check found a problem.
func (r Report) OK() bool {
	return len(r.Problems) == 0
}

// Checked counts the checks that ran (were not skipped).
func (r Report) Checked() int {
	n := 0
	for _, c := range r.Checks {
		if c.Status != StatusSkipped {
			n++
		}
	}
	return n
}

// Err returns nil, or an error naming the first bad row.
func (r Report) Err() error {
	if r.OK() {
		return nil
	}
	return fmt.Errorf("audit failed (%d problems), first: %s", len(r.Problems), r.Problems[0])
}

// String renders the report for a terminal.
func (r Report) String() string {
	var b strings.Builder
	for _, c := range r.Checks {
		fmt.Fprintf(&b, "%-8s %-20s %s\n", c.Status, c.Name, c.Detail)
	}
	for _, p := range r.Problems {
		fmt.Fprintf(&b, "PROBLEM  %s\n", p)
	}
	if r.OK() {
		b.WriteString("audit passed\n")
	} else {
		fmt.Fprintf(&b, "audit FAILED: %d problems\n", len(r.Problems))
	}
	return b.String()
}

// maxProblemsPerCheck bounds the report of a badly broken database.
const maxProblemsPerCheck = 100

// checker collects one check's problems.
type checker struct {
	name     string
	problems []Problem
	dropped  int
}

func (c *checker) failf(row, format string, args ...any) {
	if len(c.problems) >= maxProblemsPerCheck {
		c.dropped++
		return
	}
	c.problems = append(c.problems, Problem{Check: c.name, Row: row, Message: fmt.Sprintf(format, args...)})
}

type checkFunc func(app core.App, c *checker) (detail string, skipped bool, err error)

// Run checks every money invariant it can see and returns the report. The
// error is for an audit that could not run (e.g. a failed query); broken
// invariants are in the report.
//
// It reads only (through the concurrent pool) and may run on a live shop;
// rows written while it runs may show as transient mismatches, so run it
// again before acting on one.
func Run(app core.App) (Report, error) {
	var report Report
	checks := []struct {
		name string
		fn   checkFunc
	}{
		{"wallet_ledgers", checkWallets},
		{"withdrawals", checkWithdrawals},
		{"orders", checkOrders},
		{"balance_payments", checkBalancePayments},
		{"commissions", checkCommissions},
		{"commission_queue", checkCommissionQueue},
		{"invite_bounties", checkInviteBounties},
		{"prize_awards", checkPrizeAwards},
		{"report_rollup", checkRollup},
	}
	for _, ch := range checks {
		c := &checker{name: ch.name}
		detail, skipped, err := ch.fn(app, c)
		if err != nil {
			return report, fmt.Errorf("audit %s: %w", ch.name, err)
		}
		status := StatusOK
		switch {
		case skipped:
			status = StatusSkipped
		case len(c.problems) > 0:
			status = StatusFailed
			if c.dropped > 0 {
				detail += fmt.Sprintf(" (%d more problems not listed)", c.dropped)
			}
		}
		report.Checks = append(report.Checks, Check{Name: ch.name, Status: status, Detail: detail})
		report.Problems = append(report.Problems, c.problems...)
	}
	return report, nil
}

// ---------------------------------------------------------------
// helpers
// ---------------------------------------------------------------

// collection returns the collection or nil when it does not exist.
func collection(app core.App, name string) *core.Collection {
	c, err := app.FindCachedCollectionByNameOrId(name)
	if err != nil {
		return nil
	}
	return c
}

// missing returns the names of the collections (or "collection.field")
// that are absent.
func missing(app core.App, need map[string][]string) []string {
	var out []string
	for name, fields := range need {
		c := collection(app, name)
		if c == nil {
			out = append(out, name)
			continue
		}
		for _, f := range fields {
			if c.Fields.GetByName(f) == nil {
				out = append(out, name+"."+f)
			}
		}
	}
	return out
}

func hasField(app core.App, collectionName, field string) bool {
	c := collection(app, collectionName)
	return c != nil && c.Fields.GetByName(field) != nil
}

// fen parses a stored NUMERIC amount (read as text, so that no float
// touches it) and reports whether it is a whole number of fen: a tampered
// row may hold anything.
func fen(v string) (int64, bool) {
	if v == "" {
		return 0, true // NULL: an absent sum
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil
}

func row(collectionName, id string) string {
	return collectionName + "/" + id
}
