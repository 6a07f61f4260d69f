package catalog_test

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/catalog"
	"fenxiao/hooks/shop"
	"fenxiao/tests"
)

func TestDecrementStockBasics(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	p, skus := product(t, app, map[string]any{"title": "保温杯"},
		map[string]any{"price": 1000, "stock": 5})
	sku := skus[0]

	if err := catalog.DecrementStock(app, sku.Id, 2); err != nil {
		t.Fatal(err)
	}
	if got := reload(t, app, sku).GetInt("stock"); got != 3 {
		t.Fatalf("stock = %d, want 3", got)
	}
	if got := reload(t, app, p).GetInt("stock"); got != 3 {
		t.Fatalf("product stock = %d, want 3", got)
	}

	var shopErr *shop.Error
	err := catalog.DecrementStock(app, sku.Id, 4)
	if !errors.As(err, &shopErr) || shopErr.Status != 409 || shopErr.Code != "out_of_stock" {
		t.Fatalf("over-decrement: got %v, want 409 out_of_stock", err)
	}
	if got := reload(t, app, sku).GetInt("stock"); got != 3 {
		t.Fatalf("stock after refused decrement = %d, want 3", got)
	}
	if err := catalog.DecrementStock(app, "nosuchsku000000", 1); !errors.As(err, &shopErr) || shopErr.Status != 404 {
		t.Fatalf("unknown sku: got %v, want 404", err)
	}
	if err := catalog.DecrementStock(app, sku.Id, 0); !errors.As(err, &shopErr) || shopErr.Status != 400 {
		t.Fatalf("zero quantity: got %v, want 400", err)
	}

	// a rollback of the caller's transaction gives the units back
	err = app.RunInTransaction(func(txApp core.App) error {
		if err := catalog.DecrementStock(txApp, sku.Id, 1); err != nil {
			return err
		}
		return errors.New("checkout failed later")
	})
	if err == nil {
		t.Fatal("expected the transaction error")
	}
	if got := reload(t, app, sku).GetInt("stock"); got != 3 {
		t.Fatalf("stock after rollback = %d, want 3", got)
	}
}

func TestDecrementStockConcurrent(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	tests.Superuser(t, app)
	p, skus := product(t, app, map[string]any{"title": "限量茶叶"},
		map[string]any{"price": 1000, "stock": 50, "low_stock_threshold": 5})
	sku := skus[0]

	var ok, outOfStock, other atomic.Int64
	var wg sync.WaitGroup
	for range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := app.RunInTransaction(func(txApp core.App) error {
				return catalog.DecrementStock(txApp, sku.Id, 1)
			})
			var shopErr *shop.Error
			switch {
			case err == nil:
				ok.Add(1)
			case errors.As(err, &shopErr) && shopErr.Code == "out_of_stock":
				outOfStock.Add(1)
			default:
				other.Add(1)
				t.Error(err)
			}
		}()
	}
	wg.Wait()

	if ok.Load() != 50 || outOfStock.Load() != 150 || other.Load() != 0 {
		t.Fatalf("ok/out of stock/other = %d/%d/%d, want 50/150/0", ok.Load(), outOfStock.Load(), other.Load())
	}
	if got := reload(t, app, sku).GetInt("stock"); got != 0 {
		t.Fatalf("stock = %d, want 0", got)
	}
	p = reload(t, app, p)
	if p.GetString("status") != "off" || p.GetString("off_reason") != "sold_out" {
		t.Fatalf("product status/reason = %s/%s, want off/sold_out", p.GetString("status"), p.GetString("off_reason"))
	}
	if n := count(t, app, "admin_alerts", "kind = 'low_stock'"); n != 1 {
		t.Fatalf("low stock alerts = %d, want 1", n)
	}
	if n := count(t, app, "admin_alerts", "kind = 'sold_out'"); n != 1 {
		t.Fatalf("sold out alerts = %d, want 1", n)
	}
	if n := app.TestMailer.TotalSend(); n != 2 {
		t.Fatalf("e-mails = %d, want 2 (low stock, sold out)", n)
	}
}

