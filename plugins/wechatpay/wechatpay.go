// Package wechatpay adds WeChat Pay (微信支付 API v3) to the fenxiao shop:
// mini-program (JSAPI) payments, H5 (MWEB, phone browsers outside WeChat)
// and Native (QR code, desktop browsers) payments, refunds and merchant
// transfers (商家转账) for paying out distributor withdrawals.
//
// It registers one provider named "wechatpay" both as a [shop.PaymentProvider]
// and as a [shop.PayoutProvider]. All calls go through the official
// github.com/wechatpay-apiv3/wechatpay-go SDK, so requests are signed with the
// merchant key and every response and notification is verified before use.
//
// Two ways of verifying WeChat Pay signatures are supported:
//   - public-key mode (微信支付公钥, the default for merchants since 2024):
//     set WechatPayPublicKeyID and WechatPayPublicKey (or its path);
//   - platform-certificate mode (平台证书): set PlatformCertMode; the
//     certificates are downloaded from WeChat Pay when the provider is built
//     and refreshed every 24 hours.
//
// Example usage:
//
//	app := pocketbase.New()
//	hooks.MustRegister(app, hooks.Config{RootCmd: app.RootCmd})
//	wechatpay.MustRegister(app, wechatpay.Config{
//		MchID:                  "1900000001",
//		AppID:                  "wx1234567890abcdef",
//		MchCertSerialNo:        os.Getenv("WXPAY_MCH_SERIAL"),
//		MchPrivateKeyPath:      "/etc/fenxiao/apiclient_key.pem",
//		APIv3Key:               os.Getenv("WXPAY_APIV3_KEY"),
//		WechatPayPublicKeyID:   os.Getenv("WXPAY_PUBLIC_KEY_ID"),
//		WechatPayPublicKeyPath: "/etc/fenxiao/pub_key.pem",
//		NotifyURL:              "https://shop.example.com/api/shop/pay/notify/wechatpay",
//		RefundNotifyURL:        "https://shop.example.com/api/shop/pay/notify/wechatpay",
//		TransferNotifyURL:      "https://shop.example.com/api/shop/payouts/wechatpay/notify",
//	})
//	app.Start()
package wechatpay

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"
	wxcore "github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/core/auth"
	"github.com/wechatpay-apiv3/wechatpay-go/core/auth/verifiers"
	"github.com/wechatpay-apiv3/wechatpay-go/core/downloader"
	"github.com/wechatpay-apiv3/wechatpay-go/core/notify"
	"github.com/wechatpay-apiv3/wechatpay-go/core/option"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments/h5"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments/jsapi"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments/native"
	"github.com/wechatpay-apiv3/wechatpay-go/services/refunddomestic"

	"fenxiao/hooks/shop"
)

// Name is the provider name clients send as the payment method and
// the core uses as the payout channel.
const Name = "wechatpay"

// DefaultTimeout is the HTTP timeout for calls to WeChat Pay when
// [Config.Timeout] is not set.
const DefaultTimeout = 10 * time.Second

// DefaultTransferSceneID is the transfer scene used when
// [Config.TransferSceneID] is not set: 1000 现金营销.
const DefaultTransferSceneID = "1000"

// TransferSceneReportInfo is one item of transfer_scene_report_infos,
// the per-scene facts WeChat Pay wants reported with every transfer.
type TransferSceneReportInfo struct {
	InfoType    string `json:"info_type"`
	InfoContent string `json:"info_content"`
}

