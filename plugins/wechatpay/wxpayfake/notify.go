package wxpayfake

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"
)

// Notification is a WeChat Pay notification as it goes on the wire:
// the JSON body and the signed Wechatpay-* headers.
//
// Body and Headers fit tests.ApiScenario directly.
type Notification struct {
	Body    []byte
	Headers map[string]string
	// Plaintext is the decrypted resource, what the provider should report as Raw.
	Plaintext string
}

// Request returns a server-side request (as a handler receives it) that
// POSTs the notification to target, a URL or a path.
func (n *Notification) Request(target string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(n.Body))
	for k, v := range n.Headers {
		r.Header.Set(k, v)
	}
	return r
}

// Post delivers the notification to url like WeChat Pay does.
func (n *Notification) Post(ctx context.Context, url string) (*http.Response, error) {
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(n.Body))
	if err != nil {
		return nil, err
	}
	for k, v := range n.Headers {
		r.Header.Set(k, v)
	}
	return http.DefaultClient.Do(r)
}

// NotifyOption changes how a notification is built, mostly to make bad ones.
type NotifyOption func(*notifyOptions)

type notifyOptions struct {
	forged          bool
	tamperedBody    bool
	tamperedCipher  bool
	timestamp       time.Time
	serial          string
	apiV3Key        string
	eventType       string
	plaintextEdits  map[string]any
	withoutResource bool
}

// ForgedSignature signs with a key that is not WeChat Pay's.
func ForgedSignature() NotifyOption {
	return func(o *notifyOptions) { o.forged = true }
}

// TamperedBody changes the body after it was signed.
func TamperedBody() NotifyOption {
	return func(o *notifyOptions) { o.tamperedBody = true }
}

// TamperedCiphertext flips a bit of the encrypted resource and then signs
// the body correctly, so that only decryption (the GCM tag) can catch it.
func TamperedCiphertext() NotifyOption {
	return func(o *notifyOptions) { o.tamperedCipher = true }
}

// WithTimestamp signs with the given time instead of now (WeChat Pay
// clients refuse anything more than 5 minutes off).
func WithTimestamp(t time.Time) NotifyOption {
	return func(o *notifyOptions) { o.timestamp = t }
}

// WithSerial sets the Wechatpay-Serial header.
func WithSerial(serial string) NotifyOption {
	return func(o *notifyOptions) { o.serial = serial }
}

// WithAPIv3Key encrypts the resource with another APIv3 key.
func WithAPIv3Key(key string) NotifyOption {
	return func(o *notifyOptions) { o.apiV3Key = key }
}

// WithEventType overrides event_type.
func WithEventType(eventType string) NotifyOption {
	return func(o *notifyOptions) { o.eventType = eventType }
}

// WithField overrides a top level field of the decrypted resource,
// e.g. WithField("mchid", "1900000999") or WithField("amount", map[string]any{"total": 1}).
func WithField(name string, value any) NotifyOption {
	return func(o *notifyOptions) {
		if o.plaintextEdits == nil {
			o.plaintextEdits = map[string]any{}
		}
		o.plaintextEdits[name] = value
	}
}

// WithMchID overrides the merchant id in the decrypted resource.
func WithMchID(mchID string) NotifyOption { return WithField("mchid", mchID) }

// WithAppID overrides the appid in the decrypted resource.
func WithAppID(appID string) NotifyOption { return WithField("appid", appID) }

// WithAmount overrides amount.total (fen) in the decrypted payment resource.
func WithAmount(total int64) NotifyOption {
	return WithField("amount", map[string]any{"total": total, "payer_total": total, "currency": "CNY", "payer_currency": "CNY"})
}

// WithoutResource sends a signed body without a resource.
func WithoutResource() NotifyOption {
	return func(o *notifyOptions) { o.withoutResource = true }
}

// PaymentNotification builds the TRANSACTION.SUCCESS notification for
// orderNo. An unpaid order is marked paid first (the buyer paid).
func (f *Fake) PaymentNotification(orderNo string, opts ...NotifyOption) (*Notification, error) {
	f.mu.Lock()
	o, ok := f.orders[orderNo]
	if !ok {
		f.mu.Unlock()
		return nil, fmt.Errorf("wxpayfake: order %q not found (prepay first)", orderNo)
	}
	if err := f.payLocked(o); err != nil {
		f.mu.Unlock()
		return nil, err
	}
	plaintext := transactionJSON(o)
	f.mu.Unlock()

	return f.notification("TRANSACTION.SUCCESS", "支付成功", "transaction", plaintext, opts)
}

