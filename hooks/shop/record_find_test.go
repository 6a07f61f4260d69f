package shop_test

import (
	"database/sql"
	"errors"
	"reflect"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/hooks/shop"
	"fenxiao/tests"
)

// TestFindTxRecordAsPocketBase: FindRecordById gives the record
// PocketBase's FindRecordById gives, outside a transaction and in one (its
// own uncommitted row). In a transaction, FindTxRecord gives the
// record FindFirstRecordByData gives, field by field (JSON, dates, lists,
// booleans, numbers, NULLs), loaded (not new), and sql.ErrNoRows for no
// row; it reads the transaction's own uncommitted rows.
func TestFindTxRecordAsPocketBase(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	c := core.NewBaseCollection("finds")
	c.Fields.Add(
		&core.TextField{Name: "code"},
		&core.NumberField{Name: "amount"},
		&core.BoolField{Name: "flag"},
		&core.JSONField{Name: "data"},
		&core.DateField{Name: "at"},
		&core.SelectField{Name: "tags", MaxSelect: 3, Values: []string{"a", "b", "c"}},
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
	if err := app.Save(c); err != nil {
		t.Fatal(err)
	}
	at, _ := types.ParseDateTime("2026-12-06 05:00:00.123Z")
	saved := core.NewRecord(c)
	saved.Set("code", "N1")
	saved.Set("amount", 1234)
	saved.Set("flag", true)
	saved.Set("data", map[string]any{"k": []any{1.0, "two"}})
	saved.Set("at", at)
	saved.Set("tags", []string{"a", "c"})
	if err := app.Save(saved); err != nil {
		t.Fatal(err)
	}
	// a row whose JSON column is NULL, as a column added later leaves it
	if _, err := app.DB().NewQuery("INSERT INTO finds (id, code, amount, flag, data, at, tags, created, updated) " +
		"VALUES ('nullrow00000001', 'N2', 0, 0, NULL, '', '[]', '', '')").Execute(); err != nil {
		t.Fatal(err)
	}

	// outside a transaction: FindRecordById as PocketBase's
	for _, id := range []string{saved.Id, "nullrow00000001"} {
		want, err := app.FindRecordById("finds", id)
		if err != nil {
			t.Fatal(err)
		}
		got, err := shop.FindRecordById(app, "finds", id)
		if err != nil {
			t.Fatal(err)
		}
		if got.IsNew() {
			t.Errorf("%s: the record found by id is marked new", id)
		}
		if got.Id != want.Id || !reflect.DeepEqual(got.FieldsData(), want.FieldsData()) {
			t.Errorf("%s by id: got %#v, want %#v", id, got.FieldsData(), want.FieldsData())
		}
	}
	if _, err := shop.FindRecordById(app, "finds", "none"); !errors.Is(err, sql.ErrNoRows) {
		t.Errorf("no row by id: err %v, want sql.ErrNoRows", err)
	}
	var all []*core.Record
	if err := app.RecordQuery("finds").AndWhere(dbx.NewExp("[[amount]] >= 0")).All(&all); err != nil {
		t.Fatal(err)
	}
	list, err := shop.FindRecords(app, "finds", "`amount` >= ?", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || len(all) != 2 {
		t.Fatalf("FindRecords: %d records, RecordQuery %d, want 2", len(list), len(all))
	}
	shop.SortByCreated(list, false)
	shop.SortByCreated(all, false)
	for i := range list {
		if list[i].Id != all[i].Id || !reflect.DeepEqual(list[i].FieldsData(), all[i].FieldsData()) {
			t.Errorf("FindRecords %d: got %#v, want %#v", i, list[i].FieldsData(), all[i].FieldsData())
		}
	}
	if got, err := shop.FindRecord(app, "finds", "`code` = ? AND `flag` = ?", "N1", true); err != nil || got.Id != saved.Id {
		t.Errorf("FindRecord with two terms: %v, %v", got, err)
	}
	var codes []string
	err = shop.ScanRows(app, func(scan func(...any) error) error {
		var code string
		var amount int64
		err := scan(&code, &amount)
		codes = append(codes, code)
		return err
	}, "SELECT `code`, `amount` FROM `finds` WHERE `amount` >= ? ORDER BY `code`", 0)
	if err != nil || len(codes) != 2 || codes[0] != "N1" || codes[1] != "N2" {
		t.Errorf("ScanRows: %v, %v", codes, err)
	}
	// a NULL into a string is refused, and the error comes back
	err = shop.ScanRows(app, func(scan func(...any) error) error {
		var data string
		return scan(&data)
	}, "SELECT `data` FROM `finds` WHERE `code` = ?", "N2")
	if err == nil {
		t.Error("ScanRows: a failed scan gave no error")
	}
	if _, err := shop.FindRecordById(app, "nosuchcollection", saved.Id); err == nil {
		t.Error("an unknown collection gave no error")
	}

	err = app.RunInTransaction(func(txApp core.App) error {
		for _, code := range []string{"N1", "N2"} {
			want, err := txApp.FindFirstRecordByData("finds", "code", code)
			if err != nil {
				return err
			}
			got, err := shop.FindTxRecord(txApp, "finds", "code", code)
			if err != nil {
				return err
			}
			if got.IsNew() {
				t.Errorf("%s: the record found is marked new", code)
			}
			if got.Id != want.Id || !reflect.DeepEqual(got.FieldsData(), want.FieldsData()) {
				t.Errorf("%s: got %#v, want %#v", code, got.FieldsData(), want.FieldsData())
			}
		}
		if _, err := shop.FindTxRecord(txApp, "finds", "code", "none"); !errors.Is(err, sql.ErrNoRows) {
			t.Errorf("no row: err %v, want sql.ErrNoRows", err)
		}
		fresh := core.NewRecord(c)
		fresh.Set("code", "N3")
		if err := txApp.Save(fresh); err != nil {
			return err
		}
		got, err := shop.FindTxRecord(txApp, "finds", "code", "N3")
		if err != nil {
			t.Errorf("the transaction's own row: %v", err)
		} else if got.Id != fresh.Id {
			t.Errorf("the transaction's own row: id %s, want %s", got.Id, fresh.Id)
		}
		if got, err := shop.FindRecordById(txApp, "finds", fresh.Id); err != nil {
			t.Errorf("the transaction's own row by id: %v", err)
		} else if got.GetString("code") != "N3" {
			t.Errorf("the transaction's own row by id: code %q", got.GetString("code"))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestPlaceholders(t *testing.T) {
	for n, want := range map[int]string{0: "NULL", 1: "?", 3: "?, ?, ?"} {
		if got := shop.Placeholders(n); got != want {
			t.Errorf("Placeholders(%d) = %q, want %q", n, got, want)
		}
	}
}
