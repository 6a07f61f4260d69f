package shop

import (
	"fmt"

	"github.com/pocketbase/pocketbase/core"
)

// SettingsCollection is the collection holding the one shop settings record.
const SettingsCollection = "shop_settings"

// SettingsId is the id of the one shop settings record.
const SettingsId = "shopsettings001"

// Binding modes (shop_settings.binding_mode).
const (
	BindRegisterOnly = "register_only" // upline only at sign-up
	BindFirstWins    = "first_wins"    // any time while unbound, never overwritten
	BindOverride     = "override"      // a newer scan re-binds until the first paid order
)

// Distributor conditions (shop_settings.distributor_condition).
const (
	DistributorEveryone  = "everyone"
	DistributorFirstPaid = "first_paid"
	DistributorSpend     = "spend"
	DistributorApply     = "apply"
)

// Settlement cycles (shop_settings.settlement_cycle).
const (
	CycleDaily   = "daily"
	CycleWeekly  = "weekly"
	CycleMonthly = "monthly"
)

// Settings is the typed view of the shop settings record.
// Amounts are fen, rates are basis points (10000 = 100%).
type Settings struct {
	CommissionRates    [3]int64 // level 1, 2, 3
	CommissionMaxTotal int64    // refuse rates whose three levels add up above this
	SelfPurchase       bool
	IncludeShipping    bool // commission base includes shipping

	BindingMode string
	BindingDays int // 0 = a binding never lapses

	DistributorCondition string
	DistributorSpend     int64

	FrozenDays      int
	SettlementCycle string

	WithdrawMin        int64
	WithdrawFeeRate    int64
	WithdrawDailyLimit int

	AutoCancelMinutes int
	AutoConfirmDays   int
	AftersaleDays     int

	// Record is the underlying record, for fields later issues add.
	Record *core.Record
}

// LoadSettings reads the shop settings through app (use the transaction's
// app inside a transaction).
func LoadSettings(app core.App) (*Settings, error) {
	r, err := app.FindRecordById(SettingsCollection, SettingsId)
	if err != nil {
		return nil, fmt.Errorf("load shop settings: %w", err)
	}
	return SettingsFromRecord(r), nil
}

// SettingsFromRecord converts a shop_settings record.
func SettingsFromRecord(r *core.Record) *Settings {
	return &Settings{
		CommissionRates: [3]int64{
			int64(r.GetInt("commission_l1_bp")),
			int64(r.GetInt("commission_l2_bp")),
			int64(r.GetInt("commission_l3_bp")),
		},
		CommissionMaxTotal:   int64(r.GetInt("commission_max_total_bp")),
		SelfPurchase:         r.GetBool("self_purchase"),
		IncludeShipping:      r.GetBool("commission_include_shipping"),
		BindingMode:          r.GetString("binding_mode"),
		BindingDays:          r.GetInt("binding_days"),
		DistributorCondition: r.GetString("distributor_condition"),
		DistributorSpend:     int64(r.GetInt("distributor_spend_threshold")),
		FrozenDays:           r.GetInt("frozen_days"),
		SettlementCycle:      r.GetString("settlement_cycle"),
		WithdrawMin:          int64(r.GetInt("withdraw_min")),
		WithdrawFeeRate:      int64(r.GetInt("withdraw_fee_bp")),
		WithdrawDailyLimit:   r.GetInt("withdraw_daily_limit"),
		AutoCancelMinutes:    r.GetInt("auto_cancel_minutes"),
		AutoConfirmDays:      r.GetInt("auto_confirm_days"),
		AftersaleDays:        r.GetInt("aftersale_days"),
		Record:               r,
	}
}
