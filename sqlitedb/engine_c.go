//go:build cgo

package sqlitedb

import (
	"database/sql/driver"
	"strconv"

	"github.com/mattn/go-sqlite3"
)

const engineName = "SQLite (C, mattn/go-sqlite3)"

// CLibrary reports whether this build runs SQLite's C library (true) or
// the pure-Go translation; batch sizes tuned for one are slow on the other.
const CLibrary = true

// cacheExec is false: this driver's Exec leaves a statement that returned
// a row (UPDATE … RETURNING run as Exec) unreset, which would keep its
// implicit transaction open on a cached statement. Only plain writes
// (see plainWrite), which run to their end, and queries (reset when their
// rows close) are cached: preparing every INSERT and UPDATE anew was about
// a tenth of the shop's CPU on a payment.
const cacheExec = false

// cDriver opens connections with PocketBase's pragmas (the DSN of this
// driver has no pragma syntax), the page cache aside ([CacheKiB]).
// busy_timeout comes first so that a connection waits, not fails, while
// another switches the file to WAL. The last one is the checkpoint size of
// [checkpointer].
var cDriver = &sqlite3.SQLiteDriver{
	ConnectHook: func(c *sqlite3.SQLiteConn) error {
		_, err := c.Exec(`PRAGMA busy_timeout = 10000;
			PRAGMA journal_mode = WAL;
			PRAGMA journal_size_limit = 200000000;
			PRAGMA synchronous = NORMAL;
			PRAGMA foreign_keys = ON;
			PRAGMA temp_store = MEMORY;
			PRAGMA cache_size = -`+strconv.Itoa(CacheKiB)+`;
			PRAGMA wal_autocheckpoint = `+strconv.Itoa(WalCheckpointPages), nil)
		return err
	},
}

func engine(dbPath string) (driver.Driver, string, error) {
	return cDriver, dbPath + "?_txlock=" + txLock, nil
}
