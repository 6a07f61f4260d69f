// Package alipayfake is an in-process Alipay open-platform gateway for
// tests: it speaks the real protocol (RSA2-signed form requests, signed JSON
// responses, signed form notifications) with its own key pair, so the
// alipay plugin runs unchanged against it and no test needs the network.
//
// The fake verifies every request with the application's public key, keeps
// the state of each trade (unpaid, paid, refunded, closed) and never lets
// refunds exceed what was paid.
//
// NB! All fakes of one test binary share their RSA key pairs (generating
// them is slow); give fakes different AppIDs to tell them apart.
//
// Example usage:
//
//	fake := alipayfake.New(t)
//	p, _ := alipay.New(fake.PluginConfig())
//
//	start, _ := p.Start(ctx, app, shop.PayRequest{OrderNo: "FX1", Amount: 1234})
//	fake.PayURL(start.Params["pay_url"].(string)) // the buyer pays
//
//	notice, err := p.ParseNotification(ctx, fake.NotificationRequest("FX1"))
package alipayfake

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"fenxiao/internal/money"
	"fenxiao/plugins/alipay"
)

// Default identities of the fake merchant.
const (
	DefaultAppID    = "2021000000000001"
	DefaultSellerID = "2088000000000001"
	// NotifyURL is the notification URL [Fake.PluginConfig] configures.
	NotifyURL = "https://shop.example.com/api/shop/payments/alipay/notify"
	// ReturnURL is the return URL [Fake.PluginConfig] configures.
	ReturnURL = "https://shop.example.com/#/orders"
)

// Trade statuses, as Alipay spells them.
const (
	StatusWaitBuyerPay = "WAIT_BUYER_PAY"
	StatusSuccess      = "TRADE_SUCCESS"
	StatusFinished     = "TRADE_FINISHED"
	StatusClosed       = "TRADE_CLOSED"
)

const timeFormat = "2006-01-02 15:04:05"

var beijing = time.FixedZone("CST", 8*60*60)

// keys are generated once per test binary: RSA key generation is the
// slowest part of a fake and the keys carry no state
var keys = sync.OnceValue(func() [3]*rsa.PrivateKey {
	var ks [3]*rsa.PrivateKey
	for i := range ks {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(fmt.Sprintf("alipayfake: generate key: %v", err))
		}
		ks[i] = k
	}
	return ks
})

// Trade is a snapshot of one trade held by the fake.
type Trade struct {
	OutTradeNo string
	TradeNo    string
	Status     string
	TotalFen   int64
	// RefundedFen is the sum of all refunds.
	RefundedFen int64
	// Refunds maps out_request_no to its amount in fen.
	Refunds map[string]int64
	PaidAt  time.Time
}

type failure struct {
	code, subCode, subMsg string
}

// Fake is the fake Alipay gateway. Its methods are safe for concurrent use.
type Fake struct {
	// AppID is the application the fake accepts requests from.
	AppID string
	// SellerID is the merchant's Alipay user id put in trades and notifications.
	SellerID string

	server  *httptest.Server
	appKey  *rsa.PrivateKey // the merchant application's key pair
	aliKey  *rsa.PrivateKey // the gateway's own key pair ("支付宝公钥")
	evilKey *rsa.PrivateKey // a key nobody trusts, for forged notifications

	mu     sync.Mutex
	trades map[string]*Trade
	seq    int
	calls  map[string]int
	fail   map[string]failure
}

// New starts a fake gateway that is closed when the test ends.
func New(tb testing.TB) *Fake {
	tb.Helper()
	ks := keys()
	f := &Fake{
		AppID:    DefaultAppID,
		SellerID: DefaultSellerID,
		appKey:   ks[0],
		aliKey:   ks[1],
		evilKey:  ks[2],
		trades:   map[string]*Trade{},
		calls:    map[string]int{},
		fail:     map[string]failure{},
	}
	f.server = httptest.NewServer(http.HandlerFunc(f.serveGateway))
	tb.Cleanup(f.server.Close)
	return f
}

