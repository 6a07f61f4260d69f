package accounts

import (
	"net/http"
	"slices"
	"strings"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/hooks/shop"
	"fenxiao/internal/roles"
)

// Binding sources (referral_events.source).
const (
	SourceRegister  = "register"
	SourceLink      = "link"
	SourceQR        = "qr"
	SourcePoster    = "poster"
	SourceCartShare = "cart_share"
	SourceAdmin     = "admin"
	SourceSystem    = "system"
)

// BindUpline binds userId to the owner of inviteCode as the shop's binding
// mode allows, in one transaction (joining app's if app is one):
//   - register_only: refused, bindings happen at sign-up only;
//   - first_wins: only while the user has no upline; never overwritten;
//   - override: a newer scan re-binds until the user's first paid order.
//
// Binding to the current upline again is a no-op. Self-referral, cycles,
// unknown codes and forbidden bindings return a *shop.Error (4xx) and
// change nothing.
func BindUpline(app core.App, userId, inviteCode, source, scene, actor string) error {
	if !slices.Contains(userBindSources, source) {
		return shop.FieldFail("source", "bind_source_invalid", "来源无效 / source must be link, qr, poster or cart_share")
	}
	return bindUpline(app, userId, inviteCode, source, scene, actor)
}

// bindForPlugins is the shop's binder ([shop.BindUpline]): BindUpline,
// with the sources plugins bind by besides those a client may name.
func bindForPlugins(app core.App, userId, inviteCode, source, scene, actor string) error {
	if source != shop.SourceCouponCode && !slices.Contains(userBindSources, source) {
		return shop.FieldFail("source", "bind_source_invalid", "来源无效 / unknown binding source")
	}
	return bindUpline(app, userId, inviteCode, source, scene, actor)
}

func bindUpline(app core.App, userId, inviteCode, source, scene, actor string) error {
	if len(scene) > 128 {
		return shop.FieldFail("scene", "bind_scene_too_long", "scene 过长 / scene is too long")
	}
	inviteCode = strings.ToUpper(strings.TrimSpace(inviteCode))

	return app.RunInTransaction(func(txApp core.App) error {
		user, err := txApp.FindRecordById(usersCollection, userId)
		if err != nil {
			return shop.Fail(http.StatusNotFound, "user_not_found", "用户不存在 / user not found")
		}
		upline, err := FindUserByInviteCode(txApp, inviteCode)
		if err != nil {
			return err
		}
		if upline.Id == user.Id {
			return shop.Fail(http.StatusBadRequest, "referral_self", "不能绑定自己为推荐人 / you cannot refer yourself")
		}
		current := user.GetString("referrer")
		if current == upline.Id {
			return nil
		}

		settings, err := shop.LoadSettings(txApp)
		if err != nil {
			return err
		}
		switch settings.BindingMode {
		case shop.BindRegisterOnly:
			return shop.Fail(http.StatusConflict, "binding_register_only",
				"推荐人只能在注册时绑定 / an upline can only be set at sign-up")
		case shop.BindFirstWins:
			if current != "" {
				return shop.Fail(http.StatusConflict, "referral_already_bound",
					"已绑定推荐人 / you already have an upline")
			}
		case shop.BindOverride:
			if current != "" && !user.GetDateTime("first_paid_at").IsZero() {
				return shop.Fail(http.StatusConflict, "binding_locked_after_purchase",
					"首次付款后推荐人不可更改 / the upline is fixed after the first paid order")
			}
		default:
			return shop.Fail(http.StatusConflict, "binding_mode_unknown", "绑定模式未配置 / binding mode not configured")
		}

		if err := ensureNoCycle(txApp, user.Id, upline.Id); err != nil {
			return err
		}

		user.Set("referrer", upline.Id)
		user.Set("bound_at", types.NowDateTime())
		user.Set("bound_source", source)
		user.Set("bound_scene", scene)
		user.Set("bound_by", actor)
		return txApp.Save(user)
	})
}

// Reassign moves userId (with their whole subtree) under newUplineId, or
// detaches them when newUplineId is empty. It is the admin's tool and ignores
// the binding mode, but never allows a cycle.
func Reassign(app core.App, userId, newUplineId, actor string) error {
	return app.RunInTransaction(func(txApp core.App) error {
		user, err := txApp.FindRecordById(usersCollection, userId)
		if err != nil {
			return shop.Fail(http.StatusNotFound, "user_not_found", "用户不存在 / user not found")
		}
		if user.GetString("referrer") == newUplineId {
			return nil
		}
		user.Set("referrer", newUplineId)
		user.Set("bound_at", types.NowDateTime())
		user.Set("bound_source", SourceAdmin)
		user.Set("bound_scene", "")
		user.Set("bound_by", actor)
		return txApp.Save(user)
	})
}

type bindForm struct {
	Code   string `json:"code"`
	Source string `json:"source"`
	Scene  string `json:"scene"`
}

// referralBind is POST /api/shop/referral/bind {code, source, scene}.
func referralBind(e *core.RequestEvent) error {
	var form bindForm
	if err := shop.BindBody(e, &form); err != nil {
		return err
	}
	if form.Code == "" {
		return shop.FieldFail("code", "invite_code_required", "请提供邀请码 / code is required").ApiError()
	}
	err := BindUpline(e.App, e.Auth.Id, form.Code, form.Source, form.Scene, "user:"+e.Auth.Id)
	if err != nil {
		return err
	}
	return referralMe(e)
}

// referralMe is GET /api/shop/referral/me: the caller's invite code and upline.
func referralMe(e *core.RequestEvent) error {
	user, err := e.App.FindRecordById(usersCollection, e.Auth.Id)
	if err != nil {
		return e.NotFoundError("", err)
	}
	resp := map[string]any{
		"invite_code":  user.GetString("invite_code"),
		"bound_at":     user.GetString("bound_at"),
		"bound_source": user.GetString("bound_source"),
		"upline":       nil,
	}
	if id := user.GetString("referrer"); id != "" {
		if up, err := e.App.FindRecordById(usersCollection, id); err == nil {
			resp["upline"] = map[string]any{
				"id":          up.Id,
				"nickname":    up.GetString("nickname"),
				"invite_code": up.GetString("invite_code"),
			}
		}
	}
	return e.JSON(http.StatusOK, resp)
}

type reassignForm struct {
	User   string `json:"user"`
	Upline string `json:"upline"`
}

// adminReassign is POST /api/shop/admin/referral/reassign {user, upline}.
func adminReassign(e *core.RequestEvent) error {
	var form reassignForm
	if err := shop.BindBody(e, &form); err != nil {
		return err
	}
	if form.User == "" {
		return shop.FieldFail("user", "user_required", "请指定用户 / user is required").ApiError()
	}
	if err := Reassign(e.App, form.User, form.Upline, shop.Actor(e)); err != nil {
		return err
	}
	return e.JSON(http.StatusOK, map[string]any{"user": form.User, "upline": form.Upline})
}

func bindReferralRoutes(se *core.ServeEvent) {
	g := se.Router.Group("/api/shop/referral").Bind(apis.RequireAuth(usersCollection))
	g.GET("/me", referralMe)
	g.POST("/bind", referralBind)

	se.Router.POST("/api/shop/admin/referral/reassign", adminReassign).Bind(shop.RequirePermission(roles.ReferralMove))
}
