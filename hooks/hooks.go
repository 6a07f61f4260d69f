// Package hooks wires the fenxiao shop core into a PocketBase app.
//
// The core is split by aggregate into sub-packages (accounts, catalog,
// orders, ...) that share the events, providers and settings of
// [fenxiao/hooks/shop]. Plugins bind to those events; the core never
// imports a plugin.
//
// Example usage:
//
//	app := pocketbase.New()
//	hooks.MustRegister(app, hooks.Config{RootCmd: app.RootCmd})
//	wechat.MustRegister(app, wechat.Config{...})
//	app.Start()
package hooks

import (
	"fmt"

	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"

	"fenxiao/hooks/accounts"
	"fenxiao/hooks/apidoc"
	"fenxiao/hooks/catalog"
	"fenxiao/hooks/orders"
	"fenxiao/hooks/shop"
	"fenxiao/hooks/wallet"
)

// Config configures the shop core.
type Config struct {
	// RootCmd, when set, receives the shop's CLI commands (jobs, ...).
	RootCmd *cobra.Command

	// Accounts configures sign-up, sign-in and referral binding.
	Accounts accounts.Config

	// Orders configures checkout, payments, orders and after-sales.
	Orders orders.Config

	// DisableScheduler keeps the cron scheduler off (jobs still run on demand).
	DisableScheduler bool

	// FirstSuperuser is created on serve when the database has no superuser.
	FirstSuperuser FirstSuperuser
}

// MustRegister is like [Register] but panics on error.
func MustRegister(app core.App, config Config) *shop.Shop {
	s, err := Register(app, config)
	if err != nil {
		panic(err)
	}
	return s
}

// Register binds the shop core to app and returns the shop registry
// plugins attach to.
func Register(app core.App, config Config) (*shop.Shop, error) {
	if shop.Get(app) != nil {
		return nil, fmt.Errorf("fenxiao: the shop core is already registered")
	}
	s := shop.New()
	s.SetSMSSender(shop.LogSMSSender{App: app})
	shop.Attach(app, s)

	bindErrorShape(app)
	bindGracefulShutdown(app)
	bindSettingsRules(app)
	shop.BindSettingsCache(app)
	shop.BindRecordIds(app)
	shop.BindTxInserts(app)

	if err := accounts.Register(app, s, config.Accounts); err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	if err := catalog.Register(app, s, catalog.Config{}); err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	if err := orders.Register(app, s, config.Orders); err != nil {
		return nil, fmt.Errorf("orders: %w", err)
	}
	if err := wallet.Register(app, s, wallet.Config{}); err != nil {
		return nil, fmt.Errorf("wallet: %w", err)
	}

	s.SetCore(shop.Core{
		SignInOrUp:           accounts.SignInOrUp,
		FindUserByInviteCode: accounts.FindUserByInviteCode,
		Ancestors:            accounts.Ancestors,
		ApplyPayment:         orders.ApplyPayment,
		PostEntry:            wallet.Post,
		PostEntries:          wallet.PostMany,
		PostEntryRecords:     wallet.PostRecords,
		WalletBalance:        wallet.Balance,
	})

	bindJobs(app, s, config)
	bindInfo(app, s)
	bindNotifications(app, s, config)
	apidoc.Register(app)
	bindFavicon(app)
	bindFirstSuperuser(app, config.FirstSuperuser)

	return s, nil
}
