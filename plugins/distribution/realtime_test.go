package distribution_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/plugins/sandboxpay"
	"fenxiao/tests"
)

// sseEvent is one server-sent event of PocketBase's realtime API.
type sseEvent struct {
	Name string
	Data []byte
}

// recordEvent is the data of a record subscription event.
type recordEvent struct {
	Topic  string
	Action string         `json:"action"`
	Record map[string]any `json:"record"`
}

// rtClient is one realtime connection (GET /api/realtime) of one user.
type rtClient struct {
	t      *testing.T
	who    string
	events chan sseEvent
	mu     sync.Mutex
	got    []recordEvent
}

// connectRealtime opens the SSE stream, reads PB_CONNECT and subscribes to
// topics with the user's token, like the JS SDK does.
func connectRealtime(t *testing.T, ctx context.Context, srv *httptest.Server, who, token string, topics ...string) *rtClient {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/realtime", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s: connect: %v", who, err)
	}
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("%s: connect: %d %s", who, res.StatusCode, res.Header.Get("Content-Type"))
	}
	c := &rtClient{t: t, who: who, events: make(chan sseEvent, 100)}
	go func() {
		defer res.Body.Close()
		defer close(c.events)
		r := bufio.NewReader(res.Body)
		var ev sseEvent
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimRight(line, "\r\n")
			switch {
			case line == "":
				if ev.Name != "" {
					c.events <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "event:"):
				ev.Name = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
			case strings.HasPrefix(line, "data:"):
				ev.Data = append(ev.Data, strings.TrimSpace(strings.TrimPrefix(line, "data:"))...)
			}
		}
	}()

	var connect sseEvent
	select {
	case connect = <-c.events:
	case <-time.After(5 * time.Second):
		t.Fatalf("%s: no PB_CONNECT", who)
	}
	var hello struct {
		ClientId string `json:"clientId"`
	}
	if connect.Name != "PB_CONNECT" || json.Unmarshal(connect.Data, &hello) != nil || hello.ClientId == "" {
		t.Fatalf("%s: first event %s %s", who, connect.Name, connect.Data)
	}

	status, body := httpJSON(t, srv, http.MethodPost, "/api/realtime", token,
		map[string]any{"clientId": hello.ClientId, "subscriptions": topics})
	if status != http.StatusNoContent {
		t.Fatalf("%s: subscribe: %d %s", who, status, body)
	}
	return c
}

// until reads events until cond holds for what was received, or fails after timeout.
func (c *rtClient) until(what string, cond func([]recordEvent) bool) {
	c.t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		c.mu.Lock()
		ok := cond(c.got)
		c.mu.Unlock()
		if ok {
			return
		}
		select {
		case ev, open := <-c.events:
			if !open {
				c.t.Fatalf("%s: stream closed waiting for %s; got %v", c.who, what, c.summary())
			}
			c.add(ev)
		case <-timeout:
			c.t.Fatalf("%s: no %s within 5s; got %v", c.who, what, c.summary())
		}
	}
}

// drain takes whatever arrives within d.
func (c *rtClient) drain(d time.Duration) []recordEvent {
	c.t.Helper()
	timeout := time.After(d)
	for {
		select {
		case ev, open := <-c.events:
			if !open {
				return c.all()
			}
			c.add(ev)
		case <-timeout:
			return c.all()
		}
	}
}

func (c *rtClient) add(ev sseEvent) {
	c.t.Helper()
	var re recordEvent
	if err := json.Unmarshal(ev.Data, &re); err != nil {
		c.t.Fatalf("%s: event %s: %v (%s)", c.who, ev.Name, err, ev.Data)
	}
	re.Topic = ev.Name
	c.mu.Lock()
	c.got = append(c.got, re)
	c.mu.Unlock()
}

func (c *rtClient) all() []recordEvent {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]recordEvent(nil), c.got...)
}

