// Package kd100fake is an in-process Kuaidi100 real-time query server for
// tests. It checks every request's signature with its own copy of the
// customer and key, answers with Kuaidi100's trace and error shapes, and
// counts the queries it served so tests can prove caching.
//
// Example usage:
//
//	fake := kd100fake.New(t) // knows kd100fake.SFNumber and kd100fake.ZTONumber
//	tracker, _ := logistics.New(fake.PluginConfig())
//	trace, err := tracker.Track(ctx, "zhongtong", kd100fake.ZTONumber, "")
//	// fake.Calls() == 1
package kd100fake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"fenxiao/plugins/logistics"
)

// Credentials the fake accepts by default.
const (
	DefaultCustomer = "FAKECUSTOMER0000000000000000000A"
	DefaultKey      = "fakeKey00000001"
)

// Parcels every new fake knows.
const (
	// SFNumber is a delivered SF Express ("shunfeng") parcel; its queries
	// need the phone SFPhone (or its last four digits).
	SFNumber = "SF1400000000123"
	SFPhone  = "13800138000"
	// ZTONumber is a ZTO ("zhongtong") parcel out for delivery.
	ZTONumber = "78000000000001"
)

// Event is one step of a fake trace, newest first in [Trace.Events].
type Event struct {
	Time       string // "2006-01-02 15:04:05"
	Context    string
	Status     string // Kuaidi100 status name, e.g. "在途", "签收"
	StatusCode string // e.g. "1002", "301"
	AreaName   string
}

// Trace is what the fake answers for one parcel.
type Trace struct {
	Company string // e.g. "shunfeng"
	Number  string
	// Phone, when set, must match the query's phone (whole or last four digits).
	Phone string
	// State is the Kuaidi100 state code, e.g. "0" in transit, "3" delivered.
	State  string
	Events []Event
}

// Fake is the fake Kuaidi100 server. Its methods are safe for concurrent use.
type Fake struct {
	// Customer and Key are the credentials the fake checks signatures with.
	Customer string
	Key      string

	server *httptest.Server

	mu     sync.Mutex
	traces map[string]Trace
	calls  int
}

// New starts a fake that knows [SFNumber] and [ZTONumber] and is closed
// when the test ends.
func New(tb testing.TB) *Fake {
	tb.Helper()
	f := &Fake{
		Customer: DefaultCustomer,
		Key:      DefaultKey,
		traces:   map[string]Trace{},
	}
	f.AddTrace(Trace{
		Company: "shunfeng",
		Number:  SFNumber,
		Phone:   SFPhone,
		State:   "3",
		Events: []Event{
			{"2026-11-24 14:02:11", "[深圳市]您的快件已签收，签收人：本人。如有疑问请电联快递员：王师傅，电话：13900000000", "签收", "301", "广东,深圳市,南山区"},
			{"2026-11-24 09:15:40", "[深圳市]快件交给王师傅，正在派送途中（联系电话：13900000000）", "派件", "5", "广东,深圳市,南山区"},
			{"2026-11-23 22:48:03", "[深圳市]快件到达 【深圳南山科技园营业点】", "在途", "0", "广东,深圳市"},
			{"2026-11-23 06:30:12", "[广州市]快件在【广州白云中转场】完成分拣，准备发往 【深圳南山科技园营业点】", "干线", "1002", "广东,广州市"},
			{"2026-11-22 18:05:00", "[杭州市]顺丰速运 已收取快件", "揽收", "1", "浙江,杭州市,余杭区"},
		},
	})
	f.AddTrace(Trace{
		Company: "zhongtong",
		Number:  ZTONumber,
		State:   "5",
		Events: []Event{
			{"2026-11-24 08:40:27", "【上海市】 快件已到达 【上海浦东新区张江】，快递员 李四 正在派件（13700000000）", "派件", "5", "上海,上海市,浦东新区"},
			{"2026-11-23 19:12:55", "【上海市】 快件离开 【上海中转部】 已发往 【上海浦东新区张江】", "在途", "0", "上海,上海市"},
			{"2026-11-22 16:03:18", "【义乌市】 【义乌分拨中心】（0579-80000000） 的 张三 已揽收", "揽收", "1", "浙江,金华市,义乌市"},
		},
	})
	f.server = httptest.NewServer(http.HandlerFunc(f.serve))
	tb.Cleanup(f.server.Close)
	return f
}

