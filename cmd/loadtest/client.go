package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// client sends the shop's JSON requests and records each one in stats
// under its step name.
type client struct {
	base  string
	http  *http.Client
	stats *stats

	// gate lets the killer stop new requests while the shop restarts and
	// is checked: each request holds it shared for its whole round trip
	gate sync.RWMutex
}

func newClient(base string, conns int, st *stats) *client {
	return &client{
		base:  base,
		stats: st,
		http: &http.Client{
			Timeout: 30 * time.Second,
			Transport: &http.Transport{
				MaxIdleConns:        conns,
				MaxIdleConnsPerHost: conns,
				IdleConnTimeout:     90 * time.Second,
			},
		},
	}
}

// apiError is a refused or failed request: an HTTP status with the shop's
// error code, or a transport failure (status 0) whose outcome is unknown.
type apiError struct {
	Step    string
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("%s: %s", e.Step, e.Message)
	}
	return fmt.Sprintf("%s: %d %s %s", e.Step, e.Status, e.Code, e.Message)
}

// unknown says the request may or may not have been carried out.
func unknown(err error) bool {
	var ae *apiError
	return errors.As(err, &ae) && (ae.Status == 0 || ae.Status >= 500)
}

// do sends one request; a 2xx answer is decoded into out, anything else
// becomes an *apiError. step "" keeps the request out of the figures
// (seeding, checks).
func (c *client) do(ctx context.Context, step, method, path, token string, body, out any) error {
	c.gate.RLock()
	defer c.gate.RUnlock()

	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	start := time.Now()
	res, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		ae := &apiError{Step: step, Code: "transport", Message: err.Error()}
		c.stats.fail(step, ae)
		// a client backs off before its next try (the shop may be restarting)
		time.Sleep(20 * time.Millisecond)
		return ae
	}
	raw, err := io.ReadAll(res.Body)
	res.Body.Close()
	took := time.Since(start)
	if err != nil {
		ae := &apiError{Step: step, Code: "transport", Message: err.Error()}
		c.stats.fail(step, ae)
		return ae
	}
	if res.StatusCode/100 != 2 {
		ae := &apiError{Step: step, Status: res.StatusCode, Code: errorCode(raw), Message: string(truncate(raw, 300))}
		c.stats.fail(step, ae)
		return ae
	}
	c.stats.ok(step, took)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("%s %s: %v", method, path, err)
		}
	}
	return nil
}

// errorCode finds the stable code of the shop's error shape
// ({"data":{"error":{"code"}}} or a field's {"data":{"field":{"code"}}}).
func errorCode(raw []byte) string {
	var body struct {
		Data map[string]struct {
			Code string `json:"code"`
		} `json:"data"`
	}
	if json.Unmarshal(raw, &body) != nil {
		return "-"
	}
	if e, ok := body.Data["error"]; ok && e.Code != "" {
		return e.Code
	}
	for field, e := range body.Data {
		if e.Code != "" {
			return field + "." + e.Code
		}
	}
	return "-"
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}
