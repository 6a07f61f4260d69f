package shop_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/robfig/cron/v3"

	"fenxiao/hooks/shop"
	"fenxiao/tests"
)

// logBuffer collects JSON log lines; slog handlers may write from several goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// lines returns the decoded log records.
func (b *logBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(b.buf.String()), "\n") {
		if l == "" {
			continue
		}
		m := map[string]any{}
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

// loggedApp is an app whose logger writes to a buffer. The runner only
// needs the logger, so the jobs of these tests run without a database.
type loggedApp struct {
	core.App
	logger *slog.Logger
}

func (a *loggedApp) Logger() *slog.Logger { return a.logger }

func newLoggedApp(inner core.App) (*loggedApp, *logBuffer) {
	buf := &logBuffer{}
	return &loggedApp{App: inner, logger: slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))}, buf
}

// blockingJob returns a job that signals started and waits for release.
func blockingJob(name string, runs *atomic.Int32) (shop.Job, chan struct{}, chan struct{}) {
	started, release := make(chan struct{}, 10), make(chan struct{})
	return shop.Job{
		Name:     name,
		Schedule: "* * * * *",
		Run: func(core.App) (string, error) {
			runs.Add(1)
			started <- struct{}{}
			<-release
			return "did it", nil
		},
	}, started, release
}

func waitStarted(t *testing.T, started chan struct{}) {
	t.Helper()
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("the job never started")
	}
}

// A job never overlaps itself: a second run while the first is in progress
// is skipped (not queued) and logged; once the first ends the job runs again.
// Other jobs are not blocked by it.
func TestRunJobSkipsOverlappingRun(t *testing.T) {
	s := shop.New()
	app, logs := newLoggedApp(nil)
	var runs atomic.Int32
	job, started, release := blockingJob("slow", &runs)
	s.RegisterJob(job)
	var otherRuns atomic.Int32
	s.RegisterJob(shop.Job{Name: "other", Schedule: "* * * * *", Run: func(core.App) (string, error) {
		otherRuns.Add(1)
		return "other done", nil
	}})

	first := make(chan shop.JobResult, 1)
	go func() {
		res, err := s.RunJob(app, "slow")
		if err != nil {
			t.Errorf("first run: %v", err)
		}
		first <- res
	}()
	waitStarted(t, started)

	for i := 0; i < 3; i++ {
		res, err := s.RunJob(app, "slow")
		if err != nil || !res.Skipped || res.Job != "slow" || res.Summary != "still running; skipped" || res.Error != "" {
			t.Fatalf("overlapping run %d: %+v, %v", i, res, err)
		}
	}
	if res, err := s.RunJob(app, "other"); err != nil || res.Skipped || res.Summary != "other done" {
		t.Fatalf("another job while slow runs: %+v, %v", res, err)
	}
	if n := runs.Load(); n != 1 {
		t.Fatalf("slow ran %d times while running, want 1", n)
	}

	close(release)
	res := <-first
	if res.Skipped || res.Summary != "did it" || res.Duration <= 0 {
		t.Fatalf("first run: %+v", res)
	}

	// the lock is released: the next run happens
	again, err := s.RunJob(app, "slow")
	if err != nil || again.Skipped || again.Summary != "did it" {
		t.Fatalf("run after the first ended: %+v, %v", again, err)
	}
	if n := runs.Load(); n != 2 {
		t.Fatalf("slow ran %d times, want 2", n)
	}

	// one log line per run: 3 skips (warn), 3 done (info: slow, other, slow)
	var skipped, done int
	for _, l := range logs.lines(t) {
		switch l["msg"] {
		case "job skipped: previous run still in progress":
			if l["level"] != "WARN" || l["job"] != "slow" {
				t.Errorf("skip line %v", l)
			}
			skipped++
		case "job done":
			done++
		}
	}
	if skipped != 3 || done != 3 {
		t.Fatalf("%d skip and %d done log lines, want 3 and 3: %v", skipped, done, logs.lines(t))
	}
}