// RefundNotification builds the REFUND.SUCCESS notification for refundNo.
func (f *Fake) RefundNotification(refundNo string, opts ...NotifyOption) (*Notification, error) {
	f.mu.Lock()
	r, ok := f.refunds[refundNo]
	if !ok {
		f.mu.Unlock()
		return nil, fmt.Errorf("wxpayfake: refund %q not found", refundNo)
	}
	o := f.orders[r.OutTradeNo]
	plaintext := map[string]any{
		"mchid":                 f.MchID,
		"out_trade_no":          o.OutTradeNo,
		"transaction_id":        o.TransactionID,
		"out_refund_no":         r.OutRefundNo,
		"refund_id":             r.RefundID,
		"refund_status":         r.Status,
		"user_received_account": "支付用户零钱",
		"amount":                map[string]any{"total": r.Total, "refund": r.Amount, "payer_total": r.Total, "payer_refund": r.Amount},
	}
	if !r.SuccessAt.IsZero() {
		plaintext["success_time"] = r.SuccessAt.Format(time.RFC3339)
	}
	f.mu.Unlock()

	return f.notification("REFUND."+r.Status, "退款成功", "refund", plaintext, opts)
}

// TransferNotification builds the MCHTRANSFER.BILL.FINISHED notification
// for billNo in its current state (see ConfirmTransfer and FailTransfer).
func (f *Fake) TransferNotification(billNo string, opts ...NotifyOption) (*Notification, error) {
	f.mu.Lock()
	b, ok := f.bills[billNo]
	if !ok {
		f.mu.Unlock()
		return nil, fmt.Errorf("wxpayfake: bill %q not found", billNo)
	}
	plaintext := f.billJSON(b)
	delete(plaintext, "transfer_remark")
	delete(plaintext, "appid")
	f.mu.Unlock()

	return f.notification("MCHTRANSFER.BILL.FINISHED", "商家转账单据终态通知", "mch_payment", plaintext, opts)
}

// notification encrypts resource and signs the envelope like WeChat Pay.
func (f *Fake) notification(eventType, summary, originalType string, resource map[string]any, opts []NotifyOption) (*Notification, error) {
	o := notifyOptions{}
	for _, opt := range opts {
		opt(&o)
	}
	if o.eventType != "" {
		eventType = o.eventType
	}
	for k, v := range o.plaintextEdits {
		resource[k] = v
	}
	plaintext, err := json.Marshal(resource)
	if err != nil {
		return nil, err
	}

	key := f.APIv3Key
	if o.apiV3Key != "" {
		key = o.apiV3Key
	}
	nonce := randomString(12)
	ciphertext, err := sealAESGCM(key, nonce, originalType, plaintext)
	if err != nil {
		return nil, fmt.Errorf("wxpayfake: encrypt notification: %w", err)
	}
	if o.tamperedCipher {
		raw, _ := base64.StdEncoding.DecodeString(ciphertext)
		raw[len(raw)/2] ^= 0x01
		ciphertext = base64.StdEncoding.EncodeToString(raw)
	}

	envelope := map[string]any{
		"id":            randomUUID(),
		"create_time":   now().Format(time.RFC3339),
		"resource_type": "encrypt-resource",
		"event_type":    eventType,
		"summary":       summary,
	}
	if !o.withoutResource {
		envelope["resource"] = map[string]string{
			"original_type":   originalType,
			"algorithm":       "AEAD_AES_256_GCM",
			"ciphertext":      ciphertext,
			"associated_data": originalType,
			"nonce":           nonce,
		}
	}
	body, err := json.Marshal(envelope)
	if err != nil {
		return nil, err
	}

	at := time.Now()
	if !o.timestamp.IsZero() {
		at = o.timestamp
	}
	serial := f.defaultSerial()
	if o.serial != "" {
		serial = o.serial
	}
	signer := f.keys.plat
	if o.forged {
		signer = f.keys.forger
	}
	h := http.Header{}
	f.signHeaders(h, body, serial, at, signer)
	h.Set("Content-Type", "application/json")

	if o.tamperedBody {
		body = bytes.Replace(body, []byte(`"summary":"`), []byte(`"summary":"!`), 1)
	}

	headers := make(map[string]string, len(h))
	for k := range h {
		headers[k] = h.Get(k)
	}
	return &Notification{Body: body, Headers: headers, Plaintext: string(plaintext)}, nil
}

func randomUUID() string {
	s := randomString(32)
	return s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}
