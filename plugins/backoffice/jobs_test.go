package backoffice

import (
	"net/http"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/tests"
)

// The jobs route answers a run in flight with its progress, and null once
// it has ended (with the run recorded as the last one).
func TestJobsRouteShowsProgress(t *testing.T) {
	app, client := newApp(t)
	_, token := tests.Superuser(t, app)
	s := shop.Get(app)
	reported, release := make(chan struct{}), make(chan struct{})
	s.RegisterJob(shop.Job{Name: "zz_backlog", Schedule: "0 3 * * *", Description: "test backlog", Run: func(core.App) (string, error) {
		s.ReportJobProgress("zz_backlog", 250, 1000)
		close(reported)
		<-release
		return "done 1000", nil
	}})
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.RunJob(app, "zz_backlog")
	}()
	select {
	case <-reported:
	case <-time.After(5 * time.Second):
		t.Fatal("the job never reported")
	}
	find := func() map[string]any {
		res := client.Do(http.MethodGet, "/api/shop/admin/reports/jobs", nil, token)
		mustStatus(t, res, http.StatusOK)
		for _, j := range res.List {
			if m := j.(map[string]any); m["name"] == "zz_backlog" {
				return m
			}
		}
		t.Fatalf("job missing: %s", res.Raw)
		return nil
	}
	r, ok := find()["running"].(map[string]any)
	if !ok || r["done"] != 250.0 || r["total"] != 1000.0 {
		t.Fatalf("running: %v", find())
	}
	close(release)
	<-done
	j := find()
	if j["running"] != nil || j["last"] == nil || j["last"].(map[string]any)["summary"] != "done 1000" {
		t.Fatalf("after the run: %v", j)
	}
}
