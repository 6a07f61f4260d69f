//go:build !cgo

package sqlitedb

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strconv"
	"sync"

	_ "modernc.org/sqlite"
)

const engineName = "SQLite (pure Go, modernc.org/sqlite)"

// CLibrary reports whether this build runs SQLite's C library (false) or
// the pure-Go translation; batch sizes tuned for one are slow on the other.
const CLibrary = false

// cacheExec: this driver resets a statement after every Exec.
const cacheExec = true

// pragmas are PocketBase's defaults (core.DefaultDBConnect, v0.39): the
// busy timeout first, so that a connection waits instead of failing while
// another one switches the database to WAL; and the checkpoint size of
// [checkpointer].
var pragmas = "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=journal_size_limit(200000000)" +
	"&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-" + strconv.Itoa(CacheKiB) + ")" +
	"&_pragma=wal_autocheckpoint(" + strconv.Itoa(WalCheckpointPages) + ")&_txlock=" + txLock

var (
	innerOnce sync.Once
	innerDrv  driver.Driver
	innerErr  error
)

// engine returns the registered "sqlite" driver (modernc.org/sqlite), the
// same instance PocketBase uses, so functions registered on it apply.
func engine(dbPath string) (driver.Driver, string, error) {
	innerOnce.Do(func() {
		db, err := sql.Open("sqlite", "")
		if err != nil {
			innerErr = fmt.Errorf("sqlite driver: %w", err)
			return
		}
		innerDrv = db.Driver()
		innerErr = db.Close()
	})
	return innerDrv, dbPath + pragmas, innerErr
}
