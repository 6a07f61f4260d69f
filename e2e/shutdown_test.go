package e2e

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestGracefulShutdown: a request in flight when the binary gets SIGTERM
// is answered in full even when it takes longer than PocketBase's own one
// second of grace, a request that arrives meanwhile gets 503
// shutting_down, and the process then exits cleanly.
func TestGracefulShutdown(t *testing.T) {
	s := StartShop(t, ShopOptions{})
	addr := strings.TrimPrefix(s.URL, "http://")

	// a sign-in whose body is still arriving: its handler is in flight
	body := fmt.Sprintf(`{"identity":%q,"password":%q}`, s.AdminEmail, s.AdminPassword)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/collections/_superusers/auth-with-password HTTP/1.1\r\nHost: %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", addr, len(body), body[:10])
	time.Sleep(200 * time.Millisecond)

	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)

	// a new request while stopping is refused with a code
	res, err := http.Get(s.URL + "/api/shop/info")
	if err != nil {
		t.Fatalf("new request while stopping: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("new request while stopping: %d", res.StatusCode)
	}

	// the rest of the body comes after PocketBase's own grace has passed
	time.Sleep(1200 * time.Millisecond)
	if _, err := conn.Write([]byte(body[10:])); err != nil {
		t.Fatalf("finish the body: %v", err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	answer, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the request in flight got no answer: %v\n%s", err, s.Log.String())
	}
	answer.Body.Close()
	if answer.StatusCode != http.StatusOK {
		t.Fatalf("the request in flight answered %d", answer.StatusCode)
	}

	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, s.Log.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("still running 20 s after SIGTERM\n%s", s.Log.String())
	}
}
