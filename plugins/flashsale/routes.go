package flashsale

import (
	"net/http"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
)

// Slot states in the API.
const (
	stateUpcoming = "upcoming"
	stateLive     = "live"
	stateEnded    = "ended"
)

// sessionView is a slot with its countdown: starts_in (seconds until it
// starts, 0 once live) and ends_in (seconds until it ends), measured
// against now, which the answer also carries so clients can correct
// their own clock.
func sessionView(s *core.Record, now time.Time) map[string]any {
	starts, ends := s.GetDateTime("starts_at").Time(), s.GetDateTime("ends_at").Time()
	state := stateLive
	switch {
	case now.Before(starts):
		state = stateUpcoming
	case !now.Before(ends):
		state = stateEnded
	}
	pay := s.GetInt("pay_minutes")
	if pay <= 0 {
		pay = int(DefaultPayWithin / time.Minute)
	}
	return map[string]any{
		"id":               s.Id,
		"name":             s.GetString("name"),
		"starts_at":        s.GetString("starts_at"),
		"ends_at":          s.GetString("ends_at"),
		"state":            state,
		"starts_in":        max(0, int64(starts.Sub(now)/time.Second)),
		"ends_in":          max(0, int64(ends.Sub(now)/time.Second)),
		"pay_minutes":      pay,
		"allow_promotions": s.GetBool("allow_promotions"),
		"allow_coupons":    s.GetBool("allow_coupons"),
	}
}

// itemView is an item with its product, normal price and sold-out state.
func itemView(it, sku, product *core.Record) map[string]any {
	left := max(0, it.GetInt("stock")-it.GetInt("sold"))
	v := map[string]any{
		"id":             it.Id,
		"session":        it.GetString("session"),
		"sku":            it.GetString("sku"),
		"product":        it.GetString("product"),
		"flash_price":    it.GetInt("flash_price"),
		"stock":          it.GetInt("stock"),
		"sold":           it.GetInt("sold"),
		"remaining":      left,
		"sold_out":       left == 0,
		"per_user_limit": it.GetInt("per_user_limit"),
	}
	if sku != nil {
		v["price"] = sku.GetInt("price")
		v["spec_text"] = sku.GetString("spec_text")
	}
	if product != nil {
		v["title"] = product.GetString("title")
		images := product.GetStringSlice("images")
		v["image"] = ""
		if len(images) > 0 {
			v["image"] = "/api/files/" + product.Collection().Id + "/" + product.Id + "/" + images[0]
		}
	}
	return v
}

// sessions handles GET /api/shop/flash/sessions: the active slots that
// have not ended (live first, then by start), at most 20, each with its
// items in sort order.
func (p *plugin) sessions(e *core.RequestEvent) error {
	now := p.now()
	list, err := e.App.FindRecordsByFilter(sessionsCollection, "active = true && ends_at > {:now}", "starts_at,id", 20, 0,
		dbx.Params{"now": dbTime(now)})
	if err != nil {
		return err
	}
	out := make([]map[string]any, 0, len(list))
	for _, s := range list {
		items, err := e.App.FindRecordsByFilter(itemsCollection, "session = {:s}", "sort,created", 200, 0, dbx.Params{"s": s.Id})
		if err != nil {
			return err
		}
		views, err := p.itemViews(e.App, items)
		if err != nil {
			return err
		}
		v := sessionView(s, now)
		v["items"] = views
		out = append(out, v)
	}
	return e.JSON(http.StatusOK, map[string]any{"now": dbTime(now), "sessions": out})
}

func (p *plugin) itemViews(app core.App, items []*core.Record) ([]map[string]any, error) {
	skuIds, productIds := make([]string, 0, len(items)), make([]string, 0, len(items))
	for _, it := range items {
		skuIds = append(skuIds, it.GetString("sku"))
		productIds = append(productIds, it.GetString("product"))
	}
	skus, err := app.FindRecordsByIds(skusCollection, skuIds)
	if err != nil {
		return nil, err
	}
	products, err := app.FindRecordsByIds(productsCollection, productIds)
	if err != nil {
		return nil, err
	}
	byId := map[string]*core.Record{}
	for _, r := range append(skus, products...) {
		byId[r.Id] = r
	}
	views := make([]map[string]any, len(items))
	for i, it := range items {
		views[i] = itemView(it, byId[it.GetString("sku")], byId[it.GetString("product")])
	}
	return views, nil
}

// item handles GET /api/shop/flash/items/{id}: one item with its slot and,
// for a signed-in buyer, the units they hold in live orders.
func (p *plugin) item(e *core.RequestEvent) error {
	id, err := shop.PathId(e, "id")
	if err != nil {
		return err
	}
	if len(id) > 32 {
		return errItemNotFound
	}
	it, err := e.App.FindRecordById(itemsCollection, id)
	if err != nil {
		return errItemNotFound
	}
	s, err := e.App.FindRecordById(sessionsCollection, it.GetString("session"))
	if err != nil || !s.GetBool("active") {
		return errItemNotFound
	}
	views, err := p.itemViews(e.App, []*core.Record{it})
	if err != nil {
		return err
	}
	v := views[0]
	now := p.now()
	v["session"] = sessionView(s, now)
	v["now"] = dbTime(now)
	if e.Auth != nil && e.Auth.Collection().Name == usersCollection {
		n, err := bought(e.App, it.Id, e.Auth.Id)
		if err != nil {
			return err
		}
		v["bought"] = n
	}
	return e.JSON(http.StatusOK, v)
}
