package sharing_test

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"testing"

	"github.com/pocketbase/pocketbase/tools/filesystem"

	"fenxiao/plugins/sharing"
	"fenxiao/plugins/wechat"
)

// solidPNG is a w×h PNG of one colour.
func solidPNG(t testing.TB, w, h int, c color.Color) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// near reports whether c is within a few levels of want on every channel
// (scaling blurs edges; the middle of an area keeps its colour).
func near(c color.Color, want color.RGBA) bool {
	r, g, b, _ := c.RGBA()
	d := func(a uint32, b uint8) bool { x := int(a>>8) - int(b); return x > -8 && x < 8 }
	return d(r, want.R) && d(g, want.G) && d(b, want.B)
}

var (
	red   = color.RGBA{0xd0, 0x10, 0x10, 0xff}
	green = color.RGBA{0x10, 0xa0, 0x30, 0xff}
	panel = color.RGBA{0xf3, 0xef, 0xe9, 0xff} // the poster's plain image panel
)

// Poster points sampled by the tests: the middle of the product image and
// of the code square.
var (
	imageMiddle = image.Pt(375, 375)
	codeMiddle  = image.Pt(605, 1055)
)

func TestQRCode(t *testing.T) {
	e := newEnv(t, sharing.Config{PublicURL: "https://shop.example.com"})
	code := e.link(e.token, "product="+e.teaP.Id)["code"].(string)

	img, rec := e.image("/api/shop/share/qr/"+code+".png", nil)
	if b := img.Bounds(); b.Dx() != 512 || b.Dy() != 512 {
		t.Fatalf("default QR is %v, want 512×512", b)
	}
	if rec.Header().Get("Cache-Control") == "" {
		t.Fatal("QR without Cache-Control")
	}
	// a QR code is black modules on white: both must be there
	var dark, light bool
	for x := 0; x < 512; x += 4 {
		r, _, _, _ := img.At(x, 256).RGBA()
		dark, light = dark || r < 0x1000, light || r > 0xf000
	}
	if !dark || !light {
		t.Fatalf("QR has no modules (dark %v, light %v)", dark, light)
	}
	if img, _ = e.image("/api/shop/share/qr/"+code+".png?size=200", nil); img.Bounds().Dx() != 200 {
		t.Fatalf("size=200 gave %v", img.Bounds())
	}

	for _, tc := range []struct {
		url    string
		status int
		code   string
	}{
		{"/api/shop/share/qr/" + code + ".png?size=5000", 400, "share_qr_size_invalid"},
		{"/api/shop/share/qr/" + code + ".png?size=big", 400, "share_qr_size_invalid"},
		{"/api/shop/share/qr/ZZZZZZZZ.png", 404, "share_link_not_found"},
		{"/api/shop/share/qr/" + code + ".jpg", 404, "share_link_not_found"},
		{"/api/shop/share/qr/short.png", 404, "share_link_not_found"},
	} {
		rec := e.raw(http.MethodGet, tc.url, nil, nil, "")
		if rec.Code != tc.status || errorCode(rec.Body.Bytes()) != tc.code {
			t.Errorf("%s: %d %s, want %d %s", tc.url, rec.Code, rec.Body.Bytes(), tc.status, tc.code)
		}
	}
}

func TestPosterRenderedAndCached(t *testing.T) {
	e := newEnv(t, sharing.Config{})
	file, err := filesystem.NewFileFromBytes(solidPNG(t, 600, 400, red), "tea.png")
	if err != nil {
		t.Fatal(err)
	}
	e.teaP.Set("images", []*filesystem.File{file})
	if err := e.app.Save(e.teaP); err != nil {
		t.Fatal(err)
	}
	withProduct := e.link(e.token, "product="+e.teaP.Id)["code"].(string)
	plain := e.link(e.token, "channel=poster")["code"].(string)

	url := "/api/shop/share/poster/" + withProduct + ".png"
	img, rec := e.image(url, nil)
	if b := img.Bounds(); b.Dx() != 750 || b.Dy() != 1200 {
		t.Fatalf("poster is %v, want 750×1200", b)
	}
	if got := rec.Header().Get("Cache-Status"); got != "fenxiao; fwd=miss" {
		t.Fatalf("first poster Cache-Status %q", got)
	}
	if c := img.At(imageMiddle.X, imageMiddle.Y); !near(c, red) {
		t.Fatalf("product image not drawn: %v at %v", c, imageMiddle)
	}
	first := rec.Body.Bytes()

	_, rec = e.image(url, nil)
	if rec.Header().Get("Cache-Status") != "fenxiao; hit" || !bytes.Equal(rec.Body.Bytes(), first) {
		t.Fatalf("second poster not from cache: %q", rec.Header().Get("Cache-Status"))
	}
	// without PublicURL the QR code carries the request's host: another
	// host is another rendering, never the cached one
	if _, rec = e.image(url, map[string]string{"Host": "evil.example"}); rec.Header().Get("Cache-Status") != "fenxiao; fwd=miss" {
		t.Fatalf("poster for a forged host served from cache")
	}
	// a new nickname is drawn at once
	e.alice.Set("nickname", "爱丽丝小店")
	if err := e.app.Save(e.alice); err != nil {
		t.Fatal(err)
	}
	if _, rec = e.image(url, nil); rec.Header().Get("Cache-Status") != "fenxiao; fwd=miss" || bytes.Equal(rec.Body.Bytes(), first) {
		t.Fatalf("poster not re-rendered after the sharer changed")
	}

	// a link without product gets the plain panel
	img, _ = e.image("/api/shop/share/poster/"+plain+".png", nil)
	if c := img.At(imageMiddle.X, imageMiddle.Y); !near(c, panel) {
		t.Fatalf("plain poster: %v at %v", c, imageMiddle)
	}
	if rec := e.raw(http.MethodGet, "/api/shop/share/poster/ZZZZZZZZ.png", nil, nil, ""); rec.Code != 404 || errorCode(rec.Body.Bytes()) != "share_link_not_found" {
		t.Fatalf("unknown poster: %d %s", rec.Code, rec.Body.Bytes())
	}
}

