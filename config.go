package main

import (
	"os"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks"
	"fenxiao/plugins/balancepay"
	"fenxiao/plugins/distribution"
	"fenxiao/plugins/wechat"
	"fenxiao/plugins/withdrawal"
)

// config is everything main wires, read from the environment so that secrets
// never sit in the database, the logs or the API.
type config struct {
	Core hooks.Config
}

func loadConfig() config {
	return config{}
}

// registerPlugins registers the optional plugins the environment enables.
// Each plugin reads its own variables; a plugin whose required variables are
// missing stays off.
func registerPlugins(app core.App, cfg config) {
	_ = cfg

	// three-level distribution (on unless FENXIAO_DISTRIBUTION=off)
	if os.Getenv("FENXIAO_DISTRIBUTION") != "off" {
		distribution.MustRegister(app, distribution.Config{})
	}

	// paying from the wallet balance (on unless FENXIAO_BALANCE_PAY=off)
	if os.Getenv("FENXIAO_BALANCE_PAY") != "off" {
		balancepay.MustRegister(app, balancepay.Config{})
	}

	// withdrawals: to WeChat through the "wechatpay" payout provider when it
	// is registered, to bank cards paid by hand unless FENXIAO_WITHDRAW_BANK=off
	withdrawal.MustRegister(app, withdrawal.Config{DisableBank: os.Getenv("FENXIAO_WITHDRAW_BANK") == "off"})

	// WeChat mini-program sign-in
	if appID, secret := os.Getenv("FENXIAO_WECHAT_APPID"), os.Getenv("FENXIAO_WECHAT_SECRET"); appID != "" && secret != "" {
		wechat.MustRegister(app, wechat.Config{
			AppID:   appID,
			Secret:  secret,
			BaseURL: env("FENXIAO_WECHAT_API_URL", wechat.DefaultBaseURL),
		})
	}
}

// env returns the environment variable or a default.
func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
