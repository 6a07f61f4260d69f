package shop

import (
	"context"

	"github.com/pocketbase/pocketbase/core"
)

// AfterCommit runs fn once the outermost transaction of txApp has committed,
// with the shop's root (non-transactional) app; it never runs fn after a
// rollback. Outside a transaction fn runs at once.
//
// fn runs synchronously, in the goroutine that committed, before that
// goroutine's RunInTransaction returns: the caller sees the effect when the
// transaction returns (tests and HTTP answers can rely on it), callbacks
// keep the order they were added in, and nothing outlives the request
// unnoticed. Work that may be slow (a call to WeChat, a payment provider)
// starts its own goroutine inside fn, so that the answer to the buyer does
// not wait for a third party:
//
//	shop.AfterCommit(e.App, func(app core.App) {
//		go upload(app, id)
//	})
//
// A panic in fn is not recovered, and fn returns nothing: an error after
// the commit cannot undo it, so fn logs its own failures.
//
// NB! fn must not use txApp: the transaction is over when it runs.
func AfterCommit(txApp core.App, fn func(app core.App)) {
	root := RootApp(txApp)
	info := txApp.TxInfo()
	if !txApp.IsTransactional() || info == nil {
		fn(root)
		return
	}
	// note: a nested RunInTransaction shares the outer TxInfo, so this
	// runs after the outermost commit
	info.OnComplete(func(txErr error) error {
		if txErr == nil {
			fn(root)
		}
		// note: an error returned here would be joined to the committed
		// transaction's result and look like a failed write
		return nil
	})
}

// RootApp returns the non-transactional app the shop was attached to, or
// app itself when no shop is attached (or app is not in a transaction).
func RootApp(app core.App) core.App {
	if !app.IsTransactional() {
		return app
	}
	if s := Get(app); s != nil && s.root != nil {
		return s.root
	}
	return app
}

// BroadcastUpdate tells realtime subscribers of a record (a product page
// showing a SKU's stock, the buyer's order page) the record as committed,
// after a change made with SQL, which fires no record event by itself. It
// runs after the commit, never after a rollback, and reads the record only
// when some client is connected.
func BroadcastUpdate(txApp core.App, collection, id string) {
	AfterCommit(txApp, func(app core.App) {
		if app.SubscriptionsBroker().TotalClients() == 0 {
			return
		}
		r, err := app.FindRecordById(collection, id)
		if err != nil {
			return
		}
		// note: PocketBase broadcasts record updates from this event (apis
		// realtime bindings); the shop binds nothing to it for these records
		event := &core.ModelEvent{App: app, Context: context.Background(), Type: core.ModelEventTypeUpdate}
		event.Model = r
		if err := app.OnModelAfterUpdateSuccess().Trigger(event); err != nil {
			app.Logger().Debug("realtime broadcast failed", "collection", collection, "id", id, "error", err.Error())
		}
	})
}
