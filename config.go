package main

import (
	"os"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks"
	"fenxiao/plugins/alipay"
	"fenxiao/plugins/backoffice"
	"fenxiao/plugins/balancepay"
	"fenxiao/plugins/coupon"
	"fenxiao/plugins/distribution"
	"fenxiao/plugins/flashsale"
	"fenxiao/plugins/logistics"
	"fenxiao/plugins/offlinepay"
	"fenxiao/plugins/promotion"
	"fenxiao/plugins/requestlog"
	"fenxiao/plugins/sandboxpay"
	"fenxiao/plugins/sharing"
	"fenxiao/plugins/wechat"
	"fenxiao/plugins/wechatpay"
	"fenxiao/plugins/withdrawal"
	"fenxiao/plugins/wxshipping"
	"fenxiao/sqlitedb"
)

// config is everything main wires, read from the environment so that secrets
// never sit in the database, the logs or the API.
type config struct {
	Core hooks.Config

	// SandboxPay enables the instant "sandbox" payment method (FENXIAO_SANDBOX_PAY=1).
	SandboxPay bool

	// Offline is the bank transfer method; on when an account is configured.
	Offline *offlinepay.Config

	// WechatPay is on when FENXIAO_WXPAY_MCH_ID is set.
	WechatPay *wechatpay.Config

	// Alipay is on when FENXIAO_ALIPAY_APP_ID is set.
	Alipay *alipay.Config

	// Logistics (Kuaidi100 tracking) is on when FENXIAO_KD100_CUSTOMER is set.
	Logistics *logistics.Config

	// Off names the providers left off although some of their variables
	// are set, each with the variables still missing: one log line each.
	Off []string
}

func loadConfig() config {
	cfg := config{SandboxPay: env("FENXIAO_SANDBOX_PAY", "") == "1"}

	// the dashboard login of a fresh shop (only when it has no superuser yet)
	cfg.Core.FirstSuperuser = hooks.FirstSuperuser{
		Email:    env("FENXIAO_ADMIN_EMAIL", ""),
		Password: env("FENXIAO_ADMIN_PASSWORD", ""),
	}

	// the public https base URL providers call back, e.g. https://shop.example.com
	publicURL := strings.TrimRight(env("FENXIAO_PUBLIC_URL", ""), "/")

	if name, no := env("FENXIAO_OFFLINE_ACCOUNT_NAME", ""), env("FENXIAO_OFFLINE_ACCOUNT_NO", ""); name != "" && no != "" {
		cfg.Offline = &offlinepay.Config{
			AccountName: name,
			AccountNo:   no,
			BankName:    env("FENXIAO_OFFLINE_BANK_NAME", ""),
			Note:        env("FENXIAO_OFFLINE_NOTE", ""),
		}
	}

	if missing := wechatPayMissing(); len(missing) > 0 && env("FENXIAO_WXPAY_MCH_ID", "") != "" {
		cfg.Off = append(cfg.Off, "WeChat Pay is off: FENXIAO_WXPAY_MCH_ID is set but "+strings.Join(missing, ", ")+" missing")
	} else if mch := env("FENXIAO_WXPAY_MCH_ID", ""); mch != "" {
		cfg.WechatPay = &wechatpay.Config{
			MchID:                  mch,
			AppID:                  env("FENXIAO_WXPAY_APP_ID", env("FENXIAO_WECHAT_APPID", "")),
			WebAppID:               env("FENXIAO_WXPAY_WEB_APP_ID", ""),
			MchCertSerialNo:        env("FENXIAO_WXPAY_MCH_SERIAL", ""),
			MchPrivateKey:          env("FENXIAO_WXPAY_MCH_PRIVATE_KEY", ""),
			MchPrivateKeyPath:      env("FENXIAO_WXPAY_MCH_PRIVATE_KEY_PATH", ""),
			APIv3Key:               env("FENXIAO_WXPAY_APIV3_KEY", ""),
			WechatPayPublicKeyID:   env("FENXIAO_WXPAY_PUBLIC_KEY_ID", ""),
			WechatPayPublicKey:     env("FENXIAO_WXPAY_PUBLIC_KEY", ""),
			WechatPayPublicKeyPath: env("FENXIAO_WXPAY_PUBLIC_KEY_PATH", ""),
			PlatformCertMode:       env("FENXIAO_WXPAY_PLATFORM_CERT_MODE", "") == "1",
			NotifyURL:              env("FENXIAO_WXPAY_NOTIFY_URL", publicURL+"/api/shop/pay/notify/wechatpay"),
			// refund notifications come in on the payment callback route too
			RefundNotifyURL:   env("FENXIAO_WXPAY_REFUND_NOTIFY_URL", publicURL+"/api/shop/pay/notify/wechatpay"),
			TransferNotifyURL: env("FENXIAO_WXPAY_TRANSFER_NOTIFY_URL", ""),
			// FENXIAO_WXPAY_API_URL: another host for api.mch.weixin.qq.com (a proxy, or a fake in tests)
			HTTPClient: redirectedClient(env("FENXIAO_WXPAY_API_URL", "")),
		}
	}

	if missing := alipayMissing(); len(missing) > 0 && env("FENXIAO_ALIPAY_APP_ID", "") != "" {
		cfg.Off = append(cfg.Off, "Alipay is off: FENXIAO_ALIPAY_APP_ID is set but "+strings.Join(missing, ", ")+" missing")
	} else if appId := env("FENXIAO_ALIPAY_APP_ID", ""); appId != "" {
		c := &alipay.Config{
			AppID:           appId,
			PrivateKey:      env("FENXIAO_ALIPAY_PRIVATE_KEY", ""),
			AlipayPublicKey: env("FENXIAO_ALIPAY_PUBLIC_KEY", ""),
			SellerId:        env("FENXIAO_ALIPAY_SELLER_ID", ""),
			ReturnURL:       env("FENXIAO_ALIPAY_RETURN_URL", ""),
			QuitURL:         env("FENXIAO_ALIPAY_QUIT_URL", ""),
			IsProduction:    env("FENXIAO_ALIPAY_PRODUCTION", "") == "1",
			// the pay answer also carries the App SDK's order string
			AppPay: env("FENXIAO_ALIPAY_APP_PAY", "") == "1",
			// another gateway (a proxy, or a fake in tests)
			GatewayURL: env("FENXIAO_ALIPAY_GATEWAY_URL", ""),
		}
		if publicURL != "" {
			c.NotifyURL = publicURL + "/api/shop/pay/notify/alipay"
		}
		c.NotifyURL = env("FENXIAO_ALIPAY_NOTIFY_URL", c.NotifyURL)
		cfg.Alipay = c
	}

	if customer := env("FENXIAO_KD100_CUSTOMER", ""); customer != "" {
		cfg.Logistics = &logistics.Config{Customer: customer, Key: env("FENXIAO_KD100_KEY", "")}
	}
	return cfg
}

