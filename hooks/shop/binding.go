package shop

import (
	"errors"

	"github.com/pocketbase/pocketbase/core"
)

// SourceCouponCode is the binding source (users.bound_source) of a buyer
// bound by entering a distributor's personal coupon code; the code itself
// is the binding's scene.
const SourceCouponCode = "coupon_code"

// binderKey is the app store key of the function set with [SetBinder].
const binderKey = "fenxiao.shop.binder"

// BinderFunc binds userId to the owner of inviteCode under the shop's
// binding mode (first bind wins, no self-binding, no cycles), in one
// transaction joining app's if app is one. Refusals are *Error (4xx) and
// change nothing.
type BinderFunc func(app core.App, userId, inviteCode, source, scene, actor string) error

// SetBinder sets the function [BindUpline] calls. The accounts area sets
// it at registration; plugins never do.
func SetBinder(app core.App, fn BinderFunc) {
	app.Store().Set(binderKey, fn)
}

// BindUpline binds a user to an upline the way an invite link does, for
// plugins that bind by other means (a distributor's coupon code): the
// same binding mode, the same refusals, a referral_events row. It fails
// when the accounts area is not registered.
func BindUpline(app core.App, userId, inviteCode, source, scene, actor string) error {
	fn, _ := app.Store().Get(binderKey).(BinderFunc)
	if fn == nil {
		return errors.New("shop: no referral binder registered")
	}
	return fn(app, userId, inviteCode, source, scene, actor)
}
