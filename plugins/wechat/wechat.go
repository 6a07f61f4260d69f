// Package wechat connects the shop to the WeChat mini-program server APIs:
// sign-in with wx.login codes (jscode2session), mini-program codes
// (getwxacodeunlimit, see [Client.GetUnlimitedQRCode]) and shipping info for
// WeChat Pay orders (发货信息管理, see [Client.UploadShippingInfo]).
//
// Example usage:
//
//	wechat.MustRegister(app, wechat.Config{
//		AppID:  os.Getenv("FENXIAO_WECHAT_APPID"),
//		Secret: os.Getenv("FENXIAO_WECHAT_SECRET"),
//	})
//
// It adds POST /api/shop/auth/wechat {code, inviter?, nickname?} which returns
// PocketBase's standard auth response, and POST /api/shop/auth/wechat/phone
// {code} (signed in) which stores the phone number of a getPhoneNumber
// button, verified by WeChat (getuserphonenumber), and answers {phone}. The
// openid is stored in the hidden users.wx_openid field and never leaves the
// server.
package wechat

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/go-resty/resty/v2"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
)

// DefaultBaseURL is WeChat's API host.
const DefaultBaseURL = "https://api.weixin.qq.com"

// Config configures the mini-program integration.
type Config struct {
	// AppID is the mini-program's appid (required).
	AppID string

	// Secret is the mini-program's AppSecret (required). Never logged.
	Secret string

	// BaseURL is WeChat's API host (default DefaultBaseURL); tests point it
	// at a local fake.
	BaseURL string

	// Timeout bounds each call to WeChat (default 5s).
	Timeout time.Duration

	// Client, when set, serves the routes instead of a new client built
	// from the fields above: the access token of one mini-program must be
	// shared by every caller, as a new token voids the previous one.
	Client *Client
}

// MustRegister is like [Register] but panics on error.
func MustRegister(app core.App, config Config) {
	if err := Register(app, config); err != nil {
		panic(err)
	}
}

// Register adds the WeChat sign-in and phone number routes to app.
func Register(app core.App, config Config) error {
	client := config.Client
	if client == nil {
		var err error
		if client, err = NewClient(config); err != nil {
			return err
		}
	}
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.POST("/api/shop/auth/wechat", client.signIn)
		se.Router.POST("/api/shop/auth/wechat/phone", client.bindPhone).Bind(apis.RequireAuth(shop.UsersCollection))
		return se.Next()
	})
	return nil
}

// Client calls the mini-program server APIs.
type Client struct {
	config Config
	http   *resty.Client

	// the access token shared by the server APIs that need one
	tokenMu      sync.Mutex
	token        string
	tokenExpires time.Time
}

// NewClient checks config and builds a client.
func NewClient(config Config) (*Client, error) {
	if config.AppID == "" || config.Secret == "" {
		return nil, errors.New("wechat: AppID and Secret are required")
	}
	if config.BaseURL == "" {
		config.BaseURL = DefaultBaseURL
	}
	if config.Timeout <= 0 {
		config.Timeout = 5 * time.Second
	}
	return &Client{
		config: config,
		http:   resty.New().SetBaseURL(config.BaseURL).SetTimeout(config.Timeout),
	}, nil
}

// Session is jscode2session's answer.
type Session struct {
	OpenId     string `json:"openid"`
	UnionId    string `json:"unionid"`
	SessionKey string `json:"session_key"`
	ErrCode    int    `json:"errcode"`
	ErrMsg     string `json:"errmsg"`
}

// ErrInvalidCode is returned when WeChat rejects the wx.login code
// (invalid, expired or already used).
var ErrInvalidCode = errors.New("wechat: invalid login code")

// Code2Session exchanges a wx.login code for the user's openid.
func (c *Client) Code2Session(ctx context.Context, code string) (*Session, error) {
	var s Session
	res, err := c.http.R().SetContext(ctx).
		SetQueryParams(map[string]string{
			"appid":      c.config.AppID,
			"secret":     c.config.Secret,
			"js_code":    code,
			"grant_type": "authorization_code",
		}).
		SetResult(&s).
		ForceContentType("application/json").
		Get("/sns/jscode2session")
	if err != nil {
		return nil, fmt.Errorf("wechat jscode2session: %w", withoutURL(err))
	}
	if res.StatusCode() != http.StatusOK {
		return nil, fmt.Errorf("wechat jscode2session: http %d", res.StatusCode())
	}
	switch {
	case s.ErrCode == 40029 || s.ErrCode == 40163 || s.ErrCode == 40226:
		return nil, fmt.Errorf("%w: %d %s", ErrInvalidCode, s.ErrCode, s.ErrMsg)
	case s.ErrCode != 0:
		return nil, fmt.Errorf("wechat jscode2session: %d %s", s.ErrCode, s.ErrMsg)
	case s.OpenId == "":
		return nil, errors.New("wechat jscode2session: no openid in the answer")
	}
	return &s, nil
}

type signInForm struct {
	Code     string `json:"code"`
	Nickname string `json:"nickname"`
	shop.Invitation
}

// signIn is POST /api/shop/auth/wechat: the call to WeChat happens before,
// never inside, the transaction that finds or creates the user.
func (c *Client) signIn(e *core.RequestEvent) error {
	var form signInForm
	if err := shop.BindBody(e, &form); err != nil {
		return err
	}
	if form.Code == "" || len(form.Code) > 128 {
		return shop.FieldFail("code", "wechat_code_required", "缺少 wx.login code / code is required").ApiError()
	}
	// an unknown inviter is refused before the wx.login code is exchanged:
	// the code is single-use, and the buyer must be able to retry with it
	if form.Invitation.Code != "" {
		if _, err := shop.FindUserByInviteCode(e.App, form.Invitation.Code); err != nil {
			return err
		}
	}

	session, err := c.Code2Session(e.Request.Context(), form.Code)
	if errors.Is(err, ErrInvalidCode) {
		return shop.Fail(http.StatusUnauthorized, "wechat_code_invalid", "微信登录凭证无效或已使用 / the login code is invalid or used").ApiError()
	}
	if err != nil {
		e.App.Logger().Error("wechat sign-in failed", "error", err.Error())
		return shop.Fail(http.StatusBadGateway, "wechat_unavailable", "微信服务暂不可用 / WeChat is unavailable").ApiError()
	}

	user, _, err := shop.SignInOrUp(e.App, shop.Identity{
		Field: "wx_openid",
		Value: session.OpenId,
		Init: func(u *core.Record) {
			u.Set("wx_unionid", session.UnionId)
			nickname := form.Nickname
			if nickname == "" {
				nickname = "微信用户"
			}
			u.Set("nickname", nickname)
		},
	}, form.Invitation)
	if err != nil {
		return err
	}
	return apis.RecordAuthResponse(e, user, "wechat", nil)
}
