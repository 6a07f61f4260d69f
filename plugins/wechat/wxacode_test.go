package wechat_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"fenxiao/plugins/wechat"
)

// fakeCodes fakes /cgi-bin/token and /wxa/getwxacodeunlimit like WeChat:
// a token is issued for the right appid and secret, getwxacodeunlimit
// answers a PNG for a known token and a JSON errcode (with status 200,
// as WeChat does) otherwise. revoke makes the current token invalid.
type fakeCodes struct {
	srv         *httptest.Server
	tokenCalls  atomic.Int32
	codeCalls   atomic.Int32
	tokenSeq    atomic.Int32
	validToken  atomic.Value // string
	lastBody    atomic.Value // map[string]any
	failWith    atomic.Value // string: a JSON body answered instead of the image
	secret      string
	expiresIn   int
	pngResponse []byte
}

func newFakeCodes(t *testing.T, appID, secret string) *fakeCodes {
	f := &fakeCodes{secret: secret, expiresIn: 7200, pngResponse: tinyPNG(t)}
	f.failWith.Store("")
	f.validToken.Store("")
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/cgi-bin/token":
			f.tokenCalls.Add(1)
			q := r.URL.Query()
			w.Header().Set("Content-Type", "application/json")
			if r.Method != http.MethodGet || q.Get("grant_type") != "client_credential" || q.Get("appid") != appID || q.Get("secret") != f.secret {
				w.Write([]byte(`{"errcode":40125,"errmsg":"invalid appsecret"}`))
				return
			}
			token := fmt.Sprintf("TOKEN-%c", 'A'+f.tokenSeq.Add(1)-1)
			f.validToken.Store(token)
			json.NewEncoder(w).Encode(map[string]any{"access_token": token, "expires_in": f.expiresIn})
		case "/wxa/getwxacodeunlimit":
			f.codeCalls.Add(1)
			var body map[string]any
			if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&body) != nil {
				w.Write([]byte(`{"errcode":47001,"errmsg":"data format error"}`))
				return
			}
			f.lastBody.Store(body)
			w.Header().Set("Content-Type", "application/json; encoding=utf-8")
			if tok := r.URL.Query().Get("access_token"); tok == "" || tok != f.validToken.Load().(string) {
				w.Write([]byte(`{"errcode":40001,"errmsg":"invalid credential, access_token is invalid or not latest"}`))
				return
			}
			if fail := f.failWith.Load().(string); fail != "" {
				w.Write([]byte(fail))
				return
			}
			w.Header().Set("Content-Type", "image/png")
			w.Write(f.pngResponse)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func tinyPNG(t *testing.T) []byte {
	img := image.NewGray(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.White)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestGetUnlimitedQRCode(t *testing.T) {
	f := newFakeCodes(t, "wx-app", "wx-secret")
	c, err := wechat.NewClient(wechat.Config{AppID: "wx-app", Secret: "wx-secret", BaseURL: f.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	img, err := c.GetUnlimitedQRCode(ctx, "Ab3dEf7H", "/pages/index/index", 430)
	if err != nil {
		t.Fatalf("first code: %v", err)
	}
	if _, err := png.Decode(bytes.NewReader(img)); err != nil || !bytes.Equal(img, f.pngResponse) {
		t.Fatalf("image not passed through: %v (%d bytes)", err, len(img))
	}
	body := f.lastBody.Load().(map[string]any)
	if body["scene"] != "Ab3dEf7H" || body["page"] != "pages/index/index" || body["width"] != float64(430) || body["check_path"] != false {
		t.Fatalf("request body: %v", body)
	}

	// the token is cached: a second code costs no token call
	if _, err := c.GetUnlimitedQRCode(ctx, "second01", "pages/index/index", 280); err != nil {
		t.Fatal(err)
	}
	if n := f.tokenCalls.Load(); n != 1 {
		t.Fatalf("token fetched %d times, want 1", n)
	}

	// WeChat voids the token (e.g. another server fetched one): refreshed
	// and retried once, transparently
	f.validToken.Store("revoked")
	if _, err := c.GetUnlimitedQRCode(ctx, "third001", "pages/index/index", 430); err != nil {
		t.Fatalf("after revocation: %v", err)
	}
	if f.tokenCalls.Load() != 2 || f.codeCalls.Load() != 4 {
		t.Fatalf("token calls %d, code calls %d; want 2 and 4", f.tokenCalls.Load(), f.codeCalls.Load())
	}
}

func TestGetUnlimitedQRCodeErrors(t *testing.T) {
	f := newFakeCodes(t, "wx-app", "wx-secret")
	c, _ := wechat.NewClient(wechat.Config{AppID: "wx-app", Secret: "wx-secret", BaseURL: f.srv.URL})
	ctx := context.Background()

	// a JSON error body is an error naming WeChat's code, never an image
	f.failWith.Store(`{"errcode":41030,"errmsg":"invalid page rid: 123"}`)
	img, err := c.GetUnlimitedQRCode(ctx, "Ab3dEf7H", "pages/nope", 430)
	if err == nil || img != nil || !strings.Contains(err.Error(), "41030") {
		t.Fatalf("error body: %v, %d bytes", err, len(img))
	}

	// scenes WeChat refuses are caught before any call
	calls := f.codeCalls.Load()
	for _, scene := range []string{"", strings.Repeat("a", 33), "有中文", "with space"} {
		if _, err := c.GetUnlimitedQRCode(ctx, scene, "pages/index/index", 430); !errors.Is(err, wechat.ErrInvalidScene) {
			t.Fatalf("scene %q: %v", scene, err)
		}
	}
	if _, err := c.GetUnlimitedQRCode(ctx, "ok", "pages/index/index", 2000); err == nil {
		t.Fatal("width 2000 accepted")
	}
	if f.codeCalls.Load() != calls {
		t.Fatal("invalid input reached WeChat")
	}

	// a wrong secret fails at the token and says so, without the secret
	bad, _ := wechat.NewClient(wechat.Config{AppID: "wx-app", Secret: "s3cr3t-wrong", BaseURL: f.srv.URL})
	_, err = bad.GetUnlimitedQRCode(ctx, "Ab3dEf7H", "pages/index/index", 430)
	if err == nil || !strings.Contains(err.Error(), "40125") || strings.Contains(err.Error(), "s3cr3t") {
		t.Fatalf("wrong secret: %v", err)
	}

	// an unreachable WeChat: the transport error does not carry the secret
	f.srv.Close()
	_, err = bad.GetUnlimitedQRCode(ctx, "Ab3dEf7H", "pages/index/index", 430)
	if err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Fatalf("outage: %v", err)
	}
}
