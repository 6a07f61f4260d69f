package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/internal/roles"
)

// The console's staff accounts (separate from superusers), the log of what
// they did, and the record of every job run.
func init() {
	m.Register(func(app core.App) error {
		staff := core.NewAuthCollection("staff")
		staff.Fields.Add(&core.TextField{Name: "name", Required: true, Max: 64,
			Help: "员工姓名，显示在操作记录里"})
		staff.Fields.Add(&core.SelectField{Name: "role", Required: true, MaxSelect: 1, Values: roles.Names,
			Help: "角色：owner 店主（全部权限）、operations 运营、warehouse 仓库（发货、导出发货单）、finance 财务（收款、提现、调账、导出）、support 客服（售后、取消订单）、custom 自定义（按下方权限）"})
		codes := make([]string, 0, len(roles.All))
		for _, p := range roles.All {
			codes = append(codes, p.Code)
		}
		staff.Fields.Add(&core.SelectField{Name: "permissions", MaxSelect: len(codes), Values: codes,
			Help: "仅 custom 角色使用：勾选的操作权限（reports 报表、orders 发货/取消、payments 确认转账、aftersales 售后、withdrawals 提现、export 导出…）"})
		staff.Fields.Add(&core.BoolField{Name: "active", Help: "停用后不能登录，也不能再执行任何操作"})
		staff.Fields.Add(&core.AutodateField{Name: "created", OnCreate: true})
		staff.Fields.Add(&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true})
		// a member reads only their own record; superusers manage staff
		self := types.Pointer("id = @request.auth.id")
		staff.ListRule = self
		staff.ViewRule = self
		staff.AuthRule = types.Pointer("active = true")
		staff.PasswordAuth.IdentityFields = []string{"email"}
		if err := app.Save(staff); err != nil {
			return err
		}

		actions := core.NewBaseCollection("staff_actions")
		actions.Fields.Add(&core.TextField{Name: "actor", Required: true, Max: 64,
			Help: "操作人：superuser:<id> 超级管理员，staff:<id> 员工"})
		actions.Fields.Add(&core.TextField{Name: "actor_name", Max: 100, Help: "操作人姓名或邮箱"})
		actions.Fields.Add(&core.TextField{Name: "permission", Max: 100, Help: "这次操作所需的权限"})
		actions.Fields.Add(&core.TextField{Name: "method", Max: 10})
		actions.Fields.Add(&core.TextField{Name: "path", Max: 300, Help: "调用的接口，包含订单、售后或提现的 id"})
		actions.Fields.Add(&core.NumberField{Name: "status", OnlyInt: true, Help: "HTTP 状态码（只记录成功的操作）"})
		actions.Fields.Add(&core.AutodateField{Name: "created", OnCreate: true})
		actions.AddIndex("idx_staff_actions_actor", false, "actor, created", "")
		actions.AddIndex("idx_staff_actions_created", false, "created", "")
		if err := app.Save(actions); err != nil {
			return err
		}

		runs := core.NewBaseCollection("job_runs")
		runs.Fields.Add(&core.TextField{Name: "job", Required: true, Max: 64, Help: "任务名，见 README 定时任务"})
		runs.Fields.Add(&core.DateField{Name: "started", Help: "开始时间"})
		runs.Fields.Add(&core.NumberField{Name: "duration_ms", OnlyInt: true, Help: "耗时（毫秒）"})
		runs.Fields.Add(&core.BoolField{Name: "ok", Help: "是否成功"})
		runs.Fields.Add(&core.TextField{Name: "summary", Max: 1000, Help: "任务做了什么"})
		runs.Fields.Add(&core.TextField{Name: "error", Max: 1000, Help: "失败原因"})
		runs.AddIndex("idx_job_runs_job", false, "job, started", "")
		return app.Save(runs)
	}, func(app core.App) error {
		for _, name := range []string{"job_runs", "staff_actions", "staff"} {
			c, err := app.FindCollectionByNameOrId(name)
			if err != nil {
				continue
			}
			if err := app.Delete(c); err != nil {
				return err
			}
		}
		return nil
	})
}
