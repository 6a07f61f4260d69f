package shop

import (
	"errors"
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// ---------------------------------------------------------------
// core functions lent to plugins
// ---------------------------------------------------------------

// Core holds the functions of the core areas (accounts, orders, wallet)
// that plugins may call; hooks.Register fills it in with [Shop.SetCore]
// and plugins call them through the package functions below, which keeps
// plugins from importing a core area.
type Core struct {
	SignInOrUp           func(app core.App, id Identity, inv Invitation) (*core.Record, bool, error)
	FindUserByInviteCode func(app core.App, code string) (*core.Record, error)
	Ancestors            func(app core.App, userId string) ([]string, error)
	ApplyPayment         func(app core.App, notice *PaymentNotice) (*PaymentResult, error)
	PostEntry            func(txApp core.App, p Posting) (*core.Record, error)
	PostEntries          func(txApp core.App, postings []Posting) ([]Posted, error)
	PostEntryRecords     func(txApp core.App, postings []Posting) ([]Posted, error)
	WalletBalance        func(app core.App, userId string) (available, frozen int64, err error)
}

// SetCore sets the core functions (hooks.Register does).
func (s *Shop) SetCore(c Core) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.core = c
}

// errNoCore is returned by the functions below when the shop core is not
// registered on the app.
var errNoCore = errors.New("fenxiao: the shop core is not registered")

