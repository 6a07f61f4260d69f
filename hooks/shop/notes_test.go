package shop_test

import (
	"github.com/pocketbase/pocketbase/core"
)

// noteInserter returns a function that saves a notification titled title
// for userId in txApp: a small write whose rows a test can count.
func noteInserter(userId string) func(txApp core.App, title string) error {
	return func(txApp core.App, title string) error {
		c, err := txApp.FindCachedCollectionByNameOrId("notifications")
		if err != nil {
			return err
		}
		r := core.NewRecord(c)
		r.Set("user", userId)
		r.Set("kind", "test")
		r.Set("title", title)
		return txApp.Save(r)
	}
}
