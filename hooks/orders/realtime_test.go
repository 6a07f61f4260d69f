package orders_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"fenxiao/internal/testutil"
)

// sseEvent is one server-sent event of PocketBase's realtime API.
type sseEvent struct {
	Name string
	Data map[string]any
}

// record returns the event's record and action ({"action":..,"record":..}).
func (ev sseEvent) record() (string, map[string]any) {
	r, _ := ev.Data["record"].(map[string]any)
	a, _ := ev.Data["action"].(string)
	return a, r
}

// realtimeClient is a realtime subscriber talking to a real HTTP server,
// as the JS SDK does: GET /api/realtime (SSE), then POST /api/realtime with
// the client id from PB_CONNECT and the topics.
type realtimeClient struct {
	t      *testing.T
	events chan sseEvent
}

func subscribe(t *testing.T, baseURL, token string, topics ...string) *realtimeClient {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", baseURL+"/api/realtime", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatalf("realtime connect: %v", err)
	}
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		cancel()
		t.Fatalf("realtime connect: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	c := &realtimeClient{t: t, events: make(chan sseEvent, 64)}
	done := make(chan struct{})
	t.Cleanup(func() {
		cancel()
		res.Body.Close()
		<-done
	})
	go func() {
		defer close(done)
		defer close(c.events)
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		var ev sseEvent
		var data bytes.Buffer
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.Name != "" {
					_ = json.Unmarshal(data.Bytes(), &ev.Data)
					c.events <- ev
				}
				ev, data = sseEvent{}, bytes.Buffer{}
			case strings.HasPrefix(line, "event:"):
				ev.Name = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
			case strings.HasPrefix(line, "data:"):
				data.WriteString(strings.TrimPrefix(line, "data:"))
			}
		}
	}()

	connect := c.next("PB_CONNECT")
	clientId, _ := connect.Data["clientId"].(string)
	if clientId == "" {
		t.Fatalf("PB_CONNECT without a client id: %v", connect.Data)
	}
	body, _ := json.Marshal(map[string]any{"clientId": clientId, "subscriptions": topics})
	sub, _ := http.NewRequest("POST", baseURL+"/api/realtime", bytes.NewReader(body))
	sub.Header.Set("Content-Type", "application/json")
	sub.Header.Set("Authorization", token)
	subRes, err := http.DefaultClient.Do(sub)
	if err != nil {
		t.Fatalf("realtime subscribe: %v", err)
	}
	subRes.Body.Close()
	if subRes.StatusCode != 204 {
		t.Fatalf("realtime subscribe: %d", subRes.StatusCode)
	}
	return c
}

// next waits (at most 5 s) for the next event and checks its topic.
func (c *realtimeClient) next(topic string) sseEvent {
	c.t.Helper()
	select {
	case ev, ok := <-c.events:
		if !ok {
			c.t.Fatalf("realtime stream closed while waiting for %s", topic)
		}
		if ev.Name != topic {
			c.t.Fatalf("realtime: got %s %v, want %s", ev.Name, ev.Data, topic)
		}
		return ev
	case <-time.After(5 * time.Second):
		c.t.Fatalf("realtime: no %s event within 5s", topic)
	}
	return sseEvent{}
}

// collect returns the events that arrive until want of them matched, or
// fails after 5 s.
func (c *realtimeClient) collect(want int, match func(sseEvent) bool) []sseEvent {
	c.t.Helper()
	var got, all []sseEvent
	deadline := time.After(5 * time.Second)
	for len(got) < want {
		select {
		case ev, ok := <-c.events:
			if !ok {
				c.t.Fatalf("realtime stream closed; got %v", all)
			}
			all = append(all, ev)
			if match(ev) {
				got = append(got, ev)
			}
		case <-deadline:
			c.t.Fatalf("realtime: %d of %d events within 5s; got %v", len(got), want, all)
		}
	}
	return all
}

// TestRealtimeBuyerGetsOwnOrderAndNotifications subscribes two buyers to
// orders and notifications over a real SSE connection: the buyer gets the
// updates of their order (paid, shipped, without the merchant-only fields)
// and their notifications; the other buyer, subscribed to the same topics,
// gets nothing of it.
func TestRealtimeBuyerGetsOwnOrderAndNotifications(t *testing.T) {
	f := newFixture(t)
	srv := httptest.NewServer(f.c.Handler)
	t.Cleanup(srv.Close)

	topics := []string{"orders/*", "notifications/*"}
	buyer := subscribe(t, srv.URL, f.token, topics...)
	other := subscribe(t, srv.URL, f.other, topics...)

	id := f.checkout(t, f.cup, 1)
	buyer.next("orders/*") // the order's create

	f.paySandbox(t, id)
	f.ship(t, id)

	status := map[string]bool{}
	kinds := map[string]bool{}
	events := buyer.collect(4, func(ev sseEvent) bool {
		action, r := ev.record()
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
		_, r := ev.record()
		if owner := firstString(r, "buyer", "user"); owner != f.buyer.Id {
			t.Errorf("buyer got someone else's %s: %v", ev.Name, r)
		}
	}

	// the other buyer's first event must be their own notification: it was
	// made after everything above, so nothing of the buyer's came before it
	testutil.Save(t, f.app, "notifications", map[string]any{"user": otherId(t, f), "kind": "test", "title": "ping"})
	ev := other.next("notifications/*")
	if _, r := ev.record(); r["user"] != otherId(t, f) || r["kind"] != "test" {
		t.Fatalf("other buyer got %v", ev.Data)
	}
	select {
	case ev := <-other.events:
		t.Fatalf("other buyer got %s %v", ev.Name, ev.Data)
	case <-time.After(100 * time.Millisecond):
	}
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
