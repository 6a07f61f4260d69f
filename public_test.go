package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The storefront comes from the binary unless a merchant's folder exists.
func TestPublicFS(t *testing.T) {
	embedded := publicFS(filepath.Join(t.TempDir(), "missing"))
	index, err := fs.ReadFile(embedded, "index.html")
	if err != nil {
		t.Fatalf("embedded index.html: %v", err)
	}
	if !strings.Contains(string(index), "/js/app.js") {
		t.Fatalf("embedded index.html does not load the app:\n%s", index)
	}
	for _, name := range []string{"app.css", "js/app.js", "js/vendor/pocketbase.es.mjs", "js/pages/home.js"} {
		if _, err := fs.Stat(embedded, name); err != nil {
			t.Errorf("embedded %s: %v", name, err)
		}
	}

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte("<p>my shop</p>"), 0o644); err != nil {
		t.Fatal(err)
	}
	custom, err := fs.ReadFile(publicFS(dir), "index.html")
	if err != nil {
		t.Fatal(err)
	}
	if string(custom) != "<p>my shop</p>" {
		t.Fatalf("an existing folder must override the embedded pages, got %q", custom)
	}
}
