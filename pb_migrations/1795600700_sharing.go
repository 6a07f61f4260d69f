package pb_migrations

import (
	"slices"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// clickRateLimitLabel is the rate limiter rule of the public click tracker.
const clickRateLimitLabel = "POST /api/shop/track/click"

// Promotion tools for distributors (plugins/sharing):
//
//	materials          poster templates, copy and videos the merchant prepares;
//	                   distributors see the active ones inside their schedule
//	share_links        a distributor's short link (code) for a product and/or
//	                   material on a channel; the code is the mini-program
//	                   scene and the H5 `scene` parameter
//	share_clicks       one row per counted visit of a link (deduplicated per
//	                   visitor within a short window)
//	share_conversions  a sign-up or binding through a link, or a paid order of
//	                   a buyer bound through it; written in the transaction
//	                   that made the sign-up, binding or payment
func init() {
	m.Register(func(app core.App) error {
		ids := map[string]string{}
		for _, name := range []string{"users", "products", "orders"} {
			c, err := app.FindCollectionByNameOrId(name)
			if err != nil {
				return err
			}
			ids[name] = c.Id
		}
		for _, create := range []func(core.App, map[string]string) error{
			createMaterials, createShareLinks, createShareClicks, createShareConversions,
		} {
			if err := create(app, ids); err != nil {
				return err
			}
		}
		s := app.Settings()
		s.RateLimits.Rules = append(s.RateLimits.Rules,
			core.RateLimitRule{Label: clickRateLimitLabel, MaxRequests: 30, Duration: 60})
		return app.Save(s)
	}, func(app core.App) error {
		s := app.Settings()
		s.RateLimits.Rules = slices.DeleteFunc(s.RateLimits.Rules, func(r core.RateLimitRule) bool {
			return r.Label == clickRateLimitLabel
		})
		if err := app.Save(s); err != nil {
			return err
		}
		for _, name := range []string{"share_conversions", "share_clicks", "share_links", "materials"} {
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

func createMaterials(app core.App, ids map[string]string) error {
	c := core.NewBaseCollection("materials")
	c.Fields.Add(&core.TextField{Name: "title", Required: true, Max: 120})
	c.Fields.Add(&core.SelectField{Name: "kind", Required: true, MaxSelect: 1,
		Values: []string{"poster_template", "copy", "video"}})
	c.Fields.Add(&core.FileField{Name: "files", MaxSelect: 9, MaxSize: 50 << 20,
		MimeTypes: []string{"image/jpeg", "image/png", "image/webp", "image/gif", "video/mp4"},
		Thumbs:    []string{"400x400"}})
	c.Fields.Add(&core.TextField{Name: "text", Max: 5000})
	// a JSON array of strings
	c.Fields.Add(&core.JSONField{Name: "tags", MaxSize: 4 << 10})
	c.Fields.Add(&core.DateField{Name: "starts_at"})
	c.Fields.Add(&core.DateField{Name: "ends_at"})
	c.Fields.Add(&core.BoolField{Name: "active"})
	c.Fields.Add(intField("sort", 0))
	addTimestamps(c)
	c.AddIndex("idx_materials_active_ends", false, "active, ends_at", "")
	// distributors see what is switched on and inside its schedule; only
	// superusers write
	rule := "@request.auth.collectionName = 'users' && @request.auth.is_distributor = true" +
		" && active = true && (starts_at = '' || starts_at <= @now) && (ends_at = '' || ends_at > @now)"
	c.ListRule = types.Pointer(rule)
	c.ViewRule = types.Pointer(rule)
	if err := app.Save(c); err != nil {
		return err
	}
	ids["materials"] = c.Id
	return nil
}

func createShareLinks(app core.App, ids map[string]string) error {
	c := core.NewBaseCollection("share_links")
	c.Fields.Add(relationTo("owner", ids["users"], true, true))
	c.Fields.Add(relationTo("product", ids["products"], false, false))
	c.Fields.Add(relationTo("material", ids["materials"], false, false))
	c.Fields.Add(&core.TextField{Name: "channel", Required: true, Max: 32, Pattern: `^[a-z0-9_]+$`})
	c.Fields.Add(&core.TextField{Name: "code", Required: true, Min: 8, Max: 8, Pattern: `^[0-9A-Za-z]+$`})
	addTimestamps(c)
	c.AddIndex("idx_share_links_code", true, "code", "")
	c.AddIndex("idx_share_links_owner", false, "owner, product, material, channel", "")
	own := "owner = @request.auth.id"
	c.ListRule = types.Pointer(own)
	c.ViewRule = types.Pointer(own)
	if err := app.Save(c); err != nil {
		return err
	}
	ids["share_links"] = c.Id
	return nil
}

func createShareClicks(app core.App, ids map[string]string) error {
	c := core.NewBaseCollection("share_clicks")
	c.Fields.Add(relationTo("link", ids["share_links"], true, true))
	// hash of the visitor's IP and user agent (never the raw values)
	c.Fields.Add(&core.TextField{Name: "visitor", Required: true, Max: 64, Hidden: true})
	c.Fields.Add(&core.AutodateField{Name: "created", OnCreate: true})
	c.AddIndex("idx_share_clicks_link", false, "link, visitor, created", "")
	return app.Save(c)
}

func createShareConversions(app core.App, ids map[string]string) error {
	c := core.NewBaseCollection("share_conversions")
	c.Fields.Add(relationTo("link", ids["share_links"], true, true))
	c.Fields.Add(&core.SelectField{Name: "kind", Required: true, MaxSelect: 1,
		Values: []string{"signup", "bind", "order"}})
	c.Fields.Add(relationTo("user", ids["users"], true, true))
	c.Fields.Add(relationTo("order", ids["orders"], false, false))
	c.Fields.Add(fenField("amount", false))
	c.Fields.Add(&core.AutodateField{Name: "created", OnCreate: true})
	c.AddIndex("idx_share_conversions_link", false, "link, kind", "")
	c.AddIndex("idx_share_conversions_user", true, "link, user", "kind != 'order'")
	c.AddIndex("idx_share_conversions_order", true, "[order]", "kind = 'order'")
	return app.Save(c)
}
