package coupon

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/hooks/shop"
	engine "fenxiao/internal/coupon"
)

var (
	errTemplateNotFound = shop.Fail(http.StatusNotFound, "coupon_template_not_found", "优惠券不存在或已下架 / coupon not found")
	errSoldOut          = shop.Fail(http.StatusConflict, "coupon_sold_out", "优惠券已领完 / all coupons have been claimed")
	errLimitReached     = shop.Fail(http.StatusConflict, "coupon_limit_reached", "已达领取上限 / you already hold as many as allowed")
	errClaimEnded       = shop.Fail(http.StatusConflict, "coupon_ended", "优惠券已过期 / the coupon has ended")
)

// terms returns the engine's view of a template's amounts and scope.
func terms(t *core.Record) engine.Template {
	return engine.Template{
		Kind:               t.GetString("kind"),
		Off:                int64(t.GetInt("off")),
		RateBP:             int64(t.GetInt("rate_bp")),
		MaxOff:             int64(t.GetInt("max_off")),
		Threshold:          int64(t.GetInt("threshold")),
		Scope:              t.GetString("scope"),
		CategoryIds:        t.GetStringSlice("categories"),
		ProductIds:         t.GetStringSlice("products"),
		ExcludedProductIds: t.GetStringSlice("excluded_products"),
		WithPromotions:     t.GetBool("with_promotions"),
	}
}

// validity returns a template's validity rule.
func validity(t *core.Record) engine.Validity {
	if t.GetString("validity") == "days" {
		return engine.Validity{Days: t.GetInt("valid_days")}
	}
	return engine.Validity{StartsAt: t.GetDateTime("starts_at").Time(), EndsAt: t.GetDateTime("ends_at").Time()}
}

// bindValidation refuses templates the engine cannot use (400 with the
// engine's stable code on the field at fault), from any writer. A record
// hook is outside the /api/shop error middleware, so it maps its errors
// with shop.ToApiError itself.
func (p *plugin) bindValidation() {
	check := func(e *core.RecordEvent) error {
		t := e.Record
		if err := engine.Validate(terms(t)); err != nil {
			var ce *engine.Error
			errors.As(err, &ce)
			return shop.ToApiError(shop.FieldFail(ce.Field, ce.Code(), ce.Error()))
		}
		if t.GetString("validity") == "days" && t.GetInt("valid_days") <= 0 ||
			t.GetString("validity") == "fixed" && engine.ValidateValidity(validity(t)) != nil {
			return shop.ToApiError(shop.FieldFail("validity", engine.CodeValidityInvalid,
				"有效期无效：填写领取后天数，或结束晚于开始的固定日期 / invalid validity: days after claiming, or fixed dates ending after they start"))
		}
		if t.GetInt("total") < 0 {
			return shop.ToApiError(shop.FieldFail("total", engine.CodeQuantityInvalid, "发放总量不能为负 / the total cannot be negative"))
		}
		if t.GetInt("per_user_limit") < 0 {
			return shop.ToApiError(shop.FieldFail("per_user_limit", engine.CodePerUserInvalid, "每人限领不能为负 / the per-user limit cannot be negative"))
		}
		return e.Next()
	}
	p.app.OnRecordCreate(templatesCollection).BindFunc(check)
	p.app.OnRecordUpdate(templatesCollection).BindFunc(check)
}

// issue gives user one coupon of template inside txApp: it counts the
// user's coupons of the template against per_user_limit, raises the
// template's issued counter conditionally (never past total) and writes
// the coupon. Both checks run in the same transaction as the write, and
// SQLite runs write transactions one at a time, so concurrent claims of the
// last coupons issue exactly what is left.
func (p *plugin) issue(txApp core.App, t *core.Record, userId, source string) (*core.Record, error) {
	now := p.now()
	v := validity(t)
	starts, ends := v.Window(now)
	if !ends.IsZero() && !now.Before(ends) {
		return nil, errClaimEnded
	}
	if limit := t.GetInt("per_user_limit"); limit > 0 {
		var held int
		err := txApp.DB().Select("count(*)").From(couponsCollection).
			Where(dbx.HashExp{"template": t.Id, "user": userId}).Row(&held)
		if err != nil {
			return nil, fmt.Errorf("count coupons held: %w", err)
		}
		if held >= limit {
			return nil, errLimitReached
		}
	}
	res, err := txApp.DB().NewQuery("UPDATE {{" + templatesCollection + "}} SET [[issued]] = [[issued]] + 1 " +
		"WHERE [[id]] = {:id} AND ([[total]] <= 0 OR [[issued]] < [[total]])").
		Bind(dbx.Params{"id": t.Id}).Execute()
	if err != nil {
		return nil, fmt.Errorf("count coupon issued: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, errSoldOut
	}

	col, err := txApp.FindCachedCollectionByNameOrId(couponsCollection)
	if err != nil {
		return nil, err
	}
	c := core.NewRecord(col)
	c.Set("template", t.Id)
	c.Set("user", userId)
	c.Set("name", t.GetString("name"))
	raw, _ := json.Marshal(terms(t))
	c.Set("terms", types.JSONRaw(raw))
	c.Set("status", statusUnused)
	c.Set("source", source)
	c.Set("starts_at", starts)
	if !ends.IsZero() {
		c.Set("ends_at", ends)
	}
	if err := txApp.Save(c); err != nil {
		return nil, fmt.Errorf("save coupon: %w", err)
	}
	return c, nil
}

// liveTemplate returns an active template by id.
func liveTemplate(app core.App, id string) (*core.Record, error) {
	if id == "" || len(id) > 32 {
		return nil, errTemplateNotFound
	}
	t, err := app.FindRecordById(templatesCollection, id)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !t.GetBool("active")) {
		return nil, errTemplateNotFound
	}
	return t, err
}

// onUserJoined gives a new user the sign-up coupons (same transaction as
// the sign-up). A template that ran out or ended is skipped, never the
// sign-up.
func (p *plugin) onUserJoined(e *shop.UserEvent) error {
	templates, err := e.App.FindRecordsByFilter(templatesCollection, "active = true && on_signup = true", "created", 0, 0)
	if err != nil {
		return err
	}
	for _, t := range templates {
		if _, err := p.issue(e.App, t, e.User.Id, sourceSignup); err != nil && !isShopError(err) {
			return err
		}
	}
	return e.Next()
}

// onLevelChange gives a distributor who rises past a template's
// reward_rank that template's coupon, in the transaction of the change.
func (p *plugin) onLevelChange(e *core.RecordEvent) error {
	if err := e.Next(); err != nil {
		return err
	}
	from, to := e.Record.GetInt("from_rank"), e.Record.GetInt("to_rank")
	if to <= from {
		return nil
	}
	templates, err := e.App.FindRecordsByFilter(templatesCollection,
		"active = true && reward_rank > {:from} && reward_rank <= {:to}", "reward_rank,created", 0, 0,
		dbx.Params{"from": from, "to": to})
	if err != nil {
		return err
	}
	for _, t := range templates {
		if _, err := p.issue(e.App, t, e.Record.GetString("user"), sourceLevel); err != nil && !isShopError(err) {
			return err
		}
	}
	return nil
}

func isShopError(err error) bool {
	var se *shop.Error
	return errors.As(err, &se)
}

// expired reports whether a held coupon's validity is over at now.
func expired(c *core.Record, now time.Time) bool {
	ends := c.GetDateTime("ends_at")
	return !ends.IsZero() && !now.Before(ends.Time())
}
