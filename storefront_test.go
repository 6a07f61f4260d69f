package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/internal/demo"
	"fenxiao/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Main(m) }

// chromiumPath finds Debian's chromium (installed by .ci/run).
func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// renderInChromium loads url in headless Chromium and returns the DOM after
// the page's scripts ran.
func renderInChromium(t *testing.T, url string) string {
	t.Helper()
	bin := chromiumPath()
	if bin == "" {
		t.Skip("chromium not installed (.ci/run installs Debian's chromium)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+t.TempDir(),
		"--virtual-time-budget=10000", "--dump-dom", url,
	).Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	return string(out)
}

// TestStorefrontShowsDemoCatalog serves the real API and pb_public over HTTP
// and checks, in a real browser, that the H5 home page renders the demo shop's
// products from the search API and that a search narrows the list.
func TestStorefrontShowsDemoCatalog(t *testing.T) {
	if chromiumPath() == "" {
		t.Skip("chromium not installed (.ci/run installs Debian's chromium)")
	}
	app, _ := testutil.NewShopApp(t)
	if _, err := demo.Seed(app); err != nil {
		t.Fatalf("seed: %v", err)
	}
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET("/{path...}", apis.Static(os.DirFS("pb_public"), false))
		return se.Next()
	})
	srv := httptest.NewServer(testutil.NewClient(t, app).Handler)
	defer srv.Close()

	if res, err := http.Get(srv.URL + "/app.js"); err != nil || res.StatusCode != 200 {
		t.Fatalf("static files not served: %v", err)
	}

	dom := renderInChromium(t, srv.URL+"/")
	for _, want := range []string{`id="products"`, "安溪铁观音", "不锈钢保温杯", "¥"} {
		if !strings.Contains(dom, want) {
			t.Fatalf("home page lacks %q:\n%s", want, dom)
		}
	}
	// sold-out products are delisted automatically and never shown
	if strings.Contains(dom, "氨基酸洗面奶") {
		t.Fatalf("the sold-out product is on the home page")
	}

	dom = renderInChromium(t, srv.URL+"/#/?q="+"杯")
	if !strings.Contains(dom, "保温杯") || strings.Contains(dom, "铁观音") {
		t.Fatalf("search for 杯 shows the wrong products:\n%s", dom)
	}
}
