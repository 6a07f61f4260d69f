package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// tokenMargin is how long before its expiry a cached access token is
// replaced, so that a call never carries a token that expires in flight.
const tokenMargin = 5 * time.Minute

// Mini-program code widths WeChat accepts (pixels).
const (
	minCodeWidth = 280
	maxCodeWidth = 1280
)

// sceneChars are the characters WeChat allows in a getwxacodeunlimit scene.
const sceneChars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$&'()*+,/:;=?@-._~"

// ErrInvalidScene is returned for a scene WeChat would refuse: empty,
// longer than 32 characters or with characters outside its set.
var ErrInvalidScene = errors.New("wechat: scene must be 1-32 visible ASCII characters")

// WeChat error codes meaning the access token is no longer valid.
const (
	errTokenInvalid = 40001
	errTokenExpired = 42001
)

type tokenAnswer struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
	ErrCode     int    `json:"errcode"`
	ErrMsg      string `json:"errmsg"`
}

// apiError is WeChat's JSON error body.
type apiError struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// accessToken returns the cached access token or fetches a new one.
//
// note: WeChat limits /cgi-bin/token calls per day and a new token voids
// the old one after a few minutes, so one token is shared by all callers
// of the client until shortly before it expires.
func (c *Client) accessToken(ctx context.Context) (string, error) {
	c.tokenMu.Lock()
	defer c.tokenMu.Unlock()
	if c.token != "" && time.Now().Before(c.tokenExpires) {
		return c.token, nil
	}
	var t tokenAnswer
	res, err := c.http.R().SetContext(ctx).
		SetQueryParams(map[string]string{
			"grant_type": "client_credential",
			"appid":      c.config.AppID,
			"secret":     c.config.Secret,
		}).
		SetResult(&t).
		ForceContentType("application/json").
		Get("/cgi-bin/token")
	if err != nil {
		return "", fmt.Errorf("wechat token: %w", withoutURL(err))
	}
	if res.StatusCode() != http.StatusOK {
		return "", fmt.Errorf("wechat token: http %d", res.StatusCode())
	}
	if t.ErrCode != 0 || t.AccessToken == "" {
		return "", fmt.Errorf("wechat token: %d %s", t.ErrCode, t.ErrMsg)
	}
	lifetime := time.Duration(t.ExpiresIn) * time.Second
	if lifetime > 2*tokenMargin {
		lifetime -= tokenMargin
	} else {
		lifetime /= 2
	}
	c.token, c.tokenExpires = t.AccessToken, time.Now().Add(lifetime)
	return c.token, nil
}

// forgetToken drops token from the cache if it is still the cached one.
func (c *Client) forgetToken(token string) {
	c.tokenMu.Lock()
	defer c.tokenMu.Unlock()
	if c.token == token {
		c.token = ""
	}
}

// GetUnlimitedQRCode returns the image (JPEG or PNG, as WeChat sends it) of
// a mini-program code that opens page with scene, through
// getwxacodeunlimit. A token WeChat reports as invalid or expired is
// replaced and the call retried once.
//
// NB! It calls WeChat: never call it inside a database transaction.
func (c *Client) GetUnlimitedQRCode(ctx context.Context, scene, page string, width int) ([]byte, error) {
	if !validScene(scene) {
		return nil, ErrInvalidScene
	}
	if width < minCodeWidth || width > maxCodeWidth {
		return nil, fmt.Errorf("wechat getwxacodeunlimit: width %d outside %d-%d", width, minCodeWidth, maxCodeWidth)
	}
	page = strings.TrimPrefix(page, "/")
	for attempt := 0; ; attempt++ {
		token, err := c.accessToken(ctx)
		if err != nil {
			return nil, err
		}
		img, code, err := c.wxacode(ctx, token, scene, page, width)
		if (code == errTokenInvalid || code == errTokenExpired) && attempt == 0 {
			c.forgetToken(token)
			continue
		}
		return img, err
	}
}

// wxacode makes one getwxacodeunlimit call; on a WeChat error it also
// returns the errcode.
func (c *Client) wxacode(ctx context.Context, token, scene, page string, width int) ([]byte, int, error) {
	res, err := c.http.R().SetContext(ctx).
		SetQueryParam("access_token", token).
		SetHeader("Content-Type", "application/json").
		SetBody(map[string]any{"scene": scene, "page": page, "width": width, "check_path": false}).
		Post("/wxa/getwxacodeunlimit")
	if err != nil {
		return nil, 0, fmt.Errorf("wechat getwxacodeunlimit: %w", withoutURL(err))
	}
	if res.StatusCode() != http.StatusOK {
		return nil, 0, fmt.Errorf("wechat getwxacodeunlimit: http %d", res.StatusCode())
	}
	body := res.Body()
	// note: errors come back with status 200 and a JSON body; images are
	// recognised by content, not by the content type WeChat sends
	if trimmed := bytes.TrimSpace(body); len(trimmed) == 0 || trimmed[0] == '{' {
		var e apiError
		if err := json.Unmarshal(trimmed, &e); err != nil || e.ErrCode == 0 {
			return nil, 0, fmt.Errorf("wechat getwxacodeunlimit: unexpected answer of %d bytes", len(body))
		}
		return nil, e.ErrCode, fmt.Errorf("wechat getwxacodeunlimit: %d %s", e.ErrCode, e.ErrMsg)
	}
	return body, 0, nil
}

func validScene(scene string) bool {
	if scene == "" || len(scene) > 32 {
		return false
	}
	for i := 0; i < len(scene); i++ {
		if strings.IndexByte(sceneChars, scene[i]) < 0 {
			return false
		}
	}
	return true
}

// withoutURL strips the request URL from a transport error: it carries the
// secret or the access token in its query, and errors end up in logs.
func withoutURL(err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return fmt.Errorf("%s: %w", urlErr.Op, urlErr.Err)
	}
	return err
}

// AccessToken implements [shop.WechatTokens].
func (c *Client) AccessToken(ctx context.Context) (string, error) {
	return c.accessToken(ctx)
}

// ForgetToken implements [shop.WechatTokens].
func (c *Client) ForgetToken(token string) {
	c.forgetToken(token)
}
