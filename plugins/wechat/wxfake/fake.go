// Package wxfake is a local stand-in for the WeChat mini-program server
// APIs, for tests: /sns/jscode2session (wx.login codes), /cgi-bin/token,
// /wxa/business/getuserphonenumber (getPhoneNumber button codes),
// /wxa/getwxacodeunlimit and /wxa/sec/order/upload_shipping_info.
//
// Like WeChat it issues a token only for the right appid and secret, answers
// every call with status 200 and a JSON body served as text/plain, refuses
// an unknown or revoked token with errcode 40001, and checks the fields
// upload_shipping_info requires.
//
// Codes are single-use, like WeChat's. A wx.login code "code-<person>-<n>"
// signs in the openid "oFAKE-<person>" (the same person whatever n); a
// getPhoneNumber code "phone-<11 digits>[-<n>]" answers that mainland number.
// Anything else is refused with errcode 40029.
//
// Example usage:
//
//	fake := wxfake.New(t, "wx-app", "wx-secret")
//	client, _ := wechat.NewClient(wechat.Config{AppID: "wx-app", Secret: "wx-secret", BaseURL: fake.URL()})
//	...
//	uploads := fake.Uploads()
package wxfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Upload is one upload_shipping_info body the fake accepted.
type Upload struct {
	OrderKey struct {
		OrderNumberType int    `json:"order_number_type"`
		TransactionId   string `json:"transaction_id"`
		MchID           string `json:"mchid"`
		OutTradeNo      string `json:"out_trade_no"`
	} `json:"order_key"`
	LogisticsType int `json:"logistics_type"`
	DeliveryMode  int `json:"delivery_mode"`
	ShippingList  []struct {
		TrackingNo     string `json:"tracking_no"`
		ExpressCompany string `json:"express_company"`
		ItemDesc       string `json:"item_desc"`
		Contact        *struct {
			ConsignorContact string `json:"consignor_contact"`
			ReceiverContact  string `json:"receiver_contact"`
		} `json:"contact"`
	} `json:"shipping_list"`
	UploadTime string `json:"upload_time"`
	Payer      struct {
		OpenId string `json:"openid"`
	} `json:"payer"`

	// Raw is the body as sent.
	Raw map[string]any `json:"-"`
}

// Fake is a running fake WeChat API server.
type Fake struct {
	srv    *httptest.Server
	appID  string
	secret string

	mu          sync.Mutex
	seq         int
	token       string
	tokenCalls  int
	uploadCalls int
	uploads     []Upload
	failures    []string // JSON bodies answered to the next uploads
	usedCodes   map[string]bool
	wxacodes    []WxaCode
}

// WxaCode is one getwxacodeunlimit request the fake answered with an image.
type WxaCode struct {
	Scene string `json:"scene"`
	Page  string `json:"page"`
	Width int    `json:"width"`
}

// WxaCodes returns the mini-program codes made so far.
func (f *Fake) WxaCodes() []WxaCode {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]WxaCode(nil), f.wxacodes...)
}

// use marks a single-use code; false when it was used before.
func (f *Fake) use(code string) bool {
	if f.usedCodes == nil {
		f.usedCodes = map[string]bool{}
	}
	if f.usedCodes[code] {
		return false
	}
	f.usedCodes[code] = true
	return true
}

// New starts a fake for the given mini-program credentials and stops it
// when the test ends.
func New(tb testing.TB, appID, secret string) *Fake {
	f := &Fake{appID: appID, secret: secret}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	tb.Cleanup(f.srv.Close)
	return f
}

// URL is the fake's base URL (wechat.Config.BaseURL).
func (f *Fake) URL() string { return f.srv.URL }

// Close stops the fake (calls then fail at the transport).
func (f *Fake) Close() { f.srv.Close() }

// RevokeToken makes the current access token invalid, as when another
// server fetched a new one.
func (f *Fake) RevokeToken() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.token = "revoked"
}

// FailNextUpload makes the next upload_shipping_info call (with a valid
// token) answer errcode/errmsg instead of succeeding.
func (f *Fake) FailNextUpload(errcode int, errmsg string) {
	body, _ := json.Marshal(map[string]any{"errcode": errcode, "errmsg": errmsg})
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures = append(f.failures, string(body))
}

// Uploads returns the accepted uploads in order.
func (f *Fake) Uploads() []Upload {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Upload(nil), f.uploads...)
}

// TokenCalls is the number of /cgi-bin/token calls.
func (f *Fake) TokenCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tokenCalls
}

