// Package shop holds what every part of the fenxiao core and every plugin
// shares: the typed shop events, the small provider interfaces the core owns,
// the shop settings and the API error shape.
//
// The domain packages under hooks/ (accounts, catalog, orders, ...) and the
// plugins under plugins/ import this package; it imports none of them.
//
// It is the whole seam a plugin needs: a plugin imports this package,
// internal/ and third parties, never a core area nor another plugin (a
// test in the module root enforces it). Besides the events of [Shop], the
// provider interfaces it registers ([PaymentProvider] and its optional
// [NotificationParser], [RefundQuerier], [Closer], [InstantProvider]; [PayoutProvider],
// [Tracker], [SMSSender], [Channel], [MiniProgramShipping], ...) and the
// collection names and statuses in collections.go, the core functions a
// plugin may call are:
//
//   - [AfterCommit]: run work after the outermost commit, never on rollback;
//   - [Notify]: record a notification and queue its deliveries;
//   - [ApplyPayment]: apply a verified payment to its order;
//   - [PostEntry], [PostEntries], [PostEntryRecords], [WalletBalance]: the
//     wallet ledger;
//   - [SignInOrUp], [FindUserByInviteCode], [Ancestors]: accounts and the
//     referral tree;
//   - [FindPaidPayment], [SettleableLineSQL], [OpenAftersaleSQL]: what the
//     core says about orders, instead of a plugin's own query of its tables;
//   - [ValidId], [PathId], [Fail], [FieldFail], [BindBody], [ToApiError]:
//     input and the API error shape (a route under /api/shop returns its
//     errors as they are; [ErrorShape] maps them);
//   - [LoadSettings], [ReadSettings]: the shop settings (a copy of one's
//     own, or the shared one for code that only reads);
//   - [NewId]: a record id of PocketBase's form that grows with time;
//   - [TxQuery], [FindTxRecord], [RecordFromRow]: statements and record
//     reads inside the data database's transaction, built once for the
//     life of the app (the writer's hot path);
//   - [Query], [ScanRows], [ScanRow], [FindRecord], [FindRecords],
//     [FindRecordById]: plain SQL on the data database, in its open
//     transaction or on the read pool, without dbx's rewrite and
//     reflective scan (the hot reads of requests and of the writer);
//   - [Shop.RunInTransaction], [Shop.RegisterJob]: the busiest writes and
//     scheduled jobs.
//
// # Handler ids
//
// The hook handlers that enforce a money, stock or state rule, and every
// plugin handler of a shop event, are bound with an id, so that a custom
// main.go can replace one: bind a handler with the same id to the same
// hook after the core and the plugin registered (PocketBase's Bind
// replaces a handler of the same id in place), for example
//
//	app.OnRecordUpdate("orders").Bind(&hook.Handler[*core.RecordEvent]{
//		Id:   "fenxiaoOrdersUpdate",
//		Func: myOrderRules,
//	})
//
// Record hooks of the core (an id is per hook, so each collection has its own):
//
//   - accounts: fenxiaoAccountsUserCreate, fenxiaoAccountsUserUpdate,
//     fenxiaoAccountsUserCreateRequest, fenxiaoAccountsUserUpdateRequest,
//     fenxiaoAccountsReferralEventUpdate, fenxiaoAccountsReferralEventDelete,
//     fenxiaoAccountsApplicationUpdate;
//   - catalog: fenxiaoCatalogProductCreate, fenxiaoCatalogProductUpdate,
//     fenxiaoCatalogProductShelfRequest, fenxiaoCatalogSkuCreate,
//     fenxiaoCatalogSkuUpdate, fenxiaoCatalogSkuDelete,
//     fenxiaoCatalogSkuLevelPrices, fenxiaoCatalogTemplateRegions;
//   - orders: fenxiaoOrdersCreate, fenxiaoOrdersUpdate, fenxiaoOrdersDelete,
//     fenxiaoOrdersAftersaleCreate, fenxiaoOrdersAftersaleUpdate,
//     fenxiaoOrdersAftersaleDelete, and fenxiaoOrders{OrderItems,Payments,Refunds}{Create,Update,Delete};
//   - wallet: fenxiaoWalletWallet{Create,Update,Delete},
//     fenxiaoWalletEntry{Create,Update,Delete};
//   - settings: fenxiaoSettingsCreate, fenxiaoSettingsDelete,
//     fenxiaoSettingsValidate.
//
// Shop events: fenxiaoAccountsOrderPaid, fenxiaoAccountsOrderRefunded (the
// core); fenxiaoDistribution{OrderPaid,OrderRefunded,OrderCompleted,
// UserJoined,BountyOrderPaid,BountyOrderRefunded,UplineChanged},
// fenxiaoCoupon{UserJoined,OrderCancelled,OrderRefunded},
// fenxiaoBalancepay{OrderPaid,OrderRefunded}, fenxiaoPromotionOrderPaid,
// fenxiaoFlashsaleOrderCancelled, fenxiaoSharing{UserJoined,OrderPaid},
// fenxiaoWxshippingOrderShipped (plugins).
//
// Record hooks of plugins: fenxiaoCouponLevelChange,
// fenxiaoFlashsaleItem{Create,Update,Delete}, fenxiaoPromotionOrderLimits,
// fenxiaoSharingUserUpdate, fenxiaoWithdrawal{Create,Update,Delete,
// UpdateRequest,AfterUpdate}, fenxiaoWithdrawalEvent{Create,Update,Delete}.
//
// Router middlewares: fenxiaoErrorShape, [RequirePermissionMiddlewareId],
// [RequireOwnerMiddlewareId].
//
// Example usage (in a plugin):
//
//	s := shop.MustGet(app)
//	s.OnOrderPaid.BindFunc(func(e *shop.OrderEvent) error {
//		// e.App is the transaction the order moved to "paid" in
//		return e.Next()
//	})
package shop

