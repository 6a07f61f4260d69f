package sharing

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // product images may be GIF
	"image/png"
	"io"
	"net/http"
	"strings"

	"github.com/pocketbase/pocketbase/core"
	"github.com/skip2/go-qrcode"
	"golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"
	_ "golang.org/x/image/webp" // product images may be WebP

	"fenxiao/hooks/shop"
)

// Poster layout (pixels). The rectangles are where each part is drawn.
const (
	posterWidth  = 750
	posterHeight = 1200
	posterMargin = 30

	// product images larger than this are not decoded (a plain panel is drawn)
	maxSourcePixels = 5000 * 5000
)

var (
	imageArea    = image.Rect(posterMargin, posterMargin, posterWidth-posterMargin, 720)
	titleArea    = image.Rect(posterMargin, 745, posterWidth-posterMargin, 845)
	priceArea    = image.Rect(posterMargin, 860, 440, 920)
	sharerArea   = image.Rect(posterMargin, 960, 470, 1005)
	inviteArea   = image.Rect(posterMargin, 1020, 470, 1060)
	hintArea     = image.Rect(posterMargin, 1085, 470, 1120)
	codeArea     = image.Rect(490, 940, posterWidth-posterMargin, 1170)
	dividerY     = 935
	background   = color.RGBA{0xff, 0xff, 0xff, 0xff}
	panelColor   = color.RGBA{0xf3, 0xef, 0xe9, 0xff}
	textColor    = color.RGBA{0x22, 0x22, 0x22, 0xff}
	mutedColor   = color.RGBA{0x88, 0x88, 0x88, 0xff}
	priceColor   = color.RGBA{0xe4, 0x39, 0x3c, 0xff}
	dividerColor = color.RGBA{0xe6, 0xe6, 0xe6, 0xff}
)

// posterData is everything drawn on a poster.
type posterData struct {
	Image      image.Image // nil: plain panel
	Title      string
	Price      string // "" for a link without product
	Sharer     string
	InviteCode string
	Code       image.Image
}

// poster is GET /api/shop/share/poster/{code}.png: the link's poster,
// rendered once per link, product and sharer version and then kept in
// memory.
func (p *plugin) poster(e *core.RequestEvent) error {
	link, err := findLinkByFile(e.App, e.Request.PathValue("file"))
	if err != nil {
		return err
	}
	owner, err := e.App.FindRecordById(usersCollection, link.GetString("owner"))
	if err != nil {
		return shop.Fail(http.StatusNotFound, "share_link_not_found", "推广链接不存在 / share link not found").ApiError()
	}
	var product *core.Record
	if id := link.GetString("product"); id != "" {
		product, _ = e.App.FindRecordById(productsCollection, id)
		// a product taken off the shelf is not advertised with its old
		// price: the link falls back to the shop's generic poster
		if product != nil && product.GetString("status") != "on" {
			product = nil
		}
	}

	key := posterKey(p.baseURL(e), link, owner, product, p.config.MiniProgram != nil)
	if data, ok := p.posters.get(key); ok {
		return sendPNG(e, data, cacheStatus(true))
	}

	d := posterData{
		Title:      "好物推荐，邀你一起来逛逛",
		Sharer:     owner.GetString("nickname"),
		InviteCode: owner.GetString("invite_code"),
	}
	if d.Sharer == "" {
		d.Sharer = "好友"
	}
	if product != nil {
		d.Title = product.GetString("title")
		d.Price = yuan(int64(product.GetInt("min_price")))
		if product.GetInt("max_price") > product.GetInt("min_price") {
			d.Price += " 起"
		}
		d.Image = p.productImage(product)
	}
	// the mini-program code comes from WeChat: fetched here, outside any
	// transaction; the H5 QR code stands in when WeChat fails
	fallback := false
	if p.config.MiniProgram != nil {
		img, _, err := p.miniProgramCode(e, link.GetString("code"))
		if err != nil {
			e.App.Logger().Warn("sharing: poster falls back to the QR code", "code", link.GetString("code"), "error", err.Error())
			fallback = true
		}
		d.Code = img
	}
	if d.Code == nil {
		q, err := qrcode.New(p.h5URL(e, link, d.InviteCode, "poster"), qrcode.Medium)
		if err != nil {
			return err
		}
		d.Code = q.Image(codeArea.Dx())
	}

	data, err := p.render(d)
	if err != nil {
		return err
	}
	// a poster with the stand-in QR code is not kept: the next request
	// tries WeChat again instead of serving the fallback until restart
	if !fallback {
		p.posters.put(key, data)
	}
	return sendPNG(e, data, cacheStatus(false))
}

// posterKey names one rendering of a link's poster: everything drawn on it
// (base URL of the QR code, sharer, product, which code) is in the key, so a
// changed product or nickname renders anew and a forged Host header cannot
// put its URL on the poster other visitors get.
func posterKey(base string, link, owner, product *core.Record, wxa bool) string {
	key := link.GetString("code") + "|" + base + "|" + owner.GetString("updated")
	if product != nil {
		key += "|" + product.GetString("updated")
	}
	if wxa {
		key += "|wxa"
	}
	return key
}