// URL returns the fake's base URL (use it as [logistics.Config.BaseURL]).
func (f *Fake) URL() string {
	return f.server.URL
}

// PluginConfig returns a [logistics.Config] that talks to this fake.
func (f *Fake) PluginConfig() logistics.Config {
	return logistics.Config{
		Customer:   f.Customer,
		Key:        f.Key,
		BaseURL:    f.URL(),
		HTTPClient: f.server.Client(),
	}
}

// AddTrace adds or replaces the trace of a parcel.
func (f *Fake) AddTrace(t Trace) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.traces[t.Company+"|"+t.Number] = t
}

// Calls returns how many queries reached the fake (signed or not).
func (f *Fake) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

type param struct {
	Com   string `json:"com"`
	Num   string `json:"num"`
	Phone string `json:"phone"`
}

type event struct {
	Time       string `json:"time"`
	Ftime      string `json:"ftime"`
	Context    string `json:"context"`
	Status     string `json:"status,omitempty"`
	StatusCode string `json:"statusCode,omitempty"`
	AreaName   string `json:"areaName,omitempty"`
}

type answer struct {
	Message   string  `json:"message"`
	Nu        string  `json:"nu"`
	IsCheck   string  `json:"ischeck"`
	Condition string  `json:"condition"`
	Com       string  `json:"com"`
	Status    string  `json:"status"`
	State     string  `json:"state"`
	Data      []event `json:"data"`
}

type failure struct {
	Result     bool   `json:"result"`
	ReturnCode string `json:"returnCode"`
	Message    string `json:"message"`
}

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/poll/query.do" || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++

	if err := r.ParseForm(); err != nil {
		writeJSON(w, failure{false, "400", "提交的数据不完整，或者贵公司没授权"})
		return
	}
	customer, sign, rawParam := r.PostForm.Get("customer"), r.PostForm.Get("sign"), r.PostForm.Get("param")
	if customer == "" || sign == "" || rawParam == "" {
		writeJSON(w, failure{false, "400", "提交的数据不完整，或者贵公司没授权"})
		return
	}
	if customer != f.Customer || sign != logistics.Sign(rawParam, f.Key, f.Customer) {
		writeJSON(w, failure{false, "503", "验证签名失败"})
		return
	}

	var p param
	if err := json.Unmarshal([]byte(rawParam), &p); err != nil || p.Com == "" || p.Num == "" {
		writeJSON(w, failure{false, "400", "提交的数据不完整，或者贵公司没授权"})
		return
	}

	t, ok := f.traces[p.Com+"|"+p.Num]
	if !ok {
		writeJSON(w, failure{false, "500", "查询无结果，请隔段时间再查"})
		return
	}
	if t.Phone != "" && !phoneMatches(t.Phone, p.Phone) {
		writeJSON(w, failure{false, "408", "快递公司参数异常：手机号码校验不通过"})
		return
	}

	out := answer{
		Message: "ok",
		Nu:      t.Number,
		IsCheck: "0",
		Com:     t.Company,
		Status:  "200",
		State:   t.State,
		Data:    make([]event, 0, len(t.Events)),
	}
	if t.State == "3" {
		out.IsCheck = "1"
		out.Condition = "F00"
	} else {
		out.Condition = "00"
	}
	for _, e := range t.Events {
		out.Data = append(out.Data, event{e.Time, e.Time, e.Context, e.Status, e.StatusCode, e.AreaName})
	}
	writeJSON(w, out)
}

func phoneMatches(want, got string) bool {
	if got == "" {
		return false
	}
	return got == want || (len(got) == 4 && strings.HasSuffix(want, got))
}

// writeJSON answers like Kuaidi100: JSON with a text content type.
func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, fmt.Sprint(err), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html;charset=UTF-8")
	_, _ = w.Write(b)
}