// Parallel callers (scheduler tick, admin route, CLI) racing for one job:
// exactly one runs, the others are skipped.
func TestRunJobParallelCallersRunOnce(t *testing.T) {
	s := shop.New()
	app, _ := newLoggedApp(nil)
	var runs atomic.Int32
	job, started, release := blockingJob("race", &runs)
	s.RegisterJob(job)

	var wg sync.WaitGroup
	var skipped atomic.Int32
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := s.RunJob(app, "race")
			if err != nil {
				t.Errorf("run: %v", err)
			}
			if res.Skipped {
				skipped.Add(1)
			}
		}()
	}
	waitStarted(t, started)
	// everyone but the runner gives up without waiting for it
	deadline := time.Now().Add(5 * time.Second)
	for skipped.Load() != 19 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	if runs.Load() != 1 || skipped.Load() != 19 {
		t.Fatalf("%d runs, %d skipped; want 1 and 19", runs.Load(), skipped.Load())
	}
}

// A panicking job is recovered: RunJob returns an error naming the job and
// the panic, logs it with a stack, and the job can run again afterwards.
func TestRunJobRecoversPanic(t *testing.T) {
	s := shop.New()
	app, logs := newLoggedApp(nil)
	var calls atomic.Int32
	s.RegisterJob(shop.Job{Name: "boom", Schedule: "0 * * * *", Run: func(core.App) (string, error) {
		if calls.Add(1) == 1 {
			var m map[string]int
			//lint:ignore SA5000 the panic is the point of this job
			m["x"] = 1 //nolint:staticcheck // SA5000: a runtime panic, not just panic("...")
		}
		return "fine now", nil
	}})

	res, err := s.RunJob(app, "boom")
	if err == nil || !strings.Contains(err.Error(), "job boom panicked") || !strings.Contains(err.Error(), "nil map") {
		t.Fatalf("panicking run: err %v", err)
	}
	if res.Job != "boom" || res.Error != err.Error() || res.Skipped || res.Summary != "" {
		t.Fatalf("panicking run result %+v", res)
	}

	// not left locked
	res, err = s.RunJob(app, "boom")
	if err != nil || res.Skipped || res.Summary != "fine now" {
		t.Fatalf("run after the panic: %+v, %v", res, err)
	}

	var panicked int
	for _, l := range logs.lines(t) {
		if l["msg"] == "job panicked" {
			panicked++
			if l["level"] != "ERROR" || l["job"] != "boom" || !strings.Contains(l["panic"].(string), "nil map") ||
				!strings.Contains(l["stack"].(string), "jobs_test.go") {
				t.Errorf("panic log line %v", l)
			}
		}
	}
	if panicked != 1 {
		t.Fatalf("%d panic log lines, want 1", panicked)
	}
}

// A job's error is returned with its summary and logged once.
func TestRunJobError(t *testing.T) {
	s := shop.New()
	app, logs := newLoggedApp(nil)
	s.RegisterJob(shop.Job{Name: "half", Schedule: "0 * * * *", Run: func(core.App) (string, error) {
		return "3 done, 1 failed", errors.New("order x: database is locked")
	}})
	res, err := s.RunJob(app, "half")
	if err == nil || res.Summary != "3 done, 1 failed" || res.Error != "order x: database is locked" {
		t.Fatalf("failing job: %+v, %v", res, err)
	}
	if _, err := s.RunJob(app, "nosuchjob"); err == nil || !strings.Contains(err.Error(), "job_not_found") {
		t.Fatalf("unknown job: %v", err)
	}
	var failed int
	for _, l := range logs.lines(t) {
		if l["msg"] == "job failed" && l["job"] == "half" && l["level"] == "ERROR" {
			failed++
		}
	}
	if failed != 1 {
		t.Fatalf("%d failure log lines, want 1: %v", failed, logs.lines(t))
	}
}

