// Package accounts is the shop core for people: sign-up and sign-in (e-mail,
// SMS code, WeChat mini-program through [SignInOrUp]), invite codes, referral
// binding with its three-level ancestry, and distributor status.
package accounts

import (
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"fenxiao/hooks/shop"
)

// Config configures accounts.
type Config struct {
	// SMSCodeTTL is how long an SMS code stays valid (default 5 minutes).
	SMSCodeTTL time.Duration
}

type plugin struct {
	app    core.App
	shop   *shop.Shop
	config Config
}

// Register binds the accounts rules to app.
func Register(app core.App, s *shop.Shop, config Config) error {
	if config.SMSCodeTTL <= 0 {
		config.SMSCodeTTL = 5 * time.Minute
	}
	p := &plugin{app: app, shop: s, config: config}
	shop.SetBinder(app, bindForPlugins)

	app.OnRecordCreate(usersCollection).Bind(&hook.Handler[*core.RecordEvent]{Id: "fenxiaoAccountsUserCreate", Func: onUserCreate(s)})
	app.OnRecordUpdate(usersCollection).Bind(&hook.Handler[*core.RecordEvent]{
		Id:   "fenxiaoAccountsUserUpdate",
		Func: onUserUpdate(s),
	})
	app.OnRecordCreateRequest(usersCollection).Bind(&hook.Handler[*core.RecordRequestEvent]{Id: "fenxiaoAccountsUserCreateRequest", Func: onUserCreateRequest})
	app.OnRecordUpdateRequest(usersCollection).Bind(&hook.Handler[*core.RecordRequestEvent]{Id: "fenxiaoAccountsUserUpdateRequest", Func: onUserUpdateRequest})

	app.OnRecordUpdate("referral_events").Bind(&hook.Handler[*core.RecordEvent]{Id: "fenxiaoAccountsReferralEventUpdate", Func: appendOnly})
	app.OnRecordDelete("referral_events").Bind(&hook.Handler[*core.RecordEvent]{Id: "fenxiaoAccountsReferralEventDelete", Func: appendOnly})

	app.OnRecordUpdate(applicationsCollection).Bind(&hook.Handler[*core.RecordEvent]{Id: "fenxiaoAccountsApplicationUpdate", Func: onApplicationUpdate})

	s.OnOrderPaid.Bind(&hook.Handler[*shop.OrderEvent]{Id: "fenxiaoAccountsOrderPaid", Func: recordPurchase})
	s.OnOrderRefunded.Bind(&hook.Handler[*shop.RefundEvent]{Id: "fenxiaoAccountsOrderRefunded", Func: recordRefund})

	s.RegisterJob(shop.Job{
		Name:        "binding_lapse",
		Schedule:    "17 * * * *",
		Description: "detach unused referral bindings older than the configured lifetime",
		Run:         lapseBindings,
	})

	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		bindAuthTokenCache(se)

		auth := se.Router.Group("/api/shop/auth")
		auth.POST("/sms/send", p.smsSend)
		auth.POST("/sms/verify", p.smsVerify)

		bindReferralRoutes(se)

		se.Router.POST("/api/shop/distributor/apply", distributorApply).Bind(apis.RequireAuth(usersCollection))
		return se.Next()
	})
	return nil
}
