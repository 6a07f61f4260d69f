package backoffice

import (
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// jobs answers every scheduled job with its last recorded run (job_runs).
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
	}
	list := []job{}
	for _, j := range p.shop.Jobs() {
		item := job{Name: j.Name, Schedule: j.Schedule, Description: j.Description}
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