func TestRegisterJobRefusesDuplicatesAndBadSchedules(t *testing.T) {
	s := shop.New()
	ok := func(core.App) (string, error) { return "", nil }
	s.RegisterJob(shop.Job{Name: "a", Schedule: "0 2 * * *", Run: ok})
	for _, j := range []shop.Job{
		{Name: "a", Schedule: "0 3 * * *", Run: ok},
		{Name: "b", Schedule: "0 2 * *", Run: ok},
		{Name: "c", Schedule: "61 * * * *", Run: ok},
		{Name: "d", Schedule: "every day", Run: ok},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("RegisterJob(%q, %q) did not panic", j.Name, j.Schedule)
				}
			}()
			s.RegisterJob(j)
		}()
	}
	if jobs := s.Jobs(); len(jobs) != 1 || jobs[0].Name != "a" {
		t.Fatalf("jobs %v", jobs)
	}
}

func TestShopTimeZoneIsShanghai(t *testing.T) {
	winter := time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC).In(shop.ShopTimeZone)
	summer := time.Date(2026, 7, 15, 12, 0, 0, 0, time.UTC).In(shop.ShopTimeZone)
	for _, at := range []time.Time{winter, summer} {
		if _, off := at.Zone(); off != 8*3600 {
			t.Fatalf("offset at %v is %d s, want +8h (no DST)", at, off)
		}
	}
}

// Schedules are read in Asia/Shanghai whatever the server's zone: "0 2 * * *"
// is 02:00 in Beijing, 18:00 UTC the day before.
func TestSchedulesAreShanghaiTime(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, shop.ShopTimeZone)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		schedule, from, next string
	}{
		{"0 2 * * *", "2026-03-10 01:59", "2026-03-10 02:00"},
		{"0 2 * * *", "2026-03-10 02:00", "2026-03-11 02:00"},
		{"30 2 * * *", "2026-12-31 23:00", "2027-01-01 02:30"}, // commission_settle
		{"10 0 * * *", "2026-06-30 23:59", "2026-07-01 00:10"}, // leaderboard_snapshot: just after midnight in Beijing
		{"0 9 * * 1", "2026-11-25 10:00", "2026-11-30 09:00"},  // Mondays (2026-11-25 is a Wednesday)
		{"0 0 1 * *", "2026-02-15 00:00", "2026-03-01 00:00"},  // monthly
		{"*/10 * * * *", "2026-03-10 01:51", "2026-03-10 02:00"},
	}
	for _, tc := range cases {
		sched, err := cron.ParseStandard(tc.schedule)
		if err != nil {
			t.Fatal(err)
		}
		// the scheduler asks with its own clock, which is in the shop's zone
		got := sched.Next(at(tc.from).In(shop.ShopTimeZone))
		if want := at(tc.next); !got.Equal(want) {
			t.Errorf("%q after %s: next %s, want %s", tc.schedule, tc.from, got.In(shop.ShopTimeZone), want)
		}
	}
	if got := at("2026-03-10 02:00").UTC().Format("2006-01-02 15:04"); got != "2026-03-09 18:00" {
		t.Fatalf("02:00 Beijing is %s UTC", got)
	}
}

