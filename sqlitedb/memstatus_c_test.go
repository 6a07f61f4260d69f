//go:build cgo

package sqlitedb

import (
	"path/filepath"
	"testing"
)

func TestMemoryStatisticsOff(t *testing.T) {
	db, err := Connect(filepath.Join(t.TempDir(), "data.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.NewQuery("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('x')").Execute(); err != nil {
		t.Fatal(err)
	}
	var v string
	if err := db.NewQuery("SELECT v FROM t").Row(&v); err != nil || v != "x" {
		t.Fatalf("read back %q, %v", v, err)
	}
	if memoryStatsOn() {
		t.Fatal("SQLite still counts its memory: the init config did not apply")
	}
}
