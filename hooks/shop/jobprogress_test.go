package shop_test

import (
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
)

// A running job's progress is visible while it runs, only for its own
// shop, and gone once it ends; progress reported outside a run is dropped.
func TestJobProgress(t *testing.T) {
	s, other := shop.New(), shop.New()
	app, _ := newLoggedApp(nil)
	reported := make(chan struct{})
	release := make(chan struct{})
	s.RegisterJob(shop.Job{Name: "backlog", Schedule: "0 * * * *", Run: func(core.App) (string, error) {
		s.ReportJobProgress("backlog", 0, 0)
		s.ReportJobProgress("backlog", 400, 1000)
		close(reported)
		<-release
		return "done", nil
	}})

	s.ReportJobProgress("backlog", 5, 10) // not running: ignored
	if got := s.RunningJobs(); len(got) != 0 {
		t.Fatalf("before the run: %+v", got)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.RunJob(app, "backlog")
	}()
	select {
	case <-reported:
	case <-time.After(5 * time.Second):
		t.Fatal("the job never reported")
	}
	got := s.RunningJobs()
	if len(got) != 1 || got[0].Job != "backlog" || got[0].Done != 400 || got[0].Total != 1000 || got[0].Started.IsZero() {
		t.Fatalf("while running: %+v", got)
	}
	if o := other.RunningJobs(); len(o) != 0 {
		t.Fatalf("another shop sees %+v", o)
	}
	close(release)
	<-done
	if got := s.RunningJobs(); len(got) != 0 {
		t.Fatalf("after the run: %+v", got)
	}
	s.ReportJobProgress("backlog", 1000, 1000)
	if got := s.RunningJobs(); len(got) != 0 {
		t.Fatalf("a report after the run revived it: %+v", got)
	}
}
