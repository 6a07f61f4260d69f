// Package tencentfake is an in-process Tencent Cloud SMS (SendSms,
// 2021-01-11) for tests: it checks the TC3-HMAC-SHA256 signature of every
// request from the headers it names, refuses stale timestamps, and answers
// Tencent Cloud's API 3.0 JSON with its real error codes, including the
// per-number limit (LimitExceeded.PhoneNumberThirtySecondLimit) and the
// API frequency limit (RequestLimitExceeded).
package tencentfake

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Message is one SMS the fake accepted.
type Message struct {
	Phone    string
	Template string
	Params   []string
	Session  string
}

// Fake is the fake API; URL is its endpoint.
type Fake struct {
	*httptest.Server
	SecretId, SecretKey, SdkAppId, SignName string
	Templates                               map[string]bool

	mu       sync.Mutex
	messages []Message
	failNext []string
	lastSent map[string]time.Time
	requests int
}

// New starts a fake that knows the key pair, the app, the signature and templates.
func New(secretId, secretKey, sdkAppId, signName string, templates ...string) *Fake {
	f := &Fake{SecretId: secretId, SecretKey: secretKey, SdkAppId: sdkAppId, SignName: signName,
		Templates: map[string]bool{}, lastSent: map[string]time.Time{}}
	for _, t := range templates {
		f.Templates[t] = true
	}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	return f
}

// FailNext makes the next requests answer these error codes (e.g. "InternalError").
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

var (
	authPattern  = regexp.MustCompile(`^TC3-HMAC-SHA256 Credential=([^/]+)/(\d{4}-\d{2}-\d{2})/sms/tc3_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$`)
	phonePattern = regexp.MustCompile(`^\+861[3-9]\d{9}$`)
)

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	reqId := fmt.Sprintf("req-%d", f.requests)
	fail := func(code, message string) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"Response": map[string]any{
			"Error": map[string]string{"Code": code, "Message": message}, "RequestId": reqId}})
	}
	status := func(code, message, phone, session string) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"Response": map[string]any{
			"SendStatusSet": []map[string]any{{"SerialNo": "SN" + reqId, "PhoneNumber": phone, "Fee": 1,
				"SessionContext": session, "Code": code, "Message": message, "IsoCode": "CN"}},
			"RequestId": reqId}})
	}

	body, _ := io.ReadAll(r.Body)
	m := authPattern.FindStringSubmatch(r.Header.Get("Authorization"))
	if r.Method != http.MethodPost || m == nil {
		fail("AuthFailure.InvalidAuthorization", "Authorization 不符合腾讯云标准")
		return
	}
	if m[1] != f.SecretId {
		fail("AuthFailure.SecretIdNotFound", "密钥不存在")
		return
	}
	ts, err := strconv.ParseInt(r.Header.Get("X-TC-Timestamp"), 10, 64)
	if err != nil || time.Since(time.Unix(ts, 0)).Abs() > 5*time.Minute {
		fail("AuthFailure.SignatureExpire", "签名过期")
		return
	}
	if time.Unix(ts, 0).UTC().Format("2006-01-02") != m[2] {
		fail("AuthFailure.SignatureFailure", "credential date differs from the timestamp's")
		return
	}
	if m[4] != f.signature(r, body, m[3], m[2], ts) {
		fail("AuthFailure.SignatureFailure", "请求签名验证失败")
		return
	}
	if r.Header.Get("X-TC-Action") != "SendSms" || r.Header.Get("X-TC-Version") != "2021-01-11" {
		fail("InvalidAction", "接口不存在")
		return
	}
	if len(f.failNext) > 0 {
		code := f.failNext[0]
		f.failNext = f.failNext[1:]
		fail(code, "simulated")
		return
	}
	var req struct {
		PhoneNumberSet   []string
		SmsSdkAppId      string
		SignName         string
		TemplateId       string
		TemplateParamSet []string
		SessionContext   string
	}
	if err := json.Unmarshal(body, &req); err != nil || len(req.PhoneNumberSet) != 1 {
		fail("InvalidParameter", "参数错误")
		return
	}
	phone := req.PhoneNumberSet[0]
	switch {
	case req.SmsSdkAppId != f.SdkAppId:
		fail("FailedOperation.SmsSdkAppIdVerifyFail", "SdkAppId 校验失败")
	case req.SignName != f.SignName:
		status("FailedOperation.SignatureIncorrectOrUnapproved", "签名未审批或格式错误", phone, req.SessionContext)
	case !f.Templates[req.TemplateId]:
		status("FailedOperation.TemplateIncorrectOrUnapproved", "模板未审批或内容不匹配", phone, req.SessionContext)
	case !phonePattern.MatchString(phone):
		status("InvalidParameterValue.IncorrectPhoneNumber", "手机号格式错误", phone, req.SessionContext)
	case time.Since(f.lastSent[phone]) < 30*time.Second:
		status("LimitExceeded.PhoneNumberThirtySecondLimit", "单个手机号30秒内下发短信条数超过设定的上限", phone, req.SessionContext)
	default:
		f.lastSent[phone] = time.Now()
		f.messages = append(f.messages, Message{Phone: phone, Template: req.TemplateId, Params: req.TemplateParamSet, Session: req.SessionContext})
		status("Ok", "send success", phone, req.SessionContext)
	}
}

// signature recomputes the request's signature over the headers it names.
func (f *Fake) signature(r *http.Request, body []byte, signedHeaders, date string, ts int64) string {
	var canonicalHeaders strings.Builder
	for _, h := range strings.Split(signedHeaders, ";") {
		v := r.Header.Get(h)
		if h == "host" {
			v = r.Host
		}
		canonicalHeaders.WriteString(h + ":" + strings.ToLower(strings.TrimSpace(v)) + "\n")
	}
	payload := sha256.Sum256(body)
	canonical := strings.Join([]string{r.Method, r.URL.Path, r.URL.RawQuery, canonicalHeaders.String(),
		signedHeaders, hex.EncodeToString(payload[:])}, "\n")
	hashed := sha256.Sum256([]byte(canonical))
	toSign := "TC3-HMAC-SHA256\n" + strconv.FormatInt(ts, 10) + "\n" + date + "/sms/tc3_request\n" + hex.EncodeToString(hashed[:])
	mac := func(key []byte, s string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(s))
		return h.Sum(nil)
	}
	k := mac(mac(mac([]byte("TC3"+f.SecretKey), date), "sms"), "tc3_request")
	return hex.EncodeToString(mac(k, toSign))
}