// Config defines the config options of the wechatpay plugin.
//
// NB! The keys are secrets: read them from the environment or files,
// never from the settings collection or logs.
type Config struct {
	// MchID is the merchant number (商户号). Required.
	MchID string

	// AppID is the mini-program appid the merchant number is bound to. Required.
	AppID string

	// WebAppID is the appid H5 and Native payments are placed under, e.g.
	// the official account (公众号) whose domain is registered for H5
	// payment. Default "": AppID. Notifications for either appid are taken.
	WebAppID string

	// MchCertSerialNo is the serial number of the merchant API certificate
	// (商户API证书序列号), sent with every signed request. Required.
	MchCertSerialNo string

	// MchPrivateKey is the merchant API private key (apiclient_key.pem) as
	// PEM text, PKCS#8 or PKCS#1. Either it or MchPrivateKeyPath is required;
	// MchPrivateKey wins when both are set.
	MchPrivateKey string

	// MchPrivateKeyPath is the path of the merchant API private key PEM file.
	MchPrivateKeyPath string

	// APIv3Key is the 32 byte APIv3 key used to decrypt notifications and
	// platform certificates. Required.
	APIv3Key string

	// WechatPayPublicKeyID is the id of the WeChat Pay public key
	// ("PUB_KEY_ID_..."). Required in public-key mode (the default).
	WechatPayPublicKeyID string

	// WechatPayPublicKey is the WeChat Pay public key as PEM text.
	// Either it or WechatPayPublicKeyPath is required in public-key mode.
	WechatPayPublicKey string

	// WechatPayPublicKeyPath is the path of the WeChat Pay public key PEM file.
	WechatPayPublicKeyPath string

	// PlatformCertMode switches from public-key mode to platform-certificate
	// mode: responses and notifications are verified with the platform
	// certificates downloaded from GET /v3/certificates (refreshed every 24h)
	// and the WechatPayPublicKey* fields are ignored. Default false.
	//
	// NB! The first download happens in [New], so building the provider
	// needs WeChat Pay to be reachable in this mode.
	PlatformCertMode bool

	// NotifyURL receives payment notifications (https, no query string). Required.
	NotifyURL string

	// RefundNotifyURL receives refund notifications. Default "": the URL
	// configured on the merchant platform is used. The shop core takes them
	// on the payment notify route (/api/shop/pay/notify/wechatpay), so
	// this is normally the same URL as NotifyURL.
	RefundNotifyURL string

	// TransferNotifyURL receives transfer (payout) notifications.
	// Default "": no transfer notifications, the core queries instead.
	TransferNotifyURL string

	// TransferSceneID is the transfer scene id (转账场景ID) opened on the
	// merchant platform. Default [DefaultTransferSceneID] ("1000", 现金营销).
	TransferSceneID string

	// TransferSceneReportInfos are the transfer_scene_report_infos sent with
	// every transfer. Default, for scene 1000:
	// [{活动名称, 分销佣金提现}, {奖励说明, 分销推广佣金}].
	TransferSceneReportInfos []TransferSceneReportInfo

	// UserRecvPerception is what the recipient sees as the transfer reason
	// (用户收款感知). Default "现金奖励" when TransferSceneID is "1000",
	// otherwise "" (WeChat Pay's default for the scene).
	UserRecvPerception string

	// TransferRemark is the transfer remark (at most 32 characters) used when
	// the request has none. Default "佣金提现".
	TransferRemark string

	// HTTPClient is the client used for every call to WeChat Pay, including
	// certificate downloads. Default: a new client with Timeout.
	// Tests inject a client whose transport sends api.mch.weixin.qq.com to a fake.
	HTTPClient *http.Client

	// Timeout limits every call to WeChat Pay. Default [DefaultTimeout] (10s).
	// When HTTPClient is set, a copy of it is used with this timeout
	// (only if Timeout is set or the client has none).
	Timeout time.Duration
}

// MustRegister registers the wechatpay provider in app and panics on error.
func MustRegister(app core.App, config Config) {
	if err := Register(app, config); err != nil {
		panic(err)
	}
}

// Register builds the WeChat Pay client once and registers the provider
// "wechatpay" as payment and payout provider of the shop attached to app.
//
// The shop core ([fenxiao/hooks.Register]) must be registered first.
func Register(app core.App, config Config) error {
	s := shop.Get(app)
	if s == nil {
		return errors.New("wechatpay: the shop core must be registered before the plugin")
	}

	p, err := New(config)
	if err != nil {
		return fmt.Errorf("wechatpay: %w", err)
	}

	s.RegisterPaymentProvider(p)
	s.RegisterPayoutProvider(p)

	app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		p.Stop()
		return e.Next()
	})

	return nil
}

