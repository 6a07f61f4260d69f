// Package wxsubscribe delivers notifications as WeChat mini-program
// subscribe messages (订阅消息, subscribeMessage.send) to buyers and
// distributors who signed in with WeChat.
//
// The merchant picks a template per event kind in the mini-program admin
// console and maps the template's keywords (thing1, character_string2,
// amount3, time4, ...) to fields of the notification's data. The client
// asks GET /api/shop/wx-subscribe/templates?scene=checkout|distributor
// which template ids to request with wx.requestSubscribeMessage and
// reports the accepted ones to POST /api/shop/wx-subscribe/accepted; each
// acceptance allows one message (a one-time subscription), counted in
// wx_subscriptions and spent by a successful send.
//
// Example usage:
//
//	wxsubscribe.MustRegister(app, wxsubscribe.Config{
//		Tokens: wx, // the wechat plugin's client, as shop.WechatTokens
//		Templates: map[string]wxsubscribe.Template{
//			shop.KindOrderShipped: {Id: "tmplShip", Page: "pages/order/detail",
//				Fields: map[string]string{"character_string1": "order_no", "thing2": "company"}},
//		},
//	})
package wxsubscribe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
)

// DefaultBaseURL is WeChat's API host.
const DefaultBaseURL = "https://api.weixin.qq.com"

// Scenes: where the client asks for subscriptions.
const (
	SceneCheckout    = "checkout"
	SceneDistributor = "distributor"
)

// maxCount caps a user's unspent acceptances of one template.
const maxCount = 100

// Template is the subscribe-message template of one notification kind.
type Template struct {
	// Id is the template id (priTmplId) from the mini-program console.
	Id string `json:"id"`

	// Fields maps the template's keywords to notification data fields,
	// e.g. {"character_string1": "order_no", "amount2": "amount"}.
	Fields map[string]string `json:"fields"`

	// Page is the mini-program page the message opens; "?id=<ref>" is
	// added with the notification's reference.
	Page string `json:"page"`

	// Scene overrides where the template is requested (default: checkout
	// for buyer kinds, distributor for the others).
	Scene string `json:"scene"`
}

// Config configures the plugin.
type Config struct {
	// Tokens gives the mini-program's access token. Required.
	Tokens shop.WechatTokens

	// Templates by notification kind. Required.
	Templates map[string]Template

	// State is the mini-program version messages open: "formal" (default),
	// "trial" or "developer".
	State string

	// BaseURL defaults to [DefaultBaseURL]; tests point it at a fake.
	BaseURL string

	Timeout time.Duration
}

// MustRegister is like [Register] but panics on error.
func MustRegister(app core.App, config Config) {
	if err := Register(app, config); err != nil {
		panic(err)
	}
}

// Register adds the "wechat_subscribe" channel and its two routes.
func Register(app core.App, config Config) error {
	if config.Tokens == nil || len(config.Templates) == 0 {
		return errors.New("wxsubscribe: Tokens and Templates are required")
	}
	for kind, t := range config.Templates {
		if t.Id == "" || len(t.Fields) == 0 {
			return fmt.Errorf("wxsubscribe: template of %s needs an id and fields", kind)
		}
	}
	if config.BaseURL == "" {
		config.BaseURL = DefaultBaseURL
	}
	if config.State == "" {
		config.State = "formal"
	}
	if config.Timeout <= 0 {
		config.Timeout = 10 * time.Second
	}
	p := &plugin{config: config, http: resty.New().SetBaseURL(strings.TrimRight(config.BaseURL, "/")).SetTimeout(config.Timeout)}
	shop.MustGet(app).RegisterChannel(p)

	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		g := se.Router.Group("/api/shop/wx-subscribe")
		g.GET("/templates", p.templates)
		g.POST("/accepted", p.accepted).Bind(apis.RequireAuth(shop.UsersCollection))
		return se.Next()
	})
	return nil
}

type plugin struct {
	config Config
	http   *resty.Client
}

// scene is where the template of kind is requested.
func (p *plugin) scene(kind string) string {
	if s := p.config.Templates[kind].Scene; s != "" {
		return s
	}
	switch kind {
	case shop.KindOrderPaid, shop.KindOrderShipped, shop.KindOrderCompleted, shop.KindOrderCancelled,
		shop.KindRefund, shop.KindRefundFailed, shop.KindAftersaleApproved, shop.KindAftersaleRejected,
		shop.KindAftersaleReceived, shop.KindExchangeShipped:
		return SceneCheckout
	}
	return SceneDistributor
}

