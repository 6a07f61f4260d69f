// Package alipay is the Alipay payment provider of the fenxiao shop for
// buyers paying on H5 pages (手机网站支付, alipay.trade.wap.pay) and, when
// [Config.AppPay] is on, in the merchant's own App (APP支付,
// alipay.trade.app.pay).
//
// It signs requests with the application's RSA2 private key and verifies
// every gateway response and every asynchronous notification with the
// Alipay public key (public-key mode; certificate mode is not supported).
// Amounts cross the Alipay boundary as yuan strings with two decimals and
// are converted from and to integer fen without floats.
//
// Example usage:
//
//	hooks.MustRegister(app, hooks.Config{})
//	alipay.MustRegister(app, alipay.Config{
//		AppID:           os.Getenv("ALIPAY_APP_ID"),
//		PrivateKey:      os.Getenv("ALIPAY_PRIVATE_KEY"),
//		AlipayPublicKey: os.Getenv("ALIPAY_PUBLIC_KEY"),
//		NotifyURL:       "https://shop.example.com/api/shop/payments/alipay/notify",
//		ReturnURL:       "https://shop.example.com/#/orders",
//		IsProduction:    true,
//	})
package alipay

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pocketbase/pocketbase/core"
	sdk "github.com/smartwalle/alipay/v3"

	"fenxiao/hooks/shop"
	"fenxiao/internal/money"
)

// Name is the payment method name clients send to pay with Alipay.
const Name = "alipay"

// maxAmount is the largest single payment Alipay accepts (100,000,000 yuan) in fen.
const maxAmount = 100_000_000 * 100

// productCode is the signed product of H5 payments.
const productCode = "QUICK_WAP_WAY"

// appProductCode is the signed product of App payments.
const appProductCode = "QUICK_MSECURITY_PAY"

// timeFormat is the layout of every Alipay timestamp (Beijing time).
const timeFormat = "2006-01-02 15:04:05"

// beijing is Alipay's time zone; fixed so that hosts without tzdata work.
var beijing = time.FixedZone("CST", 8*60*60)

// Config defines the Alipay plugin's options.
type Config struct {
	// AppID is the Alipay application id (APPID), e.g. "2021004100000000".
	// Required.
	AppID string

	// PrivateKey is the application's RSA2 private key, either as PEM
	// (PKCS#1 or PKCS#8) or as the bare base64 body the Alipay key tool
	// prints. Required.
	//
	// NB! It is a secret: read it from the environment, never log it.
	PrivateKey string

	// AlipayPublicKey is the "支付宝公钥" shown in the Alipay console for
	// public-key mode, as PEM or bare base64 (PKIX). Every response and
	// notification is verified with it. Required.
	AlipayPublicKey string

	// GatewayURL overrides the gateway the client talks to.
	// Default: https://openapi.alipay.com/gateway.do when IsProduction is
	// true, the Alipay sandbox gateway otherwise. Tests point it at a fake.
	GatewayURL string

	// NotifyURL is where Alipay posts asynchronous payment notifications
	// (the shop's notification route). Default: none (no notifications;
	// the shop then learns of payments only by Query).
	NotifyURL string

	// ReturnURL is where the buyer's browser goes after paying.
	// Default: none (Alipay's own result page).
	ReturnURL string

	// QuitURL is where the buyer goes when leaving the cashier unpaid.
	// Default: none.
	QuitURL string

	// SellerId is the merchant's Alipay user id (2088...). When set, it is
	// sent with every payment and notifications for another seller are
	// rejected. Default: none (not checked).
	SellerId string

	// AppPay also builds the signed order string of an App payment
	// (alipay.trade.app.pay) on every Start, returned as
	// Params["order_string"] next to the H5 Params["pay_url"]; the App passes
	// it to the Alipay SDK's payOrder. Turn it on only when the application
	// has the "APP支付" product signed. Both are built locally for the same
	// out_trade_no and whichever the buyer uses pays the order; payments,
	// notifications, queries and refunds are the same.
	// Default: false (H5 only).
	AppPay bool

	// IsProduction selects the production gateway; false selects the sandbox.
	// Default: false.
	IsProduction bool

	// HTTPClient sends the gateway requests. Default: a client with a
	// 15 second timeout.
	HTTPClient *http.Client
}

// Provider implements [shop.PaymentProvider] with Alipay H5 payments.
type Provider struct {
	config Config
	client *sdk.Client
}

// interface guard
var (
	_ shop.PaymentProvider = (*Provider)(nil)
	_ shop.Closer          = (*Provider)(nil)
)

// MustRegister is like [Register] but panics on error.
func MustRegister(app core.App, config Config) {
	if err := Register(app, config); err != nil {
		panic(err)
	}
}

