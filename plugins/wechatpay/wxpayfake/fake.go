// Package wxpayfake is an in-process WeChat Pay API v3 server for tests.
//
// It speaks the real protocol: it checks the merchant's Authorization
// signature on every request (401 SIGN_ERROR like WeChat Pay), signs every
// response with its own platform key (Wechatpay-Serial/-Signature/
// -Timestamp/-Nonce), encrypts sensitive fields and notifications with the
// APIv3 key, and keeps state: JSAPI, H5 (MWEB) and Native orders by
// out_trade_no (with the buyer's side of H5 and Native: the cashier page
// h5_url opens and the scan of a code_url, see buyer.go), refunds (never
// more than what was paid) and merchant transfer bills by out_bill_no
// (a repeated out_bill_no returns the existing bill).
//
// The keys are generated once per process; every [Fake] has its own state.
// Nothing leaves 127.0.0.1: the plugin reaches the fake through an
// *http.Client whose transport rewrites api.mch.weixin.qq.com.
//
// Example usage (in any package's tests):
//
//	fake, err := wxpayfake.New(wxpayfake.Options{})
//	if err != nil {
//		t.Fatal(err)
//	}
//	defer fake.Close()
//
//	wechatpay.MustRegister(app, fake.PluginConfig())
//
//	// the buyer pays in WeChat; WeChat Pay calls the notify URL
//	n, err := fake.PaymentNotification(orderNo)
//	// n.Body and n.Headers fit a tests.ApiScenario, or: n.Request(url) / n.Post(ctx, url)
package wxpayfake

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"time"

	"fenxiao/plugins/wechatpay"
)

// Default identities of a fake merchant.
const (
	DefaultMchID           = "1900000109"
	DefaultAppID           = "wxfa4e000000000001"
	DefaultMchCertSerialNo = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
	DefaultPublicKeyID     = "PUB_KEY_ID_0119000000092024110100000000000001"
	DefaultAPIv3Key        = "fenxiaoFakeAPIv3Key0123456789abc" // 32 bytes
)

// Default notify URLs put into [Fake.PluginConfig].
const (
	DefaultNotifyURL         = "https://shop.example.com/api/shop/pay/wechatpay/notify"
	DefaultRefundNotifyURL   = "https://shop.example.com/api/shop/pay/wechatpay/refund-notify"
	DefaultTransferNotifyURL = "https://shop.example.com/api/shop/payouts/wechatpay/notify"
)

// Options configures a [Fake]. The zero value is a public-key mode merchant
// with the Default* identities.
type Options struct {
	// MchID, AppID: the merchant and mini-program ids. Default DefaultMchID / DefaultAppID.
	MchID string
	AppID string

	// PlatformCertMode makes the fake sign with its platform certificate
	// (served by GET /v3/certificates) instead of the WeChat Pay public key,
	// and makes PluginConfig use platform-certificate mode.
	PlatformCertMode bool

	// RefundStatus is the status of new refunds: "SUCCESS" (default) or
	// "PROCESSING" (then [Fake.CompleteRefund] finishes them).
	RefundStatus string
}

// Fake is a running fake WeChat Pay server.
type Fake struct {
	// Server is the underlying test server.
	Server *httptest.Server

	MchID           string
	AppID           string
	MchCertSerialNo string
	APIv3Key        string
	PublicKeyID     string
	// CertSerialNo is the serial of the platform certificate (platform-certificate mode).
	CertSerialNo string

	opts      Options
	keys      *keySet
	transport *http.Transport

	mu                  sync.Mutex
	seq                 int64
	orders              map[string]*Order
	refunds             map[string]*Refund
	bills               map[string]*Bill
	requests            []string
	timeoutNextTransfer bool
	notifyBase          string
}

// Order is the fake's view of an order (amounts in fen).
type Order struct {
	OutTradeNo    string
	TradeType     string // JSAPI, MWEB (H5), NATIVE
	H5URL         string // MWEB: the cashier page the buyer's phone opens
	CodeURL       string // NATIVE: what the QR code says
	ClientIP      string // scene_info.payer_client_ip
	AppID         string
	MchID         string
	Description   string
	Attach        string
	OpenID        string // JSAPI: the payer; others: set when paid
	NotifyURL     string
	Amount        int64
	Refunded      int64
	TimeExpire    time.Time
	PrepayID      string
	TradeState    string // NOTPAY, SUCCESS, REFUND, CLOSED, REVOKED, USERPAYING, PAYERROR
	TransactionID string
	PaidAt        time.Time
}