func (c *rtClient) summary() []string {
	all := c.all()
	out := make([]string, 0, len(all))
	for _, e := range all {
		out = append(out, e.Topic+":"+e.Action+":"+str(e.Record["id"]))
	}
	return out
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// has reports whether an event on topic with action exists whose record matches.
func has(list []recordEvent, topic, action string, match func(map[string]any) bool) bool {
	for _, e := range list {
		if e.Topic == topic && e.Action == action && match(e.Record) {
			return true
		}
	}
	return false
}

func httpJSON(t *testing.T, srv *httptest.Server, method, path, token string, body any) (int, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, srv.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, raw
}

// buy checks out one unit of sku for the buyer and pays it with the sandbox,
// over HTTP, and returns the order id.
func buy(t *testing.T, srv *httptest.Server, app core.App, buyer *core.Record, token string, sku *core.Record) string {
	t.Helper()
	addr := tests.Save(t, app, "addresses", map[string]any{"user": buyer.Id, "name": "张三", "phone": "13800000000",
		"province": "浙江省", "detail": "西湖区1号", "is_default": true})
	status, raw := httpJSON(t, srv, http.MethodPost, "/api/shop/checkout", token,
		map[string]any{"address": addr.Id, "items": []map[string]any{{"sku": sku.Id, "quantity": 1}}})
	var order struct {
		Id string `json:"id"`
	}
	if status != 200 || json.Unmarshal(raw, &order) != nil || order.Id == "" {
		t.Fatalf("checkout: %d %s", status, raw)
	}
	status, raw = httpJSON(t, srv, http.MethodPost, "/api/shop/orders/"+order.Id+"/pay", token, map[string]any{"method": "sandbox"})
	if status != 200 || !strings.Contains(string(raw), `"paid":true`) {
		t.Fatalf("pay: %d %s", status, raw)
	}
	return order.Id
}

// A distributor subscribed to commissions, notifications and wallets over
// the realtime API is told the moment a downline purchase earns them
// commission (levels 1 and 2 alike); a distributor outside the chain and
// the buyer, subscribed to the same topics, receive nothing of it.
func TestRealtimeCommissionReachesOnlyTheUplines(t *testing.T) {
	e := newEnv(t)
	sandboxpay.MustRegister(e.app, sandboxpay.Config{})

	a, aTok := e.user("A", true, nil)
	b, bTok := e.user("B", true, a)
	d, dTok := e.user("D", false, b)
	x, xTok := e.user("X", true, nil) // unrelated distributor
	y, yTok := e.user("Y", false, x)  // X's own downline

	p := tests.Save(t, e.app, "products", map[string]any{"title": "保温杯", "status": "on"})
	sku := tests.Save(t, e.app, "skus", map[string]any{"product": p.Id, "price": 10000, "stock": 10, "spec_text": "红"})

	srv := httptest.NewServer(tests.NewClient(t, e.app).Handler)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() {
		cancel() // end the SSE requests first: Close waits for them
		srv.Close()
	})

	topics := []string{"commissions", "notifications", "wallets"}
	rtA := connectRealtime(t, ctx, srv, "A", aTok, topics...)
	rtB := connectRealtime(t, ctx, srv, "B", bTok, topics...)
	rtD := connectRealtime(t, ctx, srv, "D", dTok, topics...)
	rtX := connectRealtime(t, ctx, srv, "X", xTok, topics...)

	orderId := buy(t, srv, e.app, d, dTok, sku)

	commissionsOf := func(order, user string) map[string]int {
		rows, err := e.app.FindRecordsByFilter("commissions", "order = {:o} && beneficiary = {:u}", "", 0, 0, dbx.Params{"o": order, "u": user})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		for _, r := range rows {
			out[r.Id] = r.GetInt("amount")
		}
		return out
	}
	for _, up := range []struct {
		who   string
		user  *core.Record
		rt    *rtClient
		level float64
	}{{"B", b, rtB, 1}, {"A", a, rtA, 2}} {
		rows := commissionsOf(orderId, up.user.Id)
		if len(rows) != 1 {
			t.Fatalf("%s has %d commissions on the order", up.who, len(rows))
		}
		for id, amount := range rows {
			up.rt.until("the commission create", func(got []recordEvent) bool {
				return has(got, "commissions", "create", func(r map[string]any) bool {
					return r["id"] == id && r["beneficiary"] == up.user.Id && r["order"] == orderId &&
						r["level"] == up.level && r["amount"] == float64(amount) && r["status"] == "frozen"
				})
			})
		}
		up.rt.until("the commission notification", func(got []recordEvent) bool {
			return has(got, "notifications", "create", func(r map[string]any) bool {
				return r["user"] == up.user.Id && r["kind"] == "commission" && r["ref"] == orderId
			})
		})
		up.rt.until("the wallet change", func(got []recordEvent) bool {
			return has(got, "wallets", "update", func(r map[string]any) bool {
				return r["user"] == up.user.Id && r["frozen"].(float64) > 0
			})
		})
	}

	// X's stream is live (it hears about its own downline's order) but never
	// about D's; everything X, D, A and B receive is their own
	yOrder := buy(t, srv, e.app, y, yTok, sku)
	rtX.until("X's own commission", func(got []recordEvent) bool {
		return has(got, "commissions", "create", func(r map[string]any) bool { return r["order"] == yOrder })
	})
	for _, c := range []struct {
		rt   *rtClient
		user *core.Record
	}{{rtX, x}, {rtD, d}, {rtA, a}, {rtB, b}} {
		for _, ev := range c.rt.drain(150 * time.Millisecond) {
			owner := ev.Record["user"]
			if ev.Topic == "commissions" {
				owner = ev.Record["beneficiary"]
			}
			if owner != c.user.Id {
				t.Errorf("%s received %s %s of %v: %v", c.rt.who, ev.Topic, ev.Action, owner, ev.Record)
			}
		}
	}
	for _, c := range []*rtClient{rtA, rtB, rtD, rtX} {
		t.Logf("%s received %v", c.who, c.summary())
	}
	for _, ev := range rtX.all() {
		if ev.Record["order"] == orderId || ev.Record["ref"] == orderId {
			t.Errorf("X received an event of D's order: %s %v", ev.Topic, ev.Record)
		}
	}
	if has(rtD.all(), "commissions", "create", func(map[string]any) bool { return true }) {
		t.Errorf("the buyer received a commission event: %v", rtD.summary())
	}
	e.audit()
}
