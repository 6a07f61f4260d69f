// Package subscribefake is an in-process WeChat subscribeMessage.send for
// tests. Like WeChat it answers status 200 with a JSON errcode: 40001 for
// an unknown or revoked access token, 40037 for an unknown template, 47003
// when a keyword of the template is missing or too long, 43101 when the
// user has no acceptance of the template left (each accepted
// wx.requestSubscribeMessage allows one message), and any queued failure
// (e.g. 45009, the API's daily limit).
package subscribefake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"unicode/utf8"
)

// Message is one message WeChat took.
type Message struct {
	ToUser     string
	TemplateId string
	Page       string
	Data       map[string]string // keyword → value
}

// Fake is the fake API; URL is its endpoint.
type Fake struct {
	*httptest.Server

	mu        sync.Mutex
	seq       int
	token     string
	templates map[string][]string // id → keywords
	accepted  map[string]int      // openid + template → acceptances left
	failNext  []int
	messages  []Message
	calls     int
}

// New starts a fake that knows templates (id → keywords).
func New(templates map[string][]string) *Fake {
	f := &Fake{templates: templates, accepted: map[string]int{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	return f
}

// IssueToken returns a new access token (the old one stops working).
func (f *Fake) IssueToken() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	f.token = fmt.Sprintf("TOKEN-%d", f.seq)
	return f.token
}

// Accept records that openid accepted template once in the mini-program.
func (f *Fake) Accept(openid, template string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.accepted[openid+"|"+template]++
}

// FailNext queues errcodes answered to the next sends.
func (f *Fake) FailNext(codes ...int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failNext = append(f.failNext, codes...)
}

// Messages returns the messages taken.
func (f *Fake) Messages() []Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Message(nil), f.messages...)
}

// Calls counts the send calls.
func (f *Fake) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain")
	answer := func(code int, msg string) {
		_ = json.NewEncoder(w).Encode(map[string]any{"errcode": code, "errmsg": msg})
	}
	if r.URL.Path != "/cgi-bin/message/subscribe/send" || r.Method != http.MethodPost {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	f.calls++
	if tok := r.URL.Query().Get("access_token"); tok == "" || tok != f.token {
		answer(40001, "invalid credential, access_token is invalid or not latest")
		return
	}
	var body struct {
		ToUser     string                       `json:"touser"`
		TemplateId string                       `json:"template_id"`
		Page       string                       `json:"page"`
		Data       map[string]map[string]string `json:"data"`
		State      string                       `json:"miniprogram_state"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		answer(47001, "data format error")
		return
	}
	if len(f.failNext) > 0 {
		code := f.failNext[0]
		f.failNext = f.failNext[1:]
		answer(code, "simulated")
		return
	}
	keywords, ok := f.templates[body.TemplateId]
	if !ok {
		answer(40037, "invalid template_id")
		return
	}
	data := map[string]string{}
	for _, k := range keywords {
		v, ok := body.Data[k]
		if !ok || v["value"] == "" || utf8.RuneCountInString(v["value"]) > 32 {
			answer(47003, "argument invalid! data."+k+".value invalid")
			return
		}
		data[k] = v["value"]
	}
	key := body.ToUser + "|" + body.TemplateId
	if f.accepted[key] <= 0 {
		answer(43101, "user refuse to accept the msg")
		return
	}
	f.accepted[key]--
	f.messages = append(f.messages, Message{ToUser: body.ToUser, TemplateId: body.TemplateId, Page: body.Page, Data: data})
	answer(0, "ok")
}
