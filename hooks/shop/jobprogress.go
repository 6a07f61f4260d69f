package shop

import (
	"sort"
	"sync"
	"time"
)

// JobProgress is how far a running job has got, for the console's jobs
// page: a long run (a settlement backlog) shows processed / total, not
// only the time it has taken.
type JobProgress struct {
	Job     string    `json:"job"`
	Started time.Time `json:"started"`
	// Done of Total units of work (rows, batches: the job says); Total is
	// 0 until the job has counted its work.
	Done  int64 `json:"done"`
	Total int64 `json:"total"`
}

// progressKey names one job of one shop (tests run several shops).
type progressKey struct {
	shop *Shop
	job  string
}

// progress holds the runs in flight; RunJob adds and removes them.
var progress sync.Map // progressKey → *JobProgress (replaced, never mutated)

func (s *Shop) startProgress(job string, started time.Time) {
	progress.Store(progressKey{s, job}, &JobProgress{Job: job, Started: started})
}

func (s *Shop) endProgress(job string) {
	progress.Delete(progressKey{s, job})
}

// ReportJobProgress records that the running job has done done of total
// units. A call while the job is not running through [Shop.RunJob] (a
// direct call of the work, as tests do) is ignored.
func (s *Shop) ReportJobProgress(job string, done, total int64) {
	k := progressKey{s, job}
	v, ok := progress.Load(k)
	if !ok {
		return
	}
	p := *v.(*JobProgress)
	p.Done, p.Total = done, total
	// note: CompareAndSwap so that a run that ended meanwhile is not revived
	progress.CompareAndSwap(k, v, &p)
}

// RunningJobs returns the jobs running now with their progress, by name.
func (s *Shop) RunningJobs() []JobProgress {
	var list []JobProgress
	progress.Range(func(k, v any) bool {
		if k.(progressKey).shop == s {
			list = append(list, *v.(*JobProgress))
		}
		return true
	})
	sort.Slice(list, func(a, b int) bool { return list[a].Job < list[b].Job })
	return list
}