func TestLowStockAlertOncePerCrossing(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	tests.Superuser(t, app)
	_, skus := product(t, app, map[string]any{"title": "玻璃杯"},
		map[string]any{"price": 1000, "stock": 10, "low_stock_threshold": 3, "spec_text": "透明"})
	sku := skus[0]
	alerts := func() int { return count(t, app, "admin_alerts", "kind = 'low_stock' && sku = '"+sku.Id+"'") }
	mustDecrement := func(n int) {
		t.Helper()
		if err := catalog.DecrementStock(app, sku.Id, n); err != nil {
			t.Fatal(err)
		}
	}

	mustDecrement(6) // 4: above the threshold
	if alerts() != 0 {
		t.Fatal("alert above the threshold")
	}
	mustDecrement(1) // 3: crossing
	mustDecrement(1) // 2: still below, no new alert
	if alerts() != 1 || !reload(t, app, sku).GetBool("low_stock_alerted") {
		t.Fatalf("alerts = %d, want 1 and the flag set", alerts())
	}
	if app.TestMailer.TotalSend() != 1 {
		t.Fatalf("e-mails = %d, want 1", app.TestMailer.TotalSend())
	}
	if msg := app.TestMailer.LastMessage(); msg.To[0].Address != "admin@test.local" {
		t.Fatalf("e-mail to %v", msg.To)
	}

	// a return lifts it above the threshold: re-armed
	if err := catalog.RestoreStock(app, sku.Id, 5); err != nil { // 7
		t.Fatal(err)
	}
	if reload(t, app, sku).GetBool("low_stock_alerted") {
		t.Fatal("flag not reset above the threshold")
	}
	mustDecrement(4) // 3: a new crossing
	if alerts() != 2 {
		t.Fatalf("alerts after the second crossing = %d, want 2", alerts())
	}

	// a restock in the dashboard re-arms it too
	s := reload(t, app, sku)
	s.Set("stock", 20)
	if err := app.Save(s); err != nil {
		t.Fatal(err)
	}
	if reload(t, app, sku).GetBool("low_stock_alerted") {
		t.Fatal("flag not reset by the restock")
	}
	mustDecrement(17) // 3
	if alerts() != 3 {
		t.Fatalf("alerts after the restock crossing = %d, want 3", alerts())
	}

	// a rolled back decrement leaves no alert and sends nothing
	s = reload(t, app, sku)
	s.Set("stock", 10)
	if err := app.Save(s); err != nil {
		t.Fatal(err)
	}
	sent := app.TestMailer.TotalSend()
	_ = app.RunInTransaction(func(txApp core.App) error {
		if err := catalog.DecrementStock(txApp, sku.Id, 9); err != nil {
			return err
		}
		return errors.New("rollback")
	})
	if alerts() != 3 || app.TestMailer.TotalSend() != sent {
		t.Fatalf("rolled back crossing: alerts %d (want 3), e-mails %d (want %d)", alerts(), app.TestMailer.TotalSend(), sent)
	}
}

// TestLowStockAlertFromDashboardEdit raises the alert when an admin sets
// stock (or the threshold) so that stock is at or below the threshold, once
// per crossing as for sales.
func TestLowStockAlertFromDashboardEdit(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	tests.Superuser(t, app)
	_, skus := product(t, app, map[string]any{"title": "马克杯"},
		map[string]any{"price": 1000, "stock": 10, "low_stock_threshold": 3, "spec_text": "白"})
	sku := skus[0]
	alerts := func() int { return count(t, app, "admin_alerts", "kind = 'low_stock' && sku = '"+sku.Id+"'") }
	edit := func(field string, value int) {
		t.Helper()
		s := reload(t, app, sku)
		s.Set(field, value)
		if err := app.Save(s); err != nil {
			t.Fatal(err)
		}
	}

	if alerts() != 0 {
		t.Fatal("alert for a SKU created above its threshold")
	}
	edit("stock", 2) // at or below: alert
	edit("stock", 1) // still below: no new alert
	if alerts() != 1 || !reload(t, app, sku).GetBool("low_stock_alerted") {
		t.Fatalf("alerts after lowering stock = %d, want 1", alerts())
	}
	edit("stock", 8)                // re-armed
	edit("low_stock_threshold", 10) // threshold raised above stock: alert
	if alerts() != 2 {
		t.Fatalf("alerts after raising the threshold = %d, want 2", alerts())
	}

	// a SKU created already low is alerted at once
	_, low := product(t, app, map[string]any{"title": "玻璃杯"},
		map[string]any{"price": 1000, "stock": 1, "low_stock_threshold": 5, "spec_text": "透明"})
	if n := count(t, app, "admin_alerts", "kind = 'low_stock' && sku = '"+low[0].Id+"'"); n != 1 {
		t.Fatalf("alerts for a SKU created low = %d, want 1", n)
	}
}

