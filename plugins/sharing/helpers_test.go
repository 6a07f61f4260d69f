package sharing_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	pbtests "github.com/pocketbase/pocketbase/tests"

	"fenxiao/hooks/shop"
	"fenxiao/plugins/sandboxpay"
	"fenxiao/plugins/sharing"
	"fenxiao/tests"
)

func TestMain(m *testing.M) { tests.Main(m) }

// env is a shop with the sandbox payment method and the sharing plugin,
// one product on the shelf (tea, one SKU of 8800 fen) and a distributor,
// alice, who shares it.
type env struct {
	t     testing.TB
	app   *pbtests.TestApp
	c     *tests.Client
	alice *core.Record
	token string // alice's
	teaP  *core.Record
	tea   *core.Record // the SKU
}

func newEnv(t testing.TB, config sharing.Config) *env {
	t.Helper()
	app, _ := tests.NewShopApp(t)
	sandboxpay.MustRegister(app, sandboxpay.Config{})
	sharing.MustRegister(app, config)
	e := &env{t: t, app: app}
	e.alice, e.token = tests.User(t, app, "alice@test.local", map[string]any{"nickname": "爱丽丝", "is_distributor": true})
	e.teaP = e.save("products", map[string]any{"title": "西湖龙井 明前特级 250g 礼盒装", "status": "on"})
	e.tea = e.save("skus", map[string]any{"product": e.teaP.Id, "price": 8800, "stock": 100, "spec_text": "250g"})
	e.teaP = e.reload("products", e.teaP.Id)
	e.c = tests.NewClient(t, app)
	return e
}

func (e *env) save(collection string, data map[string]any) *core.Record {
	e.t.Helper()
	c, err := e.app.FindCollectionByNameOrId(collection)
	if err != nil {
		e.t.Fatal(err)
	}
	r := core.NewRecord(c)
	r.Load(data)
	if err := e.app.Save(r); err != nil {
		e.t.Fatalf("save %s: %v", collection, err)
	}
	return r
}

func (e *env) reload(collection, id string) *core.Record {
	e.t.Helper()
	r, err := e.app.FindRecordById(collection, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *env) settings(fields map[string]any) {
	e.t.Helper()
	r := e.reload(shop.SettingsCollection, shop.SettingsId)
	r.Load(fields)
	if err := e.app.Save(r); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) count(collection string, where ...dbx.Expression) int64 {
	e.t.Helper()
	n, err := e.app.CountRecords(collection, where...)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// link asks for token's link with the given query and fails the test on
// anything but 200.
func (e *env) link(token, query string) map[string]any {
	e.t.Helper()
	res := e.c.Do(http.MethodGet, "/api/shop/share/link?"+query, nil, token)
	if res.Status != http.StatusOK {
		e.t.Fatalf("link %q: %d %s", query, res.Status, res.Raw)
	}
	return res.Body
}

// raw sends a request with full control of the headers and the client
// address, for routes answering images or counting visitors.
func (e *env) raw(method, url string, body any, headers map[string]string, remoteAddr string) *httptest.ResponseRecorder {
	e.t.Helper()
	var buf bytes.Buffer
	if body != nil {
		if err := json.NewEncoder(&buf).Encode(body); err != nil {
			e.t.Fatal(err)
		}
	}
	req := httptest.NewRequest(method, url, &buf)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	if host, ok := headers["Host"]; ok {
		req.Host = host // net/http reads the host from here, not from Header
	}
	if remoteAddr != "" {
		req.RemoteAddr = remoteAddr
	}
	rec := httptest.NewRecorder()
	e.c.Handler.ServeHTTP(rec, req)
	return rec
}

// image fetches url and decodes it as PNG.
func (e *env) image(url string, headers map[string]string) (image.Image, *httptest.ResponseRecorder) {
	e.t.Helper()
	rec := e.raw(http.MethodGet, url, nil, headers, "")
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "image/png" {
		e.t.Fatalf("GET %s: %d %s %.200s", url, rec.Code, rec.Header().Get("Content-Type"), rec.Body.Bytes())
	}
	img, err := png.Decode(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		e.t.Fatalf("GET %s: not a PNG: %v", url, err)
	}
	return img, rec
}

// errorCode is the shop error code of a JSON error answer, or "".
func errorCode(body []byte) string {
	var res struct {
		Data map[string]struct {
			Code string `json:"code"`
		} `json:"data"`
	}
	_ = json.Unmarshal(body, &res)
	for _, v := range res.Data {
		return v.Code
	}
	return ""
}

// fakeCoder is a MiniProgramCoder speaking for WeChat: it answers a PNG
// (or fails with err) and records its calls.
type fakeCoder struct {
	mu    sync.Mutex
	calls []coderCall
	img   []byte
	err   error
}

type coderCall struct {
	scene, page string
	width       int
}

func (f *fakeCoder) GetUnlimitedQRCode(_ context.Context, scene, page string, width int) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, coderCall{scene, page, width})
	if f.err != nil {
		return nil, f.err
	}
	return f.img, nil
}

func (f *fakeCoder) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}
