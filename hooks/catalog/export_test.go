package catalog

import (
	"fmt"
	"maps"
	"runtime"
	"slices"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// SearchIndexDrift compares the live search index of app with one built
// from the database now, and describes the differences ("" when none).
func SearchIndexDrift(app core.App) string {
	x := searchIndexOf(app)
	fresh, err := loadIndexState(app)
	if err != nil {
		return err.Error()
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.state == nil {
		return "index not built"
	}
	live, want := x.state.describe(), fresh.describe()
	var diffs []string
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if live[k] != want[k] {
			diffs = append(diffs, fmt.Sprintf("%s: index %q, database %q", k, live[k], want[k]))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(live)) {
		if _, ok := want[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: index %q, not in the database", k, live[k]))
		}
	}
	if len(diffs) > 10 {
		diffs = append(diffs[:10], fmt.Sprintf("... %d more", len(diffs)-10))
	}
	if len(diffs) == 0 {
		return ""
	}
	return fmt.Sprint(diffs)
}

// describe flattens s by product id and token, without doc numbers.
func (s *indexState) describe() map[string]string {
	out := map[string]string{}
	label := func(l *labels, i int32) string {
		if i < 0 {
			return "-"
		}
		return fmt.Sprint(l.ids[i], "/", l.names[i], "/", l.text[i], "/hidden=", l.hidden[i])
	}
	for doc, id := range s.ids {
		if id == "" {
			continue
		}
		out["product "+id] = fmt.Sprint(s.title[doc], "|", s.subtitle[doc], "|", s.tags[doc], "|", s.on[doc], "|", s.minLevel[doc], "|",
			s.sales[doc], "|", s.minPrice[doc], "|", s.created[doc], "|",
			label(s.categories, s.category[doc]), "|", label(s.brands, s.brand[doc]))
	}
	for tok, p := range s.tokens {
		if !slices.IsSorted(p.docs) {
			out["token "+tok] = "unsorted"
			continue
		}
		for i, doc := range p.docs {
			out["token "+tok+" "+s.ids[doc]] = fmt.Sprint(p.fields[i])
		}
	}
	return out
}

// RebuildSearchIndex drops the search index of app and builds it again,
// returning the build time and the heap it holds.
func RebuildSearchIndex(app core.App) (time.Duration, uint64, error) {
	x := searchIndexOf(app)
	x.mu.Lock()
	x.state = nil
	x.mu.Unlock()

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	if err := x.ensure(); err != nil {
		return 0, 0, err
	}
	took := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&after)
	return took, after.HeapAlloc - before.HeapAlloc, nil
}
