package apidoc_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// sourceCodes finds the error codes the shop answers: the second argument
// of shop.Fail and shop.FieldFail calls in the core and the plugins, whether
// the field is a literal or a variable.
var sourceCodes = regexp.MustCompile(`(?:\bFail\(\s*(?:http\.\w+|\d+)|\bFieldFail\(\s*(?:"[\w.]+"|\w+))\s*,\s*"(\w+)"\s*[,)]`)

// statusCodes finds the codes the error shape middleware gives PocketBase's
// own errors (the statusCodes table of hooks/shop/errors.go), which every
// route can answer.
var statusCodes = regexp.MustCompile(`(?m)^\s*http\.Status\w+:\s*\{"(\w+)",`)

// builtCodes finds the codes made without shop.Fail: a shop.Error written
// out (a checkout's payment.error), and the product search's integer
// parameters, whose code is "invalid_" and the parameter's name.
var builtCodes = regexp.MustCompile(`\bshop\.Error\{Code:\s*"(\w+)"|\bintParam\([^,]+,\s*"(\w+)"`)

// readmeCodes finds the rows of the README's error code table.
var readmeCodes = regexp.MustCompile("(?m)^\\| `(\\w+)` \\| ")

// TestReadmeListsEveryErrorCode fails naming each code found in the source
// but missing from the README's error code table, and each row of the table
// no source answers any more.
func TestReadmeListsEveryErrorCode(t *testing.T) {
	root := "../.."
	found := map[string]string{}
	for _, dir := range []string{"hooks", "plugins"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") ||
				strings.Contains(path, "fake") {
				return err
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range sourceCodes.FindAllStringSubmatch(string(src), -1) {
				found[m[1]] = path
			}
			for _, m := range statusCodes.FindAllStringSubmatch(string(src), -1) {
				found[m[1]] = path
			}
			for _, m := range builtCodes.FindAllStringSubmatch(string(src), -1) {
				if m[1] != "" {
					found[m[1]] = path
				} else {
					found["invalid_"+m[2]] = path
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(found) < 100 {
		t.Fatalf("only %d codes found in the source: the pattern is broken", len(found))
	}

	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	// the table is the section "### Error codes" up to the next heading
	_, table, ok := strings.Cut(string(readme), "### Error codes")
	if !ok {
		t.Fatal(`README.md has no "### Error codes" section`)
	}
	if i := strings.Index(table, "\n#"); i >= 0 {
		table = table[:i]
	}
	matches := readmeCodes.FindAllStringSubmatch(table, -1)
	listed := make([]string, 0, len(matches))
	for _, m := range matches {
		listed = append(listed, m[1])
	}
	for code, path := range found {
		if !slices.Contains(listed, code) {
			t.Errorf("error code %q (%s) is missing from the README's error code table", code, path)
		}
	}
	for _, code := range listed {
		if _, ok := found[code]; !ok {
			t.Errorf("the README's error code table lists %q, which no source answers", code)
		}
	}
}
