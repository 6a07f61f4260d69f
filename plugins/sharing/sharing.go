// Package sharing gives distributors their promotion tools: short share
// links, QR and mini-program codes, server-rendered posters, marketing
// materials, click tracking and conversion statistics.
//
// A share link is a share_links row with an 8-character code. The code is
// the `scene` of everything built from the link: the H5 URL
// (/?inviter=<invite code>&source=link&scene=<code>), the mini-program path
// (pages/index/index?scene=<code>) and the mini-program code. A visitor who
// signs up or binds with that scene, and later pays, is attributed to the
// link (share_conversions) in the transaction that made the sign-up, the
// binding or the payment.
//
// Routes:
//
//	GET  /api/shop/share/link?product=&material=&channel=   signed-in: the caller's link (created once)
//	GET  /api/shop/share/qr/{code}.png?size=                  anyone: QR code of the H5 URL
//	GET  /api/shop/share/wxacode/{code}.png                   anyone: mini-program code (WeChat configured)
//	GET  /api/shop/share/poster/{code}.png                    anyone: poster (product, price, sharer, code)
//	POST /api/shop/track/click {code}                         anyone (rate-limited): count a visit
//	GET  /api/shop/distribution/stats                         signed-in: clicks, sign-ups, paid orders per link and material
//
// Materials are plain records (collection "materials"): distributors list
// the active ones inside their schedule through the API rules, superusers
// edit them in the dashboard.
//
// Example usage:
//
//	hooks.MustRegister(app, hooks.Config{})
//	cfg := sharing.Config{PublicURL: "https://shop.example.com"}
//	if wx, err := wechat.NewClient(wechat.Config{AppID: appID, Secret: secret}); err == nil {
//		cfg.MiniProgram = wx // optional: posters carry a mini-program code
//	}
//	sharing.MustRegister(app, cfg)
package sharing

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"fenxiao/hooks/shop"
)

// Collection names.
const (
	linksCollection       = "share_links"
	clicksCollection      = "share_clicks"
	conversionsCollection = "share_conversions"
	materialsCollection   = "materials"
	usersCollection       = shop.UsersCollection
	productsCollection    = shop.ProductsCollection
)

// Conversion kinds (share_conversions.kind).
const (
	KindSignup = "signup"
	KindBind   = "bind"
	KindOrder  = "order"
)

// DefaultMiniProgramPage is the mini-program page share codes open.
const DefaultMiniProgramPage = "pages/index/index"

// MiniProgramCoder makes mini-program codes; *wechat.Client implements it
// with WeChat's getwxacodeunlimit.
type MiniProgramCoder interface {
	// GetUnlimitedQRCode returns the image of a code opening page with scene
	// (at most 32 visible ASCII characters).
	GetUnlimitedQRCode(ctx context.Context, scene, page string, width int) ([]byte, error)
}

// Config configures the sharing plugin.
type Config struct {
	// PublicURL is the H5 storefront's base URL, e.g. https://shop.example.com
	// (default: the scheme and host of the request).
	PublicURL string

	// MiniProgramPage is the page mini-program paths and codes open
	// (default DefaultMiniProgramPage), without a leading slash.
	MiniProgramPage string

	// MiniProgram makes mini-program codes. When nil, the wxacode route
	// answers 404 and posters carry the QR code of the H5 URL.
	MiniProgram MiniProgramCoder

	// ClickWindow is how long repeated visits of one visitor (IP and user
	// agent) to one link count once (default 10 minutes).
	ClickWindow time.Duration

	// CacheSize is how many rendered posters and fetched mini-program codes
	// are kept in memory (default 256 of each).
	CacheSize int

	// CacheBytes bounds the memory each of the two caches holds
	// (default 64 MiB each); the least recently used go first.
	CacheBytes int
}

// MustRegister is like [Register] but panics on error.
func MustRegister(app core.App, config Config) {
	if err := Register(app, config); err != nil {
		panic(err)
	}
}

// Register binds the sharing routes and the conversion hooks to app.
func Register(app core.App, config Config) error {
	s := shop.Get(app)
	if s == nil {
		return errors.New("sharing: the shop core must be registered before the plugin")
	}
	// note: a nil *wechat.Client stored in the interface is not a nil
	// interface; treat it as "no mini-program" instead of panicking on the
	// first poster
	if v := reflect.ValueOf(config.MiniProgram); config.MiniProgram != nil && v.Kind() == reflect.Pointer && v.IsNil() {
		config.MiniProgram = nil
	}
	if config.MiniProgramPage == "" {
		config.MiniProgramPage = DefaultMiniProgramPage
	}
	config.MiniProgramPage = strings.TrimPrefix(config.MiniProgramPage, "/")
	config.PublicURL = strings.TrimRight(config.PublicURL, "/")
	if config.ClickWindow <= 0 {
		config.ClickWindow = 10 * time.Minute
	}
	if config.CacheSize <= 0 {
		config.CacheSize = 256
	}
	if config.CacheBytes <= 0 {
		config.CacheBytes = 64 << 20
	}
	font, err := loadFont()
	if err != nil {
		return err
	}

	p := &plugin{
		app:     app,
		config:  config,
		font:    font,
		posters: newCache(config.CacheSize, config.CacheBytes),
		wxcodes: newCache(config.CacheSize, config.CacheBytes),
	}

	s.OnUserJoined.Bind(&hook.Handler[*shop.UserEvent]{Id: "fenxiaoSharingUserJoined", Func: p.onUserJoined})
	s.OnOrderPaid.Bind(&hook.Handler[*shop.OrderEvent]{Id: "fenxiaoSharingOrderPaid", Func: p.onOrderPaid})
	app.OnRecordUpdate(usersCollection).Bind(&hook.Handler[*core.RecordEvent]{Id: "fenxiaoSharingUserUpdate", Func: p.onUserUpdate})

	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		g := se.Router.Group("/api/shop/share")
		g.GET("/link", p.link).Bind(apis.RequireAuth(usersCollection))
		g.GET("/qr/{file}", p.qr)
		g.GET("/wxacode/{file}", p.wxacode)
		g.GET("/poster/{file}", p.poster)
		se.Router.POST("/api/shop/track/click", p.click)
		se.Router.GET("/api/shop/distribution/stats", p.stats).Bind(apis.RequireAuth(usersCollection))
		return se.Next()
	})
	return nil
}

type plugin struct {
	app     core.App
	config  Config
	font    *fontSet
	posters *cache
	wxcodes *cache
}
