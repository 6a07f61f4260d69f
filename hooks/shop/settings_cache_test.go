package shop_test

import (
	"errors"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/tests"
)

// TestSettingsCacheFollowsSaves: the cached settings never outlive a save,
// a transaction sees its own uncommitted change, and a rolled back change
// is never served.
func TestSettingsCacheFollowsSaves(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	frozenDays := func(a core.App) int {
		t.Helper()
		s, err := shop.LoadSettings(a)
		if err != nil {
			t.Fatal(err)
		}
		return s.FrozenDays
	}

	before := frozenDays(app) // fills the cache
	if err := setFrozenDays(app, before+3); err != nil {
		t.Fatal(err)
	}
	if got := frozenDays(app); got != before+3 {
		t.Fatalf("after a save: frozen_days = %d, want %d", got, before+3)
	}

	// a transaction reads its own change; a rollback leaves the old value
	frozenDays(app)
	err := app.RunInTransaction(func(txApp core.App) error {
		if err := setFrozenDays(txApp, 30); err != nil {
			return err
		}
		if got := frozenDays(txApp); got != 30 {
			t.Errorf("inside the transaction: frozen_days = %d, want 30", got)
		}
		return errors.New("rollback")
	})
	if err == nil {
		t.Fatal("the transaction did not roll back")
	}
	if got := frozenDays(app); got != before+3 {
		t.Fatalf("after a rollback: frozen_days = %d, want %d", got, before+3)
	}

	// a value changed through the returned record never leaks into the cache
	s, err := shop.LoadSettings(app)
	if err != nil {
		t.Fatal(err)
	}
	s.Record.Set("frozen_days", 99)
	if got := frozenDays(app); got != before+3 {
		t.Fatalf("a caller's edit reached the cache: frozen_days = %d", got)
	}
}

// TestReadSettingsSharesOneCopyUntilASave: readers share the cached
// settings, a save (committed or rolled back) replaces them, and a
// transaction that changed them reads its own change.
func TestReadSettingsSharesOneCopyUntilASave(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	read := func(a core.App) *shop.Settings {
		t.Helper()
		s, err := shop.ReadSettings(a)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	first := read(app)
	// the first read fills the cache; from then on readers share it
	second, third := read(app), read(app)
	if second != third {
		t.Fatal("two reads of the cached settings returned different copies")
	}
	if err := setFrozenDays(app, first.FrozenDays+5); err != nil {
		t.Fatal(err)
	}
	if got := read(app).FrozenDays; got != first.FrozenDays+5 {
		t.Fatalf("after a save: frozen_days = %d, want %d", got, first.FrozenDays+5)
	}
	if read(app) == second {
		t.Fatal("the copy from before the save is still served")
	}
	errStop := errors.New("stop")
	err := app.RunInTransaction(func(txApp core.App) error {
		if err := setFrozenDays(txApp, 77); err != nil {
			return err
		}
		if got := read(txApp).FrozenDays; got != 77 {
			t.Fatalf("inside the transaction: frozen_days = %d, want 77", got)
		}
		return errStop
	})
	if !errors.Is(err, errStop) {
		t.Fatal(err)
	}
	if got := read(app).FrozenDays; got != first.FrozenDays+5 {
		t.Fatalf("after a rollback: frozen_days = %d, want %d", got, first.FrozenDays+5)
	}
}

// setFrozenDays saves the settings' frozen_days through a.
func setFrozenDays(a core.App, days int) error {
	r, err := a.FindRecordById(shop.SettingsCollection, shop.SettingsId)
	if err != nil {
		return err
	}
	r.Set("frozen_days", days)
	return a.Save(r)
}