// UploadCalls is the number of upload_shipping_info calls, refused ones included.
func (f *Fake) UploadCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.uploadCalls
}

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	f.mu.Lock()
	defer f.mu.Unlock()
	answer := func(code int, msg string) {
		json.NewEncoder(w).Encode(map[string]any{"errcode": code, "errmsg": msg})
	}
	switch r.URL.Path {
	case "/sns/jscode2session":
		q := r.URL.Query()
		if q.Get("appid") != f.appID || q.Get("secret") != f.secret || q.Get("grant_type") != "authorization_code" {
			answer(40125, "invalid appsecret")
			return
		}
		code := q.Get("js_code")
		person, _, ok := strings.Cut(strings.TrimPrefix(code, "code-"), "-")
		if !strings.HasPrefix(code, "code-") || !ok || person == "" {
			answer(40029, "invalid code")
			return
		}
		if !f.use(code) {
			answer(40163, "code been used")
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"openid": "oFAKE-" + person, "session_key": "sk-" + person, "unionid": "uFAKE-" + person})

	case "/wxa/business/getuserphonenumber":
		if tok := r.URL.Query().Get("access_token"); r.Method != http.MethodPost || tok == "" || tok != f.token {
			answer(40001, "invalid credential, access_token is invalid or not latest")
			return
		}
		var body struct {
			Code string `json:"code"`
		}
		json.NewDecoder(r.Body).Decode(&body)
		phone, _, _ := strings.Cut(strings.TrimPrefix(body.Code, "phone-"), "-")
		if !strings.HasPrefix(body.Code, "phone-") || len(phone) != 11 || strings.Trim(phone, "0123456789") != "" || !f.use(body.Code) {
			answer(40029, "invalid code")
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"errcode": 0, "errmsg": "ok", "phone_info": map[string]any{
			"phoneNumber": phone, "purePhoneNumber": phone, "countryCode": "86",
			"watermark": map[string]any{"timestamp": time.Now().Unix(), "appid": f.appID},
		}})

	case "/wxa/getwxacodeunlimit":
		if tok := r.URL.Query().Get("access_token"); r.Method != http.MethodPost || tok == "" || tok != f.token {
			answer(40001, "invalid credential, access_token is invalid or not latest")
			return
		}
		var c WxaCode
		if err := json.NewDecoder(r.Body).Decode(&c); err != nil || c.Scene == "" || len(c.Scene) > 32 {
			answer(40169, "invalid length for scene")
			return
		}
		f.wxacodes = append(f.wxacodes, c)
		w.Header().Set("Content-Type", "image/png")
		w.Write(codePNG(c.Scene))

	case "/cgi-bin/token":
		f.tokenCalls++
		q := r.URL.Query()
		if r.Method != http.MethodGet || q.Get("grant_type") != "client_credential" || q.Get("appid") != f.appID || q.Get("secret") != f.secret {
			answer(40125, "invalid appsecret")
			return
		}
		f.seq++
		f.token = fmt.Sprintf("TOKEN-%d", f.seq)
		json.NewEncoder(w).Encode(map[string]any{"access_token": f.token, "expires_in": 7200})

	case "/wxa/sec/order/upload_shipping_info":
		f.uploadCalls++
		if r.Method != http.MethodPost {
			answer(43002, "require POST method")
			return
		}
		if tok := r.URL.Query().Get("access_token"); tok == "" || tok != f.token {
			answer(40001, "invalid credential, access_token is invalid or not latest")
			return
		}
		var raw map[string]any
		var u Upload
		if err := json.NewDecoder(r.Body).Decode(&raw); err != nil {
			answer(47001, "data format error")
			return
		}
		b, _ := json.Marshal(raw)
		if err := json.Unmarshal(b, &u); err != nil {
			answer(47001, "data format error")
			return
		}
		u.Raw = raw
		if msg := check(&u); msg != "" {
			answer(10060024, msg)
			return
		}
		if len(f.failures) > 0 {
			body := f.failures[0]
			f.failures = f.failures[1:]
			w.Write([]byte(body))
			return
		}
		f.uploads = append(f.uploads, u)
		answer(0, "ok")

	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

// check returns what WeChat would refuse in u, or "".
// note: the error code answered for these is not WeChat's documented one
func check(u *Upload) string {
	switch k := u.OrderKey; {
	case k.OrderNumberType == 2 && k.TransactionId == "":
		return "order_key.transaction_id required"
	case k.OrderNumberType == 1 && (k.MchID == "" || k.OutTradeNo == ""):
		return "order_key.mchid and out_trade_no required"
	case k.OrderNumberType != 1 && k.OrderNumberType != 2:
		return "order_key.order_number_type invalid"
	}
	if u.LogisticsType < 1 || u.LogisticsType > 4 || u.DeliveryMode < 1 || u.DeliveryMode > 2 {
		return "logistics_type or delivery_mode invalid"
	}
	if u.Payer.OpenId == "" || u.UploadTime == "" {
		return "payer.openid and upload_time required"
	}
	if len(u.ShippingList) == 0 {
		return "shipping_list required"
	}
	for _, s := range u.ShippingList {
		if u.LogisticsType == 1 && (s.TrackingNo == "" || s.ExpressCompany == "") {
			return "tracking_no and express_company required for express"
		}
		if s.ItemDesc == "" || len([]rune(s.ItemDesc)) > 120 {
			return "item_desc required, at most 120 characters"
		}
		if s.ExpressCompany == "SF" && (s.Contact == nil || (s.Contact.ReceiverContact == "" && s.Contact.ConsignorContact == "")) {
			return "contact required for SF"
		}
	}
	return ""
}

// codePNG draws a stand-in mini-program code: a 280×280 grid whose pattern
// depends on scene, so different codes look different on a poster.
func codePNG(scene string) []byte {
	h := fnv.New64a()
	h.Write([]byte(scene))
	bits := h.Sum64()
	img := image.NewGray(image.Rect(0, 0, 280, 280))
	for y := 0; y < 280; y++ {
		for x := 0; x < 280; x++ {
			cell := uint((y/35)*8+(x/35)) % 64
			v := uint8(255)
			if bits>>cell&1 == 1 {
				v = 30
			}
			img.SetGray(x, y, color.Gray{Y: v})
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
}