// templates handles GET /api/shop/wx-subscribe/templates?scene=checkout:
// {"templates": [{"kind": "order_shipped", "template_id": "..."}], "template_ids": [...]}
// (WeChat shows at most 3 templates per wx.requestSubscribeMessage call).
func (p *plugin) templates(e *core.RequestEvent) error {
	scene := e.Request.URL.Query().Get("scene")
	type item struct {
		Kind       string `json:"kind"`
		TemplateId string `json:"template_id"`
	}
	list := []item{}
	ids := []string{}
	kinds := make([]string, 0, len(p.config.Templates))
	for k := range p.config.Templates {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		if scene != "" && p.scene(k) != scene {
			continue
		}
		id := p.config.Templates[k].Id
		list = append(list, item{k, id})
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return e.JSON(http.StatusOK, map[string]any{"templates": list, "template_ids": ids})
}

// accepted handles POST /api/shop/wx-subscribe/accepted
// {"template_ids": ["..."]}: the ids the user accepted in
// wx.requestSubscribeMessage (its "accept" answers). Unknown ids are
// ignored. Answers {"counts": {"<template id>": n}}.
func (p *plugin) accepted(e *core.RequestEvent) error {
	var body struct {
		TemplateIds []string `json:"template_ids"`
	}
	if err := e.BindBody(&body); err != nil || len(body.TemplateIds) > 20 {
		return shop.Fail(http.StatusBadRequest, "invalid_body", "请求格式错误 / invalid request body")
	}
	known := map[string]bool{}
	for _, t := range p.config.Templates {
		known[t.Id] = true
	}
	counts := map[string]int{}
	err := e.App.RunInTransaction(func(txApp core.App) error {
		for _, id := range body.TemplateIds {
			if !known[id] {
				continue
			}
			_, err := txApp.DB().NewQuery(`INSERT INTO {{wx_subscriptions}}
					([[id]], [[user]], [[template_id]], [[count]], [[created]], [[updated]])
					VALUES ({:id}, {:user}, {:tmpl}, 1, {:now}, {:now})
					ON CONFLICT ([[user]], [[template_id]]) DO UPDATE
					SET [[count]] = MIN([[count]] + 1, {:max}), [[updated]] = {:now}`).
				Bind(dbx.Params{"id": core.GenerateDefaultRandomId(), "user": e.Auth.Id, "tmpl": id,
					"max": maxCount, "now": nowDB()}).Execute()
			if err != nil {
				return err
			}
		}
		var rows []struct {
			Template string `db:"template_id"`
			Count    int    `db:"count"`
		}
		if err := txApp.DB().Select("template_id", "count").From("wx_subscriptions").
			Where(dbx.HashExp{"user": e.Auth.Id}).All(&rows); err != nil {
			return err
		}
		for _, r := range rows {
			counts[r.Template] = r.Count
		}
		return nil
	})
	if err != nil {
		return e.InternalServerError("", err)
	}
	return e.JSON(http.StatusOK, map[string]any{"counts": counts})
}

func nowDB() string {
	return time.Now().UTC().Format("2006-01-02 15:04:05.000Z")
}

// Name implements [shop.Channel].
func (p *plugin) Name() string { return "wechat_subscribe" }

// Accepts implements [shop.Channel]: the kinds with a template, for users.
func (p *plugin) Accepts(n shop.Notification) bool {
	_, ok := p.config.Templates[n.Kind]
	return ok && n.UserId != ""
}

// WeChat error codes the channel tells apart.
const (
	errTokenInvalid   = 40001
	errTokenExpired   = 42001
	errBadTemplateId  = 40037
	errNoSubscription = 43101
	errAPILimit       = 45009
	errBadParam       = 47003
)

// Send implements [shop.Channel]. A message needs the user's openid and an
// unspent acceptance of the template; it spends one when WeChat takes it.
func (p *plugin) Send(ctx context.Context, app core.App, d shop.Delivery) error {
	t := p.config.Templates[d.Kind]
	var openid string
	_ = app.DB().Select("wx_openid").From(shop.UsersCollection).Where(dbx.HashExp{"id": d.UserId}).Limit(1).Row(&openid)
	if openid == "" {
		return fmt.Errorf("%w: the user has no WeChat openid", shop.ErrSkip)
	}
	var count int
	_ = app.DB().Select("count").From("wx_subscriptions").
		Where(dbx.HashExp{"user": d.UserId, "template_id": t.Id}).Limit(1).Row(&count)
	if count <= 0 {
		return fmt.Errorf("%w: no subscription to template %s", shop.ErrSkip, t.Id)
	}

	data := map[string]map[string]string{}
	for keyword, field := range t.Fields {
		data[keyword] = map[string]string{"value": keywordValue(keyword, d.Data[field])}
	}
	msg := map[string]any{
		"touser":            openid,
		"template_id":       t.Id,
		"data":              data,
		"miniprogram_state": p.config.State,
		"lang":              "zh_CN",
	}
	if t.Page != "" {
		msg["page"] = t.Page + "?id=" + d.RefId
	}

	errcode, errmsg, err := p.send(ctx, msg)
	if err == nil && (errcode == errTokenInvalid || errcode == errTokenExpired) {
		errcode, errmsg, err = p.send(ctx, msg) // send forgot the token: once more with a new one
	}
	if err != nil {
		return err
	}
	wxErr := fmt.Errorf("wechat subscribeMessage.send: %d %s", errcode, errmsg)
	switch errcode {
	case 0:
		_, err := app.DB().NewQuery("UPDATE {{wx_subscriptions}} SET [[count]] = MAX([[count]] - 1, 0), [[updated]] = {:now} " +
			"WHERE [[user]] = {:user} AND [[template_id]] = {:tmpl}").
			Bind(dbx.Params{"user": d.UserId, "tmpl": t.Id, "now": nowDB()}).Execute()
		if err != nil {
			// note: the message went out; an unspent count only means a later
			// send meets 43101 and is skipped
			app.Logger().Warn("wxsubscribe: subscription not spent", "user", d.UserId, "error", err.Error())
		}
		return nil
	case errNoSubscription:
		// WeChat knows better: the user has no acceptance left
		_, _ = app.DB().NewQuery("UPDATE {{wx_subscriptions}} SET [[count]] = 0 WHERE [[user]] = {:user} AND [[template_id]] = {:tmpl}").
			Bind(dbx.Params{"user": d.UserId, "tmpl": t.Id}).Execute()
		return fmt.Errorf("%w: %v", shop.ErrSkip, wxErr)
	case errAPILimit:
		return &shop.RetryAfterError{Delay: time.Hour, Err: wxErr}
	case errBadTemplateId, errBadParam:
		return shop.Permanent(wxErr)
	}
	return wxErr
}

// send posts msg and returns WeChat's errcode; an invalid token is
// forgotten so that a second call fetches a new one.
func (p *plugin) send(ctx context.Context, msg map[string]any) (int, string, error) {
	token, err := p.config.Tokens.AccessToken(ctx)
	if err != nil {
		return 0, "", err
	}
	var answer struct {
		ErrCode int    `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	res, err := p.http.R().SetContext(ctx).SetQueryParam("access_token", token).
		SetBody(msg).SetResult(&answer).ForceContentType("application/json").
		Post("/cgi-bin/message/subscribe/send")
	if err != nil {
		// note: the URL carries the token; keep it out of errors and logs
		return 0, "", fmt.Errorf("wechat subscribeMessage.send: %w", errors.Unwrap(err))
	}
	if res.StatusCode() != http.StatusOK {
		return 0, "", fmt.Errorf("wechat subscribeMessage.send: http %d", res.StatusCode())
	}
	if answer.ErrCode == errTokenInvalid || answer.ErrCode == errTokenExpired {
		p.config.Tokens.ForgetToken(token)
	}
	return answer.ErrCode, answer.ErrMsg, nil
}

// keywordValue fits a value to its keyword type's limits (thing: 20
// characters, character_string and number: 32, phrase: 5, name: 10).
func keywordValue(keyword, v string) string {
	limit := 20
	switch {
	case strings.HasPrefix(keyword, "character_string"), strings.HasPrefix(keyword, "number"),
		strings.HasPrefix(keyword, "amount"), strings.HasPrefix(keyword, "phone_number"):
		limit = 32
	case strings.HasPrefix(keyword, "phrase"):
		limit = 5
	case strings.HasPrefix(keyword, "name"):
		limit = 10
	}
	if v == "" {
		v = "-"
	}
	r := []rune(v)
	if len(r) > limit {
		return string(r[:limit])
	}
	return v
}

// ParseTemplates reads the templates JSON of FENXIAO_WX_SUBSCRIBE_TEMPLATES:
// {"order_shipped": {"id": "...", "fields": {"thing1": "company"}, "page": "..."}}.
func ParseTemplates(s string) (map[string]Template, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var t map[string]Template
	if err := json.Unmarshal([]byte(s), &t); err != nil {
		return nil, fmt.Errorf("wxsubscribe: templates: %w", err)
	}
	return t, nil
}