// Refund is the fake's view of a refund (amounts in fen).
type Refund struct {
	OutRefundNo string
	RefundID    string
	OutTradeNo  string
	Amount      int64
	Total       int64
	Reason      string
	Status      string // SUCCESS, PROCESSING, CLOSED, ABNORMAL
	CreatedAt   time.Time
	SuccessAt   time.Time
}

// Bill is the fake's view of a merchant transfer bill (amounts in fen).
type Bill struct {
	OutBillNo          string
	TransferBillNo     string
	AppID              string
	OpenID             string
	UserName           string // decrypted with the platform key
	Amount             int64
	Remark             string
	SceneID            string
	ReportInfos        []wechatpay.TransferSceneReportInfo
	UserRecvPerception string
	NotifyURL          string
	State              string // WAIT_USER_CONFIRM, SUCCESS, FAIL, CANCELLED, ...
	PackageInfo        string
	FailReason         string
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// keySet holds the RSA keys shared by all fakes of the process
// (an RSA-2048 key costs ~0.1s to generate).
type keySet struct {
	mch     *rsa.PrivateKey // merchant key: the plugin signs requests with it
	plat    *rsa.PrivateKey // WeChat Pay key: the fake signs responses and notifications with it
	forger  *rsa.PrivateKey // anyone else: forged notifications
	cert    *x509.Certificate
	certPEM string
}

var (
	keysOnce sync.Once
	keys     *keySet
	keysErr  error
)

func sharedKeys() (*keySet, error) {
	keysOnce.Do(func() {
		ks := &keySet{}
		for _, k := range []**rsa.PrivateKey{&ks.mch, &ks.plat, &ks.forger} {
			if *k, keysErr = rsa.GenerateKey(rand.Reader, 2048); keysErr != nil {
				return
			}
		}
		serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 159))
		tmpl := &x509.Certificate{
			SerialNumber: serial.Add(serial, new(big.Int).Lsh(big.NewInt(1), 152)),
			Subject:      pkix.Name{CommonName: "Tenpay.com Root CA (fake)", Organization: []string{"wxpayfake"}},
			NotBefore:    time.Now().Add(-time.Hour),
			NotAfter:     time.Now().Add(5 * 365 * 24 * time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &ks.plat.PublicKey, ks.plat)
		if err != nil {
			keysErr = err
			return
		}
		if ks.cert, keysErr = x509.ParseCertificate(der); keysErr != nil {
			return
		}
		ks.certPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
		keys = ks
	})
	return keys, keysErr
}

// New starts a fake WeChat Pay server. Call [Fake.Close] when done.
func New(opts Options) (*Fake, error) {
	ks, err := sharedKeys()
	if err != nil {
		return nil, fmt.Errorf("wxpayfake: generate keys: %w", err)
	}
	if opts.MchID == "" {
		opts.MchID = DefaultMchID
	}
	if opts.AppID == "" {
		opts.AppID = DefaultAppID
	}
	if opts.RefundStatus == "" {
		opts.RefundStatus = "SUCCESS"
	}

	f := &Fake{
		MchID:           opts.MchID,
		AppID:           opts.AppID,
		MchCertSerialNo: DefaultMchCertSerialNo,
		APIv3Key:        DefaultAPIv3Key,
		PublicKeyID:     DefaultPublicKeyID,
		CertSerialNo:    fmt.Sprintf("%X", ks.cert.SerialNumber.Bytes()),
		opts:            opts,
		keys:            ks,
		orders:          map[string]*Order{},
		refunds:         map[string]*Refund{},
		bills:           map[string]*Bill{},
	}
	f.Server = httptest.NewServer(f.handler())
	f.transport = http.DefaultTransport.(*http.Transport).Clone()
	return f, nil
}

// MustNew is like [New] but panics on error.
func MustNew(opts Options) *Fake {
	f, err := New(opts)
	if err != nil {
		panic(err)
	}
	return f
}

// Close stops the server.
func (f *Fake) Close() {
	f.transport.CloseIdleConnections()
	f.Server.Close()
}

// URL is the base URL of the fake.
func (f *Fake) URL() string {
	return f.Server.URL
}

