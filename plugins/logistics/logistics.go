// Package logistics is the parcel tracker of the fenxiao shop, backed by the
// Kuaidi100 real-time query API (快递100 实时快递查询, /poll/query.do).
//
// Register sets it as the shop's [shop.Tracker]. Answers are cached in
// memory for a short while, so buyers refreshing an order page do not spend
// the merchant's Kuaidi100 quota.
//
// Example usage:
//
//	hooks.MustRegister(app, hooks.Config{})
//	logistics.MustRegister(app, logistics.Config{
//		Customer: os.Getenv("KUAIDI100_CUSTOMER"),
//		Key:      os.Getenv("KUAIDI100_KEY"),
//	})
//
//	// later, e.g. in an order route
//	trace, err := shop.MustGet(app).Tracker().Track(ctx, "zhongtong", "78000000000001", "")
package logistics

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-resty/resty/v2"
	"github.com/pocketbase/pocketbase/core"
	"golang.org/x/sync/singleflight"

	"fenxiao/hooks/shop"
)

// DefaultBaseURL is the Kuaidi100 API host.
const DefaultBaseURL = "https://poll.kuaidi100.com"

// queryPath is the real-time query endpoint under the base URL.
const queryPath = "/poll/query.do"

// Config defines the logistics plugin's options.
type Config struct {
	// Customer is the Kuaidi100 customer id (授权码 customer). Required.
	Customer string

	// Key is the Kuaidi100 authorization key (授权 key) used to sign requests.
	// Required.
	//
	// NB! It is a secret: read it from the environment, never log it.
	Key string

	// BaseURL is the Kuaidi100 API host. Default: https://poll.kuaidi100.com.
	// Tests point it at a fake.
	BaseURL string

	// CacheTTL is how long a successful answer is reused for the same parcel.
	// Default: 10 minutes. A negative value disables the cache.
	CacheTTL time.Duration

	// CacheSize bounds the number of cached parcels; when full, expired
	// entries and then the ones closest to expiry are dropped.
	// Default: 1000.
	CacheSize int

	// Timeout bounds each Kuaidi100 request. Default: 10 seconds.
	Timeout time.Duration

	// HTTPClient sends the requests. Default: a new client (Timeout applies
	// either way).
	HTTPClient *http.Client
}

// Client queries Kuaidi100 and implements [shop.Tracker].
type Client struct {
	config Config
	http   *resty.Client
	group  singleflight.Group

	mu    sync.Mutex
	cache map[string]cacheEntry
}

type cacheEntry struct {
	tracking *shop.Tracking
	expires  time.Time
}

// interface guard
var _ shop.Tracker = (*Client)(nil)

// MustRegister is like [Register] but panics on error.
func MustRegister(app core.App, config Config) {
	if err := Register(app, config); err != nil {
		panic(err)
	}
}

// Register creates a Kuaidi100 client and sets it as the tracker of the shop
// core, which must be registered first.
func Register(app core.App, config Config) error {
	c, err := New(config)
	if err != nil {
		return err
	}
	s := shop.Get(app)
	if s == nil {
		return errors.New("logistics: the shop core must be registered before the plugin")
	}
	s.SetTracker(c)
	return nil
}

// New creates a Kuaidi100 client from config without registering it.
func New(config Config) (*Client, error) {
	config.Customer = strings.TrimSpace(config.Customer)
	config.Key = strings.TrimSpace(config.Key)
	if config.Customer == "" {
		return nil, errors.New("logistics: Customer is required")
	}
	if config.Key == "" {
		return nil, errors.New("logistics: Key is required")
	}
	if config.BaseURL == "" {
		config.BaseURL = DefaultBaseURL
	}
	config.BaseURL = strings.TrimRight(config.BaseURL, "/")
	if config.CacheTTL == 0 {
		config.CacheTTL = 10 * time.Minute
	}
	if config.CacheSize <= 0 {
		config.CacheSize = 1000
	}
	if config.Timeout <= 0 {
		config.Timeout = 10 * time.Second
	}

	var hc *resty.Client
	if config.HTTPClient != nil {
		hc = resty.NewWithClient(config.HTTPClient)
	} else {
		hc = resty.New()
	}
	hc.SetBaseURL(config.BaseURL).SetTimeout(config.Timeout)

	return &Client{
		config: config,
		http:   hc,
		cache:  map[string]cacheEntry{},
	}, nil
}

