package tests

import (
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/audit"
)

// Save creates a record of collection with data through app (hooks and
// validation included), failing the test on error.
func Save(tb testing.TB, app core.App, collection string, data map[string]any) *core.Record {
	tb.Helper()
	c, err := app.FindCollectionByNameOrId(collection)
	if err != nil {
		tb.Fatal(err)
	}
	r := core.NewRecord(c)
	r.Load(data)
	if err := app.Save(r); err != nil {
		tb.Fatalf("save %s: %v", collection, err)
	}
	return r
}

// MustAudit runs every money invariant check on app's database and fails
// the test with the audit's report when one is broken. [NewShopApp] runs it
// at cleanup; call it by hand only to check the invariants mid-test.
func MustAudit(tb testing.TB, app core.App) {
	tb.Helper()
	rep, err := audit.Run(app)
	if err != nil {
		tb.Fatal(err)
	}
	if !rep.OK() {
		tb.Fatalf("audit failed:\n%s", rep)
	}
}
