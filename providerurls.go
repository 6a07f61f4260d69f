package main

import (
	"net/http"
	"net/url"
	"time"
)

// apiRedirect sends every request of a provider SDK with a fixed host
// (WeChat Pay's api.mch.weixin.qq.com) to another base URL, keeping path
// and query: for a proxy in front of the provider, or for a fake provider
// in black-box tests of the binary.
type apiRedirect struct {
	target *url.URL
	next   http.RoundTripper
}

func (rt apiRedirect) RoundTrip(r *http.Request) (*http.Response, error) {
	r2 := r.Clone(r.Context())
	r2.URL.Scheme, r2.URL.Host, r2.Host = rt.target.Scheme, rt.target.Host, rt.target.Host
	return rt.next.RoundTrip(r2)
}

// redirectedClient is an *http.Client for base (nil when base is "" or
// not an absolute URL, leaving the SDK's default).
func redirectedClient(base string) *http.Client {
	u, err := url.Parse(base)
	if base == "" || err != nil || u.Scheme == "" || u.Host == "" {
		return nil
	}
	return &http.Client{
		Transport: apiRedirect{target: u, next: http.DefaultTransport},
		Timeout:   15 * time.Second,
	}
}
