// Package distribution is the three-level distribution (三级分销) plugin of
// the fenxiao shop: commission on paid orders, its refund corrections and
// settlement, distributor levels, the distributor centre and leaderboards.
//
// It binds to the shop core's typed events, all inside the transaction that
// fired them:
//
//   - OnOrderPaid: snapshot the buyer's upline chain on the order, compute
//     the commission of every paid line (internal/commission), store one
//     frozen commissions row per line and level and post commission_frozen
//     wallet entries; the beneficiaries are notified after commit. With
//     Config.BookingDelay the payment stores the snapshot and queues the
//     order, and the booking worker does the rest in batches (queue.go).
//   - OnOrderRefunded: recompute the line's commissions on what remains and
//     book only the difference (cancel, clawback or absorbed).
//   - OnOrderCompleted: count the sales distributor levels are judged on and
//     upgrade the buyer and their uplines when they qualify.
//   - OnUserJoined, and every later change of users.referrer (a record
//     update hook, there is no shop event for it): upgrade the new uplines
//     whose direct invitees or team size now qualify. Levels are never
//     lowered; the level_upgrade job catches up with anything else.
//
// OnOrderPaid and OnOrderRefunded also book and take back invite bounties
// (bounty.go): a frozen reward to the inviter of a user whose first paid
// order this is, settled with the commissions.
//
// Jobs: commission_settle (02:30 daily, gated by the settlement cycle; it
// settles invite bounties too), level_upgrade (03:00 daily),
// leaderboard_snapshot (00:10 daily; it then gives the leaderboard prizes
// of the closed periods, prizes.go).
//
// Routes:
//
//	GET  /api/shop/distribution/summary       distributor: team sizes, earnings, wallet
//	GET  /api/shop/distribution/team          distributor: ?level=1|2|3&page=&perPage=
//	GET  /api/shop/distribution/leaderboard   per leaderboard_visibility: ?period=week|month&by=commission|sales|invites
//	GET  /api/shop/distribution/prizes        signed in: the active prize rules and my prizes
//	POST /api/shop/admin/rewards              superuser: {user, amount, reason, key?}
//
// Compliance: never more than three levels are paid (commission.MaxLevels),
// nothing here charges a fee to become a distributor, and only goods
// actually paid earn (gift and zero lines never do).
//
// Example usage:
//
//	hooks.MustRegister(app, hooks.Config{})
//	distribution.MustRegister(app, distribution.Config{})
package distribution

import (
	"errors"
	"fmt"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"fenxiao/hooks/shop"
)

// Collection names.
const (
	commissionsCollection    = shop.CommissionsCollection
	adjustmentsCollection    = "commission_adjustments"
	levelsCollection         = "distributor_levels"
	levelChangesCollection   = "level_changes"
	snapshotsCollection      = "leaderboard_snapshots"
	totalsCollection         = "commission_totals"
	statsCollection          = "distributor_stats"
	notificationsCollection  = shop.NotificationsCollection
	ordersCollection         = shop.OrdersCollection
	orderItemsCollection     = shop.OrderItemsCollection
	usersCollection          = shop.UsersCollection
	productsCollection       = shop.ProductsCollection
	skusCollection           = shop.SkusCollection
	aftersalesCollection     = shop.AftersalesCollection
	referralStatsCollection  = shop.ReferralStatsCollection
	referralPathsCollection  = shop.ReferralPathsCollection
	walletsCollection        = shop.WalletsCollection
	settingsCapField         = "commission_order_cap_bp"
	settingsClawbackField    = "clawback_policy"
	commissionRefType        = "commission"
	adjustmentRefType        = "commission_adjustment"
	settlementRefType        = "commission_settlement"
	settleJobName            = "commission_settle"
	rewardRefType            = "reward"
	defaultLeaderboardLength = 50
)

// Commission statuses.
const (
	StatusFrozen    = "frozen"
	StatusSettled   = "settled"
	StatusCancelled = "cancelled"
)