// Client returns an *http.Client that sends every request for
// api.mch.weixin.qq.com (or any other host) to the fake.
func (f *Fake) Client() *http.Client {
	target, _ := url.Parse(f.Server.URL)
	return &http.Client{Transport: redirect{target: target, next: f.transport}, Timeout: 10 * time.Second}
}

// MerchantPrivateKeyPEM is the merchant API private key (PKCS#8 PEM).
func (f *Fake) MerchantPrivateKeyPEM() string {
	der, _ := x509.MarshalPKCS8PrivateKey(f.keys.mch)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// MerchantPublicKey is the public half of the merchant key, to check
// paySign and request signatures.
func (f *Fake) MerchantPublicKey() *rsa.PublicKey {
	return &f.keys.mch.PublicKey
}

// PlatformPublicKeyPEM is the WeChat Pay public key (PKIX PEM).
func (f *Fake) PlatformPublicKeyPEM() string {
	der, _ := x509.MarshalPKIXPublicKey(&f.keys.plat.PublicKey)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// OtherPrivateKeyPEM is a valid RSA key that is not the merchant's:
// a config using it must be refused by the fake.
func (f *Fake) OtherPrivateKeyPEM() string {
	der, _ := x509.MarshalPKCS8PrivateKey(f.keys.forger)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// PluginConfig returns a ready [wechatpay.Config] for this fake: keys,
// ids, notify URLs and an HTTPClient routed to the fake. In
// platform-certificate mode the public key fields are left empty.
func (f *Fake) PluginConfig() wechatpay.Config {
	c := wechatpay.Config{
		MchID:             f.MchID,
		AppID:             f.AppID,
		MchCertSerialNo:   f.MchCertSerialNo,
		MchPrivateKey:     f.MerchantPrivateKeyPEM(),
		APIv3Key:          f.APIv3Key,
		NotifyURL:         DefaultNotifyURL,
		RefundNotifyURL:   DefaultRefundNotifyURL,
		TransferNotifyURL: DefaultTransferNotifyURL,
		HTTPClient:        f.Client(),
		Timeout:           5 * time.Second,
	}
	if f.opts.PlatformCertMode {
		c.PlatformCertMode = true
	} else {
		c.WechatPayPublicKeyID = f.PublicKeyID
		c.WechatPayPublicKey = f.PlatformPublicKeyPEM()
	}
	return c
}

// ---------------------------------------------------------------
// state inspection and manipulation
// ---------------------------------------------------------------

// Order returns a copy of the order with out_trade_no orderNo.
func (f *Fake) Order(orderNo string) (Order, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o, ok := f.orders[orderNo]
	if !ok {
		return Order{}, false
	}
	return *o, true
}

// Refund returns a copy of the refund with out_refund_no refundNo.
func (f *Fake) Refund(refundNo string) (Refund, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.refunds[refundNo]
	if !ok {
		return Refund{}, false
	}
	return *r, true
}

// Bill returns a copy of the transfer bill with out_bill_no billNo.
func (f *Fake) Bill(billNo string) (Bill, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.bills[billNo]
	if !ok {
		return Bill{}, false
	}
	return *b, true
}

// Bills returns copies of all transfer bills.
func (f *Fake) Bills() []Bill {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Bill, 0, len(f.bills))
	for _, b := range f.bills {
		out = append(out, *b)
	}
	return out
}

// TransferredTotal is the sum in fen of all transfer bills that were not
// failed or cancelled: what the merchant pays out (or will, once confirmed).
func (f *Fake) TransferredTotal() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	var total int64
	for _, b := range f.bills {
		if b.State != "FAIL" && b.State != "CANCELLED" {
			total += b.Amount
		}
	}
	return total
}

// Requests lists the requests the fake accepted, as "METHOD /path".
func (f *Fake) Requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.requests...)
}

// MarkPaid marks an unpaid order paid without sending a notification,
// like a payment whose callback got lost. It returns the paid order.
func (f *Fake) MarkPaid(orderNo string) (Order, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o, ok := f.orders[orderNo]
	if !ok {
		return Order{}, fmt.Errorf("wxpayfake: order %q not found", orderNo)
	}
	if err := f.payLocked(o); err != nil {
		return Order{}, err
	}
	return *o, nil
}

