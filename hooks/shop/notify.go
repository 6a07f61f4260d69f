package shop

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Notification kinds. Buyer kinds go to the buyer of an order, distributor
// kinds to a distributor, and "staff_*" kinds to the merchant's staff (the
// notification has no user; see [Shop.StaffEmails]).
const (
	// buyer
	KindOrderPaid         = "order_paid"
	KindOrderShipped      = "order_shipped"
	KindOrderCompleted    = "order_completed" // auto-confirmed receipt
	KindOrderCancelled    = "order_cancelled"
	KindRefund            = "refund"
	KindRefundFailed      = "refund_failed"
	KindAftersaleApproved = "aftersale_approved"
	KindAftersaleRejected = "aftersale_rejected"
	KindAftersaleReceived = "aftersale_received"
	KindExchangeShipped   = "exchange_shipped"

	// distributor
	KindCommission          = "commission"
	KindCommissionCancelled = "commission_cancelled"
	KindCommissionSettled   = "commission_settled"
	KindWithdrawalApproved  = "withdrawal_approved"
	KindWithdrawalPaid      = "withdrawal_paid"
	KindWithdrawalRejected  = "withdrawal_rejected"
	KindWithdrawalFailed    = "withdrawal_failed"
	KindLevelUpgraded       = "level_upgraded"
	KindApplicationApproved = "application_approved"
	KindApplicationRejected = "application_rejected"
	KindDownlineJoined      = "downline_joined"

	// merchant staff
	KindStaffOrderPaid        = "staff_order_paid"
	KindStaffAftersale        = "staff_aftersale"
	KindStaffWithdrawal       = "staff_withdrawal"
	KindStaffLowStock         = "staff_low_stock"
	KindStaffPaymentUnmatched = "staff_payment_unmatched"
	KindStaffCommissionFailed = "staff_commission_failed"
)

// IsStaffKind reports whether notifications of kind go to the merchant's staff.
func IsStaffKind(kind string) bool {
	return strings.HasPrefix(kind, "staff_")
}

// IsMoneyKind reports whether kind reports money that moved (or did not):
// such notifications go out on every channel whatever the user's
// preferences say.
func IsMoneyKind(kind string) bool {
	switch kind {
	case KindOrderPaid, KindRefund, KindRefundFailed:
		return true
	}
	return strings.HasPrefix(kind, "commission") || strings.HasPrefix(kind, "withdrawal_")
}

// Notification is a message to one user, or to the staff (UserId "").
type Notification struct {
	// Id is the notifications record id (set by [Notify]).
	Id string

	UserId string
	Kind   string
	Title  string
	Body   string
	RefId  string

	// Data are the facts a channel's template fills in, by name, e.g.
	// order_no, amount (yuan), reason, time (see the README's list).
	Data map[string]string

	Created time.Time
}

// Delivery is one notification on its way through one channel.
type Delivery struct {
	// Id is the outbox row id: the same for every attempt, so a channel can
	// hand it to a provider as an idempotency key.
	Id      string
	Channel string
	// Attempt counts from 1.
	Attempt int
	Notification
}

// Channel is a way a notification reaches people outside the app
// (WeChat subscribe message, SMS, e-mail). The in-app row and its realtime
// event need no channel.
//
// NB! Send runs after the notification's transaction committed, at least
// once per delivery: a crash after the provider accepted a message and
// before the outbox recorded it sends it again.
type Channel interface {
	// Name identifies the channel in the outbox and in user preferences,
	// e.g. "sms", "wechat_subscribe", "email".
	Name() string

	// Accepts reports whether the channel carries notifications of this
	// kind at all (e-mail: staff kinds; SMS: the kinds the merchant
	// enabled). It runs inside the business transaction: no network.
	Accepts(n Notification) bool

	// Send delivers d. Errors wrapping [ErrSkip] mark the delivery skipped
	// (the recipient cannot be reached this way: no subscription, no phone),
	// [Permanent] errors mark it failed, [RetryAfter] errors retry after the
	// given delay and any other error retries with backoff.
	Send(ctx context.Context, app core.App, d Delivery) error
}

// ErrSkip says a channel cannot reach a delivery's recipient; it is not retried.
var ErrSkip = errors.New("recipient not reachable on this channel")

// permanentError is an error retrying cannot fix.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent marks err as one that retrying cannot fix (bad template, bad key).
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// RetryAfterError asks the outbox to retry no sooner than Delay (a
// provider's rate-limit answer).
type RetryAfterError struct {
	Delay time.Duration
	Err   error
}

func (e *RetryAfterError) Error() string { return e.Err.Error() }
func (e *RetryAfterError) Unwrap() error { return e.Err }

// RegisterChannel adds a delivery channel; a second one with the same name panics.
func (s *Shop) RegisterChannel(c Channel) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, existing := range s.channels {
		if existing.Name() == c.Name() {
			panic(fmt.Sprintf("fenxiao: notification channel %q registered twice", c.Name()))
		}
	}
	s.channels = append(s.channels, c)
}

