package shop

import (
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// UserEvent is fired when a user joins the shop.
type UserEvent struct {
	hook.Event

	// App is the transaction the user was created in.
	App core.App

	User *core.Record

	// Upline is the user's referrer at sign-up, or nil.
	Upline *core.Record
}

// UplineEvent is fired when a user's upline is bound or moved after sign-up
// (binding by link or code, rebinding, an admin reassignment or a
// dashboard edit of users.referrer).
type UplineEvent struct {
	hook.Event

	// App is the transaction of the change; the referral tree and the team
	// counters are already up to date in it.
	App core.App

	User *core.Record

	// OldUpline is the previous upline's id ("" when the user had none);
	// NewUpline the new one ("" when the user was detached).
	OldUpline string
	NewUpline string
}

// OrderEvent is fired when an order changes state (paid, completed, cancelled).
type OrderEvent struct {
	hook.Event

	// App is the transaction the state change happens in; handlers must
	// use it (and not a captured app) for every read and write.
	App core.App

	Order *Order

	// Items are the order's lines.
	Items []*OrderItem

	// Payment is the payment that paid the order (OnOrderPaid only).
	Payment *Payment
}

// ShipmentEvent is fired when an order ships.
type ShipmentEvent struct {
	hook.Event

	// App is the transaction the order moved to shipped in.
	App core.App

	Order *Order

	// Items are the order's lines.
	Items []*OrderItem

	// TrackingCompany and TrackingNo identify the parcel.
	TrackingCompany string
	TrackingNo      string
}

// RefundedLine is the part of one order item that a refund gave back.
type RefundedLine struct {
	// OrderItemId is the id of the order_items record.
	OrderItemId string

	// Amount is the refunded amount of this line in fen.
	Amount int64

	// Quantity is the number of units returned (0 for a refund without return).
	Quantity int
}

// RefundEvent is fired when money goes back to a buyer.
type RefundEvent struct {
	hook.Event

	// App is the transaction the refund is recorded in.
	App core.App

	Order     *Order
	Aftersale *core.Record

	// Lines are the refunded order lines with their amounts.
	Lines []RefundedLine
}
