package sharing_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"fenxiao/plugins/sharing"
	"fenxiao/tests"
)

func TestLinkCreatedOnceAndReused(t *testing.T) {
	e := newEnv(t, sharing.Config{PublicURL: "https://shop.example.com/"})

	first := e.link(e.token, "product="+e.teaP.Id+"&channel=moments")
	again := e.link(e.token, "product="+e.teaP.Id+"&channel=moments")
	if first["code"] != again["code"] || first["id"] != again["id"] {
		t.Fatalf("same link asked twice gave two: %v / %v", first["code"], again["code"])
	}
	code := first["code"].(string)
	if len(code) != 8 || first["channel"] != "moments" || first["product"] != e.teaP.Id {
		t.Fatalf("link: %v", first)
	}

	// the H5 URL carries the invite code, the source and the link code as scene
	u, err := url.Parse(first["h5_url"].(string))
	if err != nil || u.Scheme != "https" || u.Host != "shop.example.com" {
		t.Fatalf("h5_url %v: %v", first["h5_url"], err)
	}
	q := u.Query()
	if q.Get("inviter") != e.alice.GetString("invite_code") || q.Get("scene") != code || q.Get("source") != "link" || u.Fragment != "/p/"+e.teaP.Id {
		t.Fatalf("h5_url %v", first["h5_url"])
	}
	if first["mp_path"] != "pages/index/index?scene="+code || first["invite_code"] != e.alice.GetString("invite_code") {
		t.Fatalf("mp_path %v, invite_code %v", first["mp_path"], first["invite_code"])
	}
	if first["qr_url"] != "/api/shop/share/qr/"+code+".png" || first["poster_url"] != "/api/shop/share/poster/"+code+".png" {
		t.Fatalf("image URLs: %v %v", first["qr_url"], first["poster_url"])
	}
	if _, ok := first["wxacode_url"]; ok {
		t.Fatalf("wxacode_url without a mini-program: %v", first["wxacode_url"])
	}

	// any other channel, product or owner is another link; no channel is "link"
	plain := e.link(e.token, "")
	wechat := e.link(e.token, "product="+e.teaP.Id+"&channel=wechat_group")
	_, bobToken := tests.User(t, e.app, "bob@test.local", nil)
	bobs := e.link(bobToken, "product="+e.teaP.Id+"&channel=moments")
	codes := map[any]bool{code: true, plain["code"]: true, wechat["code"]: true, bobs["code"]: true}
	if len(codes) != 4 || plain["channel"] != sharing.DefaultChannel || plain["product"] != "" {
		t.Fatalf("links not distinct: %v %v %v %v", code, plain, wechat["code"], bobs["code"])
	}
	if n := e.count("share_links"); n != 4 {
		t.Fatalf("%d share_links rows, want 4", n)
	}
	if again := e.link(e.token, ""); again["code"] != plain["code"] {
		t.Fatalf("plain link not reused: %v", again["code"])
	}

	// signed-out callers get no link
	if res := e.c.Do(http.MethodGet, "/api/shop/share/link", nil, ""); res.Status != http.StatusUnauthorized {
		t.Fatalf("anonymous link: %d %s", res.Status, res.Raw)
	}
}

func TestLinkRejectsBadInput(t *testing.T) {
	e := newEnv(t, sharing.Config{})
	off := e.save("products", map[string]any{"title": "下架商品", "status": "off"})

	for _, tc := range []struct {
		query  string
		status int
		code   string
	}{
		{"channel=Moments", 400, "share_channel_invalid"},
		{"channel=" + strings.Repeat("a", 33), 400, "share_channel_invalid"},
		{"channel=a%20b", 400, "share_channel_invalid"},
		{"product=../../etc", 400, "share_product_invalid"},
		{"product=nosuchproduct12", 404, "share_product_not_found"},
		{"product=" + off.Id, 404, "share_product_not_found"},
		{"material=BAD!", 400, "share_material_invalid"},
		{"material=nosuchmaterial1", 404, "share_material_not_found"},
	} {
		res := e.c.Do(http.MethodGet, "/api/shop/share/link?"+tc.query, nil, e.token)
		if res.Status != tc.status || res.Code() != tc.code {
			t.Errorf("%s: %d %s, want %d %s", tc.query, res.Status, res.Raw, tc.status, tc.code)
		}
	}
	if n := e.count("share_links"); n != 0 {
		t.Fatalf("refused requests created %d links", n)
	}
}