// Register creates the Alipay provider and registers it on the shop core
// (which must be registered first) under the name "alipay".
func Register(app core.App, config Config) error {
	p, err := New(config)
	if err != nil {
		return err
	}
	s := shop.Get(app)
	if s == nil {
		return errors.New("alipay: the shop core must be registered before the plugin")
	}
	s.RegisterPaymentProvider(p)
	return nil
}

// New creates a provider from config without registering it (tests,
// custom wiring). It fails when a required option is missing or a key
// cannot be parsed.
func New(config Config) (*Provider, error) {
	config.AppID = strings.TrimSpace(config.AppID)
	config.PrivateKey = strings.TrimSpace(config.PrivateKey)
	config.AlipayPublicKey = strings.TrimSpace(config.AlipayPublicKey)
	switch {
	case config.AppID == "":
		return nil, errors.New("alipay: AppID is required")
	case config.PrivateKey == "":
		return nil, errors.New("alipay: PrivateKey is required")
	case config.AlipayPublicKey == "":
		return nil, errors.New("alipay: AlipayPublicKey is required")
	}
	if config.HTTPClient == nil {
		config.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}

	opts := []sdk.OptionFunc{
		sdk.WithHTTPClient(config.HTTPClient),
		sdk.WithTimeLocation(beijing),
	}
	if config.GatewayURL != "" {
		// note: each option applies only to its own mode, so pass both
		opts = append(opts,
			sdk.WithProductionGateway(config.GatewayURL),
			sdk.WithSandboxGateway(config.GatewayURL))
	}

	client, err := sdk.New(config.AppID, config.PrivateKey, config.IsProduction, opts...)
	if err != nil {
		return nil, fmt.Errorf("alipay: load the application private key: %w", err)
	}
	if err := client.LoadAliPayPublicKey(config.AlipayPublicKey); err != nil {
		return nil, fmt.Errorf("alipay: load the Alipay public key: %w", err)
	}

	return &Provider{config: config, client: client}, nil
}

// Name implements [shop.PaymentProvider]. It returns "alipay".
func (p *Provider) Name() string {
	return Name
}

// Start implements [shop.PaymentProvider].
//
// It builds the signed alipay.trade.wap.pay URL (no gateway call) and returns
// it to the client as Params["pay_url"]; the H5 page navigates to it. With
// [Config.AppPay] it also returns Params["order_string"], the signed
// alipay.trade.app.pay parameters the App SDK needs.
func (p *Provider) Start(_ context.Context, _ core.App, req shop.PayRequest) (*shop.PayStart, error) {
	if req.OrderNo == "" {
		return nil, errors.New("alipay: start payment: missing order number")
	}
	if req.Amount <= 0 || req.Amount > maxAmount {
		return nil, fmt.Errorf("alipay: start payment of order %s: amount %d fen out of range", req.OrderNo, req.Amount)
	}

	subject := strings.TrimSpace(req.Description)
	if subject == "" {
		subject = req.OrderNo
	}

	param := sdk.TradeWapPay{}
	param.NotifyURL = p.config.NotifyURL
	param.ReturnURL = p.config.ReturnURL
	param.QuitURL = p.config.QuitURL
	param.Subject = truncate(subject, 256)
	param.OutTradeNo = req.OrderNo
	param.TotalAmount = money.Yuan(req.Amount)
	param.ProductCode = productCode
	param.SellerId = p.config.SellerId
	if !req.ExpiresAt.IsZero() {
		param.TimeExpire = req.ExpiresAt.In(beijing).Format(timeFormat)
	}

	u, err := p.client.TradeWapPay(param)
	if err != nil {
		return nil, fmt.Errorf("alipay: build the pay URL of order %s: %w", req.OrderNo, err)
	}

	params := map[string]any{"pay_url": u.String()}
	if p.config.AppPay {
		app := sdk.TradeAppPay{Trade: param.Trade}
		app.ReturnURL = ""
		app.ProductCode = appProductCode
		app.TimeExpire = param.TimeExpire // note: TradeWapPay has its own field
		orderString, err := p.client.TradeAppPay(app)
		if err != nil {
			return nil, fmt.Errorf("alipay: build the App order string of order %s: %w", req.OrderNo, err)
		}
		params["order_string"] = orderString
	}
	return &shop.PayStart{Params: params}, nil
}

// truncate cuts s to at most n runes.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// parseTime reads an Alipay timestamp (Beijing time); zero when empty or malformed.
func parseTime(s string) time.Time {
	t, err := time.ParseInLocation(timeFormat, s, beijing)
	if err != nil {
		return time.Time{}
	}
	return t
}