// Clawback policies (shop_settings.clawback_policy).
const (
	ClawbackNet    = "net"
	ClawbackAbsorb = "absorb"
)

// Wallet entry kinds this plugin posts (see internal/ledger).
const (
	kindCommissionFrozen    = "commission_frozen"
	kindCommissionSettled   = "commission_settled"
	kindCommissionCancelled = "commission_cancelled"
	kindClawback            = "clawback"
	kindReward              = "reward"
)

// PostFunc books one wallet ledger entry inside txApp and returns it; it is
// idempotent per (RefType, RefId, Kind, wallet). The default books it with
// [shop.PostEntry].
type PostFunc func(txApp core.App, posting shop.Posting) (*core.Record, error)

// PostManyFunc books several wallet ledger entries inside txApp, with the
// result of calling a [PostFunc] once per posting in order, as
// [shop.PostEntries] does.
type PostManyFunc func(txApp core.App, postings []shop.Posting) ([]shop.Posted, error)

// Config defines the distribution plugin's options.
type Config struct {
	// Post books wallet entries (commission_frozen, commission_settled,
	// commission_cancelled, clawback, reward). Default: [shop.PostEntry].
	Post PostFunc

	// PostMany books the settlement's commission_settled entries of one
	// batch in one call, as Post would one by one. Default: [shop.PostEntries]
	// when Post is the default; with a custom Post and no PostMany, Post is
	// called once per wallet.
	PostMany PostManyFunc

	// SettleBatchSize is the number of frozen commissions the settlement
	// job considers per transaction. Default: 50000, the pure-Go SQLite's
	// figure; main.go passes 200000 with SQLite's C library: on a 2-core
	// machine either holds the writer for about a second and a half at
	// most, which is as long as a checkout at that hour can wait. Each batch books one ledger
	// entry per wallet, so larger batches settle faster overall.
	SettleBatchSize int

	// LeaderboardLength is the number of rows a leaderboard shows and a
	// snapshot keeps. Default: 50.
	LeaderboardLength int

	// BookingDelay, when above zero, books a paid order's commissions after
	// the payment instead of in its transaction: the payment stores the
	// upline snapshot and queues the order, and a worker started with the
	// server books the queue in batches, waiting this long after the
	// payment that wakes it to gather the payments of that moment (see
	// queue.go). Commissions then appear a moment after the payment
	// (realtime and notifications follow them). Zero (the default) books
	// them in the payment. main.go passes 20 ms.
	BookingDelay time.Duration

	// Now returns the current time. Default: time.Now. Tests move it.
	Now func() time.Time
}

type plugin struct {
	app    core.App
	shop   *shop.Shop
	config Config

	// bookingWake wakes the booking worker (Config.BookingDelay).
	bookingWake chan struct{}

	// queuedLines are the lines of the orders queued for booking
	queuedLines queuedLines

	// postRecords books a paid order's commission_frozen entries in one
	// call when Post is the default ([shop.PostEntryRecords]: the same entries and
	// record saves as Post per posting); nil with a custom Post.
	postRecords PostManyFunc
}

// MustRegister is like [Register] but panics on error.
func MustRegister(app core.App, config Config) {
	if err := Register(app, config); err != nil {
		panic(err)
	}
}

