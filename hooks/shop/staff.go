package shop

import (
	"net/http"
	"strings"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"fenxiao/internal/roles"
)

// StaffCollection is the auth collection of the merchant's staff. Staff are
// not superusers: they sign in to the console (/admin/) and may call the
// admin routes their role allows, nothing else (no dashboard, no settings).
const StaffCollection = "staff"

// StaffActionsCollection keeps one row per console action that succeeded.
const StaffActionsCollection = "staff_actions"

// RequirePermissionMiddlewareId is the id of the [RequirePermission] handler.
const RequirePermissionMiddlewareId = "fenxiaoRequirePermission"

// RequirePermission lets a request through when it comes from a superuser
// or from an active staff member whose role grants any of perms; a guest
// gets 401 and anyone else 403. A call that succeeds is recorded in
// staff_actions with who made it.
//
// Its errors are mapped here rather than left to [ErrorShape]: a custom
// main.go may bind it to a route outside /api/shop.
func RequirePermission(perms ...string) *hook.Handler[*core.RequestEvent] {
	return &hook.Handler[*core.RequestEvent]{
		Id: RequirePermissionMiddlewareId,
		Func: func(e *core.RequestEvent) error {
			if e.Auth == nil {
				return ToApiError(Fail(http.StatusUnauthorized, "auth_required", "请先登录 / sign in first"))
			}
			if !Can(e.Auth, perms...) {
				return ToApiError(Fail(http.StatusForbidden, "permission_denied", "没有权限执行此操作 / your role does not allow this"))
			}
			if err := e.Next(); err != nil {
				return err
			}
			if e.Request.Method != http.MethodGet && e.Status() < 400 {
				recordAction(e, strings.Join(perms, ","))
			}
			return nil
		},
	}
}

// ManageStaff is what staff_actions rows of staff management name as their
// permission. It is no permission a role grants: only owners manage staff.
const ManageStaff = "staff.manage"

// RequireOwnerMiddlewareId is the id of the [RequireOwner] handler.
const RequireOwnerMiddlewareId = "fenxiaoRequireOwner"

// RequireOwner lets a request through when it comes from a superuser or an
// active staff member with the role owner (a custom role with every
// permission is still not an owner); a guest gets 401 and anyone else 403.
// A change that succeeds is recorded in staff_actions like any console call.
// Like [RequirePermission] it maps its own errors.
func RequireOwner() *hook.Handler[*core.RequestEvent] {
	return &hook.Handler[*core.RequestEvent]{
		Id: RequireOwnerMiddlewareId,
		Func: func(e *core.RequestEvent) error {
			if e.Auth == nil {
				return ToApiError(Fail(http.StatusUnauthorized, "auth_required", "请先登录 / sign in first"))
			}
			if !IsOwner(e.Auth) {
				return ToApiError(Fail(http.StatusForbidden, "permission_denied", "没有权限执行此操作 / your role does not allow this"))
			}
			if err := e.Next(); err != nil {
				return err
			}
			if e.Request.Method != http.MethodGet && e.Status() < 400 {
				recordAction(e, ManageStaff)
			}
			return nil
		},
	}
}

// IsOwner reports whether auth is a superuser or an active owner.
func IsOwner(auth *core.Record) bool {
	if auth == nil {
		return false
	}
	if auth.IsSuperuser() {
		return true
	}
	return auth.Collection().Name == StaffCollection && auth.GetBool("active") && auth.GetString("role") == roles.Owner
}

// Can reports whether auth is a superuser or an active staff member whose
// role grants any of perms.
func Can(auth *core.Record, perms ...string) bool {
	if auth == nil {
		return false
	}
	if auth.IsSuperuser() {
		return true
	}
	if auth.Collection().Name != StaffCollection || !auth.GetBool("active") {
		return false
	}
	return roles.Allows(auth.GetString("role"), auth.GetStringSlice("permissions"), perms...)
}

// Permissions returns what auth may do in the console (every permission for
// a superuser).
func Permissions(auth *core.Record) []string {
	if auth == nil {
		return nil
	}
	if auth.IsSuperuser() {
		return roles.Permissions(roles.Owner, nil)
	}
	if auth.Collection().Name != StaffCollection || !auth.GetBool("active") {
		return nil
	}
	return roles.Permissions(auth.GetString("role"), auth.GetStringSlice("permissions"))
}

// Actor names who made an admin request for event rows: "superuser:<id>"
// or "staff:<id>".
func Actor(e *core.RequestEvent) string {
	if e.Auth == nil {
		return ""
	}
	if e.Auth.IsSuperuser() {
		return "superuser:" + e.Auth.Id
	}
	return e.Auth.Collection().Name + ":" + e.Auth.Id
}

// recordAction writes the staff_actions row of a successful console call.
// A failure to record is logged, never undoes the action (it has committed).
func recordAction(e *core.RequestEvent, perm string) {
	c, err := e.App.FindCachedCollectionByNameOrId(StaffActionsCollection)
	if err != nil {
		return // schema without the console (some tests)
	}
	r := core.NewRecord(c)
	r.Set("actor", Actor(e))
	name := e.Auth.GetString("name")
	if name == "" {
		name = e.Auth.Email()
	}
	r.Set("actor_name", truncate(name, 100))
	r.Set("permission", perm)
	r.Set("method", e.Request.Method)
	r.Set("path", truncate(e.Request.URL.Path, 300))
	r.Set("status", e.Status())
	if err := e.App.SaveNoValidate(r); err != nil {
		e.App.Logger().Warn("staff action not recorded", "path", e.Request.URL.Path, "error", err.Error())
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8Start(s[cut]) {
		cut--
	}
	return s[:cut]
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }
