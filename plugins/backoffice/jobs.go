package backoffice

import (
	"fmt"
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/internal/rollup"
)

// rebuildJob recomputes the report rollup from the orders, refunds and
// users. The triggers keep it exact, so the weekly run only repairs what
// wrote around them (a restored table, a hand edit with triggers off); the
// audit's report_rollup check says when that happened.
func (p *plugin) rebuildJob() shop.Job {
	return shop.Job{
		Name:        "reports_rebuild",
		Schedule:    "50 4 * * 1",
		Description: "recompute the console's per-day report figures from orders, refunds and users",
		Run: func(app core.App) (string, error) {
			var days int
			err := app.RunInTransaction(func(tx core.App) error {
				var err error
				days, err = rollup.Rebuild(shop.RollupDB(tx.DB()))
				return err
			})
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("rebuilt %d days", days), nil
		},
	}
}

// jobs answers every scheduled job with its last recorded run (job_runs)
// and, while it runs, how far it has got (the console polls this).
func (p *plugin) jobs(e *core.RequestEvent) error {
	type lastRun struct {
		Started    string `db:"started" json:"started"`
		DurationMs int64  `db:"duration_ms" json:"duration_ms"`
		OK         bool   `db:"ok" json:"ok"`
		Summary    string `db:"summary" json:"summary"`
		Error      string `db:"error" json:"error"`
	}
	type job struct {
		Name        string   `json:"name"`
		Schedule    string   `json:"schedule"`
		Description string   `json:"description"`
		Last        *lastRun `json:"last"`
		// Running is the run in flight with its progress, or null
		Running *shop.JobProgress `json:"running"`
	}
	running := map[string]shop.JobProgress{}
	for _, r := range p.shop.RunningJobs() {
		running[r.Job] = r
	}
	jobs := p.shop.Jobs()
	list := make([]job, 0, len(jobs))
	for _, j := range jobs {
		item := job{Name: j.Name, Schedule: j.Schedule, Description: j.Description}
		if r, ok := running[j.Name]; ok {
			item.Running = &r
		}
		run := lastRun{}
		err := e.App.DB().NewQuery("SELECT started, duration_ms, ok, summary, error FROM {{job_runs}} WHERE job = {:job} ORDER BY started DESC LIMIT 1").
			Bind(dbx.Params{"job": j.Name}).One(&run)
		if err == nil {
			item.Last = &run
		}
		list = append(list, item)
	}
	return e.JSON(http.StatusOK, list)
}
