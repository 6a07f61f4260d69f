package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// Two indexes that every paid order wrote and no query reads.
//
// Every commit writes each B-tree page it changed to the WAL, and the
// shop's one writer commits every order: an index is paid for in pages on
// every write of its table. In a capture of the WAL under load (16 buyers,
// three levels of uplines) idx_notifications_kind was 5% of the pages
// committed (3.4 a commit); nothing asks for notifications by kind (the
// unread counts group the user's own rows, found by idx_notifications_user,
// and the staff's notifications are the rows with no user, found by the
// same index). idx_payments_provider_tx_lookup duplicated the partial
// unique index on the same columns for lookups with a bound transaction
// id; the one such lookup (a payment notification's replay check) now
// repeats the partial index's condition and searches it.
func init() {
	m.Register(func(app core.App) error {
		return changeWriterIndexes(app, func(c *core.Collection, name, columns string) {
			c.RemoveIndex(name)
		})
	}, func(app core.App) error {
		return changeWriterIndexes(app, func(c *core.Collection, name, columns string) {
			c.AddIndex(name, false, columns, "")
		})
	})
}

func changeWriterIndexes(app core.App, change func(c *core.Collection, name, columns string)) error {
	for _, ix := range []struct{ collection, name, columns string }{
		{"notifications", "idx_notifications_kind", "kind, created"},
		{"payments", "idx_payments_provider_tx_lookup", "provider, transaction_id"},
	} {
		c, err := app.FindCollectionByNameOrId(ix.collection)
		if err != nil {
			return err
		}
		change(c, ix.name, ix.columns)
		if err := app.Save(c); err != nil {
			return err
		}
	}
	return nil
}
