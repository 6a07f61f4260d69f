package audit

import (
	"fmt"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/internal/rollup"
)

// checkRollup recomputes the console's per-day figures and order counts
// from the orders, refunds and users and compares them with the rollup the
// triggers keep; any difference is drift (`jobs run reports_rebuild`
// repairs it, after finding out what wrote around the triggers).
func checkRollup(app core.App, c *checker) (string, bool, error) {
	var n int
	if err := app.DB().NewQuery("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = {:t}").
		Bind(map[string]any{"t": rollup.DaysTable}).Row(&n); err != nil {
		return "", false, err
	}
	if n == 0 {
		return "no " + rollup.DaysTable, true, nil
	}
	diffs, err := rollup.Drift(shop.RollupDB(app.DB()))
	if err != nil {
		return "", false, err
	}
	for _, d := range diffs {
		c.failf(d.Key, "rollup %s, source %s", d.Rollup, d.Source)
	}
	return fmt.Sprintf("%s and %s against orders, refunds and users", rollup.DaysTable, rollup.CountsTable), false, nil
}
