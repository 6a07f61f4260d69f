package orders_test

import (
	"errors"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/hooks/shop"
)

func TestOrderShippedFiresOncePerShipment(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	type shipment struct{ order, company, number string }
	var got []shipment
	refuse := ""
	f.shop.OnOrderShipped.BindFunc(func(e *shop.ShipmentEvent) error {
		if !e.App.IsTransactional() || len(e.Items) != 1 || e.Order.GetString("status") != "shipped" {
			t.Errorf("bad shipment event: tx=%v items=%d status=%s", e.App.IsTransactional(), len(e.Items), e.Order.GetString("status"))
		}
		if e.Order.Id == refuse {
			return errors.New("plugin refused")
		}
		got = append(got, shipment{e.Order.Id, e.TrackingCompany, e.TrackingNo})
		return e.Next()
	})
	a := f.checkout(t, f.cup, 1)
	b := f.checkout(t, f.tea, 1)
	c := f.checkout(t, f.tea, 1)
	if res := f.c.Do("POST", "/api/shop/admin/orders/"+a+"/ship", map[string]any{"tracking_company": "yuantong", "tracking_no": "YT1"}, f.admin); res.Status != 409 {
		t.Fatalf("ship unpaid: %d %s", res.Status, res.Raw)
	}
	for _, id := range []string{a, b, c} {
		f.paySandbox(t, id)
	}

	f.ship(t, a) // dashboard edit
	res := f.c.Do("POST", "/api/shop/admin/orders/"+b+"/ship", map[string]any{"tracking_company": "yuantong", "tracking_no": "YT2"}, f.admin)
	if res.Status != 200 || res.Body["status"] != "shipped" {
		t.Fatalf("ship route: %d %s", res.Status, res.Raw)
	}
	// correcting the tracking is not another shipment
	if res := f.c.Do("PATCH", "/api/collections/orders/records/"+a, map[string]any{"tracking_no": "SF101"}, f.admin); res.Status != 200 {
		t.Fatalf("correct tracking: %d %s", res.Status, res.Raw)
	}
	if len(got) != 2 || got[0] != (shipment{a, "shunfeng", "SF100"}) || got[1] != (shipment{b, "yuantong", "YT2"}) {
		t.Fatalf("shipment events: %+v", got)
	}

	// a failing handler rolls the shipment back with its notification
	refuse = c
	before, _ := f.app.CountRecords("notifications")
	if res := f.c.Do("POST", "/api/shop/admin/orders/"+c+"/ship", map[string]any{"tracking_company": "yuantong", "tracking_no": "YT3"}, f.admin); res.Status < 400 {
		t.Fatalf("ship with a refusing plugin: %d %s", res.Status, res.Raw)
	}
	after, _ := f.app.CountRecords("notifications")
	if o := f.order(t, c); o.GetString("status") != "paid" || o.GetString("tracking_no") != "" || after != before {
		t.Fatalf("refused shipment kept: %s %q notifications %d→%d", o.GetString("status"), o.GetString("tracking_no"), before, after)
	}
}

func TestAftersaleWindowClosesAfterAftersaleDays(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	completed := func(id string) string {
		f.paySandbox(t, id)
		f.ship(t, id)
		if res := f.c.Do("POST", "/api/shop/orders/"+id+"/confirm", nil, f.token); res.Status != 200 {
			t.Fatalf("confirm: %d %s", res.Status, res.Raw)
		}
		items, _ := f.app.FindRecordsByFilter("order_items", "order = {:o}", "", 0, 0, map[string]any{"o": id})
		return items[0].Id
	}
	apply := func(id, item string) (int, string) {
		res := f.c.Do("POST", "/api/shop/aftersales", map[string]any{"order": id, "type": "return_refund", "reason": "坏了",
			"items": []map[string]any{{"order_item": item, "quantity": 1}}}, f.token)
		return res.Status, res.Code()
	}
	backdate := func(id string, days int) {
		at, _ := types.ParseDateTime(time.Now().Add(-time.Duration(days) * 24 * time.Hour))
		if _, err := f.app.DB().NewQuery("UPDATE orders SET completed_at = {:at} WHERE id = {:id}").
			Bind(map[string]any{"at": at.String(), "id": id}).Execute(); err != nil {
			t.Fatal(err)
		}
	}
	settings, _ := shop.LoadSettings(f.app)
	days := settings.AftersaleDays // 7 by default

	a := f.checkout(t, f.cup, 1)
	aItem := completed(a)
	backdate(a, days-1)
	if st, code := apply(a, aItem); st != 200 {
		t.Fatalf("inside the window: %d %s", st, code)
	}

	b := f.checkout(t, f.cup, 1)
	bItem := completed(b)
	backdate(b, days+1)
	if st, code := apply(b, bItem); st != 409 || code != "aftersale_window_closed" {
		t.Fatalf("after the window: %d %s", st, code)
	}
	// the merchant lengthens the window: the same order may apply again
	settings.Record.Set("aftersale_days", days+5)
	if err := f.app.Save(settings.Record); err != nil {
		t.Fatal(err)
	}
	if st, code := apply(b, bItem); st != 200 {
		t.Fatalf("inside the longer window: %d %s", st, code)
	}
}