// The scheduler StartScheduler returns runs in Asia/Shanghai even when the
// process's local zone is another one, and each entry goes through RunJob:
// a scheduled tick during a manual run is skipped and a scheduled panic
// does not take the process down.
func TestStartSchedulerUsesShanghaiAndTheRunner(t *testing.T) {
	oldLocal := time.Local
	time.Local = time.FixedZone("Elsewhere", -5*3600)
	defer func() { time.Local = oldLocal }()

	s := shop.New()
	app, logs := newLoggedApp(nil)
	var runs atomic.Int32
	slow, started, release := blockingJob("nightly", &runs)
	slow.Schedule = "0 2 * * *"
	s.RegisterJob(slow)
	s.RegisterJob(shop.Job{Name: "panicky", Schedule: "0 3 * * *", Run: func(core.App) (string, error) { panic("scheduled boom") }})

	c, err := s.StartScheduler(app)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()

	if c.Location().String() != shop.ShopTimeZone.String() {
		t.Fatalf("scheduler location %s", c.Location())
	}
	entries := c.Entries()
	if len(entries) != 2 {
		t.Fatalf("%d entries", len(entries))
	}
	byHour := map[int]cron.Entry{}
	now := time.Now()
	for _, e := range entries {
		next := e.Next.In(shop.ShopTimeZone)
		if next.Minute() != 0 || next.Sub(now) <= 0 || next.Sub(now) > 24*time.Hour {
			t.Fatalf("next run %s (now %s)", next, now)
		}
		byHour[next.Hour()] = e
	}
	nightly, ok2 := byHour[2]
	panicky, ok3 := byHour[3]
	if !ok2 || !ok3 {
		t.Fatalf("next runs are not at 02:00 and 03:00 Beijing: %v", entries)
	}
	if h := nightly.Next.UTC().Hour(); h != 18 {
		t.Fatalf("02:00 Beijing scheduled at %02d:00 UTC", h)
	}

	// a manual run holds the job; the scheduled tick (the entry's own func) is skipped
	manual := make(chan shop.JobResult, 1)
	go func() {
		res, _ := s.RunJob(app, "nightly")
		manual <- res
	}()
	waitStarted(t, started)
	nightly.Job.Run()
	close(release)
	if res := <-manual; res.Summary != "did it" {
		t.Fatalf("manual run %+v", res)
	}
	if runs.Load() != 1 {
		t.Fatalf("nightly ran %d times, want 1", runs.Load())
	}

	// a scheduled panic is recovered by the runner (robfig/cron's default does not recover)
	panicky.Job.Run()

	var skipped, panicked bool
	for _, l := range logs.lines(t) {
		skipped = skipped || (l["msg"] == "job skipped: previous run still in progress" && l["job"] == "nightly")
		panicked = panicked || (l["msg"] == "job panicked" && l["job"] == "panicky")
	}
	if !skipped || !panicked {
		t.Fatalf("logs: skipped %v, panicked %v: %v", skipped, panicked, logs.lines(t))
	}
}

// Every job the core registers has a schedule the scheduler accepts and
// that fires at least daily in Shanghai time.
func TestCoreJobsSchedules(t *testing.T) {
	_, s := tests.NewShopApp(t)
	jobs := s.Jobs()
	names := map[string]bool{}
	for _, j := range jobs {
		names[j.Name] = true
		sched, err := cron.ParseStandard(j.Schedule)
		if err != nil {
			t.Fatalf("%s: %v", j.Name, err)
		}
		from := time.Date(2026, 3, 10, 0, 0, 0, 0, shop.ShopTimeZone)
		next := sched.Next(from)
		if next.Location() != shop.ShopTimeZone || next.Sub(from) > 24*time.Hour {
			t.Errorf("%s (%s): next run %s", j.Name, j.Schedule, next)
		}
		if j.Description == "" || j.Run == nil {
			t.Errorf("%s has no description or run func", j.Name)
		}
	}
	for _, want := range []string{"auto_cancel", "auto_confirm", "binding_lapse", "payment_reconcile", "refund_reconcile"} {
		if !names[want] {
			t.Errorf("core job %s not registered (have %v)", want, names)
		}
	}
}

