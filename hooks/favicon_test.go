package hooks_test

import (
	"bytes"
	"testing"

	"fenxiao/tests"
)

func TestFaviconIsServed(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	res := tests.NewClient(t, app).Do("GET", "/favicon.ico", nil, "")
	// an ICO file starts with reserved 0, type 1 (icon)
	if res.Status != 200 || !bytes.HasPrefix(res.Raw, []byte{0, 0, 1, 0}) {
		t.Fatalf("favicon: %d, %d bytes", res.Status, len(res.Raw))
	}
}