func coreOf(app core.App) (Core, error) {
	s := Get(app)
	if s == nil {
		return Core{}, errNoCore
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.core, nil
}

// Identity says how a sign-in route recognises a user: by a unique users
// field (phone, wx_openid) and its value.
type Identity struct {
	Field string
	Value string

	// Init fills extra fields on a user created by this sign-in (nickname, ...).
	Init func(u *core.Record)
}

// Invitation is the optional referral context a sign-in request carries.
type Invitation struct {
	Code   string `json:"inviter"`
	Source string `json:"inviter_source"`
	Scene  string `json:"inviter_scene"`
}

// SignInOrUp finds the user with the given identity or creates one bound
// to the inviter, in one transaction (hooks/accounts).
func SignInOrUp(app core.App, id Identity, inv Invitation) (user *core.Record, created bool, err error) {
	c, err := coreOf(app)
	if err != nil {
		return nil, false, err
	}
	return c.SignInOrUp(app, id, inv)
}

// FindUserByInviteCode returns the user with an invite code, or a 404
// [Error] (hooks/accounts).
func FindUserByInviteCode(app core.App, code string) (*core.Record, error) {
	c, err := coreOf(app)
	if err != nil {
		return nil, err
	}
	return c.FindUserByInviteCode(app, code)
}

// Ancestors returns the uplines of userId, nearest first (hooks/accounts).
func Ancestors(app core.App, userId string) ([]string, error) {
	c, err := coreOf(app)
	if err != nil {
		return nil, err
	}
	return c.Ancestors(app, userId)
}

// PaymentResult is what [ApplyPayment] did.
type PaymentResult struct {
	Order   *core.Record
	Payment *core.Record

	// Replayed is true when the same payment was applied before:
	// nothing changed.
	Replayed bool

	// Unmatched is true when the money arrived for an order that could not
	// take it (cancelled or already paid by another payment): it is recorded
	// with status "unmatched" for the merchant to return, the order is untouched.
	Unmatched bool
}

// ApplyPayment records a verified payment and moves its order to paid, in
// its own transaction, idempotent per provider and transaction id
// (hooks/orders). NB! Call it outside any transaction.
func ApplyPayment(app core.App, notice *PaymentNotice) (*PaymentResult, error) {
	c, err := coreOf(app)
	if err != nil {
		return nil, err
	}
	return c.ApplyPayment(app, notice)
}

// Posting is one wallet ledger entry to book.
type Posting struct {
	UserId  string
	Kind    string
	Amount  int64
	RefType string
	RefId   string
	Actor   string
	Note    string

	// NewRef says that the fact RefId names was created in the caller's
	// transaction (a commission row it just inserted), so no entry can be
	// booked for it yet: the lookup of an earlier booking is skipped. The
	// unique ref index of wallet_entries still refuses a second entry.
	NewRef bool
}

// Posted is what booking one posting did.
type Posted struct {
	WalletId     string
	EntryId      string
	Seq          int64
	BalanceAfter int64
	FrozenAfter  int64
	// Existing is true when the posting was already booked (by an earlier
	// call or earlier in the same call) and nothing was written for it.
	Existing bool
}

// PostEntry books one wallet ledger entry inside txApp, idempotent per
// (RefType, RefId, Kind, wallet), and returns it (hooks/wallet Post).
func PostEntry(txApp core.App, p Posting) (*core.Record, error) {
	c, err := coreOf(txApp)
	if err != nil {
		return nil, err
	}
	return c.PostEntry(txApp, p)
}

// PostEntries books several entries inside txApp with the result of
// [PostEntry] once per posting, in fewer statements (hooks/wallet PostMany).
func PostEntries(txApp core.App, postings []Posting) ([]Posted, error) {
	c, err := coreOf(txApp)
	if err != nil {
		return nil, err
	}
	return c.PostEntries(txApp, postings)
}

// PostEntryRecords is [PostEntries] through record saves, so that the
// entries' record events fire as with [PostEntry] (hooks/wallet PostRecords).
func PostEntryRecords(txApp core.App, postings []Posting) ([]Posted, error) {
	c, err := coreOf(txApp)
	if err != nil {
		return nil, err
	}
	return c.PostEntryRecords(txApp, postings)
}

// WalletBalance returns a user's available and frozen fen (hooks/wallet).
func WalletBalance(app core.App, userId string) (available, frozen int64, err error) {
	c, err := coreOf(app)
	if err != nil {
		return 0, 0, err
	}
	return c.WalletBalance(app, userId)
}

// ErrInsufficientBalance is returned when a wallet entry would take
// available money below zero (hooks/wallet refuses such entries).
var ErrInsufficientBalance = Fail(http.StatusConflict, "insufficient_balance", "余额不足 / insufficient balance")

// FindPaidPayment returns the payment through provider that paid an order
// (sql.ErrNoRows when there is none).
func FindPaidPayment(app core.App, orderId, provider string) (*core.Record, error) {
	return app.FindFirstRecordByFilter(PaymentsCollection,
		"order = {:o} && provider = {:p} && status = {:s}",
		dbx.Params{"o": orderId, "p": provider, "s": PaymentPaid})
}

// openAftersaleStatuses are the statuses of an after-sale still in progress.
const openAftersaleStatuses = "'applied', 'approved', 'returning', 'received'"

// OpenAftersaleSQL returns an SQL condition that the aftersales status in
// column statusCol (e.g. "a.[[status]]") is one of an after-sale still in
// progress, which the console lists as work to do. The column is trusted
// SQL, never user input.
func OpenAftersaleSQL(statusCol string) string {
	return statusCol + " IN (" + openAftersaleStatuses + ")"
}

// SettleableLineSQL returns an SQL condition over a row that names an order
// line in the columns orderCol and itemCol: its order completed at or
// before the {:cutoff} parameter (a DateTime string), and no open
// after-sale covers the line. Settlement queries put it in their WHERE,
// so that a plugin settling per line does not spell out the order and
// after-sale tables. The columns are trusted SQL, never user input.
func SettleableLineSQL(orderCol, itemCol string) string {
	return "EXISTS (SELECT 1 FROM {{" + OrdersCollection + "}} o WHERE o.[[id]] = " + orderCol +
		" AND o.[[status]] = '" + OrderCompleted + "' AND o.[[completed_at]] != '' AND o.[[completed_at]] <= {:cutoff})" +
		" AND NOT EXISTS (SELECT 1 FROM {{" + AftersalesCollection + "}} a, json_each(a.[[items]]) j" +
		" WHERE a.[[order]] = " + orderCol + " AND a.[[status]] IN (" + openAftersaleStatuses + ")" +
		" AND json_extract(j.value, '$.order_item') = " + itemCol + ")"
}

// SettleableOrderSQL is [SettleableLineSQL] for a row that names a whole
// order in orderCol (an invite bounty): the order completed at or before
// {:cutoff} and no open after-sale on any of its lines.
func SettleableOrderSQL(orderCol string) string {
	return "EXISTS (SELECT 1 FROM {{" + OrdersCollection + "}} o WHERE o.[[id]] = " + orderCol +
		" AND o.[[status]] = '" + OrderCompleted + "' AND o.[[completed_at]] != '' AND o.[[completed_at]] <= {:cutoff})" +
		" AND NOT EXISTS (SELECT 1 FROM {{" + AftersalesCollection + "}} a" +
		" WHERE a.[[order]] = " + orderCol + " AND a.[[status]] IN (" + openAftersaleStatuses + "))"
}