// wechatPayMissing names the WeChat Pay variables a merchant still has to
// set (FENXIAO_WXPAY_MCH_ID aside), alternatives joined by "or".
func wechatPayMissing() []string {
	var missing []string
	need := func(names ...string) {
		for _, n := range names {
			if env(n, "") != "" {
				return
			}
		}
		missing = append(missing, strings.Join(names, " or "))
	}
	need("FENXIAO_WXPAY_APP_ID", "FENXIAO_WECHAT_APPID")
	need("FENXIAO_WXPAY_MCH_SERIAL")
	need("FENXIAO_WXPAY_MCH_PRIVATE_KEY", "FENXIAO_WXPAY_MCH_PRIVATE_KEY_PATH")
	need("FENXIAO_WXPAY_APIV3_KEY")
	if env("FENXIAO_WXPAY_PLATFORM_CERT_MODE", "") != "1" {
		need("FENXIAO_WXPAY_PUBLIC_KEY_ID")
		need("FENXIAO_WXPAY_PUBLIC_KEY", "FENXIAO_WXPAY_PUBLIC_KEY_PATH")
	}
	return missing
}

// alipayMissing names the Alipay variables a merchant still has to set
// (FENXIAO_ALIPAY_APP_ID aside).
func alipayMissing() []string {
	var missing []string
	for _, n := range []string{"FENXIAO_ALIPAY_PRIVATE_KEY", "FENXIAO_ALIPAY_PUBLIC_KEY"} {
		if env(n, "") == "" {
			missing = append(missing, n)
		}
	}
	return missing
}

