package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// commission_queue holds the paid orders whose commissions are still to be
// booked (plugins/distribution, Config.BookingDelay). The payment inserts
// the row in its own transaction, with the upline snapshot; the booking
// deletes it in the transaction that stores the commissions, so an order
// is in the queue or has its commissions, never both and never neither,
// whatever crashes in between.
//
// A plain table, not a collection: nobody reads it over the API, and a
// collection's fields and rules would only add work to every payment.
// WITHOUT ROWID keeps it one B-tree (a rowid table with a text key is two).
//
//   - day: the payment's day in the shop's time zone, the day the
//     commissions count for (as if booked at payment);
//   - attempts, retry_at, last_error: a booking that failed on its own
//     (not as part of a batch) waits until retry_at and says why.
func init() {
	m.Register(func(app core.App) error {
		_, err := app.DB().NewQuery(`CREATE TABLE IF NOT EXISTS {{commission_queue}} (
			[[order_id]] TEXT PRIMARY KEY NOT NULL,
			[[day]] TEXT NOT NULL,
			[[queued_at]] TEXT NOT NULL,
			[[attempts]] INTEGER NOT NULL DEFAULT 0,
			[[retry_at]] TEXT NOT NULL DEFAULT '',
			[[last_error]] TEXT NOT NULL DEFAULT ''
		) WITHOUT ROWID`).Execute()
		return err
	}, func(app core.App) error {
		_, err := app.DB().NewQuery("DROP TABLE IF EXISTS {{commission_queue}}").Execute()
		return err
	})
}
