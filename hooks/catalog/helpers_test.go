package catalog_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/tests"
)

func TestMain(m *testing.M) { tests.Main(m) }

// product creates an on-shelf product (unless data says otherwise) with SKUs.
func product(tb testing.TB, app core.App, data map[string]any, skus ...map[string]any) (*core.Record, []*core.Record) {
	tb.Helper()
	if _, ok := data["status"]; !ok {
		data["status"] = "on"
	}
	p := tests.Save(tb, app, "products", data)
	records := make([]*core.Record, 0, len(skus))
	for _, s := range skus {
		s["product"] = p.Id
		records = append(records, tests.Save(tb, app, "skus", s))
	}
	return reload(tb, app, p), records
}

func reload(tb testing.TB, app core.App, r *core.Record) *core.Record {
	tb.Helper()
	fresh, err := app.FindRecordById(r.Collection(), r.Id)
	if err != nil {
		tb.Fatal(err)
	}
	return fresh
}

// setSettings changes shop settings fields.
func setSettings(tb testing.TB, app core.App, fields map[string]any) {
	tb.Helper()
	r, err := app.FindRecordById("shop_settings", "shopsettings001")
	if err != nil {
		tb.Fatal(err)
	}
	r.Load(fields)
	if err := app.Save(r); err != nil {
		tb.Fatal(err)
	}
}

// client sends requests to the app's router, with its OnServe routes bound.
type client struct {
	tb  testing.TB
	mux http.Handler
}

func newClient(tb testing.TB, app core.App) *client {
	tb.Helper()
	router, err := apis.NewRouter(app)
	if err != nil {
		tb.Fatal(err)
	}
	se := &core.ServeEvent{App: app, Router: router}
	c := &client{tb: tb}
	err = app.OnServe().Trigger(se, func(e *core.ServeEvent) error {
		mux, err := e.Router.BuildMux()
		c.mux = mux
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// do sends a request and decodes the JSON answer into a map (nil if empty).
func (c *client) do(method, url, token string, body any) (int, map[string]any) {
	c.tb.Helper()
	var reader *bytes.Reader
	if s, ok := body.(string); ok {
		reader = bytes.NewReader([]byte(s))
	} else if body != nil {
		raw, _ := json.Marshal(body)
		reader = bytes.NewReader(raw)
	} else {
		reader = bytes.NewReader(nil)
	}
	req := httptest.NewRequest(method, url, reader)
	req.Header.Set("content-type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	rec := httptest.NewRecorder()
	c.mux.ServeHTTP(rec, req)
	var out map[string]any
	if rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			c.tb.Fatalf("%s %s: not JSON: %s", method, url, rec.Body.String())
		}
	}
	return rec.Code, out
}

// errorCode returns data.<key>.code of a PocketBase error body.
func errorCode(body map[string]any) string {
	data, _ := body["data"].(map[string]any)
	for _, v := range data {
		if m, ok := v.(map[string]any); ok {
			if code, ok := m["code"].(string); ok {
				return code
			}
		}
	}
	return ""
}

func count(tb testing.TB, app core.App, collection, filter string) int {
	tb.Helper()
	n, err := app.CountRecords(collection)
	if filter != "" {
		records, ferr := app.FindRecordsByFilter(collection, filter, "", 0, 0)
		n, err = int64(len(records)), ferr
	}
	if err != nil {
		tb.Fatal(err)
	}
	return int(n)
}
