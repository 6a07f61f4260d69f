package sqlitedb_test

import (
	"testing"

	"github.com/pocketbase/pocketbase/core"
	_ "github.com/pocketbase/pocketbase/migrations"

	"fenxiao/sqlitedb"
)

// TestPocketBaseSchemaChanges runs PocketBase on the caching connections
// through what invalidates prepared statements: a collection's table is
// altered and renamed under statements cached for it.
func TestPocketBaseSchemaChanges(t *testing.T) {
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: t.TempDir(), DBConnect: sqlitedb.Connect})
	if err := app.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	defer app.ResetBootstrapState()

	c := core.NewBaseCollection("notes")
	c.Fields.Add(&core.TextField{Name: "title"})
	if err := app.Save(c); err != nil {
		t.Fatal(err)
	}
	for _, title := range []string{"a", "b"} {
		r := core.NewRecord(c)
		r.Set("title", title)
		if err := app.Save(r); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := app.FindFirstRecordByData("notes", "title", "a"); err != nil {
		t.Fatal(err)
	}

	// a new field, then a rename of the collection (its table)
	c.Fields.Add(&core.NumberField{Name: "rank"})
	if err := app.Save(c); err != nil {
		t.Fatal(err)
	}
	first, err := app.FindFirstRecordByData("notes", "title", "a")
	if err != nil {
		t.Fatal(err)
	}
	first.Set("rank", 7)
	if err := app.Save(first); err != nil {
		t.Fatalf("save with the new field: %v", err)
	}
	again, err := app.FindFirstRecordByData("notes", "title", "a")
	if err != nil || again.GetInt("rank") != 7 {
		t.Fatalf("read back after ALTER: %v %v", again, err)
	}

	c.Name = "memos"
	if err := app.Save(c); err != nil {
		t.Fatal(err)
	}
	if _, err := app.FindFirstRecordByData("notes", "title", "a"); err == nil {
		t.Fatal("the old collection name still answers")
	}
	renamed, err := app.FindFirstRecordByData("memos", "title", "b")
	if err != nil || renamed.GetString("title") != "b" {
		t.Fatalf("read after rename: %v %v", renamed, err)
	}
	if n, err := app.CountRecords("memos"); err != nil || n != 2 {
		t.Fatalf("count after rename: %d %v", n, err)
	}
}
