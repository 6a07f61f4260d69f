package coupon

import (
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	engine "fenxiao/internal/coupon"
)

// maxGrantUsers bounds one admin grant request.
const maxGrantUsers = 500

// templateView is a template as the coupon centre shows it.
func templateView(t *core.Record, held int) map[string]any {
	total, issued := t.GetInt("total"), t.GetInt("issued")
	remaining := -1 // unlimited
	if total > 0 {
		remaining = max(total-issued, 0)
	}
	limit := t.GetInt("per_user_limit")
	return map[string]any{
		"id":              t.Id,
		"name":            t.GetString("name"),
		"description":     t.GetString("description"),
		"label":           Label(terms(t)),
		"kind":            t.GetString("kind"),
		"off":             t.GetInt("off"),
		"rate_bp":         t.GetInt("rate_bp"),
		"max_off":         t.GetInt("max_off"),
		"threshold":       t.GetInt("threshold"),
		"scope":           t.GetString("scope"),
		"with_promotions": t.GetBool("with_promotions"),
		"validity":        t.GetString("validity"),
		"starts_at":       t.GetString("starts_at"),
		"ends_at":         t.GetString("ends_at"),
		"valid_days":      t.GetInt("valid_days"),
		"total":           total,
		"remaining":       remaining,
		"per_user_limit":  limit,
		"held":            held,
		"can_claim":       remaining != 0 && (limit <= 0 || held < limit),
	}
}

// center handles GET /api/shop/coupons/center: the claimable templates
// (active, not ended) with what is left and, for a signed-in user, how
// many they hold and whether they can claim.
func (p *plugin) center(e *core.RequestEvent) error {
	now := dbTime(p.now())
	templates, err := e.App.FindRecordsByFilter(templatesCollection,
		"active = true && claimable = true && (validity = 'days' || ends_at > {:now})", "-created", 200, 0,
		dbx.Params{"now": now})
	if err != nil {
		return err
	}
	heldBy := map[string]int{}
	if e.Auth != nil && e.Auth.Collection().Name == usersCollection {
		var rows []struct {
			Template string `db:"template"`
			N        int    `db:"n"`
		}
		err := e.App.DB().Select("template", "count(*) AS n").From(couponsCollection).
			Where(dbx.HashExp{"user": e.Auth.Id}).GroupBy("template").All(&rows)
		if err != nil {
			return err
		}
		for _, r := range rows {
			heldBy[r.Template] = r.N
		}
	}
	items := make([]map[string]any, len(templates))
	for i, t := range templates {
		items[i] = templateView(t, heldBy[t.Id])
	}
	return e.JSON(http.StatusOK, map[string]any{"items": items})
}

// claim handles POST /api/shop/coupons/claim {template}.
func (p *plugin) claim(e *core.RequestEvent) error {
	var form struct {
		Template string `json:"template"`
	}
	if err := e.BindBody(&form); err != nil {
		return shop.FieldFail("body", "invalid_body", "请求格式错误 / malformed request body")
	}
	var c *core.Record
	err := e.App.RunInTransaction(func(txApp core.App) error {
		t, err := liveTemplate(txApp, form.Template)
		if err != nil {
			return err
		}
		if !t.GetBool("claimable") {
			return errTemplateNotFound
		}
		c, err = p.issue(txApp, t, e.Auth.Id, sourceClaim)
		return err
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, p.couponView(c))
}

// couponView is a held coupon as the API shows it.
func (p *plugin) couponView(c *core.Record) map[string]any {
	status := c.GetString("status")
	if status == statusUnused && expired(c, p.now()) {
		status = "expired"
	}
	var t engine.Template
	_ = c.UnmarshalJSONField("terms", &t)
	return map[string]any{
		"id":              c.Id,
		"template":        c.GetString("template"),
		"name":            c.GetString("name"),
		"label":           Label(t),
		"kind":            t.Kind,
		"off":             t.Off,
		"rate_bp":         t.RateBP,
		"max_off":         t.MaxOff,
		"threshold":       t.Threshold,
		"scope":           t.Scope,
		"with_promotions": t.WithPromotions,
		"status":          status,
		"source":          c.GetString("source"),
		"code":            c.GetString("code"),
		"starts_at":       c.GetString("starts_at"),
		"ends_at":         c.GetString("ends_at"),
		"order":           c.GetString("order"),
		"used_at":         c.GetString("used_at"),
	}
}

// mine handles GET /api/shop/coupons/mine?status=unused|used|expired.
func (p *plugin) mine(e *core.RequestEvent) error {
	now := dbTime(p.now())
	filter := "user = {:user} && status = 'unused' && (ends_at = '' || ends_at > {:now})"
	sort := "ends_at,id"
	switch e.Request.URL.Query().Get("status") {
	case "", statusUnused:
	case statusUsed:
		filter, sort = "user = {:user} && status = 'used'", "-used_at,id"
	case "expired":
		filter, sort = "user = {:user} && status = 'unused' && ends_at != '' && ends_at <= {:now}", "-ends_at,id"
	default:
		return shop.FieldFail("status", "invalid_status", "状态无效 / status must be unused, used or expired")
	}
	records, err := e.App.FindRecordsByFilter(couponsCollection, filter, sort, 500, 0,
		dbx.Params{"user": e.Auth.Id, "now": now})
	if err != nil {
		return err
	}
	items := make([]map[string]any, len(records))
	for i, r := range records {
		items[i] = p.couponView(r)
	}
	return e.JSON(http.StatusOK, map[string]any{"items": items})
}

// grant handles POST /api/shop/admin/coupons/grant {template, users}: one
// coupon to each user, all or nothing (a user at the per-user limit, or
// the total running out, fails the whole grant and names the cause).
func (p *plugin) grant(e *core.RequestEvent) error {
	var form struct {
		Template string   `json:"template"`
		Users    []string `json:"users"`
	}
	if err := e.BindBody(&form); err != nil {
		return shop.FieldFail("body", "invalid_body", "请求格式错误 / malformed request body")
	}
	if len(form.Users) == 0 || len(form.Users) > maxGrantUsers {
		return shop.FieldFail("users", "invalid_users", "请选择1到500个用户 / choose 1 to 500 users")
	}
	issued := 0
	err := e.App.RunInTransaction(func(txApp core.App) error {
		t, err := liveTemplate(txApp, form.Template)
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, id := range form.Users {
			if seen[id] {
				continue
			}
			seen[id] = true
			if len(id) > 32 {
				return shop.FieldFail("users", "user_not_found", "用户不存在 / user not found: "+id)
			}
			if _, err := txApp.FindRecordById(usersCollection, id); err != nil {
				return shop.FieldFail("users", "user_not_found", "用户不存在 / user not found: "+id)
			}
			if _, err := p.issue(txApp, t, id, sourceAdmin); err != nil {
				return err
			}
			issued++
		}
		return nil
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, map[string]any{"issued": issued})
}
