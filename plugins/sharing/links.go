package sharing

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"

	"fenxiao/hooks/shop"
)

// codeAlphabet leaves out characters that are easy to misread (0/O, 1/l/I).
const codeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz"

const codeLength = 8

var (
	codePattern    = regexp.MustCompile(`^[0-9A-Za-z]{8}$`)
	idPattern      = regexp.MustCompile(`^[a-z0-9]{1,32}$`)
	channelPattern = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)
)

// DefaultChannel is the channel of a link when the client names none.
const DefaultChannel = "link"

// LinkResponse is the answer of GET /api/shop/share/link.
type LinkResponse struct {
	Id       string `json:"id"`
	Code     string `json:"code"`
	Channel  string `json:"channel"`
	Product  string `json:"product"`
	Material string `json:"material"`

	// InviteCode is the sharer's invite code.
	InviteCode string `json:"invite_code"`

	// H5URL opens the H5 storefront with the sharer as inviter.
	H5URL string `json:"h5_url"`

	// MiniProgramPath is the mini-program page path with the link's scene.
	MiniProgramPath string `json:"mp_path"`

	QRURL      string `json:"qr_url"`
	PosterURL  string `json:"poster_url"`
	WxacodeURL string `json:"wxacode_url,omitempty"`
}

// link is GET /api/shop/share/link?product=&material=&channel=: the caller's
// link for that product, material and channel, created on first use.
func (p *plugin) link(e *core.RequestEvent) error {
	q := e.Request.URL.Query()
	productId := strings.TrimSpace(q.Get("product"))
	materialId := strings.TrimSpace(q.Get("material"))
	channel := strings.TrimSpace(q.Get("channel"))
	if channel == "" {
		channel = DefaultChannel
	}
	if !channelPattern.MatchString(channel) {
		return shop.FieldFail("channel", "share_channel_invalid",
			"渠道只能包含小写字母、数字和下划线 / channel must be 1-32 of a-z, 0-9, _").ApiError()
	}
	if productId != "" {
		if !idPattern.MatchString(productId) {
			return shop.FieldFail("product", "share_product_invalid", "商品 id 无效 / invalid product id").ApiError()
		}
		product, err := e.App.FindRecordById(productsCollection, productId)
		if err != nil || product.GetString("status") != "on" {
			return shop.Fail(http.StatusNotFound, "share_product_not_found", "商品不存在或已下架 / product not found").ApiError()
		}
	}
	if materialId != "" {
		if !idPattern.MatchString(materialId) {
			return shop.FieldFail("material", "share_material_invalid", "素材 id 无效 / invalid material id").ApiError()
		}
		if !p.canSeeMaterial(e, materialId) {
			return shop.Fail(http.StatusNotFound, "share_material_not_found", "素材不存在或不可用 / material not found").ApiError()
		}
	}

	owner, err := e.App.FindRecordById(usersCollection, e.Auth.Id)
	if err != nil {
		return e.NotFoundError("", err)
	}
	if owner.GetString("invite_code") == "" {
		return shop.Fail(http.StatusConflict, "share_no_invite_code", "账号还没有邀请码 / the account has no invite code").ApiError()
	}

	var link *core.Record
	err = e.App.RunInTransaction(func(txApp core.App) error {
		// note: a plain column match, not a record filter: PocketBase's
		// filter `material = {:material}` never matches an empty relation
		// when the bound value is "", so links without product or
		// material were created anew on every request
		found := &core.Record{}
		err := txApp.RecordQuery(linksCollection).
			AndWhere(dbx.HashExp{"owner": owner.Id, "product": productId, "material": materialId, "channel": channel}).
			Limit(1).
			One(found)
		if err == nil {
			link = found
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("find share link: %w", err)
		}
		col, err := txApp.FindCachedCollectionByNameOrId(linksCollection)
		if err != nil {
			return err
		}
		link = core.NewRecord(col)
		link.Set("owner", owner.Id)
		link.Set("product", productId)
		link.Set("material", materialId)
		link.Set("channel", channel)
		for range 5 {
			code := security.RandomStringWithAlphabet(codeLength, codeAlphabet)
			if _, err := txApp.FindFirstRecordByData(linksCollection, "code", code); errors.Is(err, sql.ErrNoRows) {
				link.Set("code", code)
				break
			}
		}
		if link.GetString("code") == "" {
			return errors.New("share link: could not pick a unique code")
		}
		if err := txApp.Save(link); err != nil {
			return fmt.Errorf("save share link: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, p.linkResponse(e, link, owner))
}

// canSeeMaterial reports whether the caller may see the material under the
// collection's view rule (active, inside its schedule, caller a distributor).
func (p *plugin) canSeeMaterial(e *core.RequestEvent, id string) bool {
	material, err := e.App.FindRecordById(materialsCollection, id)
	if err != nil {
		return false
	}
	info, err := e.RequestInfo()
	if err != nil {
		return false
	}
	ok, err := e.App.CanAccessRecord(material, info, material.Collection().ViewRule)
	return err == nil && ok
}

func (p *plugin) linkResponse(e *core.RequestEvent, link, owner *core.Record) *LinkResponse {
	code := link.GetString("code")
	res := &LinkResponse{
		Id:              link.Id,
		Code:            code,
		Channel:         link.GetString("channel"),
		Product:         link.GetString("product"),
		Material:        link.GetString("material"),
		InviteCode:      owner.GetString("invite_code"),
		H5URL:           p.h5URL(e, link, owner.GetString("invite_code"), "link"),
		MiniProgramPath: p.miniProgramPath(code),
		QRURL:           "/api/shop/share/qr/" + code + ".png",
		PosterURL:       "/api/shop/share/poster/" + code + ".png",
	}
	if p.config.MiniProgram != nil {
		res.WxacodeURL = "/api/shop/share/wxacode/" + code + ".png"
	}
	return res
}

// h5URL is the storefront URL of link: the sharer's invite code, how the
// visitor came (source: link, qr or poster) and the link code as scene;
// a product link opens the product page.
func (p *plugin) h5URL(e *core.RequestEvent, link *core.Record, inviteCode, source string) string {
	base := p.baseURL(e)
	q := url.Values{}
	q.Set("inviter", inviteCode)
	q.Set("source", source)
	q.Set("scene", link.GetString("code"))
	u := base + "/?" + q.Encode()
	if product := link.GetString("product"); product != "" {
		u += "#/p/" + product
	}
	return u
}

// baseURL is the configured PublicURL or, without one, the scheme and host
// the request came to.
//
// NB! Without PublicURL the host is whatever the client sent: anything
// cached from it must be keyed by it (see poster).
func (p *plugin) baseURL(e *core.RequestEvent) string {
	if p.config.PublicURL != "" {
		return p.config.PublicURL
	}
	scheme := "http"
	if e.Request.TLS != nil || e.Request.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + e.Request.Host
}

func (p *plugin) miniProgramPath(code string) string {
	return p.config.MiniProgramPage + "?scene=" + code
}

// findLinkByFile resolves the {file} path value "<code>.png" to a link.
func findLinkByFile(app core.App, file string) (*core.Record, error) {
	code, ok := strings.CutSuffix(file, ".png")
	if !ok || !codePattern.MatchString(code) {
		return nil, shop.Fail(http.StatusNotFound, "share_link_not_found", "推广链接不存在 / share link not found")
	}
	return findLink(app, code)
}

// findLink returns the link with code, or a 404 shop error.
func findLink(app core.App, code string) (*core.Record, error) {
	if !codePattern.MatchString(code) {
		return nil, shop.Fail(http.StatusNotFound, "share_link_not_found", "推广链接不存在 / share link not found")
	}
	link, err := app.FindFirstRecordByData(linksCollection, "code", code)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, shop.Fail(http.StatusNotFound, "share_link_not_found", "推广链接不存在 / share link not found")
	}
	return link, err
}
