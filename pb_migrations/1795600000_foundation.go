package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// The foundation: shop fields on users, addresses, the shop settings record,
// the referral network (events, ancestry closure, team counters), SMS codes,
// distributor applications, and the rate limiter.
func init() {
	m.Register(func(app core.App) error {
		users, err := app.FindCollectionByNameOrId("users")
		if err != nil {
			return err
		}
		if err := extendUsers(app, users); err != nil {
			return err
		}

		steps := []func(core.App, *core.Collection) error{
			createAddresses,
			createShopSettings,
			createReferralEvents,
			createReferralPaths,
			createReferralStats,
			createSMSCodes,
			createDistributorApplications,
		}
		for _, step := range steps {
			if err := step(app, users); err != nil {
				return err
			}
		}

		return enableRateLimits(app)
	}, func(app core.App) error {
		for _, name := range []string{
			"distributor_applications", "sms_codes", "referral_stats",
			"referral_paths", "referral_events", "shop_settings", "addresses",
		} {
			c, err := app.FindCollectionByNameOrId(name)
			if err != nil {
				continue
			}
			if err := app.Delete(c); err != nil {
				return err
			}
		}
		users, err := app.FindCollectionByNameOrId("users")
		if err != nil {
			return err
		}
		for _, f := range userShopFields {
			users.Fields.RemoveByName(f)
		}
		users.RemoveIndex("idx_users_invite_code")
		users.RemoveIndex("idx_users_phone")
		users.RemoveIndex("idx_users_wx_openid")
		users.RemoveIndex("idx_users_referrer")
		if err := app.Save(users); err != nil {
			return err
		}
		return disableRateLimits(app)
	})
}

var userShopFields = []string{
	"nickname", "phone", "invite_code", "referrer", "bound_at", "bound_source", "bound_scene", "bound_by",
	"is_distributor", "distributor_since", "level", "wx_openid", "wx_unionid",
	"first_paid_at", "total_spent", "paid_orders",
}

func extendUsers(app core.App, users *core.Collection) error {
	// phone and WeChat users have no e-mail
	if email, ok := users.Fields.GetByName("email").(*core.EmailField); ok {
		email.Required = false
	}

	users.Fields.Add(&core.TextField{Name: "nickname", Max: 64})
	users.Fields.Add(&core.TextField{Name: "phone", Max: 20, Pattern: `^1[3-9]\d{9}$`})
	// server generated; users cannot set or change it (see hooks/accounts)
	users.Fields.Add(&core.TextField{Name: "invite_code", Max: 16})
	// set only by the server: binding, lapse, admin reassignment
	users.Fields.Add(relationTo("referrer", users.Id, false, false))
	users.Fields.Add(&core.DateField{Name: "bound_at"})
	users.Fields.Add(&core.TextField{Name: "bound_source", Max: 32})
	users.Fields.Add(&core.TextField{Name: "bound_scene", Max: 128})
	// who made the current binding: "user:<id>", "superuser:<id>", "system:<job>"
	users.Fields.Add(&core.TextField{Name: "bound_by", Max: 64})
	users.Fields.Add(&core.BoolField{Name: "is_distributor"})
	users.Fields.Add(&core.DateField{Name: "distributor_since"})
	users.Fields.Add(intField("level", 0))
	// never exposed through the API
	users.Fields.Add(&core.TextField{Name: "wx_openid", Max: 64, Hidden: true})
	users.Fields.Add(&core.TextField{Name: "wx_unionid", Max: 64, Hidden: true})
	users.Fields.Add(&core.DateField{Name: "first_paid_at"})
	users.Fields.Add(fenField("total_spent", false))
	users.Fields.Add(intField("paid_orders", 0))

	users.AddIndex("idx_users_invite_code", true, "invite_code", "invite_code != ''")
	users.AddIndex("idx_users_phone", true, "phone", "phone != ''")
	users.AddIndex("idx_users_wx_openid", true, "wx_openid", "wx_openid != ''")
	users.AddIndex("idx_users_referrer", false, "referrer", "")

	owner := "id = @request.auth.id"
	users.ListRule = types.Pointer(owner)
	users.ViewRule = types.Pointer(owner)
	users.CreateRule = types.Pointer("")
	users.UpdateRule = types.Pointer(owner)
	// accounts with orders and money history are closed by the merchant
	users.DeleteRule = nil

	return app.Save(users)
}

