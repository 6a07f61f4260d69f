package backoffice

import (
	"net/http"
	"strings"

	"github.com/pocketbase/ozzo-validation/v4/is"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"fenxiao/hooks/shop"
	"fenxiao/internal/roles"
)

// Staff management, for owners and superusers only:
//
//	GET  /api/shop/admin/staff               members, roles and permission labels
//	POST /api/shop/admin/staff               {email, password, name, role, permissions}
//	POST /api/shop/admin/staff/{id}/role     {role, permissions}
//	POST /api/shop/admin/staff/{id}/disable  locks the member out (sign-in and tokens)
//	POST /api/shop/admin/staff/{id}/enable
//
// Every change is a staff_actions row naming who made it (see
// [shop.RequireOwner]).
func (p *plugin) bindStaff(r *router.Router[*core.RequestEvent]) {
	g := r.Group("/api/shop/admin/staff")
	g.Bind(shop.RequireOwner())
	g.GET("", p.listStaff)
	g.POST("", p.createStaff)
	g.POST("/{id}/role", p.setStaffRole)
	g.POST("/{id}/disable", func(e *core.RequestEvent) error { return p.setStaffActive(e, false) })
	g.POST("/{id}/enable", func(e *core.RequestEvent) error { return p.setStaffActive(e, true) })
}

const minStaffPassword = 10

var (
	errStaffSelf      = shop.Fail(http.StatusConflict, "staff_self_change", "不能停用自己或修改自己的店主角色 / an owner cannot disable or demote themselves")
	errStaffRole      = shop.FieldFail("role", "staff_role_invalid", "角色无效 / role must be owner, operations, warehouse, finance, support or custom")
	errStaffPerms     = shop.FieldFail("permissions", "staff_permissions_invalid", "自定义角色需勾选至少一项有效权限 / a custom role needs at least one known permission")
	errStaffEmail     = shop.FieldFail("email", "staff_email_invalid", "邮箱格式不正确 / not a valid e-mail address")
	errStaffEmailUsed = shop.FieldFail("email", "staff_email_taken", "该邮箱已是员工账号 / a staff member already uses this e-mail")
	errStaffName      = shop.FieldFail("name", "staff_name_invalid", "请填写姓名（最多 64 字）/ name is required, at most 64 characters")
	errStaffPassword  = shop.FieldFail("password", "staff_password_short", "密码至少 10 位 / the password needs at least 10 characters")
)

// staffView is one member as the console lists them.
func staffView(r *core.Record) map[string]any {
	custom := r.GetStringSlice("permissions")
	if custom == nil {
		custom = []string{}
	}
	perms := roles.Permissions(r.GetString("role"), custom)
	if perms == nil {
		perms = []string{}
	}
	return map[string]any{
		"id":          r.Id,
		"email":       r.Email(),
		"name":        r.GetString("name"),
		"role":        r.GetString("role"),
		"custom":      custom,
		"permissions": perms,
		"active":      r.GetBool("active"),
		"created":     r.GetDateTime("created"),
	}
}

func (p *plugin) listStaff(e *core.RequestEvent) error {
	list, err := e.App.FindRecordsByFilter(shop.StaffCollection, "", "-active,name", 0, 0)
	if err != nil {
		return err
	}
	perms := make([]map[string]string, 0, len(roles.All))
	for _, p := range roles.All {
		perms = append(perms, map[string]string{"code": p.Code, "label": p.Label})
	}
	items := make([]map[string]any, 0, len(list))
	for _, r := range list {
		items = append(items, staffView(r))
	}
	return e.JSON(http.StatusOK, map[string]any{
		"items":       items,
		"roles":       roles.Names,
		"permissions": perms,
		"me":          e.Auth.Id,
	})
}

type staffRoleForm struct {
	Role        string   `json:"role"`
	Permissions []string `json:"permissions"`
}

// check validates a role with its custom permissions and returns the list
// to store: the ticked permissions for custom, none for a fixed role.
func (f staffRoleForm) check() ([]string, error) {
	known := false
	for _, n := range roles.Names {
		known = known || n == f.Role
	}
	if !known {
		return nil, errStaffRole
	}
	if f.Role != roles.Custom {
		return []string{}, nil
	}
	perms := roles.Permissions(roles.Custom, f.Permissions)
	if len(perms) == 0 || len(perms) != len(f.Permissions) {
		return nil, errStaffPerms
	}
	return perms, nil
}

func (p *plugin) createStaff(e *core.RequestEvent) error {
	var form struct {
		Email    string `json:"email"`
		Password string `json:"password"`
		Name     string `json:"name"`
		staffRoleForm
	}
	if err := shop.BindBody(e, &form); err != nil {
		return err
	}
	form.Email = strings.ToLower(strings.TrimSpace(form.Email))
	form.Name = strings.TrimSpace(form.Name)
	if form.Email == "" || is.EmailFormat.Validate(form.Email) != nil {
		return errStaffEmail
	}
	if form.Name == "" || len([]rune(form.Name)) > 64 {
		return errStaffName
	}
	if len(form.Password) < minStaffPassword {
		return errStaffPassword
	}
	perms, err := form.check()
	if err != nil {
		return err
	}
	c, err := e.App.FindCachedCollectionByNameOrId(shop.StaffCollection)
	if err != nil {
		return err
	}
	if _, err := e.App.FindAuthRecordByEmail(c, form.Email); err == nil {
		return errStaffEmailUsed
	}
	r := core.NewRecord(c)
	r.SetEmail(form.Email)
	r.SetPassword(form.Password)
	r.Set("name", form.Name)
	r.Set("role", form.Role)
	r.Set("permissions", perms)
	r.Set("active", true)
	if err := e.App.Save(r); err != nil {
		return err
	}
	return e.JSON(http.StatusOK, staffView(r))
}

func (p *plugin) setStaffRole(e *core.RequestEvent) error {
	var form staffRoleForm
	if err := shop.BindBody(e, &form); err != nil {
		return err
	}
	perms, err := form.check()
	if err != nil {
		return err
	}
	id, err := shop.PathId(e, "id")
	if err != nil {
		return err
	}
	r, err := e.App.FindRecordById(shop.StaffCollection, id)
	if err != nil {
		return err
	}
	// an owner who demoted themselves would lose this page mid-sentence
	if r.Id == e.Auth.Id && form.Role != roles.Owner {
		return errStaffSelf
	}
	r.Set("role", form.Role)
	r.Set("permissions", perms)
	if err := e.App.Save(r); err != nil {
		return err
	}
	return e.JSON(http.StatusOK, staffView(r))
}

func (p *plugin) setStaffActive(e *core.RequestEvent, active bool) error {
	id, err := shop.PathId(e, "id")
	if err != nil {
		return err
	}
	r, err := e.App.FindRecordById(shop.StaffCollection, id)
	if err != nil {
		return err
	}
	if r.Id == e.Auth.Id && !active {
		return errStaffSelf
	}
	r.Set("active", active)
	if !active {
		// tokens already handed out stop working too, not only new sign-ins
		r.RefreshTokenKey()
	}
	if err := e.App.Save(r); err != nil {
		return err
	}
	return e.JSON(http.StatusOK, staffView(r))
}
