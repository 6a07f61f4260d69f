package catalog_test

import (
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/catalog"
	"fenxiao/tests"
)

// TestStockChangesReachRealtimeSubscribers: a product page subscribed to
// its SKU sees the stock a sale or a return leaves, once committed, and
// nothing of a rolled back sale.
func TestStockChangesReachRealtimeSubscribers(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	_, skus := product(t, app, map[string]any{"title": "保温杯"},
		map[string]any{"price": 5000, "stock": 10, "spec_text": "红"})
	sku := skus[0]
	srv := httptest.NewServer(tests.NewClient(t, app).Handler)
	// note: a cleanup, so that it runs after the subscriber's (LIFO)
	t.Cleanup(srv.Close)

	// a guest, as on a product page
	page := tests.Subscribe(t, srv.URL, "", "skus/"+sku.Id)
	stockOf := func(ev tests.SSEEvent) float64 {
		t.Helper()
		action, r := ev.Record()
		if action != "update" || r["id"] != sku.Id {
			t.Fatalf("event %v", ev.Data)
		}
		return r["stock"].(float64)
	}

	if err := catalog.DecrementStock(app, sku.Id, 3); err != nil {
		t.Fatal(err)
	}
	if got := stockOf(page.Next("skus/" + sku.Id)); got != 7 {
		t.Fatalf("after a sale of 3: stock %v, want 7", got)
	}

	_ = app.RunInTransaction(func(txApp core.App) error {
		if err := catalog.DecrementStock(txApp, sku.Id, 5); err != nil {
			return err
		}
		return errors.New("rollback")
	})
	page.Quiet(100 * time.Millisecond)

	if err := catalog.RestoreStock(app, sku.Id, 2); err != nil {
		t.Fatal(err)
	}
	if got := stockOf(page.Next("skus/" + sku.Id)); got != 9 {
		t.Fatalf("after a return of 2: stock %v, want 9", got)
	}
}
