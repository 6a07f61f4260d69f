//go:build !cgo

package sqlitedb

// startTrimming has nothing to trim without cgo: the pure-Go SQLite
// allocates through modernc.org/libc's own allocator, not glibc's.
func startTrimming() {}