import (
	"fmt"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"fenxiao/internal/pricing"
)

// storeKey is the app store key under which the Shop instance is kept.
const storeKey = "fenxiao.shop"

// Shop is the registry of shop events and providers bound to one PocketBase app.
type Shop struct {
	// OnUserJoined fires inside the transaction that created a user
	// (by any route: e-mail, SMS, WeChat), after the referral binding.
	OnUserJoined *hook.Hook[*UserEvent]

	// OnUplineChanged fires inside the transaction that bound, moved or
	// detached a user's upline after sign-up, once the referral tree is
	// updated (sign-ups fire [Shop.OnUserJoined] instead).
	OnUplineChanged *hook.Hook[*UplineEvent]

	// OnOrderPaid fires inside the transaction that moved an order
	// from pending_payment to paid and recorded its payment.
	OnOrderPaid *hook.Hook[*OrderEvent]

	// OnOrderShipped fires inside the transaction that moved an order from
	// paid to shipped (dashboard edit or the admin ship route), once per
	// shipment; correcting the tracking later does not fire it.
	OnOrderShipped *hook.Hook[*ShipmentEvent]

	// OnOrderCompleted fires inside the transaction that completed an order
	// (buyer confirmation or auto-confirmation).
	OnOrderCompleted *hook.Hook[*OrderEvent]

	// OnOrderCancelled fires inside the transaction that cancelled an unpaid order.
	OnOrderCancelled *hook.Hook[*OrderEvent]

	// OnOrderRefunded fires inside the transaction that recorded a (partial) refund.
	OnOrderRefunded *hook.Hook[*RefundEvent]

	// root is the non-transactional app the shop was attached to (see
	// [AfterCommit])
	root core.App

	// writes lines up [Shop.RunInTransaction] callers, see there
	writes writeQueue

	// txQueries are the statements [TxQuery] keeps for the data database
	txQueries txQueries

	// inserts are the INSERT statements of [BindTxInserts], by collection
	inserts insertStatements

	mu              sync.RWMutex
	paymentProvider map[string]PaymentProvider
	smsSender       SMSSender
	payoutProvider  map[string]PayoutProvider
	tracker         Tracker
	channels        []Channel
	staffEmails     StaffEmailsFunc
	outboxWake      chan struct{}
	outboxRun       sync.Mutex
	jobs            map[string]Job
	jobDone         func(app core.App, started time.Time, res JobResult)
	discounts       DiscountsFunc
	productPromos   ProductPromosFunc
	coupons         CouponProvider
	offers          OfferProvider
	giftOrders      GiftOrderFunc
	core            Core
}

// New creates an empty Shop with initialized hooks.
func New() *Shop {
	return &Shop{
		OnUserJoined:     &hook.Hook[*UserEvent]{},
		OnUplineChanged:  &hook.Hook[*UplineEvent]{},
		OnOrderPaid:      &hook.Hook[*OrderEvent]{},
		OnOrderShipped:   &hook.Hook[*ShipmentEvent]{},
		OnOrderCompleted: &hook.Hook[*OrderEvent]{},
		OnOrderCancelled: &hook.Hook[*OrderEvent]{},
		OnOrderRefunded:  &hook.Hook[*RefundEvent]{},
		paymentProvider:  map[string]PaymentProvider{},
		payoutProvider:   map[string]PayoutProvider{},
		jobs:             map[string]Job{},
		smsSender:        LogSMSSender{},
		outboxWake:       make(chan struct{}, 1),
	}
}

