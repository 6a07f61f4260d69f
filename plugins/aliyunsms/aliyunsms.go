// Package aliyunsms sends SMS through Aliyun SMS (阿里云短信服务, the
// dysmsapi SendSms API, version 2017-05-25) over its signed RPC HTTP API:
// the sign-in codes of the accounts core and, for the event kinds the
// merchant gives a template, the "sms" notification channel.
//
// Requests are signed with the RPC signature v1 (HMAC-SHA1 of the
// canonicalized query with AccessKeySecret + "&").
//
// Example usage:
//
//	aliyunsms.MustRegister(app, aliyunsms.Config{
//		AccessKeyId:     os.Getenv("FENXIAO_ALIYUN_SMS_KEY_ID"),
//		AccessKeySecret: os.Getenv("FENXIAO_ALIYUN_SMS_KEY_SECRET"),
//		SignName:        "某某小店",
//		CodeTemplate:    "SMS_123456789",
//	})
package aliyunsms

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
)

// DefaultEndpoint is Aliyun's SMS API endpoint.
const DefaultEndpoint = "https://dysmsapi.aliyuncs.com"

// Template is the SMS template of one notification kind: its code and the
// template's variables filled from the notification's data, e.g.
// {"template": "SMS_2000", "params": {"order": "order_no", "company": "company"}}.
type Template struct {
	Code   string            `json:"template"`
	Params map[string]string `json:"params"`
}

// Config configures the plugin; without AccessKeyId it is not registered.
type Config struct {
	AccessKeyId     string
	AccessKeySecret string

	// SignName is the approved signature (短信签名) shown in front of every message.
	SignName string

	// CodeTemplate is the template code of sign-in codes; its variable
	// CodeParam (default "code") receives the code. Empty: the plugin does
	// not send sign-in codes.
	CodeTemplate string
	CodeParam    string

	// Templates are the notification kinds sent by SMS, by kind. Empty:
	// the plugin registers no notification channel.
	Templates map[string]Template

	// Endpoint defaults to [DefaultEndpoint]; tests point it at a fake.
	Endpoint string

	// Timeout of one API call (default 10 s).
	Timeout time.Duration
}

// Error is an answer of the SendSms API other than "OK".
type Error struct {
	Code      string
	Message   string
	RequestId string
}

func (e *Error) Error() string {
	return fmt.Sprintf("aliyun sms: %s %s (request %s)", e.Code, e.Message, e.RequestId)
}

// MustRegister is like [Register] but panics on error.
func MustRegister(app core.App, config Config) {
	if err := Register(app, config); err != nil {
		panic(err)
	}
}

// Register makes Aliyun SMS the shop's sign-in code sender (when
// CodeTemplate is set) and registers the "sms" notification channel (when
// Templates are set).
func Register(app core.App, config Config) error {
	c, err := New(config)
	if err != nil {
		return err
	}
	s := shop.MustGet(app)
	if config.CodeTemplate != "" {
		s.SetSMSSender(c)
	}
	if len(config.Templates) > 0 {
		s.RegisterChannel(c)
	}
	return nil
}

// Client calls the SendSms API.
type Client struct {
	config Config
	http   *resty.Client
	now    func() time.Time
}

// New checks config and returns a client.
func New(config Config) (*Client, error) {
	if config.AccessKeyId == "" || config.AccessKeySecret == "" || config.SignName == "" {
		return nil, errors.New("aliyunsms: AccessKeyId, AccessKeySecret and SignName are required")
	}
	if config.Endpoint == "" {
		config.Endpoint = DefaultEndpoint
	}
	if config.Timeout <= 0 {
		config.Timeout = 10 * time.Second
	}
	if config.CodeParam == "" {
		config.CodeParam = "code"
	}
	for kind, t := range config.Templates {
		if t.Code == "" {
			return nil, fmt.Errorf("aliyunsms: template of %s has no code", kind)
		}
	}
	hc := resty.New().SetBaseURL(strings.TrimRight(config.Endpoint, "/")).SetTimeout(config.Timeout)
	return &Client{config: config, http: hc, now: time.Now}, nil
}

// SendCode implements [shop.SMSSender].
func (c *Client) SendCode(ctx context.Context, phone, code string) error {
	if c.config.CodeTemplate == "" {
		return errors.New("aliyunsms: no CodeTemplate configured")
	}
	return c.SendSMS(ctx, phone, c.config.CodeTemplate, map[string]string{c.config.CodeParam: code}, "")
}

// Name implements [shop.Channel].
func (c *Client) Name() string { return "sms" }

// Accepts implements [shop.Channel]: the kinds with a template, for users.
func (c *Client) Accepts(n shop.Notification) bool {
	_, ok := c.config.Templates[n.Kind]
	return ok && n.UserId != ""
}

