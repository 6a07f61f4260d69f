package accounts

import (
	"github.com/pocketbase/pocketbase/core"
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

// BindUpline binds userId to the owner of inviteCode as allowed by the
// shop's binding mode, inside its own transaction (or app's, if app is one).
// It returns a *shop.Error (4xx) when the binding is refused; nothing is
// changed then.
func BindUpline(app core.App, userId, inviteCode, source, scene, actor string) error {
	return nil
}