// registerPlugins registers the optional plugins the environment enables.
// A payment provider configured only in part, or with a key that does not
// load, stays off with one log line saying why: the shop still starts
// (and `audit` still runs) without it.
func registerPlugins(app core.App, cfg config) {
	for _, line := range cfg.Off {
		app.Logger().Warn(line)
	}
	// one client for every user of the mini-program's access token (phone
	// numbers, poster codes, shipping info): two clients would void each
	// other's tokens
	var wx *wechat.Client
	if appID, secret := env("FENXIAO_WECHAT_APPID", ""), env("FENXIAO_WECHAT_SECRET", ""); appID != "" && secret != "" {
		var err error
		wx, err = wechat.NewClient(wechat.Config{AppID: appID, Secret: secret,
			BaseURL: env("FENXIAO_WECHAT_API_URL", wechat.DefaultBaseURL)})
		if err != nil {
			panic(err)
		}
		// WeChat mini-program sign-in and phone numbers
		wechat.MustRegister(app, wechat.Config{Client: wx})
	}

	// three-level commission, settlement, levels, leaderboards, distributor
	// centre (on unless FENXIAO_DISTRIBUTION=off)
	if os.Getenv("FENXIAO_DISTRIBUTION") != "off" {
		distribution.MustRegister(app, distribution.Config{SettleBatchSize: settleBatchSize(), BookingDelay: bookingDelay(app)})
	}

	if cfg.SandboxPay {
		sandboxpay.MustRegister(app, sandboxpay.Config{})
	}
	if cfg.Offline != nil {
		offlinepay.MustRegister(app, *cfg.Offline)
	}
	if cfg.WechatPay != nil {
		if err := wechatpay.Register(app, *cfg.WechatPay); err != nil {
			app.Logger().Warn("WeChat Pay is off: " + err.Error())
			cfg.WechatPay = nil // nor are its shipments reported
		}
	}
	if cfg.Alipay != nil {
		if err := alipay.Register(app, *cfg.Alipay); err != nil {
			app.Logger().Warn("Alipay is off: " + err.Error())
		}
	}
	if cfg.Logistics != nil {
		logistics.MustRegister(app, *cfg.Logistics)
	}

	// paying from the wallet balance (on unless FENXIAO_BALANCE_PAY=off)
	if os.Getenv("FENXIAO_BALANCE_PAY") != "off" {
		balancepay.MustRegister(app, balancepay.Config{})
	}
	// the operations console's reports, work queues and exports (/admin/)
	backoffice.MustRegister(app, backoffice.Config{})

	// withdrawals: to WeChat through the "wechatpay" payout provider when it
	// is registered, to bank cards paid by hand unless FENXIAO_WITHDRAW_BANK=off
	withdrawal.MustRegister(app, withdrawal.Config{DisableBank: os.Getenv("FENXIAO_WITHDRAW_BANK") == "off"})

	// promotions (满减, 打折, 赠品) in cart and checkout (on unless FENXIAO_PROMOTIONS=off)
	if os.Getenv("FENXIAO_PROMOTIONS") != "off" {
		promotion.MustRegister(app, promotion.Config{})
	}
	// coupons: templates, coupon centre, cart picker, checkout (on unless FENXIAO_COUPONS=off)
	if os.Getenv("FENXIAO_COUPONS") != "off" {
		coupon.MustRegister(app, coupon.Config{})
	}
	// flash sales (秒杀): time slots, flash price and stock (on unless FENXIAO_FLASH_SALES=off)
	if os.Getenv("FENXIAO_FLASH_SALES") != "off" {
		flashsale.MustRegister(app, flashsale.Config{})
	}

	// promotion tools: share links, QR and mini-program codes, posters,
	// click tracking and conversion stats (on unless FENXIAO_SHARING=off)
	if os.Getenv("FENXIAO_SHARING") != "off" {
		shareCfg := sharing.Config{PublicURL: strings.TrimRight(env("FENXIAO_PUBLIC_URL", ""), "/")}
		if wx != nil {
			// note: never assign a nil *wechat.Client to the interface
			shareCfg.MiniProgram = wx
		}
		sharing.MustRegister(app, shareCfg)
	}

	// 发货信息管理: shipments of WeChat Pay orders reported to the mini-program
	// (on with the WeChat keys and WeChat Pay unless FENXIAO_WX_SHIPPING=off)
	if wx != nil && cfg.WechatPay != nil && os.Getenv("FENXIAO_WX_SHIPPING") != "off" {
		companies, err := wxshipping.ParseCompanies(env("FENXIAO_WX_SHIPPING_COMPANIES", ""))
		if err != nil {
			panic(err)
		}
		wxshipping.MustRegister(app, wxshipping.Config{Client: wx, MchID: cfg.WechatPay.MchID, Companies: companies})
	}

	// the request log keeps every failed request and one in
	// shop_settings.request_log_sample of the others
	requestlog.MustRegister(app, requestlog.Config{})

	// SMS (sign-in codes, order events), WeChat subscribe messages, staff e-mail
	registerNotifyChannels(app, wx)
}

// env returns the environment variable or a default.
func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// defaultBookingDelay is how long the commission booking worker gathers
// payments before booking them (distribution.Config.BookingDelay): long
// enough that a batch takes the payments of several group commits under
// load, short enough that a distributor watching the list sees the
// commission at once.
const defaultBookingDelay = 20 * time.Millisecond

// bookingDelay reads FENXIAO_COMMISSION_DELAY (a Go duration; 0 books the
// commissions in the payment's transaction).
func bookingDelay(app core.App) time.Duration {
	v := env("FENXIAO_COMMISSION_DELAY", "")
	if v == "" {
		return defaultBookingDelay
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 || d > time.Minute {
		app.Logger().Warn("FENXIAO_COMMISSION_DELAY is not a duration from 0 to 1m; using the default",
			"value", v, "default", defaultBookingDelay.String())
		return defaultBookingDelay
	}
	return d
}

// settleBatchSize is the settlement batch of this build's SQLite: about a
// second and a half of the writer on a 2-core machine either way (see
// distribution.Config.SettleBatchSize).
func settleBatchSize() int {
	if sqlitedb.CLibrary {
		return 200_000
	}
	return 50_000
}
