package hooks

import (
	"net/http"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
)

// outboxSweep is how often the outbox worker looks for due retries and for
// deliveries a crash left pending (commits wake it at once).
const outboxSweep = 30 * time.Second

// bindNotifications starts the notification outbox worker with the server
// (unless the scheduler is off, as in tests that drive it by hand) and
// serves the in-app routes:
//
//	GET  /api/shop/notifications/unread  → {"total": 3, "kinds": {"order_shipped": 1, ...}}
//	POST /api/shop/notifications/read    {"ids": ["..."]} (none: all) → {"updated": 3}
func bindNotifications(app core.App, s *shop.Shop, config Config) {
	s.RegisterJob(shop.NotificationRetentionJob())
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		g := se.Router.Group("/api/shop/notifications").Bind(apis.RequireAuth("users"))
		g.GET("/unread", unreadNotifications)
		g.POST("/read", markNotificationsRead)

		if !config.DisableScheduler {
			stop := s.StartOutbox(se.App, outboxSweep)
			se.App.OnTerminate().BindFunc(func(te *core.TerminateEvent) error {
				stop()
				return te.Next()
			})
		}
		return se.Next()
	})
}

func unreadNotifications(e *core.RequestEvent) error {
	var rows []struct {
		Kind  string `db:"kind"`
		Count int    `db:"n"`
	}
	err := e.App.DB().Select("kind", "COUNT(*) AS n").From("notifications").
		Where(dbx.HashExp{"user": e.Auth.Id, "read": false}).
		GroupBy("kind").All(&rows)
	if err != nil {
		return e.InternalServerError("", err)
	}
	total := 0
	kinds := map[string]int{}
	for _, r := range rows {
		kinds[r.Kind] = r.Count
		total += r.Count
	}
	return e.JSON(http.StatusOK, map[string]any{"total": total, "kinds": kinds})
}

func markNotificationsRead(e *core.RequestEvent) error {
	var body struct {
		Ids []string `json:"ids"`
	}
	if err := e.BindBody(&body); err != nil {
		return shop.Fail(http.StatusBadRequest, "invalid_body", "请求格式错误 / invalid request body")
	}
	if len(body.Ids) > 500 {
		return shop.Fail(http.StatusBadRequest, "too_many_ids", "一次最多标记500条 / at most 500 ids at a time")
	}
	where := dbx.And(dbx.HashExp{"user": e.Auth.Id, "read": false})
	if len(body.Ids) > 0 {
		ids := make([]any, len(body.Ids))
		for i, id := range body.Ids {
			ids[i] = id
		}
		where = dbx.And(where, dbx.In("id", ids...))
	}
	// note: one UPDATE; clients refresh their counts from this answer, not realtime
	res, err := e.App.DB().Update("notifications", dbx.Params{"read": true}, where).Execute()
	if err != nil {
		return e.InternalServerError("", err)
	}
	n, _ := res.RowsAffected()
	return e.JSON(http.StatusOK, map[string]any{"updated": n})
}
