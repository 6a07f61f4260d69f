// Package tencentsms sends SMS through Tencent Cloud SMS (腾讯云短信, the
// SendSms API, version 2021-01-11) over its signed HTTP API: the sign-in
// codes of the accounts core and, for the event kinds the merchant gives a
// template, the "sms" notification channel.
//
// Requests are signed with TC3-HMAC-SHA256.
//
// Example usage:
//
//	tencentsms.MustRegister(app, tencentsms.Config{
//		SecretId:     os.Getenv("FENXIAO_TENCENT_SMS_SECRET_ID"),
//		SecretKey:    os.Getenv("FENXIAO_TENCENT_SMS_SECRET_KEY"),
//		SdkAppId:     "1400000000",
//		SignName:     "某某小店",
//		CodeTemplate: "1234567",
//	})
package tencentsms

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
)

// DefaultEndpoint is Tencent Cloud's SMS API endpoint.
const DefaultEndpoint = "https://sms.tencentcloudapi.com"

// Template is the SMS template of one notification kind: its id and the
// notification data fields that fill its variables {1}, {2}, ... in order,
// e.g. {"template": "1234567", "params": ["order_no", "company"]}.
type Template struct {
	Id     string   `json:"template"`
	Params []string `json:"params"`
}

// Config configures the plugin.
type Config struct {
	SecretId  string
	SecretKey string

	// SdkAppId is the SMS application id (SmsSdkAppId), SignName the
	// approved signature (短信签名).
	SdkAppId string
	SignName string

	// CodeTemplate is the template id of sign-in codes: {1} is the code,
	// {2} (when CodeMinutes > 0) its lifetime in minutes. Empty: the plugin
	// does not send sign-in codes.
	CodeTemplate string
	CodeMinutes  int

	// Templates are the notification kinds sent by SMS, by kind.
	Templates map[string]Template

	// Region defaults to "ap-guangzhou".
	Region string

	// Endpoint defaults to [DefaultEndpoint]; tests point it at a fake.
	Endpoint string

	// Timeout of one API call (default 10 s).
	Timeout time.Duration
}

// Error is an error answer of the API or of one number's send status.
type Error struct {
	Code      string
	Message   string
	RequestId string
}

func (e *Error) Error() string {
	return fmt.Sprintf("tencent sms: %s %s (request %s)", e.Code, e.Message, e.RequestId)
}

// MustRegister is like [Register] but panics on error.
func MustRegister(app core.App, config Config) {
	if err := Register(app, config); err != nil {
		panic(err)
	}
}

// Register makes Tencent Cloud SMS the shop's sign-in code sender (when
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
	host   string
	http   *resty.Client
	now    func() time.Time
}

// New checks config and returns a client.
func New(config Config) (*Client, error) {
	if config.SecretId == "" || config.SecretKey == "" || config.SdkAppId == "" || config.SignName == "" {
		return nil, errors.New("tencentsms: SecretId, SecretKey, SdkAppId and SignName are required")
	}
	if config.Endpoint == "" {
		config.Endpoint = DefaultEndpoint
	}
	if config.Region == "" {
		config.Region = "ap-guangzhou"
	}
	if config.Timeout <= 0 {
		config.Timeout = 10 * time.Second
	}
	for kind, t := range config.Templates {
		if t.Id == "" {
			return nil, fmt.Errorf("tencentsms: template of %s has no id", kind)
		}
	}
	u, err := url.Parse(config.Endpoint)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("tencentsms: bad endpoint %q", config.Endpoint)
	}
	hc := resty.New().SetBaseURL(strings.TrimRight(config.Endpoint, "/")).SetTimeout(config.Timeout)
	return &Client{config: config, host: u.Host, http: hc, now: time.Now}, nil
}

