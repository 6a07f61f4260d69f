package main

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// packageImports returns, for every package directory under root, the
// fenxiao and third-party import paths of its non-test Go files (tests may
// import whatever they need to build a shop).
func packageImports(t *testing.T, root string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(path))
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			out[dir] = append(out[dir], p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("no Go files under %s", root)
	}
	return out
}

// TestPluginsImportOnlyTheSeam: a plugin talks to the core through
// fenxiao/hooks/shop alone; besides it, it may import internal/ (pure
// logic), its own sub-packages (fakes, fonts) and third parties, never a
// core area (hooks/orders, hooks/wallet, ...) nor another plugin.
func TestPluginsImportOnlyTheSeam(t *testing.T) {
	var bad []string
	for dir, imports := range packageImports(t, "plugins") {
		for _, p := range imports {
			if !pluginMayImport(dir, p) {
				bad = append(bad, dir+" imports "+p)
			}
		}
	}
	sort.Strings(bad)
	for _, b := range bad {
		t.Error(b)
	}
}

// pluginMayImport reports whether the plugin package in dir (e.g.
// plugins/alipay/alipayfake) may import path p.
func pluginMayImport(dir, p string) bool {
	if !strings.HasPrefix(p, "fenxiao/") {
		return true
	}
	own := "fenxiao/" + strings.Join(strings.SplitN(dir, "/", 3)[:2], "/")
	return p == "fenxiao/hooks/shop" || strings.HasPrefix(p, "fenxiao/internal/") ||
		p == own || strings.HasPrefix(p, own+"/")
}

// TestCoreNeverImportsAPlugin: hooks/ works without any plugin; main.go
// composes them.
func TestCoreNeverImportsAPlugin(t *testing.T) {
	for dir, imports := range packageImports(t, "hooks") {
		for _, p := range imports {
			if strings.HasPrefix(p, "fenxiao/plugins/") {
				t.Errorf("%s imports %s", dir, p)
			}
		}
	}
}

// TestInternalIsPure: internal/ holds the pure logic (money, pricing,
// promotions, coupons, commission, the ledger's rules, the rollup's SQL):
// no database framework, no core area, no plugin, so that it is tested with
// tables and reused anywhere.
func TestInternalIsPure(t *testing.T) {
	for dir, imports := range packageImports(t, "internal") {
		for _, p := range imports {
			if !internalMayImport(p) {
				t.Errorf("%s imports %s", dir, p)
			}
		}
	}
}

// internalMayImport reports whether a package under internal/ may import p.
func internalMayImport(p string) bool {
	return !strings.HasPrefix(p, "github.com/pocketbase/") &&
		!strings.HasPrefix(p, "fenxiao/hooks") && !strings.HasPrefix(p, "fenxiao/plugins/")
}

// TestImportRuleSeesViolations keeps the rules above honest: the walk
// finds this repository's imports, and the rule refuses what it must.
func TestImportRuleSeesViolations(t *testing.T) {
	found := false
	for _, p := range packageImports(t, "plugins")["plugins/distribution"] {
		found = found || p == "fenxiao/hooks/shop"
	}
	if !found {
		t.Fatal("plugins/distribution was not seen importing fenxiao/hooks/shop")
	}
	for _, c := range []struct {
		dir, path string
		ok        bool
	}{
		{"plugins/wxshipping", "fenxiao/hooks/shop", true},
		{"plugins/wxshipping", "fenxiao/internal/money", true},
		{"plugins/wxshipping", "github.com/pocketbase/pocketbase/core", true},
		{"plugins/alipay/alipayfake", "fenxiao/plugins/alipay", true},
		{"plugins/sharing", "fenxiao/internal/fonts", true},
		{"plugins/wxshipping", "fenxiao/plugins/wechat", false},
		{"plugins/wechatpay", "fenxiao/plugins/wechat", false},
		{"plugins/offlinepay", "fenxiao/hooks/orders", false},
		{"plugins/distribution", "fenxiao/hooks", false},
		{"plugins/demo", "fenxiao/pb_migrations", false},
	} {
		if got := pluginMayImport(c.dir, c.path); got != c.ok {
			t.Errorf("%s importing %s: allowed %v, want %v", c.dir, c.path, got, c.ok)
		}
	}
	for p, ok := range map[string]bool{
		"fenxiao/internal/money":                true,
		"strings":                               true,
		"github.com/pocketbase/dbx":             false,
		"github.com/pocketbase/pocketbase/core": false,
		"fenxiao/hooks/shop":                    false,
		"fenxiao/plugins/coupon":                false,
	} {
		if internalMayImport(p) != ok {
			t.Errorf("internal/ importing %s: allowed %v, want %v", p, !ok, ok)
		}
	}
}
