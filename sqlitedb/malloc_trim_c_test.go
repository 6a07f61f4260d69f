//go:build cgo

package sqlitedb

import (
	"os"
	"strings"
	"testing"
)

// On glibc the trim must really call malloc_trim: a preamble that tests
// __GLIBC__ before any header defines it compiles to nothing, silently.
func TestMallocTrimRunsOnGlibc(t *testing.T) {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil || !strings.Contains(string(maps), "libc.so.6") {
		t.Skip("not a dynamically linked glibc process")
	}
	if !trimMemory() {
		t.Fatal("malloc_trim was compiled out on glibc")
	}
}