func createAddresses(app core.App, users *core.Collection) error {
	c := core.NewBaseCollection("addresses")
	c.Fields.Add(relationTo("user", users.Id, true, true))
	c.Fields.Add(&core.TextField{Name: "name", Required: true, Max: 32})
	c.Fields.Add(&core.TextField{Name: "phone", Required: true, Max: 20, Pattern: `^[0-9+\- ]{5,20}$`})
	c.Fields.Add(&core.TextField{Name: "province", Required: true, Max: 32})
	c.Fields.Add(&core.TextField{Name: "city", Max: 32})
	c.Fields.Add(&core.TextField{Name: "district", Max: 32})
	c.Fields.Add(&core.TextField{Name: "detail", Required: true, Max: 200})
	c.Fields.Add(&core.TextField{Name: "postcode", Max: 10})
	c.Fields.Add(&core.BoolField{Name: "is_default"})
	addTimestamps(c)
	c.AddIndex("idx_addresses_user", false, "user", "")

	own := "user = @request.auth.id"
	c.ListRule = types.Pointer(own)
	c.ViewRule = types.Pointer(own)
	c.CreateRule = types.Pointer("@request.auth.id != '' && @request.auth.collectionName = 'users' && user = @request.auth.id")
	c.UpdateRule = types.Pointer(own + " && (@request.body.user:isset = false || @request.body.user = @request.auth.id)")
	c.DeleteRule = types.Pointer(own)
	return app.Save(c)
}

func createShopSettings(app core.App, _ *core.Collection) error {
	c := core.NewBaseCollection("shop_settings")
	// commission rates per level in basis points (1000 = 10%)
	c.Fields.Add(intField("commission_l1_bp", 10000))
	c.Fields.Add(intField("commission_l2_bp", 10000))
	c.Fields.Add(intField("commission_l3_bp", 10000))
	c.Fields.Add(intField("commission_max_total_bp", 10000))
	c.Fields.Add(&core.BoolField{Name: "self_purchase"})
	c.Fields.Add(&core.BoolField{Name: "commission_include_shipping"})
	c.Fields.Add(&core.SelectField{Name: "binding_mode", Required: true, MaxSelect: 1,
		Values: []string{"register_only", "first_wins", "override"}})
	c.Fields.Add(intField("binding_days", 3650))
	c.Fields.Add(&core.SelectField{Name: "distributor_condition", Required: true, MaxSelect: 1,
		Values: []string{"everyone", "first_paid", "spend", "apply"}})
	c.Fields.Add(fenField("distributor_spend_threshold", false))
	c.Fields.Add(intField("frozen_days", 365))
	c.Fields.Add(&core.SelectField{Name: "settlement_cycle", Required: true, MaxSelect: 1,
		Values: []string{"daily", "weekly", "monthly"}})
	c.Fields.Add(fenField("withdraw_min", false))
	c.Fields.Add(intField("withdraw_fee_bp", 10000))
	c.Fields.Add(intField("withdraw_daily_limit", 100))
	c.Fields.Add(intField("auto_cancel_minutes", 7*24*60))
	c.Fields.Add(intField("auto_confirm_days", 60))
	c.Fields.Add(intField("aftersale_days", 60))
	addTimestamps(c)
	// superusers only (nil rules)
	if err := app.Save(c); err != nil {
		return err
	}

	r := core.NewRecord(c)
	r.Id = "shopsettings001"
	r.Load(map[string]any{
		"commission_l1_bp":            1000,
		"commission_l2_bp":            500,
		"commission_l3_bp":            200,
		"commission_max_total_bp":     3000,
		"binding_mode":                "first_wins",
		"binding_days":                0,
		"distributor_condition":       "everyone",
		"distributor_spend_threshold": 0,
		"frozen_days":                 7,
		"settlement_cycle":            "daily",
		"withdraw_min":                100,
		"withdraw_fee_bp":             0,
		"withdraw_daily_limit":        3,
		"auto_cancel_minutes":         30,
		"auto_confirm_days":           7,
		"aftersale_days":              7,
	})
	return app.Save(r)
}

func createReferralEvents(app core.App, users *core.Collection) error {
	c := core.NewBaseCollection("referral_events")
	c.Fields.Add(relationTo("user", users.Id, true, false))
	c.Fields.Add(relationTo("old_upline", users.Id, false, false))
	c.Fields.Add(relationTo("new_upline", users.Id, false, false))
	c.Fields.Add(&core.SelectField{Name: "kind", Required: true, MaxSelect: 1,
		Values: []string{"bind", "rebind", "lapse", "reassign"}})
	c.Fields.Add(&core.SelectField{Name: "source", Required: true, MaxSelect: 1,
		Values: []string{"register", "link", "qr", "poster", "cart_share", "admin", "system"}})
	c.Fields.Add(&core.TextField{Name: "scene", Max: 128})
	// who did it: "user:<id>", "superuser:<id>" or "system:<job>"
	c.Fields.Add(&core.TextField{Name: "actor", Required: true, Max: 64})
	c.Fields.Add(&core.AutodateField{Name: "created", OnCreate: true})
	c.AddIndex("idx_referral_events_user", false, "user, created", "")
	c.ListRule = types.Pointer("user = @request.auth.id")
	c.ViewRule = types.Pointer("user = @request.auth.id")
	return app.Save(c)
}

