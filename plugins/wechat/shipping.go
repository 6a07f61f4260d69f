package wechat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"fenxiao/hooks/shop"
)

// MaxItemDesc is the longest item_desc WeChat accepts (characters).
const MaxItemDesc = 120

// shanghai is WeChat's wall-clock zone; upload_time is sent as +08:00.
// note: a fixed zone needs no tzdata and China has no daylight saving
var shanghai = time.FixedZone("CST", 8*3600)

// ShippingInfo is one parcel reported to WeChat's 发货信息管理; it is
// declared in the shop seam ([shop.ShippingInfo]) so that plugins use the
// client through [shop.MiniProgramShipping] without importing this one.
type ShippingInfo = shop.ShippingInfo

// APIError is an error answer (errcode != 0) of a WeChat server API.
type APIError struct {
	// API is the endpoint's short name, e.g. "upload_shipping_info".
	API string

	Code int
	Msg  string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("wechat %s: %d %s", e.API, e.Code, e.Msg)
}

// ErrInvalidShippingInfo is returned for a ShippingInfo that misses a field
// WeChat requires; nothing is sent.
var ErrInvalidShippingInfo = errors.New("wechat: invalid shipping info")

type shippingRequest struct {
	OrderKey      shippingOrderKey `json:"order_key"`
	LogisticsType int              `json:"logistics_type"`
	DeliveryMode  int              `json:"delivery_mode"`
	ShippingList  []shippingItem   `json:"shipping_list"`
	UploadTime    string           `json:"upload_time"`
	Payer         shippingPayer    `json:"payer"`
}

type shippingOrderKey struct {
	OrderNumberType int    `json:"order_number_type"`
	TransactionId   string `json:"transaction_id,omitempty"`
	MchID           string `json:"mchid,omitempty"`
	OutTradeNo      string `json:"out_trade_no,omitempty"`
}

type shippingItem struct {
	TrackingNo     string           `json:"tracking_no"`
	ExpressCompany string           `json:"express_company"`
	ItemDesc       string           `json:"item_desc"`
	Contact        *shippingContact `json:"contact,omitempty"`
}

type shippingContact struct {
	ReceiverContact string `json:"receiver_contact,omitempty"`
}

type shippingPayer struct {
	OpenId string `json:"openid"`
}

// UploadShippingInfo reports a shipped parcel to WeChat's 发货信息管理
// (POST /wxa/sec/order/upload_shipping_info). A token WeChat reports as
// invalid or expired is replaced and the call retried once. WeChat's error
// answers are returned as [*APIError].
//
// NB! It calls WeChat: never call it inside a database transaction.
func (c *Client) UploadShippingInfo(ctx context.Context, info ShippingInfo) error {
	body, err := newShippingRequest(info)
	if err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		token, err := c.accessToken(ctx)
		if err != nil {
			return err
		}
		err = c.uploadShipping(ctx, token, body)
		var apiErr *APIError
		if errors.As(err, &apiErr) && (apiErr.Code == errTokenInvalid || apiErr.Code == errTokenExpired) && attempt == 0 {
			c.forgetToken(token)
			continue
		}
		return err
	}
}

func newShippingRequest(info ShippingInfo) (*shippingRequest, error) {
	info.TransactionId = strings.TrimSpace(info.TransactionId)
	info.TrackingNo = strings.TrimSpace(info.TrackingNo)
	info.ExpressCompany = strings.TrimSpace(info.ExpressCompany)
	info.ItemDesc = strings.TrimSpace(info.ItemDesc)
	var missing []string
	key := shippingOrderKey{OrderNumberType: 2, TransactionId: info.TransactionId}
	if key.TransactionId == "" {
		key = shippingOrderKey{OrderNumberType: 1, MchID: info.MchID, OutTradeNo: info.OutTradeNo}
		if info.MchID == "" || info.OutTradeNo == "" {
			missing = append(missing, "TransactionId or MchID+OutTradeNo")
		}
	}
	for _, f := range []struct{ name, value string }{
		{"PayerOpenId", info.PayerOpenId},
		{"TrackingNo", info.TrackingNo},
		{"ExpressCompany", info.ExpressCompany},
		{"ItemDesc", info.ItemDesc},
	} {
		if f.value == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: %s required", ErrInvalidShippingInfo, strings.Join(missing, ", "))
	}
	item := shippingItem{
		TrackingNo:     info.TrackingNo,
		ExpressCompany: info.ExpressCompany,
		ItemDesc:       truncateChars(info.ItemDesc, MaxItemDesc),
	}
	if masked := MaskPhone(info.ReceiverContact); masked != "" {
		item.Contact = &shippingContact{ReceiverContact: masked}
	}
	at := info.UploadTime
	if at.IsZero() {
		at = time.Now()
	}
	return &shippingRequest{
		OrderKey:      key,
		LogisticsType: 1, // express
		DeliveryMode:  1, // unified: the whole order in one parcel
		ShippingList:  []shippingItem{item},
		UploadTime:    at.In(shanghai).Format(time.RFC3339),
		Payer:         shippingPayer{OpenId: info.PayerOpenId},
	}, nil
}

// uploadShipping makes one upload_shipping_info call.
func (c *Client) uploadShipping(ctx context.Context, token string, body *shippingRequest) error {
	res, err := c.http.R().SetContext(ctx).
		SetQueryParam("access_token", token).
		SetHeader("Content-Type", "application/json").
		SetBody(body).
		Post("/wxa/sec/order/upload_shipping_info")
	if err != nil {
		return fmt.Errorf("wechat upload_shipping_info: %w", withoutURL(err))
	}
	if res.StatusCode() != http.StatusOK {
		return fmt.Errorf("wechat upload_shipping_info: http %d", res.StatusCode())
	}
	// note: WeChat answers JSON with status 200 whatever the outcome, and
	// not always with a JSON content type
	var e apiError
	if err := json.Unmarshal(res.Body(), &e); err != nil {
		return fmt.Errorf("wechat upload_shipping_info: unexpected answer of %d bytes", len(res.Body()))
	}
	if e.ErrCode != 0 {
		return &APIError{API: "upload_shipping_info", Code: e.ErrCode, Msg: e.ErrMsg}
	}
	return nil
}

// MaskPhone masks a phone number the way WeChat wants contacts in shipping
// info: the first 3 and last 4 digits of a mobile number kept, the middle
// replaced by "****" ("13800001234" → "138****1234"). A number with fewer
// than 7 digits keeps only its last 4; an empty or already masked value is
// returned trimmed.
func MaskPhone(phone string) string {
	phone = strings.TrimSpace(phone)
	if phone == "" || strings.Contains(phone, "*") {
		return phone
	}
	digits := make([]byte, 0, len(phone))
	for i := 0; i < len(phone); i++ {
		if phone[i] >= '0' && phone[i] <= '9' {
			digits = append(digits, phone[i])
		}
	}
	// a mainland number with its country code: mask the local number
	if len(digits) == 13 && strings.HasPrefix(string(digits), "86") {
		digits = digits[2:]
	}
	switch {
	case len(digits) >= 7:
		return string(digits[:3]) + "****" + string(digits[len(digits)-4:])
	case len(digits) >= 4:
		return "****" + string(digits[len(digits)-4:])
	default:
		return "****"
	}
}

// truncateChars cuts s to at most n characters (runes).
func truncateChars(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
