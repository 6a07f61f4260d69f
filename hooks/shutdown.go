package hooks

import (
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"fenxiao/hooks/shop"
)

// shutdownGrace is how long a stopping shop waits for requests in flight.
// PocketBase itself gives them one second and cancels their context at
// once; a payment waiting on WeChat Pay or a checkout in the write queue
// under load needs longer.
const shutdownGrace = 15 * time.Second

// bindGracefulShutdown lets the requests in flight finish when the process
// is told to stop (SIGTERM, SIGINT): from that moment new requests get 503
// shutting_down, and PocketBase's own shutdown (which closes the listener
// and the database) runs only once the last request in flight has answered
// or shutdownGrace has passed. Realtime connections are not waited for:
// they never end by themselves and their clients reconnect.
func bindGracefulShutdown(app core.App) {
	var inFlight atomic.Int64
	var stopping atomic.Bool

	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.Bind(&hook.Handler[*core.RequestEvent]{
			Id: "fenxiaoGracefulShutdown",
			// outermost but for the activity logger, so that a refused
			// request is still logged
			Priority: apis.DefaultActivityLoggerMiddlewarePriority + 2,
			Func: func(e *core.RequestEvent) error {
				if strings.HasPrefix(e.Request.URL.Path, "/api/realtime") {
					return e.Next()
				}
				inFlight.Add(1)
				defer inFlight.Add(-1)
				if stopping.Load() {
					e.Response.Header().Set("Connection", "close")
					return shop.Fail(http.StatusServiceUnavailable, "shutting_down",
						"商城正在重启，请稍后再试 / the shop is restarting, try again shortly").ApiError()
				}
				return e.Next()
			},
		})
		return se.Next()
	})

	app.OnTerminate().Bind(&hook.Handler[*core.TerminateEvent]{
		Id:       "fenxiaoWaitForRequests",
		Priority: -10000, // before PocketBase's server shutdown (-9999)
		Func: func(te *core.TerminateEvent) error {
			stopping.Store(true)
			deadline := time.Now().Add(shutdownGrace)
			for inFlight.Load() > 0 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if n := inFlight.Load(); n > 0 {
				te.App.Logger().Warn("shutting down with requests still in flight", "requests", n, "waited", shutdownGrace.String())
			}
			return te.Next()
		},
	})
}