func createReferralPaths(app core.App, users *core.Collection) error {
	// closure table: one row per (ancestor, descendant) up to three levels apart
	c := core.NewBaseCollection("referral_paths")
	c.Fields.Add(relationTo("ancestor", users.Id, true, true))
	c.Fields.Add(relationTo("descendant", users.Id, true, true))
	c.Fields.Add(&core.NumberField{Name: "depth", OnlyInt: true, Required: true,
		Min: types.Pointer(1.0), Max: types.Pointer(3.0)})
	c.Fields.Add(&core.AutodateField{Name: "created", OnCreate: true})
	c.AddIndex("idx_referral_paths_desc_depth", true, "descendant, depth", "")
	c.AddIndex("idx_referral_paths_anc_depth", false, "ancestor, depth, created", "")
	return app.Save(c)
}

func createReferralStats(app core.App, users *core.Collection) error {
	// team counters kept in step with referral_paths, so a summary is one row read
	c := core.NewBaseCollection("referral_stats")
	c.Fields.Add(relationTo("user", users.Id, true, true))
	c.Fields.Add(intField("team_l1", 0))
	c.Fields.Add(intField("team_l2", 0))
	c.Fields.Add(intField("team_l3", 0))
	c.AddIndex("idx_referral_stats_user", true, "user", "")
	c.ListRule = types.Pointer("user = @request.auth.id")
	c.ViewRule = types.Pointer("user = @request.auth.id")
	return app.Save(c)
}

func createSMSCodes(app core.App, _ *core.Collection) error {
	c := core.NewBaseCollection("sms_codes")
	c.Fields.Add(&core.TextField{Name: "phone", Required: true, Max: 20})
	c.Fields.Add(&core.TextField{Name: "code_hash", Required: true, Hidden: true, Max: 128})
	c.Fields.Add(&core.DateField{Name: "expires_at", Required: true})
	c.Fields.Add(intField("attempts", 0))
	c.Fields.Add(&core.BoolField{Name: "used"})
	c.Fields.Add(&core.TextField{Name: "ip", Max: 64})
	c.Fields.Add(&core.AutodateField{Name: "created", OnCreate: true})
	c.AddIndex("idx_sms_codes_phone", false, "phone, created", "")
	c.AddIndex("idx_sms_codes_ip", false, "ip, created", "")
	return app.Save(c)
}

func createDistributorApplications(app core.App, users *core.Collection) error {
	c := core.NewBaseCollection("distributor_applications")
	c.Fields.Add(relationTo("user", users.Id, true, true))
	c.Fields.Add(&core.TextField{Name: "real_name", Max: 32})
	c.Fields.Add(&core.TextField{Name: "phone", Max: 20})
	c.Fields.Add(&core.TextField{Name: "reason", Max: 500})
	c.Fields.Add(&core.SelectField{Name: "status", Required: true, MaxSelect: 1,
		Values: []string{"pending", "approved", "rejected"}})
	c.Fields.Add(&core.TextField{Name: "review_note", Max: 500})
	c.Fields.Add(&core.DateField{Name: "reviewed_at"})
	addTimestamps(c)
	c.AddIndex("idx_distributor_applications_user", false, "user, status", "")
	c.ListRule = types.Pointer("user = @request.auth.id")
	c.ViewRule = types.Pointer("user = @request.auth.id")
	return app.Save(c)
}

// shopRateLimits are the limiter rules of the shop's own routes.
var shopRateLimits = []core.RateLimitRule{
	{Label: "POST /api/shop/auth/sms/send", MaxRequests: 5, Duration: 60},
	{Label: "POST /api/shop/auth/", MaxRequests: 20, Duration: 60},
	{Label: "POST /api/shop/checkout", MaxRequests: 30, Duration: 10},
	{Label: "POST /api/shop/orders/", MaxRequests: 60, Duration: 10},
	{Label: "POST /api/shop/withdrawals", MaxRequests: 5, Duration: 60},
}

func enableRateLimits(app core.App) error {
	s := app.Settings()
	s.Meta.AppName = "fenxiao"
	s.RateLimits.Enabled = true
	// a rule the merchant already has under the same label is replaced, so
	// that applying the migration again (after a down) does not conflict
	s.RateLimits.Rules = append(withoutShopRateLimits(s.RateLimits.Rules), shopRateLimits...)
	return app.Save(s)
}

// disableRateLimits removes the shop's rules and leaves the merchant's own
// (and PocketBase's defaults) as they are.
func disableRateLimits(app core.App) error {
	s := app.Settings()
	s.RateLimits.Rules = withoutShopRateLimits(s.RateLimits.Rules)
	return app.Save(s)
}

func withoutShopRateLimits(rules []core.RateLimitRule) []core.RateLimitRule {
	out := make([]core.RateLimitRule, 0, len(rules))
	for _, r := range rules {
		ours := false
		for _, o := range shopRateLimits {
			if r.Label == o.Label {
				ours = true
				break
			}
		}
		if !ours {
			out = append(out, r)
		}
	}
	return out
}