// Provider talks to WeChat Pay. It implements [shop.PaymentProvider] and
// [shop.PayoutProvider]; it is safe for concurrent use.
type Provider struct {
	config  Config
	client  *wxcore.Client
	notify  *notify.Handler
	jsapi   jsapi.JsapiApiService
	h5      h5.H5ApiService
	native  native.NativeApiService
	refunds refunddomestic.RefundsApiService
	certMgr *downloader.CertificateDownloaderMgr // nil in public-key mode

	// verifier checks WeChat Pay signatures of notifications and error answers.
	verifier auth.Verifier
}

var (
	_ shop.PaymentProvider          = (*Provider)(nil)
	_ shop.PayoutProvider           = (*Provider)(nil)
	_ shop.RefundQuerier            = (*Provider)(nil)
	_ shop.RefundNotificationParser = (*Provider)(nil)
	_ shop.Closer                   = (*Provider)(nil)
)

// New validates config, loads the keys and builds the WeChat Pay client.
//
// In platform-certificate mode it downloads the platform certificates
// before returning; call [Provider.Stop] when the provider is no longer used.
func New(config Config) (*Provider, error) {
	if err := config.init(); err != nil {
		return nil, err
	}

	mchKey, err := loadPrivateKey(config.MchPrivateKey, config.MchPrivateKeyPath)
	if err != nil {
		return nil, fmt.Errorf("merchant private key: %w", err)
	}

	p := &Provider{config: config}

	var (
		authOption wxcore.ClientOption
		verifier   auth.Verifier
	)
	if config.PlatformCertMode {
		ctx, cancel := context.WithTimeout(context.Background(), config.HTTPClient.Timeout)
		defer cancel()

		// note: the SDK's WithWechatPayAutoAuthCipher downloads through its
		// own client (ignoring HTTPClient) and registers the merchant in a
		// process-global manager; a manager of our own avoids both.
		dlClient, err := wxcore.NewClient(ctx,
			option.WithMerchantCredential(config.MchID, config.MchCertSerialNo, mchKey),
			option.WithoutValidator(),
			option.WithHTTPClient(config.HTTPClient),
		)
		if err != nil {
			return nil, fmt.Errorf("certificate downloader client: %w", err)
		}
		p.certMgr = downloader.NewCertificateDownloaderMgr(context.Background())
		if err := p.certMgr.RegisterDownloaderWithClient(ctx, dlClient, config.MchID, config.APIv3Key); err != nil {
			p.certMgr.Stop()
			return nil, fmt.Errorf("download platform certificates: %w", err)
		}
		authOption = option.WithWechatPayAutoAuthCipherUsingDownloaderMgr(config.MchID, config.MchCertSerialNo, mchKey, p.certMgr)
		verifier = verifiers.NewSHA256WithRSAVerifier(p.certMgr.GetCertificateVisitor(config.MchID))
	} else {
		pubKey, err := loadPublicKey(config.WechatPayPublicKey, config.WechatPayPublicKeyPath)
		if err != nil {
			return nil, fmt.Errorf("wechat pay public key: %w", err)
		}
		authOption = option.WithWechatPayPublicKeyAuthCipher(config.MchID, config.MchCertSerialNo, mchKey, config.WechatPayPublicKeyID, pubKey)
		verifier = verifiers.NewSHA256WithRSAPubkeyVerifier(config.WechatPayPublicKeyID, *pubKey)
	}

	p.client, err = wxcore.NewClient(context.Background(), authOption, option.WithHTTPClient(config.HTTPClient))
	if err != nil {
		p.Stop()
		return nil, fmt.Errorf("client: %w", err)
	}

	p.verifier = verifier
	p.notify, err = notify.NewRSANotifyHandler(config.APIv3Key, verifier)
	if err != nil {
		p.Stop()
		return nil, fmt.Errorf("notify handler: %w", err)
	}

	p.jsapi = jsapi.JsapiApiService{Client: p.client}
	p.h5 = h5.H5ApiService{Client: p.client}
	p.native = native.NativeApiService{Client: p.client}
	p.refunds = refunddomestic.RefundsApiService{Client: p.client}

	return p, nil
}

// Name implements [shop.PaymentProvider] and [shop.PayoutProvider].
func (p *Provider) Name() string {
	return Name
}

