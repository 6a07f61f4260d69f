package sharing

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/hooks/shop"
)

type clickForm struct {
	Code string `json:"code"`
}

// ClickResponse is the answer of POST /api/shop/track/click: what a client
// needs to carry the visit on to sign-up (the mini-program only gets the
// scene, so it learns the inviter here).
type ClickResponse struct {
	Code    string `json:"code"`
	Inviter string `json:"inviter"`
	Source  string `json:"source"`
	Product string `json:"product"`

	// Counted is false when the same visitor was already counted within
	// the click window.
	Counted bool `json:"counted"`
}

// click is POST /api/shop/track/click {code}: one share_clicks row per
// visitor (hash of IP and user agent) and link within the click window.
func (p *plugin) click(e *core.RequestEvent) error {
	var form clickForm
	if err := shop.BindBody(e, &form); err != nil {
		return err
	}
	form.Code = strings.TrimSpace(form.Code)
	if form.Code == "" {
		return shop.FieldFail("code", "share_code_required", "缺少推广码 / code is required").ApiError()
	}
	if !codePattern.MatchString(form.Code) {
		return shop.FieldFail("code", "share_code_invalid", "推广码格式错误 / code must be 8 letters or digits").ApiError()
	}
	link, err := findLink(e.App, form.Code)
	if err != nil {
		return err
	}
	owner, err := e.App.FindRecordById(usersCollection, link.GetString("owner"))
	if err != nil {
		return shop.Fail(http.StatusNotFound, "share_link_not_found", "推广链接不存在 / share link not found").ApiError()
	}

	visitor := visitorHash(e.RealIP(), e.Request.UserAgent())
	counted := false
	err = e.App.RunInTransaction(func(txApp core.App) error {
		since := types.NowDateTime().Add(-p.config.ClickWindow)
		n, err := txApp.CountRecords(clicksCollection,
			dbx.HashExp{"link": link.Id, "visitor": visitor},
			dbx.NewExp("created >= {:since}", dbx.Params{"since": since.String()}))
		if err != nil || n > 0 {
			return err
		}
		col, err := txApp.FindCachedCollectionByNameOrId(clicksCollection)
		if err != nil {
			return err
		}
		r := core.NewRecord(col)
		r.Set("link", link.Id)
		r.Set("visitor", visitor)
		counted = true
		return txApp.Save(r)
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, ClickResponse{
		Code:    link.GetString("code"),
		Inviter: owner.GetString("invite_code"),
		Source:  "link",
		Product: link.GetString("product"),
		Counted: counted,
	})
}

// visitorHash identifies a visitor without storing their IP or user agent.
func visitorHash(ip, userAgent string) string {
	sum := sha256.Sum256([]byte(ip + "\x00" + userAgent))
	return hex.EncodeToString(sum[:16])
}

// ---------------------------------------------------------------
// conversions
// ---------------------------------------------------------------

// onUserJoined attributes a sign-up to the link whose code the new user
// arrived with (bound_scene), in the sign-up transaction.
func (p *plugin) onUserJoined(e *shop.UserEvent) error {
	if e.Upline != nil {
		p.attributeUser(e.App, e.User, e.Upline.Id, KindSignup)
	}
	return e.Next()
}

// onUserUpdate attributes a later binding (the bind route, a sign-in that
// binds an existing user) to the link named by its scene, in the binding's
// transaction.
func (p *plugin) onUserUpdate(e *core.RecordEvent) error {
	oldReferrer := e.Record.Original().GetString("referrer")
	if err := e.Next(); err != nil {
		return err
	}
	if referrer := e.Record.GetString("referrer"); referrer != "" && referrer != oldReferrer {
		p.attributeUser(e.App, e.Record, referrer, KindBind)
	}
	return nil
}

// attributeUser records that user joined upline through one of upline's
// links. Only a link of the user's actual upline counts, and a user counts
// once per link.
//
// note: attribution is statistics; a failure is logged and never rolls back
// the sign-up or binding it rides on.
func (p *plugin) attributeUser(txApp core.App, user *core.Record, uplineId, kind string) {
	err := func() error {
		link, err := boundLink(txApp, user.GetString("bound_source"), user.GetString("bound_scene"), uplineId)
		if link == nil || err != nil {
			return err
		}
		if link.GetString("owner") != uplineId {
			return nil
		}
		n, err := txApp.CountRecords(conversionsCollection,
			dbx.HashExp{"link": link.Id, "user": user.Id},
			dbx.Not(dbx.HashExp{"kind": KindOrder}))
		if err != nil || n > 0 {
			return err
		}
		return saveConversion(txApp, link.Id, kind, user.Id, "", 0)
	}()
	if err != nil {
		txApp.Logger().Warn("sharing: sign-up attribution failed", "user", user.Id, "error", err.Error())
	}
}

// onOrderPaid attributes a paid order to the link its buyer was bound
// through, when that link's owner is still the buyer's upline.
func (p *plugin) onOrderPaid(e *shop.OrderEvent) error {
	err := func() error {
		// note: the three columns the attribution needs, not the buyer's
		// record: every payment passes here, in the shop's one writer
		var buyer struct{ Referrer, Source, Scene string }
		buyerId := e.Order.GetString("buyer")
		err := shop.ScanRow(e.App, "SELECT `referrer`, `bound_source`, `bound_scene` FROM `users` WHERE `id` = ? LIMIT 1",
			[]any{buyerId}, &buyer.Referrer, &buyer.Source, &buyer.Scene)
		if err != nil {
			return err
		}
		if buyer.Referrer == "" {
			return nil
		}
		link, err := boundLink(e.App, buyer.Source, buyer.Scene, buyer.Referrer)
		if link == nil || err != nil {
			return err
		}
		if link.GetString("owner") != buyer.Referrer {
			return nil
		}
		n, err := e.App.CountRecords(conversionsCollection, dbx.HashExp{"order": e.Order.Id, "kind": KindOrder})
		if err != nil || n > 0 {
			return err
		}
		return saveConversion(e.App, link.Id, KindOrder, buyerId, e.Order.Id, e.Order.Payable())
	}()
	if err != nil {
		e.App.Logger().Warn("sharing: order attribution failed", "order", e.Order.Id, "error", err.Error())
	}
	return e.Next()
}

func saveConversion(txApp core.App, linkId, kind, userId, orderId string, amount int64) error {
	col, err := txApp.FindCachedCollectionByNameOrId(conversionsCollection)
	if err != nil {
		return err
	}
	r := core.NewRecord(col)
	r.Set("link", linkId)
	r.Set("kind", kind)
	r.Set("user", userId)
	r.Set("order", orderId)
	r.Set("amount", amount)
	return txApp.Save(r)
}
