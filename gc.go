package main

import (
	"os"
	"runtime/debug"
)

// gcPercent is the garbage collector's target when GOGC is not set: the
// heap may grow to five times what is live before a collection (Go's
// default is twice). The shop's live heap is small (tens of MiB) and its
// garbage is request-shaped, so collecting less often saves CPU on every
// order for a little memory. 400 against 200, three alternating runs at
// 16 buyers, three levels: 6-12% less CPU per order, 4-12% more orders/s,
// RSS 111 MiB instead of 96 after 16 s.
const gcPercent = 400

func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
}
