package shop_test

import (
	"reflect"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/hooks/shop"
	"fenxiao/tests"
)

// TestSetFieldAsRecordSet: SetField leaves a record as Record.Set does,
// for every kind of field the shop writes and for a name that is not a
// field.
func TestSetFieldAsRecordSet(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	users, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		t.Fatal(err)
	}
	c := core.NewBaseCollection("sets")
	c.Fields.Add(
		&core.TextField{Name: "code"},
		&core.NumberField{Name: "amount"},
		&core.BoolField{Name: "flag"},
		&core.JSONField{Name: "data"},
		&core.DateField{Name: "at"},
		&core.SelectField{Name: "kind", MaxSelect: 1, Values: []string{"a", "b"}},
		&core.SelectField{Name: "tags", MaxSelect: 3, Values: []string{"a", "b", "c"}},
		&core.RelationField{Name: "user", CollectionId: users.Id, MaxSelect: 1},
		&core.RelationField{Name: "users", CollectionId: users.Id, MaxSelect: 5},
	)
	if err := app.Save(c); err != nil {
		t.Fatal(err)
	}
	at, _ := types.ParseDateTime("2026-12-06 05:00:00.123Z")
	values := map[string]any{
		"code":   123,
		"amount": int64(4567),
		"flag":   1,
		"data":   map[string]string{"k": "v"},
		"at":     at,
		"kind":   "b",
		"tags":   []string{"a", "c", "a"},
		"user":   "u1",
		"users":  "u2",
		"custom": "x",
	}
	want, got := core.NewRecord(c), core.NewRecord(c)
	want.Load(values)
	shop.SetFields(got, values)
	if !reflect.DeepEqual(got.FieldsData(), want.FieldsData()) {
		t.Errorf("fields: got %#v, want %#v", got.FieldsData(), want.FieldsData())
	}
	if got.Get("custom") != want.Get("custom") {
		t.Errorf("custom key: got %v, want %v", got.Get("custom"), want.Get("custom"))
	}
	for name := range values {
		if g, w := got.GetRaw(name), want.GetRaw(name); !reflect.DeepEqual(g, w) {
			t.Errorf("%s: raw %#v (%T), want %#v (%T)", name, g, g, w, w)
		}
	}
}
