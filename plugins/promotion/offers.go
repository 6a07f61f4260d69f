package promotion

import (
	"cmp"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/internal/promo"
)

// offer is a promotion as the engine sees it, with what only the plugin
// shows (the label override).
type offer struct {
	promo.Promotion

	// Label replaces the generated tag when not "".
	Label string
}

// tierJSON is one element of promotions.tiers.
type tierJSON struct {
	Threshold int64 `json:"threshold"`
	Off       int64 `json:"off"`
}

// fromRecord converts a promotions record.
func fromRecord(r *core.Record) (offer, error) {
	var tiers []tierJSON
	if raw := r.GetString("tiers"); raw != "" && raw != "null" {
		if err := r.UnmarshalJSONField("tiers", &tiers); err != nil {
			return offer{}, fmt.Errorf("tiers: %w", err)
		}
	}
	o := offer{
		Label: r.GetString("label"),
		Promotion: promo.Promotion{
			Id:                 r.Id,
			Name:               r.GetString("name"),
			Type:               promo.Type(r.GetString("type")),
			Scope:              promo.Scope(r.GetString("scope")),
			CategoryIds:        r.GetStringSlice("categories"),
			ProductIds:         r.GetStringSlice("products"),
			ExcludedProductIds: r.GetStringSlice("excluded_products"),
			StartsAt:           r.GetDateTime("starts_at").Time(),
			EndsAt:             r.GetDateTime("ends_at").Time(),
			PerUserLimit:       r.GetInt("per_user_limit"),
			Priority:           r.GetInt("priority"),
			Stackable:          r.GetBool("stackable"),
			Active:             r.GetBool("active"),
			Repeat:             r.GetBool("repeat"),
			MaxOff:             int64(r.GetInt("max_off")),
			DiscountMode:       promo.DiscountMode(r.GetString("discount_mode")),
			RateBP:             int64(r.GetInt("rate_bp")),
			SpecialPrice:       int64(r.GetInt("special_price")),
			GiftSkuId:          r.GetString("gift_sku"),
			GiftQuantity:       r.GetInt("gift_quantity"),
			GiftMinAmount:      int64(r.GetInt("gift_min_amount")),
			GiftMinQuantity:    r.GetInt("gift_min_quantity"),
		},
	}
	if len(tiers) > 0 {
		o.Tiers = make([]promo.Tier, len(tiers))
		for i, t := range tiers {
			o.Tiers[i] = promo.Tier{Threshold: t.Threshold, Off: t.Off}
		}
	}
	return o, nil
}

// cache holds the promotions that are switched on and not ended, read once
// and dropped by every write to the collection.
type cache struct {
	mu     sync.Mutex
	gen    uint64 // bumped by every invalidation
	loaded bool
	offers []offer
}

// invalidate drops the cached promotions.
func (c *cache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.loaded = false
	c.offers = nil
}

// bindCacheInvalidation drops the cache after every committed write to the
// promotions collection, whoever made it.
func (p *plugin) bindCacheInvalidation() {
	drop := func(e *core.RecordEvent) error {
		p.cache.invalidate()
		return e.Next()
	}
	p.app.OnRecordAfterCreateSuccess(promotionsCollection).BindFunc(drop)
	p.app.OnRecordAfterUpdateSuccess(promotionsCollection).BindFunc(drop)
	p.app.OnRecordAfterDeleteSuccess(promotionsCollection).BindFunc(drop)
}

// offers returns the promotions that are switched on and had not ended when
// they were loaded, in rank order (priority descending, then id). The
// caller must not modify them; the engine checks the time window itself.
func (p *plugin) offers(app core.App) ([]offer, error) {
	p.cache.mu.Lock()
	if p.cache.loaded {
		offers := p.cache.offers
		p.cache.mu.Unlock()
		return offers, nil
	}
	gen := p.cache.gen
	p.cache.mu.Unlock()

	records, err := app.FindRecordsByFilter(promotionsCollection,
		"active = true && (ends_at = '' || ends_at > {:now})", "", 0, 0,
		map[string]any{"now": p.now().UTC().Format("2006-01-02 15:04:05.000Z")})
	if err != nil {
		return nil, fmt.Errorf("load promotions: %w", err)
	}
	offers := make([]offer, 0, len(records))
	for _, r := range records {
		o, err := fromRecord(r)
		if err != nil {
			// note: a broken record is refused on save; one written around
			// the hooks is left out rather than blocking every cart
			p.app.Logger().Warn("promotion: skipping unreadable promotion", "id", r.Id, "error", err)
			continue
		}
		offers = append(offers, o)
	}
	slices.SortFunc(offers, func(a, b offer) int {
		if c := cmp.Compare(b.Priority, a.Priority); c != 0 {
			return c
		}
		return cmp.Compare(a.Id, b.Id)
	})

	p.cache.mu.Lock()
	defer p.cache.mu.Unlock()
	// note: a write committed while loading bumped gen; what was read may
	// predate it, so it is returned to this caller only and not kept (nor
	// what a transaction sees, which may still roll back)
	if p.cache.gen == gen && !app.IsTransactional() {
		p.cache.offers, p.cache.loaded = offers, true
	}
	return offers, nil
}

// engine returns copies of the offers' promotions for the engine.
func engine(offers []offer) []promo.Promotion {
	promos := make([]promo.Promotion, len(offers))
	for i := range offers {
		promos[i] = offers[i].Promotion
	}
	return promos
}

// labelOf returns the label override of promotion id, or def.
func labelOf(offers []offer, id, def string) string {
	for i := range offers {
		if offers[i].Id == id && offers[i].Label != "" {
			return offers[i].Label
		}
	}
	return def
}

// labels returns the tags of the offers live at now that cover a product, in
// rank order without duplicates, with the merchant's overrides.
func labels(offers []offer, productId string, categoryPath []string, now time.Time) []string {
	out := []string{}
	for i := range offers {
		o := &offers[i]
		ls := promo.Labels([]promo.Promotion{o.Promotion}, productId, categoryPath, now)
		if len(ls) == 0 {
			continue
		}
		l := ls[0]
		if o.Label != "" {
			l = o.Label
		}
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}
