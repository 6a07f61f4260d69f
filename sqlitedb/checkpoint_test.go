package sqlitedb

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
)

// The WAL stays bounded under a steady stream of writes: the checkpointer
// works beside the writer, but the writer's own checkpoint (and with it the
// restart of the WAL) must stay, or the file grows with every commit.
//
// The bound is loose on purpose: while the checkpointer copies, the writer's
// own checkpoint finds the checkpoint lock taken and is skipped, so the WAL
// passes the checkpoint size by whatever is written during one background
// checkpoint (1.6–1.7 times the size was seen now and then on a 2-core
// machine). Without the writer's checkpoint the WAL holds all five sizes
// written here.
//
// The test writes through one connection whose checkpoint size it lowers
// to 2,000 pages: the same mechanism, without writing five times the
// shop's 200 MB.
func TestWalStaysBoundedUnderWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.db")
	db, err := Connect(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.DB().SetMaxOpenConns(1)
	const checkpointPages = 2_000
	if _, err := db.NewQuery("PRAGMA wal_autocheckpoint = " + strconv.Itoa(checkpointPages)).Execute(); err != nil {
		t.Fatal(err)
	}
	if _, err := db.NewQuery("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)").Execute(); err != nil {
		t.Fatal(err)
	}
	const pageSize = 4096
	limit := int64(checkpointPages * pageSize)
	body := strings.Repeat("x", 15*pageSize)
	const written = 5 // checkpoint sizes through the WAL, one commit a row
	for i := range int(written * limit / int64(len(body))) {
		if _, err := db.NewQuery("INSERT INTO t (body) VALUES ({:b})").Bind(dbx.Params{"b": body}).Execute(); err != nil {
			t.Fatalf("insert %d: %v", i, err)
		}
		if i%50 == 49 {
			if _, err := db.NewQuery("DELETE FROM t").Execute(); err != nil {
				t.Fatal(err)
			}
		}
	}
	st, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	// the WAL starts over once it passes the checkpoint size; what is
	// written after that reuses the file from its start
	if st.Size() > limit*5/2 {
		t.Fatalf("the WAL is %d bytes after %d bytes of writes, want it to start over near %d", st.Size(), written*limit, limit)
	}
}

// The pools of one database share one checkpointer, and closing the last
// of them stops it and closes its connection before Close returns: nothing
// touches the files afterwards.
func TestPoolsShareOneCheckpointer(t *testing.T) {
	drv, dsn, err := engine(filepath.Join(t.TempDir(), "data.db"))
	if err != nil {
		t.Fatal(err)
	}
	a := &connector{checkpoints: acquireCheckpointer(drv, dsn)}
	b := &connector{checkpoints: acquireCheckpointer(drv, dsn)}
	if a.checkpoints != b.checkpoints {
		t.Fatal("two pools of one database started two checkpointers")
	}
	cp := a.checkpoints
	_ = a.Close()
	_ = a.Close() // twice counts once
	select {
	case <-cp.stopped:
		t.Fatal("the checkpointer stopped while a pool of its database was open")
	default:
	}
	_ = b.Close()
	select {
	case <-cp.stopped:
	default:
		t.Fatal("Close of the last pool returned before the checkpointer stopped")
	}
	if c := acquireCheckpointer(drv, dsn); c == cp {
		t.Fatal("a stopped checkpointer was handed out again")
	} else {
		c.release()
	}
}

// The checkpointer runs on its own connection, on both engines.
func TestCheckpointerRuns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.db")
	db, err := Connect(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.NewQuery("CREATE TABLE t (id INTEGER PRIMARY KEY)").Execute(); err != nil {
		t.Fatal(err)
	}
	drv, dsn, err := engine(path)
	if err != nil {
		t.Fatal(err)
	}
	cp := startCheckpointer(drv, dsn)
	defer cp.stop()
	deadline := time.Now().Add(5 * time.Second)
	for cp.ran.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no checkpoint ran in 5 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
