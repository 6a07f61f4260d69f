// Package backoffice serves the operations console's data: figures and
// daily series, work queues, rankings, the referral tree browser, jobs with
// their last run, and streamed exports (CSV and Excel).
//
// Every route takes a permission from [roles]; superusers pass all of them.
//
//	GET /api/shop/admin/reports/me                   who is signed in and what they may do
//	GET /api/shop/admin/reports/summary?days=7       today, the last N days, commission, queues
//	GET /api/shop/admin/reports/series?days=90       per Asia/Shanghai day: GMV, paid orders, refunds, new users
//	GET /api/shop/admin/reports/rankings?by=distributors|products&days=30
//	GET /api/shop/admin/reports/queue/{name}         ship, aftersales, offline, withdrawals
//	GET /api/shop/admin/reports/orders/{id}          an order with its lines (packing list)
//	GET /api/shop/admin/reports/users?q=             find users by phone, nickname, e-mail or invite code
//	GET /api/shop/admin/reports/referral/{id}        uplines, downlines by level, figures
//	GET /api/shop/admin/reports/jobs                 jobs with schedule and last run
//	GET /api/shop/admin/export/{kind}.{csv|xlsx}     orders, order_items, commissions, withdrawals, users
//	GET|POST /api/shop/admin/staff[/{id}/…]          staff management, owners only (staff.go)
//
// The figures and series read the per-day rollup of fenxiao/internal/rollup;
// the job reports_rebuild recomputes it.
//
// Example usage:
//
//	backoffice.MustRegister(app, backoffice.Config{})
package backoffice

import (
	"net/http"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/internal/roles"
)

// Config configures the back office API.
type Config struct {
	// MaxExportRows caps one export (default 2,000,000 rows).
	MaxExportRows int
}

type plugin struct {
	app    core.App
	shop   *shop.Shop
	config Config
}

// MustRegister is like [Register] but panics on error.
func MustRegister(app core.App, config Config) {
	if err := Register(app, config); err != nil {
		panic(err)
	}
}

// Register binds the console's routes to app (the shop core first).
func Register(app core.App, config Config) error {
	s := shop.Get(app)
	if s == nil {
		return errNoShop
	}
	if config.MaxExportRows <= 0 {
		config.MaxExportRows = 2_000_000
	}
	p := &plugin{app: app, shop: s, config: config}
	s.RegisterJob(p.rebuildJob())

	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		r := se.Router.Group("/api/shop/admin/reports")
		r.GET("/me", p.me)
		r.GET("/summary", p.summary).Bind(shop.RequirePermission(roles.ReportsView))
		r.GET("/series", p.series).Bind(shop.RequirePermission(roles.ReportsView))
		r.GET("/rankings", p.rankings).Bind(shop.RequirePermission(roles.ReportsView))
		r.GET("/queue/{name}", p.queue)
		r.GET("/orders/{id}", p.orderDetail).Bind(shop.RequirePermission(roles.OrdersShip, roles.OrdersCancel, roles.AftersalesProcess, roles.PaymentsConfirm))
		r.GET("/users", p.findUsers).Bind(shop.RequirePermission(roles.ReferralMove, roles.RewardsGrant, roles.WalletsAdjust))
		r.GET("/referral/{id}", p.referral).Bind(shop.RequirePermission(roles.ReferralMove, roles.RewardsGrant, roles.WalletsAdjust))
		r.GET("/jobs", p.jobs).Bind(shop.RequirePermission(roles.JobsRun))

		se.Router.GET("/api/shop/admin/export/{file}", p.export)
		p.bindStaff(se.Router)
		return se.Next()
	})
	return nil
}

var errNoShop = shop.Fail(http.StatusInternalServerError, "shop_not_registered", "register the shop core before the back office")

// me answers who is signed in and what the console may show them.
func (p *plugin) me(e *core.RequestEvent) error {
	if e.Auth == nil {
		return shop.Fail(http.StatusUnauthorized, "auth_required", "请先登录 / sign in first")
	}
	perms := shop.Permissions(e.Auth)
	if len(perms) == 0 {
		return shop.Fail(http.StatusForbidden, "permission_denied", "没有权限执行此操作 / your role does not allow this")
	}
	role := e.Auth.GetString("role")
	name := e.Auth.GetString("name")
	if e.Auth.IsSuperuser() {
		role = "superuser"
	}
	if name == "" {
		name = e.Auth.Email()
	}
	labels := map[string]string{}
	for _, p := range roles.All {
		labels[p.Code] = p.Label
	}
	return e.JSON(http.StatusOK, map[string]any{
		"id":          e.Auth.Id,
		"name":        name,
		"email":       e.Auth.Email(),
		"role":        role,
		"permissions": perms,
		"labels":      labels,
	})
}
