package accounts

import (
	"net/http"
	"slices"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
	"github.com/spf13/cast"

	"fenxiao/hooks/shop"
)

// userBindSources are the sources a client may name for a binding.
var userBindSources = []string{SourceLink, SourceQR, SourcePoster, SourceCartShare}

// rejectProtectedFields refuses a non-superuser request that tries to set a
// server-owned user field (referrer, distributor status, invite code, ...).
func rejectProtectedFields(e *core.RecordRequestEvent) error {
	if e.HasSuperuserAuth() {
		return nil
	}
	info, err := e.RequestInfo()
	if err != nil {
		return err
	}
	for _, f := range protectedUserFields {
		if _, ok := info.Body[f]; ok {
			return shop.Fail(http.StatusForbidden, "field_protected",
				"字段 "+f+" 只能由系统设置 / "+f+" is set by the shop only")
		}
	}
	return nil
}

// onUserCreateRequest handles the sign-up form: protected fields are refused
// and the optional `inviter` invite code (with `inviter_source`,
// `inviter_scene`) becomes the new user's upline in the same transaction.
func onUserCreateRequest(e *core.RecordRequestEvent) error {
	// note: the users record API is not under /api/shop, whose middleware
	// maps the errors of shop routes, so a record request hook maps its own
	if err := rejectProtectedFields(e); err != nil {
		return shop.ToApiError(err)
	}
	info, err := e.RequestInfo()
	if err != nil {
		return err
	}
	if err := applyInviter(e.App, e.Record, cast.ToString(info.Body["inviter"]),
		cast.ToString(info.Body["inviter_source"]), cast.ToString(info.Body["inviter_scene"])); err != nil {
		return shop.ToApiError(err)
	}
	if err := e.Next(); err != nil {
		return shop.ToApiError(err)
	}
	return nil
}

// applyInviter resolves an invite code given at sign-up and sets it as the
// new (unsaved) user's referrer.
func applyInviter(app core.App, newUser *core.Record, code, source, scene string) error {
	if code == "" {
		return nil
	}
	upline, err := FindUserByInviteCode(app, code)
	if err != nil {
		return err
	}
	if !slices.Contains(userBindSources, source) {
		source = SourceRegister
	}
	if len(scene) > 128 {
		scene = scene[:128]
	}
	newUser.Set("referrer", upline.Id)
	newUser.Set("bound_at", types.NowDateTime())
	newUser.Set("bound_source", source)
	newUser.Set("bound_scene", scene)
	return nil
}

// onUserUpdateRequest refuses protected fields from users; a superuser who
// changes a referrer in the dashboard is recorded as an admin reassignment.
func onUserUpdateRequest(e *core.RecordRequestEvent) error {
	if err := rejectProtectedFields(e); err != nil {
		return shop.ToApiError(err)
	}
	if e.HasSuperuserAuth() {
		info, err := e.RequestInfo()
		if err != nil {
			return err
		}
		if v, ok := info.Body["referrer"]; ok && cast.ToString(v) != e.Record.GetString("referrer") {
			e.Record.Set("bound_source", SourceAdmin)
			e.Record.Set("bound_by", "superuser:"+e.Auth.Id)
			e.Record.Set("bound_at", types.NowDateTime())
			e.Record.Set("bound_scene", "")
		}
	}
	if err := e.Next(); err != nil {
		return shop.ToApiError(err)
	}
	return nil
}
