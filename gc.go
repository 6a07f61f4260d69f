package main

import (
	"os"
	"runtime/debug"
)

// gcPercent is the garbage collector's target when GOGC is not set: the
// heap may grow to three times what is live before a collection (Go's
// default is twice). The shop's live heap is small (tens of MiB) and its
// garbage is request-shaped, so collecting half as often saves CPU on
// every order for a few MiB of memory.
const gcPercent = 200

func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
}
