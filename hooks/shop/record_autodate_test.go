package shop_test

import (
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/hooks/shop"
	"fenxiao/tests"
)

func autodateCollection(t *testing.T, app core.App) *core.Collection {
	t.Helper()
	c := core.NewBaseCollection("stamps")
	c.Fields.Add(
		&core.TextField{Name: "code"},
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
	if err := app.Save(c); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestPrimeAutodatesKey: PocketBase's autodate interceptor reads the key
// NewRecord and RecordFromRow set. A loaded record whose updated is set by
// hand is kept as set; with the key naming that same value it is stamped
// anew, which only happens when PocketBase reads the key.
func TestPrimeAutodatesKey(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	c := autodateCollection(t, app)
	r := core.NewRecord(c)
	r.Set("code", "A")
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
	past, _ := types.ParseDateTime("2020-01-02 03:04:05.000Z")

	manual, err := app.FindRecordById(c, r.Id)
	if err != nil {
		t.Fatal(err)
	}
	manual.SetRaw("updated", past)
	if err := app.Save(manual); err != nil {
		t.Fatal(err)
	}
	if got := manual.GetDateTime("updated"); !got.Equal(past) {
		t.Fatalf("a hand-set updated became %v; PocketBase keeps it", got)
	}

	keyed, err := app.FindRecordById(c, r.Id)
	if err != nil {
		t.Fatal(err)
	}
	keyed.SetRaw("updated", past)
	keyed.SetRaw("@pbInternal_last_autodate_updated", past)
	if err := app.Save(keyed); err != nil {
		t.Fatal(err)
	}
	if got := keyed.GetDateTime("updated"); got.Equal(past) {
		t.Fatal("the autodate interceptor ignored @pbInternal_last_autodate_updated: PocketBase renamed its key, update autodateLastKnown")
	}
}

// TestNewRecordStampsAtSave: shop.NewRecord's created and updated are the
// time of the save, not of the call; a created set by hand is kept, as
// with core.NewRecord; and the save copies the record less (it allocates
// less than the same save of a core.NewRecord).
func TestNewRecordStampsAtSave(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	c := autodateCollection(t, app)

	r := shop.NewRecord(c)
	r.Set("code", "B")
	time.Sleep(20 * time.Millisecond)
	before := time.Now().Add(-time.Millisecond)
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"created", "updated"} {
		stored, err := app.FindRecordById(c, r.Id)
		if err != nil {
			t.Fatal(err)
		}
		if got := stored.GetDateTime(name).Time(); got.Before(before) || got.After(time.Now()) {
			t.Errorf("%s = %v, want the save's time (after %v)", name, got, before)
		}
	}

	past, _ := types.ParseDateTime("2020-01-02 03:04:05.000Z")
	for _, make := range []func(*core.Collection) *core.Record{core.NewRecord, shop.NewRecord} {
		h := make(c)
		h.SetRaw("created", past)
		if err := app.Save(h); err != nil {
			t.Fatal(err)
		}
		stored, err := app.FindRecordById(c, h.Id)
		if err != nil {
			t.Fatal(err)
		}
		if !stored.GetDateTime("created").Equal(past) {
			t.Errorf("a hand-set created became %v", stored.GetDateTime("created"))
		}
	}

	save := func(make func(*core.Collection) *core.Record) float64 {
		return testing.AllocsPerRun(50, func() {
			if err := app.Save(make(c)); err != nil {
				t.Fatal(err)
			}
		})
	}
	plain, primed := save(core.NewRecord), save(shop.NewRecord)
	if primed >= plain {
		t.Errorf("a save of shop.NewRecord allocates %.0f times, of core.NewRecord %.0f: the record is still copied", primed, plain)
	}
}

// TestRecordFromRowStampsUpdate: a record read with FindTxRecord (so made
// by RecordFromRow) and saved gets a new updated and keeps created, and a
// hand-set updated is kept.
func TestRecordFromRowStampsUpdate(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	c := autodateCollection(t, app)
	r := core.NewRecord(c)
	r.Set("code", "C")
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
	stored, err := app.FindRecordById(c, r.Id)
	if err != nil {
		t.Fatal(err)
	}
	created, updated := stored.GetDateTime("created"), stored.GetDateTime("updated")
	time.Sleep(20 * time.Millisecond)
	past, _ := types.ParseDateTime("2020-01-02 03:04:05.000Z")
	err = app.RunInTransaction(func(txApp core.App) error {
		got, err := shop.FindTxRecord(txApp, "stamps", "code", "C")
		if err != nil {
			return err
		}
		// the value the interceptor would copy the record to find
		for _, name := range []string{"created", "updated"} {
			if v, _ := got.GetRaw("@pbInternal_last_autodate_" + name).(types.DateTime); !v.Equal(stored.GetDateTime(name)) {
				t.Errorf("the loaded record's last known %s is %v, want %v", name, v, stored.GetDateTime(name))
			}
		}
		got.Set("code", "C2")
		if err := txApp.Save(got); err != nil {
			return err
		}
		if !got.GetDateTime("created").Equal(created) {
			t.Errorf("created changed from %v to %v", created, got.GetDateTime("created"))
		}
		if !got.GetDateTime("updated").After(updated) {
			t.Errorf("updated %v, want after %v", got.GetDateTime("updated"), updated)
		}
		again, err := shop.FindTxRecord(txApp, "stamps", "code", "C2")
		if err != nil {
			return err
		}
		again.SetRaw("updated", past)
		if err := txApp.Save(again); err != nil {
			return err
		}
		if !again.GetDateTime("updated").Equal(past) {
			t.Errorf("a hand-set updated became %v", again.GetDateTime("updated"))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