func TestLowStockEmailSetting(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	tests.Superuser(t, app)
	setSettings(t, app, map[string]any{"low_stock_email": false})
	_, skus := product(t, app, map[string]any{"title": "杯"},
		map[string]any{"price": 1000, "stock": 2, "low_stock_threshold": 1})
	if err := catalog.DecrementStock(app, skus[0].Id, 1); err != nil {
		t.Fatal(err)
	}
	if count(t, app, "admin_alerts", "") != 1 || app.TestMailer.TotalSend() != 0 {
		t.Fatalf("alerts %d (want 1), e-mails %d (want 0)", count(t, app, "admin_alerts", ""), app.TestMailer.TotalSend())
	}
}

func TestAutoDelistAndRelist(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	p, skus := product(t, app, map[string]any{"title": "茶叶"},
		map[string]any{"price": 1000, "stock": 1},
		map[string]any{"price": 2000, "stock": 2})
	status := func() (string, string) {
		r := reload(t, app, p)
		return r.GetString("status"), r.GetString("off_reason")
	}

	if err := catalog.DecrementStock(app, skus[0].Id, 1); err != nil {
		t.Fatal(err)
	}
	if s, _ := status(); s != "on" {
		t.Fatal("delisted while another SKU has stock")
	}
	if err := catalog.DecrementStock(app, skus[1].Id, 2); err != nil {
		t.Fatal(err)
	}
	if s, r := status(); s != "off" || r != "sold_out" {
		t.Fatalf("status = %s/%s, want off/sold_out", s, r)
	}

	// a cancelled order relists it
	if err := catalog.RestoreStock(app, skus[0].Id, 1); err != nil {
		t.Fatal(err)
	}
	if s, r := status(); s != "on" || r != "" {
		t.Fatalf("status after restore = %s/%s, want on", s, r)
	}

	// sold out again, then restocked in the dashboard
	if err := catalog.DecrementStock(app, skus[0].Id, 1); err != nil {
		t.Fatal(err)
	}
	sku := reload(t, app, skus[1])
	sku.Set("stock", 5)
	if err := app.Save(sku); err != nil {
		t.Fatal(err)
	}
	if s, _ := status(); s != "on" {
		t.Fatal("a dashboard restock did not relist")
	}
	if got := reload(t, app, p).GetInt("stock"); got != 5 {
		t.Fatalf("product stock = %d, want 5", got)
	}

	// taken off by hand: stays off whatever happens to stock
	r := reload(t, app, p)
	r.Set("status", "off")
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
	if s, reason := status(); s != "off" || reason != "manual" {
		t.Fatalf("manual off = %s/%s", s, reason)
	}
	if err := catalog.RestoreStock(app, skus[0].Id, 3); err != nil {
		t.Fatal(err)
	}
	if s, _ := status(); s != "off" {
		t.Fatal("a manually delisted product was relisted")
	}
}

func TestAutoShelfSettingsOff(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	setSettings(t, app, map[string]any{"auto_delist_soldout": false})
	p, skus := product(t, app, map[string]any{"title": "茶叶"}, map[string]any{"price": 1000, "stock": 1})
	if err := catalog.DecrementStock(app, skus[0].Id, 1); err != nil {
		t.Fatal(err)
	}
	if reload(t, app, p).GetString("status") != "on" {
		t.Fatal("delisted with auto_delist_soldout off")
	}

	setSettings(t, app, map[string]any{"auto_delist_soldout": true, "auto_relist": false})
	p2, skus2 := product(t, app, map[string]any{"title": "红茶"}, map[string]any{"price": 1000, "stock": 1})
	if err := catalog.DecrementStock(app, skus2[0].Id, 1); err != nil {
		t.Fatal(err)
	}
	if err := catalog.RestoreStock(app, skus2[0].Id, 1); err != nil {
		t.Fatal(err)
	}
	if reload(t, app, p2).GetString("status") != "off" {
		t.Fatal("relisted with auto_relist off")
	}
}