// Channels returns the registered delivery channels.
func (s *Shop) Channels() []Channel {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return append([]Channel(nil), s.channels...)
}

// Channel returns the channel registered under name.
func (s *Shop) Channel(name string) (Channel, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, c := range s.channels {
		if c.Name() == name {
			return c, true
		}
	}
	return nil, false
}

// StaffEmailsFunc returns the e-mail addresses of the staff who receive
// staff notifications.
type StaffEmailsFunc func(app core.App) ([]string, error)

// SetStaffEmails sets who receives staff notifications (default: every superuser).
func (s *Shop) SetStaffEmails(fn StaffEmailsFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.staffEmails = fn
}

// StaffEmails returns the addresses staff notifications go to.
func (s *Shop) StaffEmails(app core.App) ([]string, error) {
	s.mu.RLock()
	fn := s.staffEmails
	s.mu.RUnlock()
	if fn != nil {
		return fn(app)
	}
	// note: until the console has staff roles, the superusers are the staff
	var emails []string
	err := app.DB().Select("email").From(core.CollectionNameSuperusers).
		OrderBy("created").Column(&emails)
	return emails, err
}

// Collections of the notifications and their outbox.
const (
	notificationsCollection = "notifications"
	deliveriesCollection    = "notification_deliveries"
	prefsCollection         = "notification_prefs"
)

// Notify records n in app (the business transaction it reports, or the
// app) and queues its delivery on every registered channel that accepts
// it and the user did not switch off. Nothing leaves the process before
// the transaction commits: the outbox worker is woken after the commit,
// and its periodic sweep finds what a crash left behind.
//
// An error means nothing of n was recorded; callers inside a business
// transaction return it, so the event and its notification commit together.
func Notify(app core.App, n Notification) error {
	return NotifyContext(context.Background(), app, n)
}

// NotifyContext is [Notify] with the context of the record saves.
func NotifyContext(ctx context.Context, app core.App, n Notification) error {
	c, err := app.FindCachedCollectionByNameOrId(notificationsCollection)
	if err != nil {
		return err
	}
	r := NewRecord(c)
	SetField(r, "user", n.UserId)
	SetField(r, "kind", n.Kind)
	SetField(r, "title", cut(n.Title, 200))
	SetField(r, "body", cut(n.Body, 1000))
	SetField(r, "ref", n.RefId)
	if len(n.Data) > 0 {
		SetField(r, "data", n.Data)
	}
	if err := app.SaveNoValidateWithContext(ctx, r); err != nil {
		return fmt.Errorf("notify %s %s: %w", n.Kind, n.UserId, err)
	}
	n.Id = r.Id

	s := Get(app)
	if s == nil {
		return nil
	}
	var queued bool
	var muted map[string][]string
	for _, ch := range s.Channels() {
		if !ch.Accepts(n) {
			continue
		}
		if muted == nil && n.UserId != "" && !IsMoneyKind(n.Kind) {
			if muted, err = mutedChannels(app, n.UserId); err != nil {
				return err
			}
		}
		if contains(muted[n.Kind], ch.Name()) {
			continue
		}
		if err := queueDelivery(ctx, app, r.Id, ch.Name()); err != nil {
			return err
		}
		queued = true
	}
	if queued {
		AfterCommit(app, func(core.App) { s.WakeOutbox() })
	}
	return nil
}

func queueDelivery(ctx context.Context, app core.App, notificationId, channel string) error {
	c, err := app.FindCachedCollectionByNameOrId(deliveriesCollection)
	if err != nil {
		return err
	}
	d := NewRecord(c)
	SetField(d, "notification", notificationId)
	SetField(d, "channel", channel)
	SetField(d, "status", "pending")
	SetField(d, "next_at", types.NowDateTime())
	if err := app.SaveNoValidateWithContext(ctx, d); err != nil {
		return fmt.Errorf("queue %s delivery: %w", channel, err)
	}
	return nil
}

// mutedChannels returns the user's switched-off channels by kind.
func mutedChannels(app core.App, userId string) (map[string][]string, error) {
	var raw types.JSONRaw
	err := app.DB().Select("muted").From(prefsCollection).
		Where(dbx.HashExp{"user": userId}).Limit(1).Row(&raw)
	muted := map[string][]string{}
	if err != nil {
		if isNoRows(err) {
			return muted, nil
		}
		return nil, fmt.Errorf("notification prefs of %s: %w", userId, err)
	}
	if len(raw) > 0 {
		// note: a malformed value mutes nothing rather than failing the event
		_ = json.Unmarshal(raw, &muted)
	}
	return muted, nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// cut shortens s to at most n characters (runes).
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// MaskName is how one user shows to another in notifications: the
// nickname's first character and "**", else the phone as 138****0000,
// else "新用户".
func MaskName(nickname, phone string) string {
	if r := []rune(strings.TrimSpace(nickname)); len(r) > 0 {
		return string(r[:1]) + "**"
	}
	if len(phone) >= 7 {
		return phone[:3] + "****" + phone[len(phone)-4:]
	}
	return "新用户"
}
