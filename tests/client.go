package tests

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
)

// Client calls the app's HTTP API in-process, through the same router and
// middlewares `serve` uses (routes bound in OnServe included).
type Client struct {
	tb      testing.TB
	Handler http.Handler
}

// Response is a decoded API response.
type Response struct {
	Status int
	Raw    []byte
	Body   map[string]any
	List   []any
}

// Code returns the stable error code of a shop error response
// ({"data":{"<field or error>":{"code":...}}}), or "".
func (r *Response) Code() string {
	data, _ := r.Body["data"].(map[string]any)
	for _, v := range data {
		if m, ok := v.(map[string]any); ok {
			if c, ok := m["code"].(string); ok {
				return c
			}
		}
	}
	return ""
}

// NewClient triggers the app's serve event once and returns a client for it.
func NewClient(tb testing.TB, app core.App) *Client {
	tb.Helper()
	router, err := apis.NewRouter(app)
	if err != nil {
		tb.Fatal(err)
	}
	var handler http.Handler
	se := &core.ServeEvent{App: app, Router: router}
	err = app.OnServe().Trigger(se, func(e *core.ServeEvent) error {
		mux, err := e.Router.BuildMux()
		if err != nil {
			return err
		}
		handler = mux
		return nil
	})
	if err != nil {
		tb.Fatalf("serve event: %v", err)
	}
	return &Client{tb: tb, Handler: handler}
}

// Do sends a request with an optional JSON body (any value, or a string sent
// as is) and auth token, and decodes the JSON answer.
func (c *Client) Do(method, url string, body any, token string) *Response {
	c.tb.Helper()
	var reader io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		reader = bytes.NewBufferString(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			c.tb.Fatal(err)
		}
		reader = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, url, reader)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	rec := httptest.NewRecorder()
	c.Handler.ServeHTTP(rec, req)

	res := &Response{Status: rec.Code, Raw: rec.Body.Bytes()}
	if len(res.Raw) > 0 {
		if res.Raw[0] == '[' {
			_ = json.Unmarshal(res.Raw, &res.List)
		} else {
			_ = json.Unmarshal(res.Raw, &res.Body)
		}
	}
	return res
}