// Attach stores s in the app store so that plugins can find it with [Get].
func Attach(app core.App, s *Shop) {
	if !app.IsTransactional() {
		s.root = app
	}
	app.Store().Set(storeKey, s)
}

// Get returns the Shop attached to app, or nil if the core is not registered.
func Get(app core.App) *Shop {
	s, _ := app.Store().Get(storeKey).(*Shop)
	return s
}

// MustGet is like [Get] but panics when the core was not registered first.
func MustGet(app core.App) *Shop {
	s := Get(app)
	if s == nil {
		panic("fenxiao: hooks.MustRegister must be called before any plugin")
	}
	return s
}

// ---------------------------------------------------------------
// providers
// ---------------------------------------------------------------

// RegisterPaymentProvider makes a payment method available by its Name().
// Registering the same name twice is a programming error and panics.
func (s *Shop) RegisterPaymentProvider(p PaymentProvider) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.paymentProvider[p.Name()]; dup {
		panic(fmt.Sprintf("fenxiao: payment provider %q registered twice", p.Name()))
	}
	s.paymentProvider[p.Name()] = p
}

// PaymentProvider returns the provider registered under name.
func (s *Shop) PaymentProvider(name string) (PaymentProvider, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, ok := s.paymentProvider[name]
	return p, ok
}

// PaymentProviders returns the names of all registered providers.
func (s *Shop) PaymentProviders() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	names := make([]string, 0, len(s.paymentProvider))
	for n := range s.paymentProvider {
		names = append(names, n)
	}
	return names
}

// RegisterPayoutProvider makes a withdrawal channel available by its Name().
func (s *Shop) RegisterPayoutProvider(p PayoutProvider) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.payoutProvider[p.Name()]; dup {
		panic(fmt.Sprintf("fenxiao: payout provider %q registered twice", p.Name()))
	}
	s.payoutProvider[p.Name()] = p
}

// PayoutProvider returns the payout provider registered under name.
func (s *Shop) PayoutProvider(name string) (PayoutProvider, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, ok := s.payoutProvider[name]
	return p, ok
}

// SetTracker sets the logistics tracker (nil: tracking is unavailable).
func (s *Shop) SetTracker(t Tracker) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tracker = t
}

// Tracker returns the logistics tracker, or nil.
func (s *Shop) Tracker() Tracker {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.tracker
}

// SetSMSSender replaces the SMS sender (the default only logs the code).
func (s *Shop) SetSMSSender(sender SMSSender) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.smsSender = sender
}

// SMSSender returns the active SMS sender.
func (s *Shop) SMSSender() SMSSender {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.smsSender
}

// ---------------------------------------------------------------
// promotions
// ---------------------------------------------------------------

// DiscountsFunc works out what promotions take off a buyer's lines (the
// lines counted in a cart's totals, see [pricing.Input.Discounts]).
// The cart and checkout call the same one, so both show the same figures.
// An error (promotions that cannot be read) fails the cart or checkout:
// pricing without the promotions would charge the buyer more than shown.
type DiscountsFunc func(app core.App, user *core.Record, lines []pricing.Line) (pricing.Discounts, error)

// ProductPromo is what the promotions on offer show on a product in lists.
type ProductPromo struct {
	// Labels are the short tags, e.g. "满200减30", "8.5折", "赠".
	Labels []string

	// Price is the unit price in fen after the best per-item discount.
	Price int64
}

// ProductPromosFunc returns the ProductPromo of products listed at the given
// unit prices (fen, by product id); products no promotion covers are left out.
type ProductPromosFunc func(app core.App, prices map[string]int64) map[string]ProductPromo

// SetDiscounts sets the promotions used by the cart and checkout when their
// own config sets none (nil: no promotions).
func (s *Shop) SetDiscounts(fn DiscountsFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.discounts = fn
}

// Discounts returns the promotions function set with [Shop.SetDiscounts], or nil.
func (s *Shop) Discounts() DiscountsFunc {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.discounts
}

// SetProductPromos sets how product lists show promotions (nil: they don't).
func (s *Shop) SetProductPromos(fn ProductPromosFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.productPromos = fn
}

// ProductPromos returns the function set with [Shop.SetProductPromos], or nil.
func (s *Shop) ProductPromos() ProductPromosFunc {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.productPromos
}