// productImage decodes the product's first image from the app's file
// storage, or returns nil (a plain panel is drawn instead).
func (p *plugin) productImage(product *core.Record) image.Image {
	files := product.GetStringSlice("images")
	if len(files) == 0 {
		return nil
	}
	fsys, err := p.app.NewFilesystem()
	if err != nil {
		return nil
	}
	defer fsys.Close()
	r, err := fsys.GetReader(product.BaseFilesPath() + "/" + files[0])
	if err != nil {
		return nil
	}
	defer r.Close()
	raw, err := io.ReadAll(io.LimitReader(r, 20<<20))
	if err != nil {
		return nil
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(raw))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxSourcePixels {
		return nil
	}
	img, _, err := image.Decode(bytes.NewReader(raw))
	if err != nil {
		return nil
	}
	return img
}

// render draws d and encodes it as PNG.
func (p *plugin) render(d posterData) ([]byte, error) {
	p.font.mu.Lock()
	defer p.font.mu.Unlock()

	canvas := image.NewRGBA(image.Rect(0, 0, posterWidth, posterHeight))
	draw.Draw(canvas, canvas.Bounds(), image.NewUniform(background), image.Point{}, draw.Src)

	if d.Image != nil {
		draw.CatmullRom.Scale(canvas, imageArea, d.Image, coverRect(d.Image.Bounds(), imageArea), draw.Over, nil)
	} else {
		draw.Draw(canvas, imageArea, image.NewUniform(panelColor), image.Point{}, draw.Src)
	}

	title, err := p.font.face(34)
	if err != nil {
		return nil, err
	}
	lines := wrap(title, p.font.printable(d.Title), titleArea.Dx(), 2)
	for i, line := range lines {
		drawText(canvas, title, textColor, titleArea.Min.X, titleArea.Min.Y+38+i*48, line)
	}

	if d.Price != "" {
		price, err := p.font.face(48)
		if err != nil {
			return nil, err
		}
		drawText(canvas, price, priceColor, priceArea.Min.X, priceArea.Max.Y-8, d.Price)
	}

	draw.Draw(canvas, image.Rect(posterMargin, dividerY, posterWidth-posterMargin, dividerY+2),
		image.NewUniform(dividerColor), image.Point{}, draw.Src)

	body, err := p.font.face(30)
	if err != nil {
		return nil, err
	}
	sharer := wrap(body, p.font.printable(d.Sharer)+" 向你推荐", sharerArea.Dx(), 1)
	drawText(canvas, body, textColor, sharerArea.Min.X, sharerArea.Max.Y-10, sharer[0])

	small, err := p.font.face(26)
	if err != nil {
		return nil, err
	}
	drawText(canvas, small, textColor, inviteArea.Min.X, inviteArea.Max.Y-10, "邀请码 "+p.font.printable(d.InviteCode))

	hint, err := p.font.face(22)
	if err != nil {
		return nil, err
	}
	drawText(canvas, hint, mutedColor, hintArea.Min.X, hintArea.Max.Y-10, "长按识别二维码，查看详情")

	if d.Code != nil {
		draw.CatmullRom.Scale(canvas, codeArea, d.Code, d.Code.Bounds(), draw.Over, nil)
	}

	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, canvas); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func drawText(dst draw.Image, face font.Face, c color.Color, x, baseline int, s string) {
	(&font.Drawer{Dst: dst, Src: image.NewUniform(c), Face: face, Dot: fixed.P(x, baseline)}).DrawString(s)
}

// wrap breaks s into at most maxLines lines no wider than width pixels; a
// cut last line ends with an ellipsis.
func wrap(face font.Face, s string, width, maxLines int) []string {
	limit := fixed.I(width)
	var lines []string
	var line []rune
	runes := []rune(strings.TrimSpace(s))
	for i := 0; i < len(runes); i++ {
		next := append(line, runes[i])
		if font.MeasureString(face, string(next)) <= limit {
			line = next
			continue
		}
		if len(lines) == maxLines-1 {
			for len(line) > 0 && font.MeasureString(face, string(line)+"…") > limit {
				line = line[:len(line)-1]
			}
			return append(lines, string(line)+"…")
		}
		lines = append(lines, string(line))
		line = []rune{runes[i]}
	}
	return append(lines, string(line))
}

// coverRect is the centred part of src with dst's aspect ratio (like CSS
// object-fit: cover).
func coverRect(src, dst image.Rectangle) image.Rectangle {
	sw, sh := src.Dx(), src.Dy()
	dw, dh := dst.Dx(), dst.Dy()
	if sw*dh > sh*dw { // wider than dst: crop the sides
		w := sh * dw / dh
		x := src.Min.X + (sw-w)/2
		return image.Rect(x, src.Min.Y, x+w, src.Max.Y)
	}
	h := sw * dh / dw
	y := src.Min.Y + (sh-h)/2
	return image.Rect(src.Min.X, y, src.Max.X, y+h)
}

// yuan formats fen as "¥12.34" with integer arithmetic.
func yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s¥%d.%02d", sign, fen/100, fen%100)
}
