package shop

import (
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// autodateLastKnown is the prefix of the hidden record key under which
// PocketBase's autodate fields remember the value they last saw
// (core.autodateLastKnownPrefix; keys with the "@pbInternal" prefix are
// never exported). TestPrimeAutodatesKey fails if PocketBase renames it.
const autodateLastKnown = "@pbInternal_last_autodate_"

// NewRecord is core.NewRecord for a record the caller is about to create:
// its autodate fields (created, updated) are set to now, with the value
// PocketBase's autodate interceptor compares them against, so that the
// save stamps them with its own now, as it would have.
//
// Why: without that value the interceptor finds it by copying the whole
// record (Record.Original) once per autodate field on every save, about a
// tenth of what the shop allocated under load with most of it in the one
// writer, where the garbage collector then starts.
func NewRecord(c *core.Collection) *core.Record {
	r := core.NewRecord(c)
	now := types.NowDateTime()
	for _, f := range c.Fields {
		if _, ok := f.(*core.AutodateField); ok {
			r.SetRaw(f.GetName(), now)
			r.SetRaw(autodateLastKnown+f.GetName(), now)
		}
	}
	return r
}

// primeLoadedAutodates gives a record just loaded from its row the values
// its autodate fields were loaded with as the ones the interceptor last
// saw, which are what it would have copied the record to find (see
// [NewRecord]).
func primeLoadedAutodates(r *core.Record) {
	for _, f := range r.Collection().Fields {
		if _, ok := f.(*core.AutodateField); ok {
			if v := r.GetDateTime(f.GetName()); !v.IsZero() {
				r.SetRaw(autodateLastKnown+f.GetName(), v)
			}
		}
	}
}