func TestAddSalesAndServerFields(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	p, _ := product(t, app, map[string]any{"title": "杯"},
		map[string]any{"price": 1500, "stock": 4}, map[string]any{"price": 900, "stock": 6})
	if p.GetInt("min_price") != 900 || p.GetInt("max_price") != 1500 || p.GetInt("stock") != 10 {
		t.Fatalf("aggregates = %d/%d/%d", p.GetInt("min_price"), p.GetInt("max_price"), p.GetInt("stock"))
	}
	if err := catalog.AddSales(app, p.Id, 3); err != nil {
		t.Fatal(err)
	}
	if err := catalog.AddSales(app, p.Id, -5); err != nil {
		t.Fatal(err)
	}
	if got := reload(t, app, p).GetInt("sales"); got != 0 {
		t.Fatalf("sales = %d, want 0 (never negative)", got)
	}
	if err := catalog.AddSales(app, p.Id, 7); err != nil {
		t.Fatal(err)
	}

	// a stale dashboard form cannot roll back sales or aggregates
	p.Set("sales", 1)
	p.Set("min_price", 1)
	p.Set("title", "新杯")
	if err := app.Save(p); err != nil {
		t.Fatal(err)
	}
	p = reload(t, app, p)
	if p.GetInt("sales") != 7 || p.GetInt("min_price") != 900 || p.GetString("title") != "新杯" {
		t.Fatalf("sales/min_price/title = %d/%d/%s", p.GetInt("sales"), p.GetInt("min_price"), p.GetString("title"))
	}
}

func TestLookupSkus(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	root := tests.Save(t, app, "categories", map[string]any{"name": "饮品", "is_active": true})
	leaf := tests.Save(t, app, "categories", map[string]any{"name": "茶叶", "parent": root.Id, "is_active": true})
	tpl := tests.Save(t, app, "shipping_templates", map[string]any{"name": "默认", "mode": "weight",
		"first_units": 1000, "first_fee": 800})
	_, skus := product(t, app, map[string]any{"title": "龙井", "category": leaf.Id, "weight": 300, "shipping_template": tpl.Id},
		map[string]any{"price": 5000, "original_price": 6000, "stock": 3, "spec_text": "250g"},
		map[string]any{"price": 9000, "stock": 3, "weight": 600})

	infos, err := catalog.LookupSkus(app, []string{skus[0].Id, skus[1].Id, "unknown00000000"})
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 2 {
		t.Fatalf("infos = %d, want 2", len(infos))
	}
	a := infos[skus[0].Id]
	if a.Price != 5000 || a.OriginalPrice != 6000 || a.Stock != 3 || !a.OnShelf || a.Weight != 300 ||
		a.TemplateId != tpl.Id || a.SpecText != "250g" || a.Title != "龙井" {
		t.Fatalf("info = %+v", a)
	}
	if len(a.CategoryPath) != 2 || a.CategoryPath[0] != root.Id || a.CategoryPath[1] != leaf.Id {
		t.Fatalf("category path = %v", a.CategoryPath)
	}
	if infos[skus[1].Id].Weight != 600 {
		t.Fatal("the SKU's own weight must win")
	}

	// the first image, as the product record reads its file list
	if _, err := app.DB().Update("products", dbx.Params{"images": `["first_a1.png","second_b2.png"]`},
		dbx.HashExp{"id": a.ProductId}).Execute(); err != nil {
		t.Fatal(err)
	}
	p, err := app.FindRecordById("products", a.ProductId)
	if err != nil {
		t.Fatal(err)
	}
	infos, err = catalog.LookupSkus(app, []string{skus[0].Id})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := infos[skus[0].Id].Image, p.GetStringSlice("images")[0]; got != want || got != "first_a1.png" {
		t.Fatalf("image = %q, want %q", got, want)
	}
	templates, err := catalog.LoadShippingTemplates(app, []string{tpl.Id})
	if err != nil || templates[tpl.Id].Rule.FirstFee != 800 || templates[tpl.Id].Mode != "weight" {
		t.Fatalf("templates = %+v, %v", templates, err)
	}
}