// GatewayURL returns the URL of the fake's gateway.do endpoint.
func (f *Fake) GatewayURL() string {
	return f.server.URL + "/gateway.do"
}

// AppPrivateKeyPEM returns the application's private key (PKCS#8 PEM).
func (f *Fake) AppPrivateKeyPEM() string {
	der, err := x509.MarshalPKCS8PrivateKey(f.appKey)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// AlipayPublicKey returns the gateway's public key as the bare base64 PKIX
// string the Alipay console shows.
func (f *Fake) AlipayPublicKey() string {
	der, err := x509.MarshalPKIXPublicKey(&f.aliKey.PublicKey)
	if err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

// AppPublicKey returns the application's public key (bare base64 PKIX),
// the one a merchant uploads to the Alipay console.
func (f *Fake) AppPublicKey() string {
	der, err := x509.MarshalPKIXPublicKey(&f.appKey.PublicKey)
	if err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

// PluginConfig returns an [alipay.Config] that talks to this fake.
func (f *Fake) PluginConfig() alipay.Config {
	return alipay.Config{
		AppID:           f.AppID,
		PrivateKey:      f.AppPrivateKeyPEM(),
		AlipayPublicKey: f.AlipayPublicKey(),
		GatewayURL:      f.GatewayURL(),
		NotifyURL:       NotifyURL,
		ReturnURL:       ReturnURL,
		SellerId:        f.SellerID,
		IsProduction:    true,
		HTTPClient:      f.server.Client(),
	}
}

// Calls returns how many verified requests the gateway received for an
// API method, e.g. "alipay.trade.refund".
func (f *Fake) Calls(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[method]
}

// FailNext makes the next request for method answer with the given business
// error, e.g. FailNext("alipay.trade.refund", "20000", "ACQ.SYSTEM_ERROR", "系统错误").
func (f *Fake) FailNext(method, code, subCode, subMsg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail[method] = failure{code, subCode, subMsg}
}

// ---------------------------------------------------------------
// buyer side
// ---------------------------------------------------------------

// Open creates an unpaid trade, as when the buyer opens the cashier page.
// It does nothing if the trade exists.
func (f *Fake) Open(outTradeNo string, amountFen int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.openLocked(outTradeNo, amountFen)
}

func (f *Fake) openLocked(outTradeNo string, amountFen int64) *Trade {
	t := f.trades[outTradeNo]
	if t == nil {
		f.seq++
		t = &Trade{
			OutTradeNo: outTradeNo,
			TradeNo:    fmt.Sprintf("%s22001%015d", time.Now().In(beijing).Format("20060102"), f.seq),
			Status:     StatusWaitBuyerPay,
			TotalFen:   amountFen,
			Refunds:    map[string]int64{},
		}
		f.trades[outTradeNo] = t
	}
	return t
}

// Pay marks the trade paid with amountFen (creating it if needed) and
// returns Alipay's trade_no. Paying a paid trade changes nothing.
func (f *Fake) Pay(outTradeNo string, amountFen int64) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.openLocked(outTradeNo, amountFen)
	if t.Status == StatusWaitBuyerPay {
		t.TotalFen = amountFen
		t.Status = StatusSuccess
		t.PaidAt = time.Now().In(beijing).Truncate(time.Second)
	}
	return t.TradeNo
}

// PayURL pays what a signed alipay.trade.wap.pay URL (the plugin's
// "pay_url") asks for, after verifying the application's signature, and
// returns the trade_no.
func (f *Fake) PayURL(payURL string) (string, error) {
	u, err := url.Parse(payURL)
	if err != nil {
		return "", fmt.Errorf("alipayfake: pay URL: %w", err)
	}
	q := u.Query()
	if err := f.verifyRequest(q); err != nil {
		return "", err
	}
	if m := q.Get("method"); m != "alipay.trade.wap.pay" && m != "alipay.trade.page.pay" {
		return "", fmt.Errorf("alipayfake: pay URL for method %q", m)
	}
	var biz struct {
		OutTradeNo  string `json:"out_trade_no"`
		TotalAmount string `json:"total_amount"`
	}
	if err := json.Unmarshal([]byte(q.Get("biz_content")), &biz); err != nil {
		return "", fmt.Errorf("alipayfake: pay URL biz_content: %w", err)
	}
	amount, err := alipay.ParseYuan(biz.TotalAmount)
	if err != nil || amount <= 0 {
		return "", fmt.Errorf("alipayfake: pay URL total_amount %q", biz.TotalAmount)
	}
	if biz.OutTradeNo == "" {
		return "", fmt.Errorf("alipayfake: pay URL without out_trade_no")
	}
	return f.Pay(biz.OutTradeNo, amount), nil
}

// PayOrderString pays what a signed alipay.trade.app.pay order string (the
// plugin's Params["order_string"], which the App hands to the Alipay SDK)
// asks for, after verifying its signature, as the buyer's App would, and
// returns the trade number.
func (f *Fake) PayOrderString(orderString string) (string, error) {
	q, err := url.ParseQuery(orderString)
	if err != nil {
		return "", fmt.Errorf("alipayfake: order string: %w", err)
	}
	if err := f.verifyRequest(q); err != nil {
		return "", err
	}
	if m := q.Get("method"); m != "alipay.trade.app.pay" {
		return "", fmt.Errorf("alipayfake: order string for method %q", m)
	}
	var biz struct {
		OutTradeNo  string `json:"out_trade_no"`
		TotalAmount string `json:"total_amount"`
		ProductCode string `json:"product_code"`
	}
	if err := json.Unmarshal([]byte(q.Get("biz_content")), &biz); err != nil {
		return "", fmt.Errorf("alipayfake: order string biz_content: %w", err)
	}
	if biz.ProductCode != "QUICK_MSECURITY_PAY" {
		return "", fmt.Errorf("alipayfake: order string product_code %q", biz.ProductCode)
	}
	amount, err := alipay.ParseYuan(biz.TotalAmount)
	if err != nil || amount <= 0 {
		return "", fmt.Errorf("alipayfake: order string total_amount %q", biz.TotalAmount)
	}
	if biz.OutTradeNo == "" {
		return "", fmt.Errorf("alipayfake: order string without out_trade_no")
	}
	return f.Pay(biz.OutTradeNo, amount), nil
}

// Close closes an unpaid trade (timeout or alipay.trade.close).
func (f *Fake) Close(outTradeNo string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if t := f.trades[outTradeNo]; t != nil && t.Status == StatusWaitBuyerPay {
		t.Status = StatusClosed
	}
}

// Trade returns a snapshot of a trade.
func (f *Fake) Trade(outTradeNo string) (Trade, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.trades[outTradeNo]
	if t == nil {
		return Trade{}, false
	}
	c := *t
	c.Refunds = make(map[string]int64, len(t.Refunds))
	for k, v := range t.Refunds {
		c.Refunds[k] = v
	}
	return c, true
}

// ---------------------------------------------------------------
// notifications
// ---------------------------------------------------------------

// NotificationForm returns the signed trade_status_sync notification Alipay
// posts for the trade's current state. It panics if the trade is unknown.
func (f *Fake) NotificationForm(outTradeNo string) url.Values {
	f.mu.Lock()
	t := f.trades[outTradeNo]
	if t == nil {
		f.mu.Unlock()
		panic("alipayfake: no trade " + outTradeNo)
	}
	v := url.Values{}
	now := time.Now().In(beijing)
	v.Set("notify_time", now.Format(timeFormat))
	v.Set("notify_type", "trade_status_sync")
	v.Set("notify_id", fmt.Sprintf("2026%028d", now.UnixNano()))
	v.Set("app_id", f.AppID)
	v.Set("auth_app_id", f.AppID)
	v.Set("charset", "utf-8")
	v.Set("version", "1.0")
	v.Set("trade_no", t.TradeNo)
	v.Set("out_trade_no", t.OutTradeNo)
	v.Set("seller_id", f.SellerID)
	v.Set("buyer_id", "2088102177846880")
	v.Set("buyer_logon_id", "138****8888")
	v.Set("trade_status", t.Status)
	v.Set("total_amount", money.Yuan(t.TotalFen))
	v.Set("receipt_amount", money.Yuan(t.TotalFen))
	v.Set("buyer_pay_amount", money.Yuan(t.TotalFen))
	v.Set("invoice_amount", money.Yuan(t.TotalFen))
	v.Set("point_amount", "0.00")
	v.Set("subject", "fenxiao order "+t.OutTradeNo)
	v.Set("gmt_create", now.Format(timeFormat))
	if !t.PaidAt.IsZero() {
		v.Set("gmt_payment", t.PaidAt.Format(timeFormat))
		v.Set("fund_bill_list", fmt.Sprintf(`[{"amount":"%s","fundChannel":"ALIPAYACCOUNT"}]`, money.Yuan(t.TotalFen)))
	}
	f.mu.Unlock()
	return f.SignNotification(v)
}

// SignNotification signs arbitrary notification values with the gateway's
// key (as Alipay does: sorted k=v pairs without sign and sign_type) and
// returns them with sign_type and sign set.
func (f *Fake) SignNotification(values url.Values) url.Values {
	return signNotification(f.aliKey, values)
}

// NotificationRequest returns the signed notification for the trade as an
// incoming POST request, ready for ParseNotification or a handler.
func (f *Fake) NotificationRequest(outTradeNo string) *http.Request {
	return NewNotificationRequest(f.NotificationForm(outTradeNo))
}

// TamperedNotificationRequest returns a genuinely signed notification with
// key changed to value after signing, e.g. a higher total_amount.
func (f *Fake) TamperedNotificationRequest(outTradeNo, key, value string) *http.Request {
	v := f.NotificationForm(outTradeNo)
	v.Set(key, value)
	return NewNotificationRequest(v)
}

// ForgedNotificationRequest returns the trade's notification signed with a
// key that is not the gateway's.
func (f *Fake) ForgedNotificationRequest(outTradeNo string) *http.Request {
	v := f.NotificationForm(outTradeNo)
	return NewNotificationRequest(signNotification(f.evilKey, v))
}

// NewNotificationRequest wraps form values in an incoming form-encoded POST
// request to [NotifyURL].
func NewNotificationRequest(form url.Values) *http.Request {
	r := httptest.NewRequest(http.MethodPost, NotifyURL, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	return r
}

func signNotification(key *rsa.PrivateKey, values url.Values) url.Values {
	v := url.Values{}
	for k, vs := range values {
		if k != "sign" && k != "sign_type" {
			v[k] = append([]string(nil), vs...)
		}
	}
	v.Set("sign_type", "RSA2")
	v.Set("sign", sign(key, []byte(signContent(v, "sign", "sign_type"))))
	return v
}

// ---------------------------------------------------------------
// gateway
// ---------------------------------------------------------------

func (f *Fake) serveGateway(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/gateway.do" || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	form := r.PostForm
	method := form.Get("method")
	respName := strings.ReplaceAll(method, ".", "_") + "_response"
	if method == "" {
		respName = "error_response"
	}

	if form.Get("app_id") != f.AppID {
		writeUnsigned(w, respName, bizError("40002", "Invalid Arguments", "isv.invalid-app-id", "无效的AppID参数"))
		return
	}
	if err := f.verifyRequest(form); err != nil {
		writeUnsigned(w, respName, bizError("40002", "Invalid Arguments", "isv.invalid-signature", "验签出错"))
		return
	}

	var biz map[string]any
	if err := json.Unmarshal([]byte(form.Get("biz_content")), &biz); err != nil {
		f.writeSigned(w, respName, bizError("40002", "Invalid Arguments", "isv.invalid-biz-content", "biz_content 格式错误"))
		return
	}
	str := func(k string) string { s, _ := biz[k].(string); return s }

	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[method]++

	if fl, ok := f.fail[method]; ok {
		delete(f.fail, method)
		msg := "Business Failed"
		if fl.code == "20000" {
			msg = "Service Currently Unavailable"
		}
		f.writeSigned(w, respName, bizError(fl.code, msg, fl.subCode, fl.subMsg))
		return
	}

	switch method {
	case "alipay.trade.query":
		f.writeSigned(w, respName, f.queryLocked(str("out_trade_no"), str("trade_no")))
	case "alipay.trade.refund":
		f.writeSigned(w, respName, f.refundLocked(str("out_trade_no"), str("trade_no"), str("out_request_no"), str("refund_amount")))
	case "alipay.trade.close":
		f.writeSigned(w, respName, f.closeLocked(str("out_trade_no"), str("trade_no")))
	default:
		writeUnsigned(w, "error_response", bizError("40002", "Invalid Arguments", "isv.invalid-method", "不存在的方法名"))
	}
}

// verifyRequest checks a request's RSA2 signature with the app public key.
func (f *Fake) verifyRequest(v url.Values) error {
	if v.Get("sign_type") != "RSA2" {
		return fmt.Errorf("alipayfake: sign_type %q, want RSA2", v.Get("sign_type"))
	}
	for _, k := range []string{"app_id", "method", "charset", "timestamp", "version"} {
		if v.Get(k) == "" {
			return fmt.Errorf("alipayfake: request without %s", k)
		}
	}
	sig, err := base64.StdEncoding.DecodeString(v.Get("sign"))
	if err != nil {
		return fmt.Errorf("alipayfake: request sign: %w", err)
	}
	digest := sha256.Sum256([]byte(signContent(v, "sign")))
	if err := rsa.VerifyPKCS1v15(&f.appKey.PublicKey, crypto.SHA256, digest[:], sig); err != nil {
		return fmt.Errorf("alipayfake: request signature: %w", err)
	}
	return nil
}

// lookupLocked finds a trade by out_trade_no or trade_no (both must agree).
func (f *Fake) lookupLocked(outTradeNo, tradeNo string) *Trade {
	if outTradeNo != "" {
		t := f.trades[outTradeNo]
		if t != nil && tradeNo != "" && t.TradeNo != tradeNo {
			return nil
		}
		return t
	}
	for _, t := range f.trades {
		if tradeNo != "" && t.TradeNo == tradeNo {
			return t
		}
	}
	return nil
}

func (f *Fake) queryLocked(outTradeNo, tradeNo string) map[string]any {
	t := f.lookupLocked(outTradeNo, tradeNo)
	if t == nil {
		return bizError("40004", "Business Failed", "ACQ.TRADE_NOT_EXIST", "交易不存在")
	}
	res := success()
	res["trade_no"] = t.TradeNo
	res["out_trade_no"] = t.OutTradeNo
	res["buyer_logon_id"] = "138****8888"
	res["trade_status"] = t.Status
	res["total_amount"] = money.Yuan(t.TotalFen)
	if t.Status != StatusWaitBuyerPay {
		res["buyer_pay_amount"] = money.Yuan(t.TotalFen)
		res["receipt_amount"] = money.Yuan(t.TotalFen)
	} else {
		res["buyer_pay_amount"] = "0.00"
	}
	if !t.PaidAt.IsZero() {
		res["send_pay_date"] = t.PaidAt.Format(timeFormat)
		res["buyer_user_id"] = "2088102177846880"
	}
	return res
}

func (f *Fake) refundLocked(outTradeNo, tradeNo, outRequestNo, refundAmount string) map[string]any {
	t := f.lookupLocked(outTradeNo, tradeNo)
	if t == nil {
		return bizError("40004", "Business Failed", "ACQ.TRADE_NOT_EXIST", "交易不存在")
	}
	amount, err := alipay.ParseYuan(refundAmount)
	if err != nil || amount <= 0 {
		return bizError("40002", "Invalid Arguments", "isv.invalid-parameter", "refund_amount 参数无效")
	}
	if outRequestNo == "" {
		outRequestNo = t.TradeNo // Alipay's default: a single full refund
	}

	fundChange := "Y"
	if prev, ok := t.Refunds[outRequestNo]; ok {
		if prev != amount {
			return bizError("40004", "Business Failed", "ACQ.DISCORDANT_REPEAT_REQUEST", "退款请求号对应的退款金额与之前请求不一致")
		}
		fundChange = "N" // a retry: the refund was already made
	} else {
		switch t.Status {
		case StatusSuccess:
		case StatusClosed, StatusWaitBuyerPay, StatusFinished:
			return bizError("40004", "Business Failed", "ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
		}
		if t.RefundedFen+amount > t.TotalFen {
			return bizError("40004", "Business Failed", "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限")
		}
		t.Refunds[outRequestNo] = amount
		t.RefundedFen += amount
		if t.RefundedFen == t.TotalFen {
			t.Status = StatusClosed
		}
	}

	res := success()
	res["trade_no"] = t.TradeNo
	res["out_trade_no"] = t.OutTradeNo
	res["buyer_logon_id"] = "138****8888"
	res["buyer_user_id"] = "2088102177846880"
	res["fund_change"] = fundChange
	res["refund_fee"] = money.Yuan(t.RefundedFen)
	res["send_back_fee"] = money.Yuan(amount)
	res["gmt_refund_pay"] = time.Now().In(beijing).Format(timeFormat)
	return res
}

func (f *Fake) closeLocked(outTradeNo, tradeNo string) map[string]any {
	t := f.lookupLocked(outTradeNo, tradeNo)
	if t == nil {
		return bizError("40004", "Business Failed", "ACQ.TRADE_NOT_EXIST", "交易不存在")
	}
	if t.Status != StatusWaitBuyerPay {
		return bizError("40004", "Business Failed", "ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
	}
	t.Status = StatusClosed
	res := success()
	res["trade_no"] = t.TradeNo
	res["out_trade_no"] = t.OutTradeNo
	return res
}

func success() map[string]any {
	return map[string]any{"code": "10000", "msg": "Success"}
}

func bizError(code, msg, subCode, subMsg string) map[string]any {
	return map[string]any{"code": code, "msg": msg, "sub_code": subCode, "sub_msg": subMsg}
}

// writeSigned writes {"<name>":{...},"sign":"..."} with the signature over
// the exact bytes of the response object, as the gateway does.
func (f *Fake) writeSigned(w http.ResponseWriter, name string, body map[string]any) {
	raw, err := json.Marshal(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	nameJSON, _ := json.Marshal(name)
	out := fmt.Sprintf(`{%s:%s,"sign":"%s"}`, nameJSON, raw, sign(f.aliKey, raw))
	w.Header().Set("Content-Type", "text/html;charset=utf-8")
	_, _ = w.Write([]byte(out))
}

// writeUnsigned writes an error answer without a signature, as the gateway
// does when it cannot tell which application is asking.
func writeUnsigned(w http.ResponseWriter, name string, body map[string]any) {
	out, _ := json.Marshal(map[string]any{name: body})
	w.Header().Set("Content-Type", "text/html;charset=utf-8")
	_, _ = w.Write(out)
}

// signContent is the string Alipay signs: every non-empty parameter except
// the ignored ones, as k=v sorted by key, joined with &.
func signContent(v url.Values, ignore ...string) string {
	keys := make([]string, 0, len(v))
	for k := range v {
		skip := false
		for _, ig := range ignore {
			skip = skip || k == ig
		}
		if !skip && v.Get(k) != "" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	pairs := make([]string, 0, len(keys))
	for _, k := range keys {
		pairs = append(pairs, k+"="+v.Get(k))
	}
	return strings.Join(pairs, "&")
}

func sign(key *rsa.PrivateKey, data []byte) string {
	digest := sha256.Sum256(data)
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	if err != nil {
		panic(fmt.Sprintf("alipayfake: sign: %v", err))
	}
	return base64.StdEncoding.EncodeToString(sig)
}
