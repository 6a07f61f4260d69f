package audit

import (
	"fmt"

	"github.com/pocketbase/pocketbase/core"
)

// checkCommissionQueue looks at the orders whose commissions are still to
// be booked (commission_queue, see plugins/distribution): a queued order
// must exist and be paid, and a booking that failed is a problem until it
// succeeds (the distributors' money is not booked). A queue of orders paid
// moments ago is normal on a live shop, and after a crash until the next
// start books it.
func checkCommissionQueue(app core.App, c *checker) (string, bool, error) {
	var exists int
	if err := app.DB().NewQuery("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'commission_queue'").Row(&exists); err != nil {
		return "", false, err
	}
	if exists == 0 || collection(app, "orders") == nil {
		return "no commission_queue", true, nil
	}

	// one statement, so that a booking committing meanwhile is seen
	// either before or after as a whole
	var rows []struct {
		Order     string `db:"order_id"`
		QueuedAt  string `db:"queued_at"`
		Attempts  int    `db:"attempts"`
		LastError string `db:"last_error"`
		Found     bool   `db:"found"`
		PaidAt    string `db:"paid_at"`
	}
	err := app.DB().NewQuery("SELECT q.order_id, q.queued_at, q.attempts, q.last_error, " +
		"o.id IS NOT NULL AS found, COALESCE(o.paid_at, '') AS paid_at " +
		"FROM commission_queue q LEFT JOIN orders o ON o.id = q.order_id ORDER BY q.queued_at, q.order_id").All(&rows)
	if err != nil {
		return "", false, err
	}
	failed := 0
	for _, r := range rows {
		ref := row("orders", r.Order)
		switch {
		case !r.Found:
			c.failf(ref, "is queued for commission booking but does not exist")
		case r.PaidAt == "":
			c.failf(ref, "is queued for commission booking but was never paid")
		}
		if r.Attempts > 0 {
			failed++
			c.failf(ref, "commission booking failed %d times (queued %s): %s", r.Attempts, r.QueuedAt, r.LastError)
		}
	}
	return fmt.Sprintf("%d orders queued, %d failed", len(rows), failed), false, nil
}