func TestWxacodeNeedsMiniProgram(t *testing.T) {
	e := newEnv(t, sharing.Config{})
	code := e.link(e.token, "")["code"].(string)
	rec := e.raw(http.MethodGet, "/api/shop/share/wxacode/"+code+".png", nil, nil, "")
	if rec.Code != 404 || errorCode(rec.Body.Bytes()) != "share_wxacode_unavailable" {
		t.Fatalf("wxacode without mini-program: %d %s", rec.Code, rec.Body.Bytes())
	}
}

func TestWxacodeThroughCoder(t *testing.T) {
	coder := &fakeCoder{img: solidPNG(t, 430, 430, green)}
	e := newEnv(t, sharing.Config{MiniProgram: coder, MiniProgramPage: "/pages/share/index"})
	link := e.link(e.token, "product="+e.teaP.Id)
	code := link["code"].(string)
	if link["wxacode_url"] != "/api/shop/share/wxacode/"+code+".png" || link["mp_path"] != "pages/share/index?scene="+code {
		t.Fatalf("link: %v", link)
	}

	img, rec := e.image("/api/shop/share/wxacode/"+code+".png", nil)
	if img.Bounds().Dx() != 430 || !near(img.At(200, 200), green) || rec.Header().Get("Cache-Status") != "fenxiao; fwd=miss" {
		t.Fatalf("wxacode: %v %v %q", img.Bounds(), img.At(200, 200), rec.Header().Get("Cache-Status"))
	}
	if len(coder.calls) != 1 || coder.calls[0] != (coderCall{code, "pages/share/index", 430}) {
		t.Fatalf("coder calls: %+v", coder.calls)
	}
	// the code is fetched once: the second request and the poster reuse it
	if _, rec = e.image("/api/shop/share/wxacode/"+code+".png", nil); rec.Header().Get("Cache-Status") != "fenxiao; hit" {
		t.Fatalf("second wxacode Cache-Status %q", rec.Header().Get("Cache-Status"))
	}
	poster, _ := e.image("/api/shop/share/poster/"+code+".png", nil)
	if c := poster.At(codeMiddle.X, codeMiddle.Y); !near(c, green) {
		t.Fatalf("poster does not carry the mini-program code: %v", c)
	}
	if coder.callCount() != 1 {
		t.Fatalf("WeChat asked %d times, want 1", coder.callCount())
	}
	if rec := e.raw(http.MethodGet, "/api/shop/share/wxacode/ZZZZZZZZ.png", nil, nil, ""); rec.Code != 404 || coder.callCount() != 1 {
		t.Fatalf("unknown code: %d, %d calls", rec.Code, coder.callCount())
	}
}

func TestWxacodeWeChatDown(t *testing.T) {
	coder := &fakeCoder{err: errors.New("wechat getwxacodeunlimit: 45009 reach max api daily quota limit")}
	e := newEnv(t, sharing.Config{MiniProgram: coder})
	code := e.link(e.token, "")["code"].(string)

	rec := e.raw(http.MethodGet, "/api/shop/share/wxacode/"+code+".png", nil, nil, "")
	if rec.Code != http.StatusBadGateway || errorCode(rec.Body.Bytes()) != "wechat_unavailable" || bytes.Contains(rec.Body.Bytes(), []byte("45009")) {
		t.Fatalf("wxacode with WeChat down: %d %s", rec.Code, rec.Body.Bytes())
	}
	// the poster still renders, with the H5 QR code, and is not kept: the
	// next request asks WeChat again
	url := "/api/shop/share/poster/" + code + ".png"
	poster, _ := e.image(url, nil)
	if c := poster.At(codeMiddle.X, codeMiddle.Y); near(c, green) {
		t.Fatalf("fallback poster: %v", c)
	}
	calls := coder.callCount()
	if _, rec = e.image(url, nil); rec.Header().Get("Cache-Status") != "fenxiao; fwd=miss" || coder.callCount() != calls+1 {
		t.Fatalf("fallback poster was cached (%q, %d calls)", rec.Header().Get("Cache-Status"), coder.callCount())
	}
}

// the WeChat client is the production MiniProgramCoder
var _ sharing.MiniProgramCoder = (*wechat.Client)(nil)

func TestNilClientMeansNoMiniProgram(t *testing.T) {
	var wx *wechat.Client // FENXIAO_WECHAT_APPID not set
	e := newEnv(t, sharing.Config{MiniProgram: wx})
	code := e.link(e.token, "")["code"].(string)
	if rec := e.raw(http.MethodGet, "/api/shop/share/wxacode/"+code+".png", nil, nil, ""); rec.Code != 404 {
		t.Fatalf("wxacode with a nil client: %d", rec.Code)
	}
	e.image("/api/shop/share/poster/"+code+".png", nil)
}
