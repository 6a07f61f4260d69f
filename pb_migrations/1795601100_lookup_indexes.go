package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// lookupIndexes are plain indexes beside the partial unique ones.
//
// SQLite uses a partial index (one with a WHERE: the value is not empty)
// only for a query whose own WHERE repeats that term literally; a lookup
// with a bound value (invite_code = ?, the way every record finder and API
// filter asks) cannot prove the value is not empty, and scans the table.
// The partial unique indexes stay, for uniqueness among the rows that have
// a value; these make the lookups an index search: invite codes at every sign-up and binding,
// phones at SMS sign-in, openids at WeChat sign-in, payment transaction ids
// at every payment notification, SKU codes, share conversions per paid order.
var lookupIndexes = []struct {
	collection, name, columns string
}{
	{"users", "idx_users_invite_code_lookup", "invite_code"},
	{"users", "idx_users_phone_lookup", "phone"},
	{"users", "idx_users_wx_openid_lookup", "wx_openid"},
	{"payments", "idx_payments_provider_tx_lookup", "provider, transaction_id"},
	{"skus", "idx_skus_code_lookup", "code"},
	{"share_conversions", "idx_share_conversions_order_lookup", "[order], kind"},
	{"share_conversions", "idx_share_conversions_link_user", "link, user"},
}

func init() {
	m.Register(func(app core.App) error {
		return eachLookupIndex(app, func(c *core.Collection, name, columns string) {
			c.AddIndex(name, false, columns, "")
		})
	}, func(app core.App) error {
		return eachLookupIndex(app, func(c *core.Collection, name, _ string) {
			c.RemoveIndex(name)
		})
	})
}

func eachLookupIndex(app core.App, change func(c *core.Collection, name, columns string)) error {
	touched := map[string]*core.Collection{}
	var order []string
	for _, ix := range lookupIndexes {
		c, ok := touched[ix.collection]
		if !ok {
			var err error
			c, err = app.FindCollectionByNameOrId(ix.collection)
			if err != nil {
				return err
			}
			touched[ix.collection] = c
			order = append(order, ix.collection)
		}
		change(c, ix.name, ix.columns)
	}
	for _, name := range order {
		if err := app.Save(touched[name]); err != nil {
			return err
		}
	}
	return nil
}