// SetTradeState forces the trade_state of an order, e.g. "PAYERROR",
// "REVOKED" or "USERPAYING".
func (f *Fake) SetTradeState(orderNo, state string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	o, ok := f.orders[orderNo]
	if !ok {
		return fmt.Errorf("wxpayfake: order %q not found", orderNo)
	}
	o.TradeState = state
	return nil
}

// CompleteRefund finishes a PROCESSING refund with SUCCESS.
func (f *Fake) CompleteRefund(refundNo string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.refunds[refundNo]
	if !ok {
		return fmt.Errorf("wxpayfake: refund %q not found", refundNo)
	}
	r.Status = "SUCCESS"
	r.SuccessAt = now()
	return nil
}

// FailRefund ends a PROCESSING refund with status "CLOSED" or "ABNORMAL";
// the money stays with the merchant.
func (f *Fake) FailRefund(refundNo, status string) error {
	if status != "CLOSED" && status != "ABNORMAL" {
		return fmt.Errorf("wxpayfake: refund status %q is not a failure", status)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.refunds[refundNo]
	if !ok {
		return fmt.Errorf("wxpayfake: refund %q not found", refundNo)
	}
	if r.Status != "PROCESSING" {
		return fmt.Errorf("wxpayfake: refund %q is already %s", refundNo, r.Status)
	}
	r.Status = status
	if o := f.orders[r.OutTradeNo]; o != nil {
		o.Refunded -= r.Amount
	}
	return nil
}

// ConfirmTransfer simulates the recipient confirming the transfer in
// WeChat (wx.requestMerchantTransfer): the bill becomes SUCCESS.
func (f *Fake) ConfirmTransfer(billNo string) error {
	return f.finishTransfer(billNo, "SUCCESS", "")
}

// FailTransfer makes the bill FAIL with the given reason
// (e.g. "ACCOUNT_FROZEN"); the money goes back to the merchant.
func (f *Fake) FailTransfer(billNo, reason string) error {
	return f.finishTransfer(billNo, "FAIL", reason)
}

func (f *Fake) finishTransfer(billNo, state, reason string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.bills[billNo]
	if !ok {
		return fmt.Errorf("wxpayfake: bill %q not found", billNo)
	}
	switch b.State {
	case "SUCCESS", "FAIL", "CANCELLED":
		return fmt.Errorf("wxpayfake: bill %q is already %s", billNo, b.State)
	}
	b.State, b.FailReason, b.UpdatedAt = state, reason, now()
	return nil
}

// TimeoutNextTransfer makes the next transfer-bills call time out: the
// fake creates the bill (the money is committed) and then never answers,
// until the caller gives up (its context or client timeout) or 30s pass.
func (f *Fake) TimeoutNextTransfer() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.timeoutNextTransfer = true
}

// payLocked moves o to SUCCESS; f.mu must be held.
func (f *Fake) payLocked(o *Order) error {
	switch o.TradeState {
	case "SUCCESS", "REFUND":
		return nil
	case "NOTPAY", "USERPAYING":
	default:
		return fmt.Errorf("wxpayfake: order %q is %s", o.OutTradeNo, o.TradeState)
	}
	o.TradeState = "SUCCESS"
	o.TransactionID = f.nextID("42000000002025")
	if o.OpenID == "" {
		// whoever scanned or opened the page: WeChat reports the payer's openid
		o.OpenID = "oFakeWebPayer" + randomString(15)
	}
	o.PaidAt = now()
	return nil
}

// nextID returns prefix followed by a unique number; f.mu must be held.
func (f *Fake) nextID(prefix string) string {
	f.seq++
	return fmt.Sprintf("%s%014d", prefix, f.seq)
}

// shanghai is WeChat Pay's time zone.
var shanghai = time.FixedZone("CST", 8*3600)

func now() time.Time {
	return time.Now().In(shanghai).Truncate(time.Second)
}

// redirect sends every request to target, keeping path and query.
type redirect struct {
	target *url.URL
	next   http.RoundTripper
}

// RoundTrip implements [http.RoundTripper].
func (rt redirect) RoundTrip(r *http.Request) (*http.Response, error) {
	r2 := r.Clone(r.Context())
	r2.URL.Scheme, r2.URL.Host, r2.Host = rt.target.Scheme, rt.target.Host, rt.target.Host
	return rt.next.RoundTrip(r2)
}
