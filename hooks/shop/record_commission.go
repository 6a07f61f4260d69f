package shop

import (
	"github.com/pocketbase/pocketbase/core"
)

var _ core.RecordProxy = (*Commission)(nil)

// CommissionStatus is the value of commissions.status.
type CommissionStatus string

const (
	// CommissionStatusFrozen: earned, waiting for the order to be past refunds.
	CommissionStatusFrozen CommissionStatus = "frozen"
	// CommissionStatusSettled: moved into the beneficiary's wallet.
	CommissionStatusSettled CommissionStatus = "settled"
	// CommissionStatusCancelled: taken back before it was settled.
	CommissionStatusCancelled CommissionStatus = "cancelled"
)

// Commission is a record proxy for the commissions collection (one
// beneficiary's share of one order line).
type Commission struct {
	core.BaseRecordProxy
}

// AsCommission wraps a commissions record; nil stays nil.
func AsCommission(r *core.Record) *Commission {
	if r == nil {
		return nil
	}
	c := &Commission{}
	c.SetProxyRecord(r)
	return c
}

// Status returns the commission's state.
func (c *Commission) Status() CommissionStatus {
	return CommissionStatus(c.GetString("status"))
}

// Beneficiary returns the id of the user who earns the commission.
func (c *Commission) Beneficiary() string {
	return c.GetString("beneficiary")
}

// Level is the distance from the buyer (1, 2 or 3).
func (c *Commission) Level() int {
	return c.GetInt("level")
}

// Base is what the rule was applied to, in fen.
func (c *Commission) Base() int64 {
	return int64(c.GetInt("base"))
}

// Amount is the commission, in fen.
func (c *Commission) Amount() int64 {
	return int64(c.GetInt("amount"))
}
