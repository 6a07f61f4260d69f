//go:build cgo

package sqlitedb

/*
// stdlib.h first: glibc defines __GLIBC__ in a header, not the compiler
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
static int fenxiao_malloc_trim(void) { malloc_trim(0); return 1; }
#else
static int fenxiao_malloc_trim(void) { return 0; }
#endif
*/
import "C"

import (
	"sync"
	"time"
)

// TrimEvery is how often the C allocator is asked to give the memory
// SQLite freed back to the system.
const TrimEvery = 10 * time.Second

var trimOnce sync.Once

// startTrimming calls glibc's malloc_trim every [TrimEvery], from the first
// database opened on, for the life of the process.
//
// Why: every connection that reads after another one's commit drops its
// whole page cache and fills it again (see the Performance section of the
// README), so SQLite allocates and frees pages all the time, from whichever
// threads the Go runtime runs the connections on. glibc keeps what is freed
// in per-thread arenas and hands little of it back: under a load of
// payments, refunds and searches the shop's RSS passed 360 MiB in 11
// minutes, most of it in those arenas. malloc_trim returns the free pages
// of every arena: in the same load (6 minutes each) RSS at the sixth
// minute was 166 MiB with it against 321 without, and with the smaller
// page cache as well ([CacheKiB]) it stayed at 147–153 MiB from the third
// minute on. A trim took 0.7–17 ms (one every 10 s over a 90 s run of
// that load), during which SQLite's allocations wait for the arena being
// trimmed. (Other C libraries have nothing to trim here.)
func startTrimming() {
	trimOnce.Do(func() {
		go func() {
			for range time.Tick(TrimEvery) {
				trimMemory()
			}
		}()
	})
}

// trimMemory runs malloc_trim(0) and reports whether there was one to run
// (glibc).
func trimMemory() bool { return C.fenxiao_malloc_trim() == 1 }