// GET/POST /api/shop/admin/jobs[/{name}] is for superusers only.
func TestAdminJobsRoute(t *testing.T) {
	app, s := tests.NewShopApp(t)
	_, suTok := tests.Superuser(t, app)
	_, userTok := tests.User(t, app, "user@test.local", nil)

	var runs atomic.Int32
	slow, started, release := blockingJob("test_slow", &runs)
	s.RegisterJob(slow)
	s.RegisterJob(shop.Job{Name: "test_boom", Schedule: "0 4 * * *", Description: "panics", Run: func(core.App) (string, error) {
		panic("kaboom")
	}})
	s.RegisterJob(shop.Job{Name: "test_fail", Schedule: "0 4 * * *", Description: "fails", Run: func(core.App) (string, error) {
		return "1 done, 1 failed", errors.New("row x: broken")
	}})
	c := tests.NewClient(t, app)

	// anonymous 401, user 403, on every route; nothing ran
	for _, req := range [][2]string{
		{http.MethodGet, "/api/shop/admin/jobs"},
		{http.MethodPost, "/api/shop/admin/jobs/test_slow"},
		{http.MethodPost, "/api/shop/admin/jobs/auto_cancel"},
		{http.MethodPost, "/api/shop/admin/jobs/nosuchjob"},
	} {
		if res := c.Do(req[0], req[1], nil, ""); res.Status != 401 {
			t.Errorf("anonymous %s %s: %d %s", req[0], req[1], res.Status, res.Raw)
		}
		if res := c.Do(req[0], req[1], nil, userTok); res.Status != 403 {
			t.Errorf("user %s %s: %d %s", req[0], req[1], res.Status, res.Raw)
		}
	}
	if runs.Load() != 0 {
		t.Fatal("a user's request ran a job")
	}

	// the list
	res := c.Do(http.MethodGet, "/api/shop/admin/jobs", nil, suTok)
	if res.Status != 200 {
		t.Fatalf("list: %d %s", res.Status, res.Raw)
	}
	listed := map[string]map[string]any{}
	for _, v := range res.List {
		m := v.(map[string]any)
		listed[m["name"].(string)] = m
	}
	if len(listed) != len(s.Jobs()) || listed["auto_cancel"]["schedule"] != "* * * * *" ||
		listed["test_boom"]["description"] != "panics" || listed["auto_confirm"]["description"] == "" {
		t.Fatalf("list: %s", res.Raw)
	}

	// run a core job
	res = c.Do(http.MethodPost, "/api/shop/admin/jobs/auto_cancel", nil, suTok)
	if res.Status != 200 || res.Body["job"] != "auto_cancel" || !strings.HasPrefix(res.Body["summary"].(string), "0 cancelled") {
		t.Fatalf("run auto_cancel: %d %s", res.Status, res.Raw)
	}

	// unknown job: 404 with the stable code
	res = c.Do(http.MethodPost, "/api/shop/admin/jobs/nosuchjob", nil, suTok)
	if res.Status != 404 || res.Code() != "job_not_found" {
		t.Fatalf("unknown job: %d %s", res.Status, res.Raw)
	}

	// a panic is recovered and reported; the server keeps serving
	res = c.Do(http.MethodPost, "/api/shop/admin/jobs/test_boom", nil, suTok)
	if res.Status != 500 || !strings.Contains(res.Body["error"].(string), "kaboom") || res.Body["job"] != "test_boom" {
		t.Fatalf("panicking job: %d %s", res.Status, res.Raw)
	}
	res = c.Do(http.MethodPost, "/api/shop/admin/jobs/test_fail", nil, suTok)
	if res.Status != 500 || res.Body["summary"] != "1 done, 1 failed" || res.Body["error"] != "row x: broken" {
		t.Fatalf("failing job: %d %s", res.Status, res.Raw)
	}

	// an admin run while the job is running (scheduler, CLI) is skipped, not queued
	done := make(chan shop.JobResult, 1)
	go func() {
		r, _ := s.RunJob(app, "test_slow")
		done <- r
	}()
	waitStarted(t, started)
	res = c.Do(http.MethodPost, "/api/shop/admin/jobs/test_slow", nil, suTok)
	if res.Status != 200 || res.Body["skipped"] != true {
		t.Fatalf("overlapping admin run: %d %s", res.Status, res.Raw)
	}
	close(release)
	<-done
	res = c.Do(http.MethodPost, "/api/shop/admin/jobs/test_slow", nil, suTok)
	if res.Status != 200 || res.Body["skipped"] == true || res.Body["summary"] != "did it" {
		t.Fatalf("admin run: %d %s", res.Status, res.Raw)
	}
	if runs.Load() != 2 {
		t.Fatalf("test_slow ran %d times, want 2", runs.Load())
	}
}