// SendCode implements [shop.SMSSender].
func (c *Client) SendCode(ctx context.Context, phone, code string) error {
	if c.config.CodeTemplate == "" {
		return errors.New("tencentsms: no CodeTemplate configured")
	}
	params := []string{code}
	if c.config.CodeMinutes > 0 {
		params = append(params, strconv.Itoa(c.config.CodeMinutes))
	}
	return c.SendSMS(ctx, phone, c.config.CodeTemplate, params, "")
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
	params := make([]string, len(t.Params))
	for i, field := range t.Params {
		params[i] = d.Data[field]
	}
	err := c.SendSMS(ctx, phone, t.Id, params, d.Id)
	var apiErr *Error
	if errors.As(err, &apiErr) {
		switch {
		case strings.HasPrefix(apiErr.Code, "LimitExceeded.PhoneNumber") || apiErr.Code == "RequestLimitExceeded":
			return &shop.RetryAfterError{Delay: time.Hour, Err: err}
		case apiErr.Code == "InvalidParameterValue.IncorrectPhoneNumber" || apiErr.Code == "UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber":
			return fmt.Errorf("%w: %v", shop.ErrSkip, err)
		case strings.HasPrefix(apiErr.Code, "AuthFailure") || strings.HasPrefix(apiErr.Code, "FailedOperation") ||
			strings.HasPrefix(apiErr.Code, "InvalidParameter"):
			// a key, template, signature or balance problem: retrying cannot fix it
			return shop.Permanent(err)
		}
	}
	return err
}

// SendSMS sends template to phone (mainland numbers get +86) with params;
// session is echoed in Tencent's receipts (the outbox delivery id).
func (c *Client) SendSMS(ctx context.Context, phone, template string, params []string, session string) error {
	if !strings.HasPrefix(phone, "+") {
		phone = "+86" + phone
	}
	body, err := json.Marshal(map[string]any{
		"PhoneNumberSet":   []string{phone},
		"SmsSdkAppId":      c.config.SdkAppId,
		"SignName":         c.config.SignName,
		"TemplateId":       template,
		"TemplateParamSet": params,
		"SessionContext":   session,
	})
	if err != nil {
		return err
	}
	now := c.now()
	const contentType = "application/json; charset=utf-8"
	auth := Authorization(c.config.SecretId, c.config.SecretKey, c.host, contentType, body, now)

	var answer struct {
		Response struct {
			Error *struct {
				Code    string `json:"Code"`
				Message string `json:"Message"`
			} `json:"Error"`
			SendStatusSet []struct {
				Code    string `json:"Code"`
				Message string `json:"Message"`
			} `json:"SendStatusSet"`
			RequestId string `json:"RequestId"`
		} `json:"Response"`
	}
	res, err := c.http.R().SetContext(ctx).
		SetHeader("Authorization", auth).
		SetHeader("Content-Type", contentType).
		SetHeader("X-TC-Action", "SendSms").
		SetHeader("X-TC-Version", "2021-01-11").
		SetHeader("X-TC-Region", c.config.Region).
		SetHeader("X-TC-Timestamp", strconv.FormatInt(now.Unix(), 10)).
		SetBody(body).SetResult(&answer).SetError(&answer).
		ForceContentType("application/json").
		Post("/")
	if err != nil {
		return fmt.Errorf("tencent sms: %w", errors.Unwrap(err))
	}
	r := answer.Response
	if r.Error != nil {
		return &Error{Code: r.Error.Code, Message: r.Error.Message, RequestId: r.RequestId}
	}
	if len(r.SendStatusSet) != 1 {
		return fmt.Errorf("tencent sms: http %d, %d send statuses", res.StatusCode(), len(r.SendStatusSet))
	}
	if st := r.SendStatusSet[0]; st.Code != "Ok" {
		return &Error{Code: st.Code, Message: st.Message, RequestId: r.RequestId}
	}
	return nil
}

// Authorization is the TC3-HMAC-SHA256 Authorization header of a POST of
// body to host at time t (signed headers: content-type and host).
func Authorization(secretId, secretKey, host, contentType string, body []byte, t time.Time) string {
	const service = "sms"
	date := t.UTC().Format("2006-01-02")
	canonical := "POST\n/\n\n" +
		"content-type:" + contentType + "\nhost:" + host + "\n\n" +
		"content-type;host\n" + sha256Hex(body)
	scope := date + "/" + service + "/tc3_request"
	toSign := "TC3-HMAC-SHA256\n" + strconv.FormatInt(t.Unix(), 10) + "\n" + scope + "\n" + sha256Hex([]byte(canonical))
	key := hmacSHA256([]byte("TC3"+secretKey), date)
	key = hmacSHA256(key, service)
	key = hmacSHA256(key, "tc3_request")
	signature := hex.EncodeToString(hmacSHA256(key, toSign))
	return "TC3-HMAC-SHA256 Credential=" + secretId + "/" + scope +
		", SignedHeaders=content-type;host, Signature=" + signature
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func hmacSHA256(key []byte, msg string) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(msg))
	return mac.Sum(nil)
}
