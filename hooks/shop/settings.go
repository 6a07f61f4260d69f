package shop

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
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
//
// When [BindSettingsCache] was called on the app, the committed settings
// are kept in memory: checkout, payment and commission read them several
// times per order, and they change only when an admin saves them.
//
// The returned settings are the caller's own; see [ReadSettings] for the
// shared copy hot paths read.
func LoadSettings(app core.App) (*Settings, error) {
	c, _ := app.Store().Get(settingsCacheKey).(*settingsCache)
	if r := c.get(); r != nil {
		return SettingsFromRecord(r), nil
	}
	gen := c.generation()
	r, err := app.FindRecordById(SettingsCollection, SettingsId)
	if errors.Is(err, sql.ErrNoRows) {
		// note: a shop whose settings row was deleted by hand keeps
		// selling and signing up on the defaults, and says so
		col, cerr := app.FindCachedCollectionByNameOrId(SettingsCollection)
		if cerr != nil {
			return nil, fmt.Errorf("load shop settings: %w", cerr)
		}
		app.Logger().Warn("shop settings record is missing; using the defaults (create it again in the dashboard)",
			"collection", SettingsCollection, "id", SettingsId)
		r = core.NewRecord(col)
		r.Id = SettingsId
		r.Load(DefaultSettings)
	} else if err != nil {
		return nil, fmt.Errorf("load shop settings: %w", err)
	} else {
		sanitizeSettings(app, r)
	}
	// note: what a transaction reads may be its own uncommitted change
	if !app.IsTransactional() {
		c.put(gen, r)
	}
	return SettingsFromRecord(r), nil
}

// ReadSettings is [LoadSettings] for code that only reads: when the
// committed settings are cached it returns the one copy every caller
// shares, so it and its Record must never be changed. Payments, checkout
// and the request log read the settings on every request; copying the
// record (some eighty fields) each time was a few percent of the shop's
// CPU under load.
func ReadSettings(app core.App) (*Settings, error) {
	c, _ := app.Store().Get(settingsCacheKey).(*settingsCache)
	if s := c.shared(); s != nil {
		return s, nil
	}
	return LoadSettings(app)
}

// DefaultSettings are the values of a new shop (the settings migration's
// record). They stand in for a stored value that is invalid, or for the
// whole record when it is missing.
var DefaultSettings = map[string]any{
	"commission_l1_bp":            1000,
	"commission_l2_bp":            500,
	"commission_l3_bp":            200,
	"commission_max_total_bp":     3000,
	"self_purchase":               false,
	"commission_include_shipping": false,
	"binding_mode":                BindFirstWins,
	"binding_days":                0,
	"distributor_condition":       DistributorEveryone,
	"distributor_spend_threshold": 0,
	"frozen_days":                 7,
	"settlement_cycle":            CycleDaily,
	"withdraw_min":                100,
	"withdraw_fee_bp":             0,
	"withdraw_daily_limit":        3,
	"auto_cancel_minutes":         30,
	"auto_confirm_days":           7,
	"aftersale_days":              7,
	"auto_delist_soldout":         true,
	"auto_relist":                 true,
	"low_stock_email":             true,
	"commission_order_cap_bp":     0,
	"clawback_policy":             "net",
	"leaderboard_visibility":      "members_masked",
	"invite_bounty_enabled":       false,
	"invite_bounty_amount":        500,
	"invite_bounty_min_order":     0,
	"invite_bounty_daily_count":   20,
	"invite_bounty_daily_amount":  0,
}

