// Package tests builds real PocketBase test apps with fenxiao's schema.
//
// Each test gets its own copy of a data dir migrated once per test binary,
// so a new app costs a file copy, not a full migration run.
package tests

import (
	"os"
	"sync"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	pbtests "github.com/pocketbase/pocketbase/tests"

	"fenxiao/hooks"
	"fenxiao/hooks/audit"
	"fenxiao/hooks/shop"
	_ "fenxiao/pb_migrations"
	"fenxiao/sqlitedb"
)

var (
	templateOnce sync.Once
	templateDir  string
	templateErr  error
)

// Main runs the package's tests and removes the template data dir afterwards.
// Use it from TestMain: func TestMain(m *testing.M) { tests.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	if templateDir != "" {
		_ = os.RemoveAll(templateDir)
	}
	os.Exit(code)
}

func template() (string, error) {
	templateOnce.Do(func() {
		empty, err := os.MkdirTemp("", "fenxiao_empty_")
		if err != nil {
			templateErr = err
			return
		}
		defer os.RemoveAll(empty)

		app, err := newTestApp(empty)
		if err != nil {
			templateErr = err
			return
		}
		// tests hammer the API from one address; the limiter has tests of its own
		app.Settings().RateLimits.Enabled = false
		if err := app.Save(app.Settings()); err != nil {
			templateErr = err
			return
		}
		templateDir, templateErr = pbtests.TempDirClone(app.DataDir())
		app.Cleanup()
	})
	return templateDir, templateErr
}

// NewApp returns a fresh migrated test app without the shop core registered.
func NewApp(tb testing.TB) *pbtests.TestApp {
	tb.Helper()
	dir, err := template()
	if err != nil {
		tb.Fatalf("test data template: %v", err)
	}
	app, err := newTestApp(dir)
	if err != nil {
		tb.Fatalf("new test app: %v", err)
	}
	return app
}

// newTestApp is pbtests.NewTestApp on a clone of dir with the database
// connection main.go uses.
func newTestApp(dir string) (*pbtests.TestApp, error) {
	return pbtests.NewTestAppWithConfig(core.BaseAppConfig{
		DataDir:       dir,
		EncryptionEnv: "pb_test_env",
		DBConnect:     sqlitedb.Connect,
	})
}

// NewShopApp returns a fresh test app with the shop core registered
// (scheduler off). When the test ends it runs the audit on the app's
// database (every scenario ends with the money invariants holding; a test
// that breaks them on purpose calls [SkipAudit]) and cleans the app up.
func NewShopApp(tb testing.TB, config ...hooks.Config) (*pbtests.TestApp, *shop.Shop) {
	tb.Helper()
	app := NewApp(tb)
	cfg := hooks.Config{}
	if len(config) > 0 {
		cfg = config[0]
	}
	cfg.DisableScheduler = true
	s := hooks.MustRegister(app, cfg)
	tb.Cleanup(func() {
		defer app.Cleanup()
		// note: a test that already failed gets no second report
		if auditSkipped(tb) || tb.Failed() {
			return
		}
		rep, err := audit.Run(app)
		if err != nil {
			tb.Errorf("audit at cleanup: %v", err)
			return
		}
		if !rep.OK() {
			tb.Errorf("audit at cleanup failed:\n%s", rep)
		}
	})
	return app, s
}

var skipAudit sync.Map // testing.TB → true

// SkipAudit turns off the audit that [NewShopApp] runs when tb ends, for
// a test that corrupts the money data on purpose (the audit's own tests).
func SkipAudit(tb testing.TB) {
	skipAudit.Store(tb, true)
}

func auditSkipped(tb testing.TB) bool {
	_, ok := skipAudit.LoadAndDelete(tb)
	return ok
}

// Superuser creates a superuser and returns it with an auth token.
func Superuser(tb testing.TB, app core.App) (*core.Record, string) {
	tb.Helper()
	c, err := app.FindCollectionByNameOrId(core.CollectionNameSuperusers)
	if err != nil {
		tb.Fatal(err)
	}
	su := core.NewRecord(c)
	su.SetEmail("admin@test.local")
	su.SetPassword("1234567890")
	if err := app.Save(su); err != nil {
		tb.Fatal(err)
	}
	token, err := su.NewAuthToken()
	if err != nil {
		tb.Fatal(err)
	}
	return su, token
}

// User creates a users record with an e-mail, password "1234567890" and the
// given extra fields, and returns it with an auth token.
func User(tb testing.TB, app core.App, email string, fields map[string]any) (*core.Record, string) {
	tb.Helper()
	c, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		tb.Fatal(err)
	}
	u := core.NewRecord(c)
	u.SetEmail(email)
	u.SetPassword("1234567890")
	u.Load(fields)
	if err := app.Save(u); err != nil {
		tb.Fatalf("create user %s: %v", email, err)
	}
	token, err := u.NewAuthToken()
	if err != nil {
		tb.Fatal(err)
	}
	return u, token
}