// Stop stops the platform certificate refresher (platform-certificate mode).
// It is safe to call more than once and in public-key mode.
func (p *Provider) Stop() {
	if p.certMgr != nil {
		p.certMgr.Stop()
	}
}

// init checks the required options and fills in the defaults.
func (c *Config) init() error {
	var missing []string
	for _, f := range []struct{ name, value string }{
		{"MchID", c.MchID},
		{"AppID", c.AppID},
		{"MchCertSerialNo", c.MchCertSerialNo},
		{"APIv3Key", c.APIv3Key},
		{"NotifyURL", c.NotifyURL},
	} {
		if strings.TrimSpace(f.value) == "" {
			missing = append(missing, f.name)
		}
	}
	if c.MchPrivateKey == "" && c.MchPrivateKeyPath == "" {
		missing = append(missing, "MchPrivateKey or MchPrivateKeyPath")
	}
	if !c.PlatformCertMode {
		if c.WechatPayPublicKeyID == "" {
			missing = append(missing, "WechatPayPublicKeyID")
		}
		if c.WechatPayPublicKey == "" && c.WechatPayPublicKeyPath == "" {
			missing = append(missing, "WechatPayPublicKey or WechatPayPublicKeyPath")
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing config: %s", strings.Join(missing, ", "))
	}
	if len(c.APIv3Key) != 32 {
		return fmt.Errorf("APIv3Key must be 32 bytes, got %d", len(c.APIv3Key))
	}

	if c.WebAppID == "" {
		c.WebAppID = c.AppID
	}
	if c.TransferSceneID == "" {
		c.TransferSceneID = DefaultTransferSceneID
	}
	if len(c.TransferSceneReportInfos) == 0 && c.TransferSceneID == DefaultTransferSceneID {
		c.TransferSceneReportInfos = []TransferSceneReportInfo{
			{InfoType: "活动名称", InfoContent: "分销佣金提现"},
			{InfoType: "奖励说明", InfoContent: "分销推广佣金"},
		}
	}
	if c.UserRecvPerception == "" && c.TransferSceneID == DefaultTransferSceneID {
		c.UserRecvPerception = "现金奖励"
	}
	if c.TransferRemark == "" {
		c.TransferRemark = "佣金提现"
	}

	if c.Timeout <= 0 && (c.HTTPClient == nil || c.HTTPClient.Timeout <= 0) {
		c.Timeout = DefaultTimeout
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: c.Timeout}
	} else if c.Timeout > 0 {
		// note: copied so that the caller's client is left untouched
		hc := *c.HTTPClient
		hc.Timeout = c.Timeout
		c.HTTPClient = &hc
	}

	return nil
}

// loadPrivateKey parses an RSA private key from PEM text or, when pemText
// is empty, from the file at path.
func loadPrivateKey(pemText, path string) (*rsa.PrivateKey, error) {
	data, err := pemBytes(pemText, path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block found")
	}
	switch block.Type {
	case "RSA PRIVATE KEY":
		return x509.ParsePKCS1PrivateKey(block.Bytes)
	case "PRIVATE KEY":
		key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, err
		}
		rsaKey, ok := key.(*rsa.PrivateKey)
		if !ok {
			return nil, errors.New("not an RSA private key")
		}
		return rsaKey, nil
	default:
		return nil, fmt.Errorf("unexpected PEM block %q", block.Type)
	}
}

// loadPublicKey parses an RSA public key from PEM text or, when pemText
// is empty, from the file at path.
func loadPublicKey(pemText, path string) (*rsa.PublicKey, error) {
	data, err := pemBytes(pemText, path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block found")
	}
	switch block.Type {
	case "RSA PUBLIC KEY":
		return x509.ParsePKCS1PublicKey(block.Bytes)
	case "PUBLIC KEY":
		key, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, err
		}
		rsaKey, ok := key.(*rsa.PublicKey)
		if !ok {
			return nil, errors.New("not an RSA public key")
		}
		return rsaKey, nil
	default:
		return nil, fmt.Errorf("unexpected PEM block %q", block.Type)
	}
}

func pemBytes(pemText, path string) ([]byte, error) {
	if pemText != "" {
		return []byte(pemText), nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return data, nil
}
