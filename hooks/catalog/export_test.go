package catalog

import (
	"fmt"
	"maps"
	"runtime"
	"slices"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
)

// SearchIndexDrift compares the live search index of app with one built
// from the database now, and describes the differences ("" when none).
func SearchIndexDrift(app core.App) string {
	x := searchIndexOf(app)
	fresh, err := loadSearchIndex(app)
	if err != nil {
		return err.Error()
	}
	index := x.current()
	if index == nil {
		return "index not built"
	}
	live, want := index.Describe(), fresh.Describe()
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

// RebuildSearchIndex drops the search index of app and builds it again,
// returning the build time and the heap it holds.
func RebuildSearchIndex(app core.App) (time.Duration, uint64, error) {
	x := searchIndexOf(app)
	x.mu.Lock()
	x.index = nil
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

// AddToCartAcross adds to a user's cart as POST /api/shop/cart/items does,
// running between after the SKU was checked and before the transaction.
func AddToCartAcross(app core.App, s *shop.Shop, user *core.Record, skuId string, qty int, between func()) (*core.Record, error) {
	p := &plugin{app: app, shop: s, config: Config{MaxCartLines: 100}}
	info, err := addable(app, user, skuId)
	if err != nil {
		return nil, err
	}
	between()
	var item *core.Record
	err = s.RunInTransaction(app, func(txApp core.App) error {
		item, err = p.addLine(txApp, user.Id, info, qty)
		return err
	})
	return item, err
}

// CartAddWrite returns what POST /api/shop/cart/items runs in the shop's
// write transaction for a SKU checked once, to time the writer's part.
func CartAddWrite(app core.App, s *shop.Shop, user *core.Record, skuId string, qty int) (func() error, error) {
	p := &plugin{app: app, shop: s, config: Config{MaxCartLines: 100}}
	info, err := addable(app, user, skuId)
	if err != nil {
		return nil, err
	}
	return func() error {
		return s.RunInTransaction(app, func(txApp core.App) error {
			_, err := p.addLine(txApp, user.Id, info, qty)
			return err
		})
	}, nil
}

// SearchTouchedPending counts the transactions whose touched products wait
// for their commit or rollback.
func SearchTouchedPending(app core.App) int {
	x := searchIndexOf(app)
	x.touchedMu.Lock()
	defer x.touchedMu.Unlock()
	return len(x.touched)
}
