package tests

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// SSEEvent is one server-sent event of PocketBase's realtime API.
type SSEEvent struct {
	Name string
	Data map[string]any
}

// Record returns the event's record and action ({"action":..,"record":..}).
func (ev SSEEvent) Record() (string, map[string]any) {
	r, _ := ev.Data["record"].(map[string]any)
	a, _ := ev.Data["action"].(string)
	return a, r
}

// RealtimeClient is a realtime subscriber talking to a real HTTP server,
// as the JS SDK does: GET /api/realtime (SSE), then POST /api/realtime with
// the client id from PB_CONNECT and the topics.
type RealtimeClient struct {
	t      *testing.T
	events chan SSEEvent
}

func Subscribe(t *testing.T, baseURL, token string, topics ...string) *RealtimeClient {
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
	c := &RealtimeClient{t: t, events: make(chan SSEEvent, 64)}
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
		var ev SSEEvent
		var data bytes.Buffer
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.Name != "" {
					_ = json.Unmarshal(data.Bytes(), &ev.Data)
					c.events <- ev
				}
				ev, data = SSEEvent{}, bytes.Buffer{}
			case strings.HasPrefix(line, "event:"):
				ev.Name = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
			case strings.HasPrefix(line, "data:"):
				data.WriteString(strings.TrimPrefix(line, "data:"))
			}
		}
	}()

	connect := c.Next("PB_CONNECT")
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

// Next waits (at most 5 s) for the next event and checks its topic.
func (c *RealtimeClient) Next(topic string) SSEEvent {
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
	return SSEEvent{}
}

// Collect returns the events that arrive until want of them matched, or
// fails after 5 s.
func (c *RealtimeClient) Collect(want int, match func(SSEEvent) bool) []SSEEvent {
	c.t.Helper()
	var got, all []SSEEvent
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

// Quiet fails the test when any event arrives within d.
func (c *RealtimeClient) Quiet(d time.Duration) {
	c.t.Helper()
	select {
	case ev, ok := <-c.events:
		if ok {
			c.t.Fatalf("realtime: unexpected %s %v", ev.Name, ev.Data)
		}
	case <-time.After(d):
	}
}