// Track implements [shop.Tracker].
//
// company is the Kuaidi100 company code ("shunfeng", "zhongtong", "yuantong",
// "yunda", "shentong", "jd", "ems", ...), number the waybill number and
// phone the sender's or receiver's phone (required by SF Express; may be empty
// for most other carriers). Kuaidi100 error replies become an [*Error].
//
// A successful answer is cached for CacheTTL; every caller gets its own
// copy. Concurrent calls for the same parcel share one upstream request.
func (c *Client) Track(ctx context.Context, company, number, phone string) (*shop.Tracking, error) {
	company = strings.ToLower(strings.TrimSpace(company))
	number = strings.TrimSpace(number)
	phone = strings.TrimSpace(phone)
	if company == "" || number == "" {
		return nil, errors.New("logistics: company and number are required")
	}
	if len(number) > 32 {
		return nil, fmt.Errorf("logistics: waybill number %q longer than 32 characters", number)
	}

	// note: the phone is part of the key because SF Express hides details
	// from queries without the right phone
	key := company + "\x00" + number + "\x00" + phone
	if t := c.cached(key); t != nil {
		return t, nil
	}

	v, err, _ := c.group.Do(key, func() (any, error) {
		// a flight that just ended may have filled the cache
		if t := c.cached(key); t != nil {
			return t, nil
		}
		t, err := c.query(ctx, company, number, phone)
		if err != nil {
			return nil, err
		}
		c.store(key, t)
		return t, nil
	})
	if err != nil {
		return nil, err
	}
	return clone(v.(*shop.Tracking)), nil
}

// ---------------------------------------------------------------
// Kuaidi100 protocol
// ---------------------------------------------------------------

// queryParam is the JSON "param" form field of /poll/query.do.
type queryParam struct {
	Com      string `json:"com"`
	Num      string `json:"num"`
	Phone    string `json:"phone,omitempty"`
	ResultV2 string `json:"resultv2"`
	Show     string `json:"show"`
	Order    string `json:"order"`
}

// queryResponse is a /poll/query.do answer: either a trace or an error reply
// ({"result":false,"returnCode":"500","message":"查询无结果，请隔段时间再查"}).
type queryResponse struct {
	Result     *bool      `json:"result"`
	ReturnCode flexString `json:"returnCode"`
	Message    string     `json:"message"`
	Status     flexString `json:"status"`
	State      flexString `json:"state"`
	Com        string     `json:"com"`
	Nu         string     `json:"nu"`
	IsCheck    flexString `json:"ischeck"`
	Data       []struct {
		Time     string `json:"time"`
		Ftime    string `json:"ftime"`
		Context  string `json:"context"`
		Status   string `json:"status"`
		AreaName string `json:"areaName"`
	} `json:"data"`
}

// Error is an error reply from Kuaidi100, e.g. ReturnCode "500" with
// Message "查询无结果，请隔段时间再查" for a number it has no trace of.
//
// NB! The meaning of each return code is Kuaidi100's and not documented
// here beyond what the message says; show Message to operators.
type Error struct {
	ReturnCode string
	Message    string
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("kuaidi100: %s %s", e.ReturnCode, e.Message)
}

