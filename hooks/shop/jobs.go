package shop

import (
	"fmt"
	"log/slog"
	"runtime/debug"
	"sort"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/robfig/cron/v3"
)

// Job is a scheduled piece of shop work (auto-cancel, settlement, ...).
//
// Every job can also be run on demand (CLI `jobs run NAME`, admin route);
// a job never runs twice at the same time, whoever starts it.
type Job struct {
	// Name identifies the job, e.g. "auto_cancel".
	Name string

	// Schedule is a 5-field cron expression in Asia/Shanghai time.
	Schedule string

	// Description says what the job does, for `jobs list` and the admin route.
	Description string

	// Run does the work and returns a one-line summary of what it did.
	Run func(app core.App) (string, error)

	running *sync.Mutex
}

// JobResult is what one run of a job did.
type JobResult struct {
	Job      string        `json:"job"`
	Summary  string        `json:"summary"`
	Error    string        `json:"error,omitempty"`
	Skipped  bool          `json:"skipped,omitempty"`
	Duration time.Duration `json:"duration"`
}

// ShopTimeZone is the shop's wall-clock zone for schedules and day boundaries.
var ShopTimeZone = mustLoadLocation("Asia/Shanghai")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		// note: main imports time/tzdata, so this only happens in odd test builds
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}

// RegisterJob adds a job; a second job with the same name panics.
func (s *Shop) RegisterJob(j Job) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.jobs[j.Name]; dup {
		panic(fmt.Sprintf("fenxiao: job %q registered twice", j.Name))
	}
	if _, err := cron.ParseStandard(j.Schedule); err != nil {
		panic(fmt.Sprintf("fenxiao: job %q has a bad schedule: %v", j.Name, err))
	}
	j.running = &sync.Mutex{}
	s.jobs[j.Name] = j
}

// Jobs returns the registered jobs sorted by name.
func (s *Shop) Jobs() []Job {
	s.mu.RLock()
	defer s.mu.RUnlock()
	list := make([]Job, 0, len(s.jobs))
	for _, j := range s.jobs {
		list = append(list, j)
	}
	sort.Slice(list, func(a, b int) bool { return list[a].Name < list[b].Name })
	return list
}

// RunJob runs the named job now, unless it is already running.
// A panic inside the job is recovered and reported as an error.
func (s *Shop) RunJob(app core.App, name string) (result JobResult, err error) {
	s.mu.RLock()
	j, ok := s.jobs[name]
	done := s.jobDone
	s.mu.RUnlock()
	if !ok {
		return JobResult{Job: name}, Fail(404, "job_not_found", "没有这个任务 / unknown job: "+name)
	}

	result.Job = name
	if !j.running.TryLock() {
		result.Skipped = true
		result.Summary = "still running; skipped"
		app.Logger().Warn("job skipped: previous run still in progress", "job", name)
		return result, nil
	}
	defer j.running.Unlock()

	started := time.Now()
	s.startProgress(name, started)
	defer s.endProgress(name)
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("job %s panicked: %v", name, r)
			app.Logger().Error("job panicked", "job", name, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		}
		result.Duration = time.Since(started)
		if err != nil {
			result.Error = err.Error()
		}
		if done != nil {
			done(app, started, result)
		}
	}()

	result.Summary, err = j.Run(app)
	if err != nil {
		app.Logger().Error("job failed", "job", name, "error", err.Error())
	} else {
		app.Logger().Info("job done", slog.String("job", name), slog.String("summary", result.Summary))
	}
	return result, err
}

// StartScheduler starts a cron scheduler (Asia/Shanghai) for all registered
// jobs and returns it; the caller stops it on terminate.
func (s *Shop) StartScheduler(app core.App) (*cron.Cron, error) {
	c := cron.New(cron.WithLocation(ShopTimeZone))
	for _, j := range s.Jobs() {
		name := j.Name
		if _, err := c.AddFunc(j.Schedule, func() {
			_, _ = s.RunJob(app, name)
		}); err != nil {
			return nil, fmt.Errorf("schedule %s: %w", name, err)
		}
	}
	c.Start()
	return c, nil
}

// OnJobDone sets fn to be called after every run of a job that was not
// skipped (the shop core records runs with [RecordJobRun]).
func (s *Shop) OnJobDone(fn func(app core.App, started time.Time, res JobResult)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jobDone = fn
}

// RecordJobRun keeps the outcome of a run in job_runs for the console's
// jobs page (last run, duration, outcome); a failure to record is logged.
func RecordJobRun(app core.App, started time.Time, res JobResult) {
	c, err := app.FindCachedCollectionByNameOrId("job_runs")
	if err != nil {
		return
	}
	r := core.NewRecord(c)
	r.Set("job", res.Job)
	r.Set("started", started.UTC())
	r.Set("duration_ms", res.Duration.Milliseconds())
	r.Set("ok", res.Error == "")
	r.Set("summary", truncate(res.Summary, 1000))
	r.Set("error", truncate(res.Error, 1000))
	if err := app.SaveNoValidate(r); err != nil {
		app.Logger().Warn("job run not recorded", "job", res.Job, "error", err.Error())
	}
}