// sanitizeSettings checks a settings record read from the database as a
// save would (each field's own rules, and the three commission rates
// within their maximum) and puts the default back in place of every value
// that fails, with a logged warning: a value written straight into the
// database (a negative withdraw_min, an unknown binding mode) must never
// reach the money rules.
func sanitizeSettings(app core.App, r *core.Record) {
	ctx := context.Background()
	for _, f := range r.Collection().Fields {
		name := f.GetName()
		def, ok := DefaultSettings[name]
		if !ok || f.GetSystem() {
			continue // a field without a default has nothing safer to fall back to
		}
		if err := f.ValidateValue(ctx, app, r); err != nil {
			app.Logger().Warn("shop settings: invalid stored value replaced by the default",
				"field", name, "value", r.Get(name), "default", def, "error", err.Error())
			r.Set(name, def)
		}
	}
	total := r.GetInt("commission_l1_bp") + r.GetInt("commission_l2_bp") + r.GetInt("commission_l3_bp")
	if total > r.GetInt("commission_max_total_bp") {
		app.Logger().Warn("shop settings: commission rates add up above commission_max_total_bp; using the default rates",
			"total", total, "max", r.GetInt("commission_max_total_bp"))
		for _, name := range []string{"commission_l1_bp", "commission_l2_bp", "commission_l3_bp", "commission_max_total_bp"} {
			r.Set(name, DefaultSettings[name])
		}
	}
}

const settingsCacheKey = "fenxiao.shop.settingsCache"

// settingsCache holds a copy of the committed settings record.
//
// A save of the settings empties it when it starts (OnRecordUpdate, before
// anything is written) and again when it has committed or failed; while a
// save is in flight nothing is cached, so a reader can never keep a value
// older than the last commit. The generation makes a read that raced with
// a save drop its result instead of caching it.
type settingsCache struct {
	mu       sync.Mutex
	gen      uint64
	inFlight int
	record   *core.Record
	settings *Settings // from record, shared by ReadSettings callers
}

// BindSettingsCache keeps the settings of app in memory (see [LoadSettings]),
// emptied on every save of the settings record, by any writer that goes
// through the record API (dashboard, REST, Go).
func BindSettingsCache(app core.App) {
	c := &settingsCache{}
	app.Store().Set(settingsCacheKey, c)

	begin := &hook.Handler[*core.RecordEvent]{
		Func: func(e *core.RecordEvent) error {
			c.begin()
			return e.Next()
		},
		Priority: -1000, // before any hook that could fail the save
	}
	app.OnRecordCreate(SettingsCollection).Bind(begin)
	app.OnRecordUpdate(SettingsCollection).Bind(begin)
	app.OnRecordDelete(SettingsCollection).Bind(begin)

	end := func(e *core.RecordEvent) error {
		c.end()
		return e.Next()
	}
	endErr := func(e *core.RecordErrorEvent) error {
		c.end()
		return e.Next()
	}
	app.OnRecordAfterCreateSuccess(SettingsCollection).BindFunc(end)
	app.OnRecordAfterUpdateSuccess(SettingsCollection).BindFunc(end)
	app.OnRecordAfterDeleteSuccess(SettingsCollection).BindFunc(end)
	app.OnRecordAfterCreateError(SettingsCollection).BindFunc(endErr)
	app.OnRecordAfterUpdateError(SettingsCollection).BindFunc(endErr)
	app.OnRecordAfterDeleteError(SettingsCollection).BindFunc(endErr)
}

// get returns a copy of the cached record, or nil.
func (c *settingsCache) get() *core.Record {
	if r, _ := c.cached(); r != nil {
		return r.Fresh()
	}
	return nil
}

// shared returns the cached settings every reader shares, or nil.
func (c *settingsCache) shared() *Settings {
	_, s := c.cached()
	return s
}

// cached returns the cached record and settings, or nils while a save is
// in flight or nothing is cached.
func (c *settingsCache) cached() (*core.Record, *Settings) {
	if c == nil {
		return nil, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.record == nil || c.inFlight > 0 {
		return nil, nil
	}
	return c.record, c.settings
}

func (c *settingsCache) generation() uint64 {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put caches r if no save started or ended since gen was taken.
func (c *settingsCache) put(gen uint64, r *core.Record) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen && c.inFlight == 0 {
		c.record = r.Fresh()
		// note: c.record is never handed out (get copies it), so the
		// shared settings may hold it
		c.settings = SettingsFromRecord(c.record)
	}
}

func (c *settingsCache) begin() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.inFlight++
	c.gen++
	c.record = nil
	c.settings = nil
}

func (c *settingsCache) end() {
	c.mu.Lock()
	defer c.mu.Unlock()
	// note: never below 0, should an error event come without its begin
	c.inFlight = max(0, c.inFlight-1)
	c.gen++
	c.record = nil
	c.settings = nil
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
