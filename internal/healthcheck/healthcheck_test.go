package healthcheck

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestRun(t *testing.T) {
	healthy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/health" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(`{"code":200,"message":"API is healthy."}`))
	}))
	defer healthy.Close()
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer failing.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()

	for _, tc := range []struct {
		name string
		args []string
		want int
	}{
		{"healthy", []string{"--url", healthy.URL + "/api/health"}, 0},
		{"503", []string{"--url", failing.URL + "/api/health"}, 1},
		{"nobody listening", []string{"--url", closed.URL + "/api/health"}, 1},
		{"unknown flag", []string{"--nope"}, 2},
	} {
		var stderr bytes.Buffer
		if got := Run(tc.args, &stderr); got != tc.want {
			t.Errorf("%s: exit %d, want %d (%s)", tc.name, got, tc.want, stderr.String())
		}
	}
}
