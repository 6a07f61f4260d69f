package hooks

import (
	"fmt"
	"net/http"
	"os"

	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"

	"fenxiao/hooks/shop"
	"fenxiao/internal/roles"
)

// bindJobs starts the scheduler with the server and exposes every job to
// superusers (GET/POST /api/shop/admin/jobs) and the CLI (`jobs list|run`).
func bindJobs(app core.App, s *shop.Shop, config Config) {
	s.OnJobDone(shop.RecordJobRun)
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		g := se.Router.Group("/api/shop/admin/jobs").Bind(shop.RequirePermission(roles.JobsRun))
		g.GET("", func(e *core.RequestEvent) error {
			type jobInfo struct {
				Name        string `json:"name"`
				Schedule    string `json:"schedule"`
				Description string `json:"description"`
			}
			jobs := s.Jobs()
			list := make([]jobInfo, 0, len(jobs))
			for _, j := range jobs {
				list = append(list, jobInfo{j.Name, j.Schedule, j.Description})
			}
			return e.JSON(http.StatusOK, list)
		})
		g.POST("/{name}", func(e *core.RequestEvent) error {
			res, err := s.RunJob(e.App, e.Request.PathValue("name"))
			if err != nil {
				if res.Summary == "" && res.Error == "" {
					return err
				}
				return e.JSON(http.StatusInternalServerError, res)
			}
			return e.JSON(http.StatusOK, res)
		})

		if !config.DisableScheduler {
			c, err := s.StartScheduler(se.App)
			if err != nil {
				return err
			}
			se.App.OnTerminate().BindFunc(func(te *core.TerminateEvent) error {
				c.Stop()
				return te.Next()
			})
		}
		return se.Next()
	})

	if config.RootCmd == nil {
		return
	}
	jobsCmd := &cobra.Command{Use: "jobs", Short: "List or run the shop's scheduled jobs"}
	jobsCmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List the scheduled jobs",
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, j := range s.Jobs() {
				fmt.Printf("%-24s %-16s %s\n", j.Name, j.Schedule, j.Description)
			}
			return nil
		},
	})
	jobsCmd.AddCommand(&cobra.Command{
		Use:          "run NAME",
		Short:        "Run one job now and print what it did",
		Args:         cobra.ExactArgs(1),
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := app.RunAllMigrations(); err != nil {
				return failJobCommand(cmd, err)
			}
			res, err := s.RunJob(app, args[0])
			if err != nil {
				return failJobCommand(cmd, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %s (%s)\n", res.Job, res.Summary, res.Duration)
			return nil
		},
	})
	config.RootCmd.AddCommand(jobsCmd)
}

// exitJobCommand ends the process; PocketBase ignores the errors commands
// return, and a cron wrapper or an operator's script must see the failure.
var exitJobCommand = os.Exit

// failJobCommand prints err and exits with status 1.
func failJobCommand(cmd *cobra.Command, err error) error {
	fmt.Fprintln(cmd.ErrOrStderr(), "jobs:", err)
	exitJobCommand(1)
	return err
}
