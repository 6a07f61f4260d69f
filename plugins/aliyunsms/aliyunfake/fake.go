// Package aliyunfake is an in-process Aliyun SMS (dysmsapi SendSms) for
// tests: it checks the RPC v1 signature of every request with its own
// canonicalization, refuses replayed nonces and stale timestamps, and
// answers Aliyun's JSON with its real error codes, including the
// per-number flow control (isv.BUSINESS_LIMIT_CONTROL).
package aliyunfake

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// Message is one SMS the fake accepted.
type Message struct {
	Phone    string
	Template string
	Params   map[string]string
	OutId    string
}

// Fake is the fake API; URL is its endpoint.
type Fake struct {
	*httptest.Server
	KeyId, Secret, SignName string
	Templates               map[string]bool

	// PerPhoneMinute is how many messages one number may get per minute
	// (0: no limit).
	PerPhoneMinute int

	mu       sync.Mutex
	messages []Message
	nonces   map[string]bool
	failNext []string
	perPhone map[string][]time.Time
	requests int
}

// New starts a fake that knows keyId/secret, signName and templates.
func New(keyId, secret, signName string, templates ...string) *Fake {
	f := &Fake{KeyId: keyId, Secret: secret, SignName: signName, Templates: map[string]bool{},
		nonces: map[string]bool{}, perPhone: map[string][]time.Time{}}
	for _, t := range templates {
		f.Templates[t] = true
	}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	return f
}

// FailNext makes the next requests answer these codes (e.g. "ServiceUnavailable").
func (f *Fake) FailNext(codes ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failNext = append(f.failNext, codes...)
}

// Messages returns the accepted messages.
func (f *Fake) Messages() []Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Message(nil), f.messages...)
}

// Requests counts the requests received.
func (f *Fake) Requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

var phonePattern = regexp.MustCompile(`^(\+?86)?1[3-9]\d{9}$`)

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	answer := func(status int, code, message string) {
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		w.WriteHeader(status)
		body := map[string]string{"Code": code, "Message": message, "RequestId": fmt.Sprintf("REQ-%d", f.requests)}
		if code == "OK" {
			body["BizId"] = fmt.Sprintf("BIZ%d", f.requests)
		}
		_ = json.NewEncoder(w).Encode(body)
	}
	q := r.URL.Query()
	if q.Get("AccessKeyId") != f.KeyId {
		answer(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
		return
	}
	if q.Get("SignatureMethod") != "HMAC-SHA1" || q.Get("SignatureVersion") != "1.0" {
		answer(400, "InvalidParameter", "SignatureMethod or SignatureVersion")
		return
	}
	if q.Get("Signature") != f.signature(r.Method, q) {
		answer(400, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation.")
		return
	}
	ts, err := time.Parse("2006-01-02T15:04:05Z", q.Get("Timestamp"))
	if err != nil || time.Since(ts).Abs() > 15*time.Minute {
		answer(400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
		return
	}
	if f.nonces[q.Get("SignatureNonce")] {
		answer(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
		return
	}
	f.nonces[q.Get("SignatureNonce")] = true
	if q.Get("Action") != "SendSms" || q.Get("Version") != "2017-05-25" {
		answer(400, "InvalidAction.NotFound", "Specified api is not found")
		return
	}
	if len(f.failNext) > 0 {
		code := f.failNext[0]
		f.failNext = f.failNext[1:]
		answer(503, code, "The request has failed due to a temporary failure of the server.")
		return
	}
	if q.Get("SignName") != f.SignName {
		answer(200, "isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名")
		return
	}
	if !f.Templates[q.Get("TemplateCode")] {
		answer(200, "isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
		return
	}
	phone := q.Get("PhoneNumbers")
	if !phonePattern.MatchString(phone) {
		answer(200, "isv.MOBILE_NUMBER_ILLEGAL", "手机号码格式错误")
		return
	}
	params := map[string]string{}
	if err := json.Unmarshal([]byte(q.Get("TemplateParam")), &params); err != nil {
		answer(200, "isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
		return
	}
	if f.PerPhoneMinute > 0 {
		var recent []time.Time
		for _, t := range f.perPhone[phone] {
			if time.Since(t) < time.Minute {
				recent = append(recent, t)
			}
		}
		if len(recent) >= f.PerPhoneMinute {
			f.perPhone[phone] = recent
			answer(200, "isv.BUSINESS_LIMIT_CONTROL", fmt.Sprintf("触发分钟级流控Permits:%d", f.PerPhoneMinute))
			return
		}
		f.perPhone[phone] = append(recent, time.Now())
	}
	f.messages = append(f.messages, Message{Phone: phone, Template: q.Get("TemplateCode"), Params: params, OutId: q.Get("OutId")})
	answer(200, "OK", "OK")
}

// signature recomputes the request's signature from its decoded parameters.
func (f *Fake) signature(method string, q map[string][]string) string {
	keys := []string{}
	for k := range q {
		if k != "Signature" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(rfc3986(k) + "=" + rfc3986(q[k][0]))
	}
	toSign := method + "&" + rfc3986("/") + "&" + rfc3986(b.String())
	mac := hmac.New(sha1.New, []byte(f.Secret+"&"))
	mac.Write([]byte(toSign))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// rfc3986 percent-encodes every byte but the unreserved characters.
func rfc3986(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