// Register binds the distribution plugin to app. The shop core must be
// registered first (hooks.MustRegister).
func Register(app core.App, config Config) error {
	s := shop.Get(app)
	if s == nil {
		return errors.New("distribution: the shop core must be registered first")
	}
	defaultPost := config.Post == nil
	if defaultPost {
		config.Post = postEntry
		if config.PostMany == nil {
			config.PostMany = shop.PostEntries
		}
	}
	if config.SettleBatchSize <= 0 {
		config.SettleBatchSize = defaultSettleBatchSize
	}
	if config.LeaderboardLength <= 0 {
		config.LeaderboardLength = defaultLeaderboardLength
	}
	if config.Now == nil {
		config.Now = time.Now
	}

	p := &plugin{app: app, shop: s, config: config, bookingWake: make(chan struct{}, 1)}
	app.Store().Set(storeKey, p)
	if defaultPost {
		p.postRecords = shop.PostEntryRecords
	}

	s.OnOrderPaid.Bind(&hook.Handler[*shop.OrderEvent]{Id: "fenxiaoDistributionOrderPaid", Func: p.onOrderPaid})
	s.OnOrderRefunded.Bind(&hook.Handler[*shop.RefundEvent]{Id: "fenxiaoDistributionOrderRefunded", Func: p.onOrderRefunded})
	s.OnOrderCompleted.Bind(&hook.Handler[*shop.OrderEvent]{Id: "fenxiaoDistributionOrderCompleted", Func: p.onOrderCompleted})
	s.OnUserJoined.Bind(&hook.Handler[*shop.UserEvent]{Id: "fenxiaoDistributionUserJoined", Func: p.onUserJoined})
	s.OnOrderPaid.Bind(&hook.Handler[*shop.OrderEvent]{Id: "fenxiaoDistributionBountyOrderPaid", Func: p.onBountyOrderPaid})
	s.OnOrderRefunded.Bind(&hook.Handler[*shop.RefundEvent]{Id: "fenxiaoDistributionBountyOrderRefunded", Func: p.onBountyRefunded})
	s.OnUplineChanged.Bind(&hook.Handler[*shop.UplineEvent]{Id: "fenxiaoDistributionUplineChanged", Func: p.onUplineChanged})

	p.bindValidation()
	p.bindImmutability()
	p.bindAdminLevelChanges()
	p.bindPrizeRules()
	p.bindBountySettings()

	s.RegisterJob(shop.Job{
		Name:        settleJobName,
		Schedule:    settleSchedule,
		Description: "settle frozen commissions of completed orders past the frozen days (daily/weekly/monthly per settings)",
		Run:         p.runSettleJob,
	})
	s.RegisterJob(shop.Job{
		Name:        "level_upgrade",
		Schedule:    "0 3 * * *",
		Description: "upgrade distributors whose stats qualify for a higher level",
		Run:         p.runLevelUpgradeJob,
	})
	s.RegisterJob(shop.Job{
		Name:        "leaderboard_snapshot",
		Schedule:    "10 0 * * *",
		Description: "store the rankings of the week and month that just ended",
		Run:         p.runSnapshotJob,
	})

	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		p.bindRoutes(se)
		if p.config.BookingDelay > 0 {
			stop := p.startBooking(se.App)
			se.App.OnTerminate().BindFunc(func(te *core.TerminateEvent) error {
				stop()
				return te.Next()
			})
		} else {
			// what a run that booked after the payment left queued
			p.drainQueue(se.App)
		}
		return se.Next()
	})

	return nil
}

// storeKey keeps the app's plugin in its store (for the package's tests).
const storeKey = "fenxiaoDistribution"

// now returns the current time.
func (p *plugin) now() time.Time {
	return p.config.Now()
}

// day returns the Asia/Shanghai day of t as "2006-01-02".
func day(t time.Time) string {
	return t.In(shop.ShopTimeZone).Format(time.DateOnly)
}

// hasCollection reports whether the app has the named collection.
func hasCollection(app core.App, name string) bool {
	_, err := app.FindCachedCollectionByNameOrId(name)
	return err == nil
}

// wrap annotates err with what was being done.
func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}

// defaultSettleBatchSize is the SettleBatchSize default (see
// Config.SettleBatchSize).
const defaultSettleBatchSize = 50_000

// postEntry is the default [PostFunc]: the core's wallet ledger.
func postEntry(txApp core.App, posting shop.Posting) (*core.Record, error) {
	return shop.PostEntry(txApp, posting)
}