// Sign returns the Kuaidi100 request signature UPPER(hex(MD5(param+key+customer))).
func Sign(param, key, customer string) string {
	sum := md5.Sum([]byte(param + key + customer))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

func (c *Client) query(ctx context.Context, company, number, phone string) (*shop.Tracking, error) {
	paramJSON, err := json.Marshal(queryParam{
		Com:      company,
		Num:      number,
		Phone:    phone,
		ResultV2: "1",
		Show:     "0",
		Order:    "desc",
	})
	if err != nil {
		return nil, fmt.Errorf("logistics: encode the query: %w", err)
	}
	param := string(paramJSON)

	resp, err := c.http.R().
		SetContext(ctx).
		SetFormData(map[string]string{
			"customer": c.config.Customer,
			"param":    param,
			"sign":     Sign(param, c.config.Key, c.config.Customer),
		}).
		Post(queryPath)
	if err != nil {
		return nil, fmt.Errorf("logistics: query %s %s: %w", company, number, err)
	}
	if resp.StatusCode() != http.StatusOK {
		return nil, fmt.Errorf("logistics: query %s %s: HTTP %d", company, number, resp.StatusCode())
	}

	// note: Kuaidi100 does not always send a JSON content type, so decode by hand
	var out queryResponse
	if err := json.Unmarshal(resp.Body(), &out); err != nil {
		return nil, fmt.Errorf("logistics: query %s %s: decode the answer: %w", company, number, err)
	}

	if (out.Result != nil && !*out.Result) ||
		(out.ReturnCode != "" && out.ReturnCode != "200") ||
		out.Status != "200" {
		code := string(out.ReturnCode)
		if code == "" {
			code = string(out.Status)
		}
		msg := out.Message
		if msg == "" {
			msg = "no trace in the answer"
		}
		return nil, &Error{ReturnCode: code, Message: msg}
	}

	t := &shop.Tracking{
		Company: company,
		Number:  number,
		State:   StateName(string(out.State)),
		Events:  make([]shop.TrackingEvent, 0, len(out.Data)),
	}
	for _, d := range out.Data {
		at := d.Ftime
		if at == "" {
			at = d.Time
		}
		t.Events = append(t.Events, shop.TrackingEvent{Time: at, Context: d.Context, Status: d.Status})
	}
	return t, nil
}

// StateName maps a Kuaidi100 state code to the shop's tracking state word:
//
//	0 in_transit, 1 collected, 2 trouble, 3 delivered, 4 returned (退签),
//	5 delivering, 6 returning (退回), 7 transferred, 8 customs,
//	10 customs_pending, 11 customs_clearing, 12 customs_cleared,
//	13 customs_trouble, 14 rejected
//
// The detailed codes of resultv2 answers map to their family
// (101..103 → collected, 1001..1004 → in_transit, 201..210 → trouble,
// 301..304 → delivered, 401 → returned, 501 → delivering); anything else
// is "unknown".
func StateName(code string) string {
	if name, ok := stateNames[code]; ok {
		return name
	}
	switch {
	case len(code) == 3 && code[0] >= '0' && code[0] <= '7' && isDigits(code):
		return stateNames[code[:1]]
	case len(code) == 4 && strings.HasPrefix(code, "10") && isDigits(code):
		return stateNames["0"]
	}
	return "unknown"
}

var stateNames = map[string]string{
	"0":  "in_transit",
	"1":  "collected",
	"2":  "trouble",
	"3":  "delivered",
	"4":  "returned",
	"5":  "delivering",
	"6":  "returning",
	"7":  "transferred",
	"8":  "customs",
	"10": "customs_pending",
	"11": "customs_clearing",
	"12": "customs_cleared",
	"13": "customs_trouble",
	"14": "rejected",
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// flexString decodes a JSON string or number as a string
// (Kuaidi100 answers are not consistent about it).
type flexString string

// UnmarshalJSON implements [json.Unmarshaler].
func (s *flexString) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = flexString(v)
		return nil
	}
	if string(b) == "null" {
		*s = ""
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*s = flexString(n.String())
	return nil
}

// ---------------------------------------------------------------
// cache
// ---------------------------------------------------------------

func (c *Client) cached(key string) *shop.Tracking {
	if c.config.CacheTTL < 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.cache[key]
	if !ok {
		return nil
	}
	if time.Now().After(e.expires) {
		delete(c.cache, key)
		return nil
	}
	return clone(e.tracking)
}

func (c *Client) store(key string, t *shop.Tracking) {
	if c.config.CacheTTL < 0 {
		return
	}
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()

	if _, ok := c.cache[key]; !ok && len(c.cache) >= c.config.CacheSize {
		for k, e := range c.cache {
			if now.After(e.expires) {
				delete(c.cache, k)
			}
		}
		for len(c.cache) >= c.config.CacheSize {
			var oldest string
			var first time.Time
			for k, e := range c.cache {
				if oldest == "" || e.expires.Before(first) {
					oldest, first = k, e.expires
				}
			}
			delete(c.cache, oldest)
		}
	}
	c.cache[key] = cacheEntry{tracking: clone(t), expires: now.Add(c.config.CacheTTL)}
}

func clone(t *shop.Tracking) *shop.Tracking {
	c := *t
	c.Events = append([]shop.TrackingEvent(nil), t.Events...)
	return &c
}
