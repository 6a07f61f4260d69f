package shop_test

import (
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"fenxiao/tests"
)

// A create inside a transaction writes the row PocketBase writes outside
// one, through the shop's statement (PocketBase's own INSERT, the end of
// the execute chain, never runs), keeps its after-create events and
// reports the database's refusal.
func TestTxInsertsWriteTheSameRow(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	u, _ := tests.User(t, app, "txinsert@test.local", nil)

	// a handler after the shop's: reached only when a save is left to
	// PocketBase's own INSERT
	var reachedEnd, created int
	app.OnRecordCreateExecute("notifications").Bind(&hook.Handler[*core.RecordEvent]{
		Priority: 102,
		Func: func(e *core.RecordEvent) error {
			reachedEnd++
			return e.Next()
		},
	})
	app.OnRecordAfterCreateSuccess("notifications").BindFunc(func(e *core.RecordEvent) error {
		created++
		return e.Next()
	})

	fields := []map[string]any{
		{"user": u.Id, "kind": "order_paid", "title": "订单已支付", "body": "¥12.30", "ref": "o1", "data": map[string]any{"order": "o1", "amount": 1230}},
		{"user": u.Id, "kind": "test", "title": "没有正文"},
		{"user": u.Id, "kind": "test", "title": "第三条", "read": true},
	}
	outside := make([]*core.Record, len(fields))
	for i, f := range fields {
		outside[i] = tests.Save(t, app, "notifications", f)
	}
	if reachedEnd != len(fields) {
		t.Fatalf("outside a transaction %d of %d saves ran PocketBase's INSERT", reachedEnd, len(fields))
	}

	reachedEnd, created = 0, 0
	inside := make([]*core.Record, len(fields))
	err := app.RunInTransaction(func(txApp core.App) error {
		c, err := txApp.FindCachedCollectionByNameOrId("notifications")
		if err != nil {
			return err
		}
		for i, f := range fields {
			r := core.NewRecord(c)
			r.Load(f)
			if err := txApp.Save(r); err != nil {
				return err
			}
			if r.IsNew() {
				t.Errorf("save %d left the record new", i)
			}
			inside[i] = r
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if reachedEnd != 0 {
		t.Fatalf("inside a transaction %d saves ran PocketBase's INSERT, want none", reachedEnd)
	}
	if created != len(fields) {
		t.Fatalf("%d after-create events, want %d", created, len(fields))
	}

	for i := range fields {
		want, err := app.FindRecordById("notifications", outside[i].Id)
		if err != nil {
			t.Fatal(err)
		}
		got, err := app.FindRecordById("notifications", inside[i].Id)
		if err != nil {
			t.Fatalf("row %d written in the transaction: %v", i, err)
		}
		for _, f := range want.Collection().Fields {
			name := f.GetName()
			if name == core.FieldNameId || name == "created" || name == "updated" {
				continue
			}
			if w, g := want.GetString(name), got.GetString(name); w != g {
				t.Errorf("row %d field %s: %q in the transaction, %q outside", i, name, g, w)
			}
		}
		if got.GetDateTime("created").IsZero() || got.GetDateTime("updated").IsZero() {
			t.Errorf("row %d lost its autodates: %v / %v", i, got.Get("created"), got.Get("updated"))
		}
	}

	// the database refuses a second row with the same id: the error
	// reaches the caller and the record stays new
	err = app.RunInTransaction(func(txApp core.App) error {
		c, _ := txApp.FindCachedCollectionByNameOrId("notifications")
		r := core.NewRecord(c)
		r.Id = inside[0].Id
		r.Load(fields[1])
		err := txApp.SaveNoValidate(r)
		if err != nil && !r.IsNew() {
			t.Error("a refused insert marked the record as saved")
		}
		return err
	})
	if err == nil {
		t.Fatal("a duplicate id was written")
	}
}

// The INSERT kept for a table follows its collection: after a field is
// added the new column is written, after one is removed the row is written
// without it.
func TestTxInsertsFollowTheCollection(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	u, _ := tests.User(t, app, "txinsert-fields@test.local", nil)

	insert := func(fields map[string]any) *core.Record {
		t.Helper()
		var r *core.Record
		err := app.RunInTransaction(func(txApp core.App) error {
			c, err := txApp.FindCachedCollectionByNameOrId("notifications")
			if err != nil {
				return err
			}
			r = core.NewRecord(c)
			r.Load(fields)
			return txApp.SaveNoValidate(r)
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := app.FindRecordById("notifications", r.Id)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}

	// the statement is built and kept
	insert(map[string]any{"user": u.Id, "kind": "test", "title": "第一条"})

	c, err := app.FindCollectionByNameOrId("notifications")
	if err != nil {
		t.Fatal(err)
	}
	c.Fields.Add(&core.TextField{Name: "extra_note"})
	if err := app.Save(c); err != nil {
		t.Fatal(err)
	}
	got := insert(map[string]any{"user": u.Id, "kind": "test", "title": "第二条", "extra_note": "新字段"})
	if got.GetString("extra_note") != "新字段" || got.GetString("title") != "第二条" {
		t.Fatalf("after a field was added: extra_note %q, title %q", got.GetString("extra_note"), got.GetString("title"))
	}

	c, err = app.FindCollectionByNameOrId("notifications")
	if err != nil {
		t.Fatal(err)
	}
	c.Fields.RemoveByName("extra_note")
	if err := app.Save(c); err != nil {
		t.Fatal(err)
	}
	got = insert(map[string]any{"user": u.Id, "kind": "test", "title": "第三条"})
	if got.GetString("title") != "第三条" || got.GetString("user") != u.Id {
		t.Fatalf("after a field was removed: title %q, user %q", got.GetString("title"), got.GetString("user"))
	}
}
