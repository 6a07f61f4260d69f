package orders_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"fenxiao/tests"
)

// TestRealtimeBuyerGetsOwnOrderAndNotifications subscribes two buyers to
// orders and notifications over a real SSE connection: the buyer gets the
// updates of their order (paid, shipped, without the merchant-only fields)
// and their notifications; the other buyer, subscribed to the same topics,
// gets nothing of it.
func TestRealtimeBuyerGetsOwnOrderAndNotifications(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	srv := httptest.NewServer(f.c.Handler)
	t.Cleanup(srv.Close)

	topics := []string{"orders/*", "notifications/*"}
	buyer := tests.Subscribe(t, srv.URL, f.token, topics...)
	other := tests.Subscribe(t, srv.URL, f.other, topics...)

	id := f.checkout(t, f.cup, 1)
	buyer.Next("orders/*") // the order's create

	f.paySandbox(t, id)
	f.ship(t, id)

	status := map[string]bool{}
	kinds := map[string]bool{}
	events := buyer.Collect(4, func(ev tests.SSEEvent) bool {
		action, r := ev.Record()
		switch {
		case ev.Name == "orders/*" && action == "update" && r["id"] == id:
			if _, leaked := r["upline_snapshot"]; leaked {
				t.Errorf("a merchant-only field reached the buyer: %v", r)
			}
			if s, _ := r["status"].(string); s == "paid" || s == "shipped" {
				if status[s] {
					return false
				}
				status[s] = true
				return true
			}
		case ev.Name == "notifications/*" && action == "create" && r["user"] == f.buyer.Id:
			kind, _ := r["kind"].(string)
			if (kind == "order_paid" || kind == "order_shipped") && !kinds[kind] && r["ref"] == id {
				kinds[kind] = true
				return true
			}
		}
		return false
	})
	for _, ev := range events {
		_, r := ev.Record()
		if owner := firstString(r, "buyer", "user"); owner != f.buyer.Id {
			t.Errorf("buyer got someone else's %s: %v", ev.Name, r)
		}
	}

	// the other buyer's first event must be their own notification: it was
	// made after everything above, so nothing of the buyer's came before it
	tests.Save(t, f.app, "notifications", map[string]any{"user": otherId(t, f), "kind": "test", "title": "ping"})
	ev := other.Next("notifications/*")
	if _, r := ev.Record(); r["user"] != otherId(t, f) || r["kind"] != "test" {
		t.Fatalf("other buyer got %v", ev.Data)
	}
	other.Quiet(100 * time.Millisecond)
}

func firstString(m map[string]any, keys ...string) string {
	for _, k := range keys {
		if s, _ := m[k].(string); s != "" {
			return s
		}
	}
	return ""
}

func otherId(t *testing.T, f *fixture) string {
	t.Helper()
	u, err := f.app.FindAuthRecordByEmail("users", "other@test.local")
	if err != nil {
		t.Fatal(err)
	}
	return u.Id
}
