package hooks_test

import (
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks"
	"fenxiao/tests"
)

func TestFirstSuperuserFromConfig(t *testing.T) {
	first := hooks.FirstSuperuser{Email: "owner@shop.test", Password: "long-enough-secret"}

	// an empty shop gets the superuser when the server starts
	app, _ := tests.NewShopApp(t, hooks.Config{FirstSuperuser: first})
	tests.NewClient(t, app)
	su, err := app.FindAuthRecordByEmail(core.CollectionNameSuperusers, first.Email)
	if err != nil || !su.ValidatePassword(first.Password) {
		t.Fatalf("first superuser not created: %v", err)
	}
	// PocketBase's installer account is not created beside it
	if n, _ := app.CountRecords(core.CollectionNameSuperusers); n != 1 {
		t.Fatalf("%d superusers, want 1", n)
	}

	// a shop that already has a superuser is left alone
	app2, _ := tests.NewShopApp(t, hooks.Config{FirstSuperuser: first})
	tests.Superuser(t, app2)
	tests.NewClient(t, app2)
	if _, err := app2.FindAuthRecordByEmail(core.CollectionNameSuperusers, first.Email); err == nil {
		t.Fatal("a superuser was added to a shop that had one")
	}

	// a password PocketBase refuses stops the server with the reason
	app3, _ := tests.NewShopApp(t, hooks.Config{FirstSuperuser: hooks.FirstSuperuser{Email: "owner@shop.test", Password: "short"}})
	r, err := apis.NewRouter(app3)
	if err != nil {
		t.Fatal(err)
	}
	err = app3.OnServe().Trigger(&core.ServeEvent{App: app3, Router: r}, func(e *core.ServeEvent) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "FENXIAO_ADMIN_PASSWORD") {
		t.Fatalf("a too short password: serve error %v", err)
	}
}
