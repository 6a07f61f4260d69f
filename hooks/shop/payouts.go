package shop

import (
	"context"
	"net/http"
	"time"
)

// ---------------------------------------------------------------
// payouts (withdrawals paid by the merchant to a distributor)
// ---------------------------------------------------------------

// TransferRequest asks a payout provider to pay a distributor.
type TransferRequest struct {
	// BillNo is the merchant bill number: the withdrawal id. The provider
	// treats a repeated BillNo as the same transfer, so a retry never pays twice.
	BillNo   string
	OpenId   string // recipient (WeChat wallet)
	UserName string // real name, sent encrypted when required
	Amount   int64  // fen
	Remark   string
}

// TransferResult is the provider's view of a transfer.
type TransferResult struct {
	// State is one of "accepted", "processing", "wait_user_confirm",
	// "success", "failed", "cancelled".
	State string
	// TransferId is the provider's bill id.
	TransferId string
	// PackageInfo is what the mini-program passes to wx.requestMerchantTransfer.
	PackageInfo string
	FailReason  string
	Raw         string
}

// TransferNotice is a verified transfer state notification.
type TransferNotice struct {
	BillNo     string
	TransferId string
	State      string
	Amount     int64
	FailReason string
	At         time.Time
	Raw        string
}

// PayoutProvider pays withdrawals out (WeChat merchant transfer).
type PayoutProvider interface {
	Name() string
	Transfer(ctx context.Context, req TransferRequest) (*TransferResult, error)
	QueryTransfer(ctx context.Context, billNo string) (*TransferResult, error)
	ParseTransferNotification(ctx context.Context, r *http.Request) (*TransferNotice, error)
}

// ---------------------------------------------------------------
// logistics
// ---------------------------------------------------------------

// TrackingEvent is one step of a parcel's trace.
type TrackingEvent struct {
	Time    string `json:"time"`
	Context string `json:"context"`
	Status  string `json:"status,omitempty"`
}

// Tracking is a carrier's trace of a parcel.
type Tracking struct {
	Company string          `json:"company"`
	Number  string          `json:"number"`
	State   string          `json:"state"` // in_transit, delivered, ...
	Events  []TrackingEvent `json:"events"`
}

// Tracker queries a logistics API for a parcel's trace.
type Tracker interface {
	Track(ctx context.Context, company, number, phone string) (*Tracking, error)
}
