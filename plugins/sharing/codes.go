package sharing

import (
	"bytes"
	"image"
	_ "image/jpeg" // WeChat answers mini-program codes as JPEG or PNG
	"image/png"
	"net/http"
	"strconv"

	"github.com/pocketbase/pocketbase/core"
	"github.com/skip2/go-qrcode"

	"fenxiao/hooks/shop"
)

// QR sizes in pixels.
const (
	defaultQRSize = 512
	minQRSize     = 128
	maxQRSize     = 1024

	// wxacodeWidth is the width asked of WeChat (it allows 280-1280).
	wxacodeWidth = 430
)

// qr is GET /api/shop/share/qr/{code}.png?size=: the QR code of the link's
// H5 URL (source=qr), as a PNG of size×size pixels.
func (p *plugin) qr(e *core.RequestEvent) error {
	size := defaultQRSize
	if raw := e.Request.URL.Query().Get("size"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < minQRSize || n > maxQRSize {
			return shop.FieldFail("size", "share_qr_size_invalid", "尺寸须为 128-1024 像素 / size must be 128-1024").ApiError()
		}
		size = n
	}
	link, err := findLinkByFile(e.App, e.Request.PathValue("file"))
	if err != nil {
		return err
	}
	owner, err := e.App.FindRecordById(usersCollection, link.GetString("owner"))
	if err != nil {
		return shop.Fail(http.StatusNotFound, "share_link_not_found", "推广链接不存在 / share link not found").ApiError()
	}
	data, err := qrcode.Encode(p.h5URL(e, link, owner.GetString("invite_code"), "qr"), qrcode.Medium, size)
	if err != nil {
		return err
	}
	return sendPNG(e, data, "")
}

// wxacode is GET /api/shop/share/wxacode/{code}.png: the mini-program code
// opening the configured page with the link code as scene. It is fetched
// from WeChat once per code and kept in memory.
func (p *plugin) wxacode(e *core.RequestEvent) error {
	if p.config.MiniProgram == nil {
		return shop.Fail(http.StatusNotFound, "share_wxacode_unavailable", "未配置小程序 / the mini-program is not configured").ApiError()
	}
	link, err := findLinkByFile(e.App, e.Request.PathValue("file"))
	if err != nil {
		return err
	}
	data, hit, err := p.miniProgramCode(e, link.GetString("code"))
	if err != nil {
		e.App.Logger().Error("sharing: mini-program code failed", "code", link.GetString("code"), "error", err.Error())
		return shop.Fail(http.StatusBadGateway, "wechat_unavailable", "微信服务暂不可用 / WeChat is unavailable").ApiError()
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, data); err != nil {
		return err
	}
	return sendPNG(e, buf.Bytes(), cacheStatus(hit))
}

// miniProgramCode returns the decoded mini-program code of a link code.
//
// NB! It calls WeChat: never call it inside a database transaction.
func (p *plugin) miniProgramCode(e *core.RequestEvent, code string) (image.Image, bool, error) {
	key := p.config.MiniProgramPage + "|" + code
	raw, hit := p.wxcodes.get(key)
	if !hit {
		var err error
		raw, err = p.config.MiniProgram.GetUnlimitedQRCode(e.Request.Context(), code, p.config.MiniProgramPage, wxacodeWidth)
		if err != nil {
			return nil, false, err
		}
	}
	img, _, err := image.Decode(bytes.NewReader(raw))
	if err != nil {
		return nil, false, err
	}
	if !hit {
		p.wxcodes.put(key, raw)
	}
	return img, hit, nil
}

func cacheStatus(hit bool) string {
	if hit {
		return "fenxiao; hit"
	}
	return "fenxiao; fwd=miss"
}

func sendPNG(e *core.RequestEvent, data []byte, status string) error {
	h := e.Response.Header()
	h.Set("Cache-Control", "public, max-age=3600")
	if status != "" {
		h.Set("Cache-Status", status)
	}
	return e.Blob(http.StatusOK, "image/png", data)
}
