// Command fenxiao runs the shop: PocketBase (REST, realtime, dashboard) with
// the fenxiao shop core, its plugins and its schema migrations.
package main

import (
	"log"
	"net/http"
	"os"
	"path/filepath"

	"github.com/pocketbase/pocketbase"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/plugins/migratecmd"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/osutils"

	// schedules use Asia/Shanghai even on hosts without a zoneinfo database
	_ "time/tzdata"

	"fenxiao/console"
	"fenxiao/hooks"
	"fenxiao/hooks/audit"
	"fenxiao/internal/healthcheck"
	_ "fenxiao/pb_migrations"
	"fenxiao/plugins/demo"
	"fenxiao/sqlitedb"
)

func main() {
	// the container health check asks the running server; it must not open
	// the database, so it runs before PocketBase does
	if len(os.Args) > 1 && os.Args[1] == "healthcheck" {
		os.Exit(healthcheck.Run(os.Args[2:], os.Stderr))
	}

	servePprof()
	tuneGC()

	app := pocketbase.NewWithConfig(pocketbase.Config{
		// quiet by default, also under `go run`; pass --dev for SQL logs
		DefaultDev: false,
		// PocketBase's SQLite with statements kept prepared per connection
		DBConnect: sqlitedb.Connect,
	})

	var withDemo bool
	app.RootCmd.PersistentFlags().BoolVar(&withDemo, "demo", false,
		"fill an empty database with a demo shop and print the demo superuser's credentials")

	var publicDir string
	app.RootCmd.PersistentFlags().StringVar(&publicDir, "publicDir", defaultPublicDir(),
		"a directory with H5 pages served at / instead of the embedded storefront (used when it exists)")

	app.RootCmd.ParseFlags(os.Args[1:])

	cfg := loadConfig()
	cfg.Core.RootCmd = app.RootCmd
	hooks.MustRegister(app, cfg.Core)
	registerPlugins(app, cfg)

	migratecmd.MustRegister(app, app.RootCmd, migratecmd.Config{
		Dir: "pb_migrations",
		// schema changes are written by hand as Go migrations
		Automigrate: false,
	})

	demo.MustRegister(app, demo.Config{RootCmd: app.RootCmd, SeedOnServe: withDemo})
	app.RootCmd.AddCommand(audit.NewCommand(app))

	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Func: func(e *core.ServeEvent) error {
			// the operations console (embedded)
			e.Router.GET("/admin", func(re *core.RequestEvent) error { return re.Redirect(http.StatusFound, "/admin/") })
			e.Router.GET("/admin/{path...}", apis.Static(console.FS, true))
			if !e.Router.HasRoute(http.MethodGet, "/{path...}") {
				// compressed for slow phone networks (the home page: 84 KB of HTML, CSS and JS, 26 KB gzipped)
				e.Router.GET("/{path...}", apis.Static(publicFS(publicDir), false)).Bind(apis.Gzip())
			}
			return e.Next()
		},
		Priority: 999, // after every other route
	})

	if err := app.Start(); err != nil {
		log.Print(err)
		// note: a database that cannot be opened stops every command before
		// it runs; audit reports that as "could not run", not as a mismatch
		if cmd, _, _ := app.RootCmd.Find(os.Args[1:]); cmd != nil && cmd.Name() == "audit" {
			os.Exit(audit.ExitCouldNotRun)
		}
		os.Exit(1)
	}
}

// the default pb_public dir is next to the executable (or ./pb_public with go run)
func defaultPublicDir() string {
	if osutils.IsProbablyGoRun() {
		return "./pb_public"
	}
	return filepath.Join(os.Args[0], "../pb_public")
}