// Send implements [shop.Channel]: the user's phone gets the kind's template.
func (c *Client) Send(ctx context.Context, app core.App, d shop.Delivery) error {
	t := c.config.Templates[d.Kind]
	phone := ""
	_ = app.DB().Select("phone").From(shop.UsersCollection).Where(dbx.HashExp{"id": d.UserId}).Limit(1).Row(&phone)
	if phone == "" {
		return fmt.Errorf("%w: the user has no phone number", shop.ErrSkip)
	}
	params := make(map[string]string, len(t.Params))
	for v, field := range t.Params {
		params[v] = shortParam(d.Data[field])
	}
	err := c.SendSMS(ctx, phone, t.Code, params, d.Id)
	var apiErr *Error
	if errors.As(err, &apiErr) {
		switch {
		case apiErr.Code == "isv.BUSINESS_LIMIT_CONTROL" || strings.HasPrefix(apiErr.Code, "Throttling"):
			// note: Aliyun's per-number limits are per minute, hour and day
			return &shop.RetryAfterError{Delay: time.Hour, Err: err}
		case apiErr.Code == "isv.MOBILE_NUMBER_ILLEGAL" || apiErr.Code == "isv.BLACK_KEY_CONTROL_LIMIT":
			return fmt.Errorf("%w: %v", shop.ErrSkip, err)
		case strings.HasPrefix(apiErr.Code, "isv.") || apiErr.Code == "SignatureDoesNotMatch" ||
			apiErr.Code == "InvalidAccessKeyId.NotFound":
			// a template, signature or account problem: retrying cannot fix it
			return shop.Permanent(err)
		}
	}
	return err
}

// shortParam cuts a template variable to the 35 characters Aliyun allows.
func shortParam(s string) string {
	r := []rune(s)
	if len(r) > 35 {
		return string(r[:35])
	}
	return s
}

// SendSMS calls SendSms: template to phone with params; outId is echoed
// in Aliyun's receipts (the outbox delivery id).
func (c *Client) SendSMS(ctx context.Context, phone, template string, params map[string]string, outId string) error {
	paramJSON, err := json.Marshal(params)
	if err != nil {
		return err
	}
	q := map[string]string{
		"AccessKeyId":      c.config.AccessKeyId,
		"Action":           "SendSms",
		"Format":           "JSON",
		"PhoneNumbers":     phone,
		"RegionId":         "cn-hangzhou",
		"SignName":         c.config.SignName,
		"SignatureMethod":  "HMAC-SHA1",
		"SignatureNonce":   nonce(),
		"SignatureVersion": "1.0",
		"TemplateCode":     template,
		"TemplateParam":    string(paramJSON),
		"Timestamp":        c.now().UTC().Format("2006-01-02T15:04:05Z"),
		"Version":          "2017-05-25",
	}
	if outId != "" {
		q["OutId"] = outId
	}
	query := canonicalQuery(q)
	query += "&Signature=" + percentEncode(Sign(http.MethodGet, query, c.config.AccessKeySecret))

	var answer struct {
		Code      string `json:"Code"`
		Message   string `json:"Message"`
		RequestId string `json:"RequestId"`
		BizId     string `json:"BizId"`
	}
	res, err := c.http.R().SetContext(ctx).SetResult(&answer).SetError(&answer).
		ForceContentType("application/json").Get("/?" + query)
	if err != nil {
		return fmt.Errorf("aliyun sms: %w", errors.Unwrap(err))
	}
	if answer.Code == "" {
		return fmt.Errorf("aliyun sms: http %d", res.StatusCode())
	}
	if answer.Code != "OK" {
		return &Error{Code: answer.Code, Message: answer.Message, RequestId: answer.RequestId}
	}
	return nil
}

// canonicalQuery joins params sorted by name, each percent-encoded.
func canonicalQuery(params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = percentEncode(k) + "=" + percentEncode(params[k])
	}
	return strings.Join(parts, "&")
}

// Sign is the RPC signature v1 of a canonicalized query.
func Sign(method, canonicalQuery, secret string) string {
	toSign := method + "&" + percentEncode("/") + "&" + percentEncode(canonicalQuery)
	mac := hmac.New(sha1.New, []byte(secret+"&"))
	mac.Write([]byte(toSign))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// percentEncode is RFC 3986 encoding as Aliyun's POP signature wants it.
func percentEncode(s string) string {
	s = url.QueryEscape(s)
	s = strings.ReplaceAll(s, "+", "%20")
	s = strings.ReplaceAll(s, "*", "%2A")
	return strings.ReplaceAll(s, "%7E", "~")
}

func nonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
