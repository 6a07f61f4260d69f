package sqlitedb

import (
	"context"
	"database/sql/driver"
	"sync"
	"sync/atomic"
	"time"
)

// CheckpointEvery is how often the WAL is copied back into the database
// file.
const CheckpointEvery = 500 * time.Millisecond

// WalCheckpointPages is the connections' wal_autocheckpoint: the WAL size,
// in pages (4 KiB), past which a commit checkpoints (about 200 MB).
const WalCheckpointPages = 50_000

// checkpointer copies the write-ahead log into the database file from a
// goroutine and a connection of its own, every [CheckpointEvery].
//
// Why: SQLite checkpoints inside the commit that grows the WAL past
// wal_autocheckpoint pages (1,000 by default), so every few dozen orders one
// checkout paid for copying the pages of all of them into the database file,
// and for two fsyncs (synchronous=NORMAL syncs only at checkpoints), while
// every other write waited behind it on the one writer connection. Here a
// PASSIVE checkpoint, which never blocks the writer or a reader, does the
// copying beside the writer, and the connections checkpoint themselves only
// past [WalCheckpointPages] pages: that checkpoint finds most of the WAL
// already copied, and it is the one that lets the WAL start over.
//
// The writer's own checkpoint cannot go (wal_autocheckpoint=0): the WAL
// only starts over when a write begins right after a checkpoint that copied
// everything, and under a steady stream of writes a checkpoint from outside
// has always fallen a few commits behind, so the WAL grew without end (1 GB
// in 20 s of load when tried).
//
// Measured with cmd/loadtest (16 buyers, three levels of uplines, five
// alternating 15 s runs against the same build without it, at 200 ms and
// 10,000 pages): 3–16% more paid orders per second in every pair, p99 of
// all requests 4–16 ms lower.
//
// Why these sizes: the writer's own checkpoint still runs on the writer's
// turn (it copies what the last background checkpoint left, and syncs the
// file twice), and every background checkpoint copies again the pages the
// orders keep changing (the tails of the indexes, the same SKUs and
// wallets). Against 200 ms and 10,000 pages (about 40 MB), measured with
// cmd/loadtest at 16 buyers, alternating runs: the shop's CPU per order,
// over the load tool's (which does the same work for every order), fell
// 8-10% without uplines and 6-8% with three levels in 15 s runs, 0-5% in
// 20 s runs; p99 fell in every pair (20 s: 20-27 ms to 16-20 without
// uplines, 28-37 to 24-25 with three levels). Either change alone gained
// less: 200 ms with 50,000 pages about 4%; 1 s with 10,000 pages nothing
// (the writer then did most of the copying). 1 s with 50,000 pages
// measured as 500 ms does. The cost is disk: under a steady stream of
// orders the WAL file grows to about 200 MB before it starts over (a shop
// with pauses between writes starts it over after each pause, when a
// background checkpoint has copied it all), and a restart after a crash
// reads that much of it back.
type checkpointer struct {
	dsn     string
	pools   int           // open pools of the database (guarded by checkpointersMu)
	done    chan struct{} // closed by stop
	stopped chan struct{} // closed when run has returned
	once    sync.Once
	ran     atomic.Int64 // checkpoints run without an error (for tests)
}

// One checkpointer per database file: PocketBase opens two pools on each
// (one for concurrent reads, one for writes), and one checkpointer is
// enough for both.
var (
	checkpointersMu sync.Mutex
	checkpointers   = map[string]*checkpointer{}
)

// acquireCheckpointer returns the checkpointer of the database at dsn,
// starting it for the first pool; each pool gives it back with release.
func acquireCheckpointer(drv driver.Driver, dsn string) *checkpointer {
	checkpointersMu.Lock()
	defer checkpointersMu.Unlock()
	cp := checkpointers[dsn]
	if cp == nil {
		cp = startCheckpointer(drv, dsn)
		checkpointers[dsn] = cp
	}
	cp.pools++
	return cp
}

// release gives back one pool's share and stops the checkpointer when the
// last pool of its database closes.
func (cp *checkpointer) release() {
	checkpointersMu.Lock()
	cp.pools--
	last := cp.pools == 0
	if last {
		delete(checkpointers, cp.dsn)
	}
	checkpointersMu.Unlock()
	if last {
		cp.stop()
	}
}

// startCheckpointer opens its own connection with drv and dsn; without one
// (the database cannot be opened) it does nothing, and the connections of
// the pool report the error.
func startCheckpointer(drv driver.Driver, dsn string) *checkpointer {
	cp := &checkpointer{dsn: dsn, done: make(chan struct{}), stopped: make(chan struct{})}
	go cp.run(drv, dsn)
	return cp
}

func (cp *checkpointer) run(drv driver.Driver, dsn string) {
	defer close(cp.stopped)
	var conn driver.Conn
	defer func() {
		if conn != nil {
			_ = conn.Close()
		}
	}()
	tick := time.NewTicker(CheckpointEvery)
	defer tick.Stop()
	for {
		select {
		case <-cp.done:
			return
		case <-tick.C:
		}
		if conn == nil {
			c, err := drv.Open(dsn)
			if err != nil {
				continue
			}
			conn = c
		}
		ex, ok := conn.(driver.ExecerContext)
		if !ok {
			return
		}
		// note: SQLITE_BUSY (another checkpoint is running) is fine, the
		// next tick tries again
		if _, err := ex.ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)", nil); err == nil {
			cp.ran.Add(1)
		}
	}
}

// stop ends the goroutine and waits until its connection is closed (so
// that nothing touches the database files after the pool is closed); safe
// to call twice.
func (cp *checkpointer) stop() {
	if cp == nil {
		return
	}
	cp.once.Do(func() { close(cp.done) })
	<-cp.stopped
}
