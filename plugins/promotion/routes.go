package promotion

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/hooks/shop"
	"fenxiao/internal/promo"
)

// Named is an id with a display name.
type Named struct {
	Id   string `json:"id"`
	Name string `json:"name"`
}

// GiftView is what a gift promotion gives.
type GiftView struct {
	Sku      string `json:"sku"`
	Title    string `json:"title"`
	Quantity int    `json:"quantity"`
}

// ActivePromotion is one live promotion as the home page shows it.
type ActivePromotion struct {
	Id    string `json:"id"`
	Name  string `json:"name"`
	Type  string `json:"type"`
	Label string `json:"label"`

	StartsAt types.DateTime `json:"starts_at"`
	// EndsAt is "" for a promotion without an end.
	EndsAt types.DateTime `json:"ends_at"`

	Scope string `json:"scope"`
	// ScopeSummary is a human summary, e.g. "全场通用", "指定分类：茶叶、茶具".
	ScopeSummary     string   `json:"scope_summary"`
	Categories       []Named  `json:"categories"`
	Products         []string `json:"products"`
	ExcludedProducts []string `json:"excluded_products"`

	PerUserLimit int       `json:"per_user_limit"`
	Stackable    bool      `json:"stackable"`
	Gift         *GiftView `json:"gift,omitempty"`
}

// live returns the offers live at now that pass validation, in rank order.
func live(offers []offer, now time.Time) []*offer {
	var out []*offer
	for i := range offers {
		if offers[i].LiveAt(now) && promo.Validate(offers[i].Promotion) == nil {
			out = append(out, &offers[i])
		}
	}
	return out
}

// tagOf returns an offer's label: the merchant's override or the generated one.
func tagOf(o *offer, now time.Time) string {
	if o.Label != "" {
		return o.Label
	}
	// note: the label does not depend on the scope; widen it so that
	// promo.Labels generates it without a product at hand
	q := o.Promotion
	q.Scope, q.ExcludedProductIds = promo.ScopeAll, nil
	if ls := promo.Labels([]promo.Promotion{q}, "", nil, now); len(ls) > 0 {
		return ls[0]
	}
	return o.Name
}

// activeList handles GET /api/shop/promotions/active: the live promotions
// in rank order.
func (p *plugin) activeList(e *core.RequestEvent) error {
	offers, err := p.offers(e.App)
	if err != nil {
		return err
	}
	now := p.now()
	lv := live(offers, now)

	var catIds, skuIds []any
	for _, o := range lv {
		for _, c := range o.CategoryIds {
			catIds = append(catIds, c)
		}
		if o.Type == promo.TypeGift {
			skuIds = append(skuIds, o.GiftSkuId)
		}
	}
	catNames, err := categoryNames(e.App, catIds)
	if err != nil {
		return err
	}
	giftTitles, err := skuTitles(e.App, skuIds)
	if err != nil {
		return err
	}

	items := make([]ActivePromotion, 0, len(lv))
	for _, o := range lv {
		a := ActivePromotion{
			Id: o.Id, Name: o.Name, Type: string(o.Type), Label: tagOf(o, now),
			Scope:            string(o.Scope),
			Categories:       []Named{},
			Products:         nonNil(o.ProductIds),
			ExcludedProducts: nonNil(o.ExcludedProductIds),
			PerUserLimit:     o.PerUserLimit,
			Stackable:        o.Stackable,
		}
		a.StartsAt, _ = types.ParseDateTime(o.StartsAt)
		if !o.EndsAt.IsZero() {
			a.EndsAt, _ = types.ParseDateTime(o.EndsAt)
		}
		for _, c := range o.CategoryIds {
			a.Categories = append(a.Categories, Named{Id: c, Name: catNames[c]})
		}
		a.ScopeSummary = scopeSummary(o, a.Categories)
		if o.Type == promo.TypeGift {
			a.Gift = &GiftView{Sku: o.GiftSkuId, Title: giftTitles[o.GiftSkuId], Quantity: o.GiftQuantity}
		}
		items = append(items, a)
	}
	return e.JSON(http.StatusOK, map[string]any{"items": items})
}

// scopeSummary is a one-line description of what a promotion covers.
func scopeSummary(o *offer, categories []Named) string {
	var s string
	switch o.Scope {
	case promo.ScopeCategories:
		list := make([]string, 0, len(categories))
		for _, c := range categories {
			if c.Name != "" {
				list = append(list, c.Name)
			}
		}
		s = "指定分类：" + strings.Join(list, "、")
	case promo.ScopeProducts:
		s = fmt.Sprintf("指定商品（%d件）", len(o.ProductIds))
	default:
		s = "全场通用"
	}
	if n := len(o.ExcludedProductIds); n > 0 {
		s += fmt.Sprintf("，%d件商品除外", n)
	}
	return s
}

// ProductPromotions is the answer of GET /api/shop/products/{id}/promotions.
type ProductPromotions struct {
	Product string   `json:"product"`
	Labels  []string `json:"labels"`

	// MinPrice is the lowest SKU price; PromoPrice the lowest after the best
	// per-item discounts (full reductions and gifts are not included).
	MinPrice   int64 `json:"min_price"`
	PromoPrice int64 `json:"promo_price"`

	Skus       []SkuPromoPrice    `json:"skus"`
	Promotions []ProductPromotion `json:"promotions"`
}

// SkuPromoPrice is one SKU's price before and after per-item discounts.
type SkuPromoPrice struct {
	Id         string `json:"id"`
	SpecText   string `json:"spec_text"`
	Price      int64  `json:"price"`
	PromoPrice int64  `json:"promo_price"`
}

// ProductPromotion is a live promotion covering the product.
type ProductPromotion struct {
	Id    string         `json:"id"`
	Name  string         `json:"name"`
	Type  string         `json:"type"`
	Label string         `json:"label"`
	Ends  types.DateTime `json:"ends_at"`
}

// productPromotions handles GET /api/shop/products/{id}/promotions for an
// on-shelf product. Per-user limits are not considered: the page is the
// same for every buyer.
func (p *plugin) productPromotions(e *core.RequestEvent) error {
	id, err := shop.PathId(e, "id")
	if err != nil {
		return err
	}
	product, err := e.App.FindRecordById(productsCollection, id)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && product.GetString("status") != "on") {
		return shop.Fail(http.StatusNotFound, "product_not_found", "商品不存在或已下架 / product not found")
	}
	if err != nil {
		return err
	}
	skus, err := e.App.FindRecordsByFilter(skusCollection, "product = {:p}", "price,id", 0, 0, dbx.Params{"p": id})
	if err != nil {
		return err
	}
	offers, err := p.offers(e.App)
	if err != nil {
		return err
	}
	now := p.now()
	var path []string
	if needsCategories(offers, now) {
		paths, err := categoryPaths(e.App, []string{id})
		if err != nil {
			return err
		}
		path = paths[id]
	}
	promos := engine(offers)

	res := ProductPromotions{
		Product:    id,
		Labels:     labels(offers, id, path, now),
		Skus:       make([]SkuPromoPrice, 0, len(skus)),
		Promotions: []ProductPromotion{},
	}
	for i, s := range skus {
		price := int64(s.GetInt("price"))
		sp := SkuPromoPrice{Id: s.Id, SpecText: s.GetString("spec_text"), Price: price,
			PromoPrice: promo.BestUnitPrice(price, promos, id, path, now)}
		if i == 0 || price < res.MinPrice {
			res.MinPrice = price
		}
		if i == 0 || sp.PromoPrice < res.PromoPrice {
			res.PromoPrice = sp.PromoPrice
		}
		res.Skus = append(res.Skus, sp)
	}
	for _, o := range live(offers, now) {
		if !o.Covers(id, path) {
			continue
		}
		pp := ProductPromotion{Id: o.Id, Name: o.Name, Type: string(o.Type), Label: tagOf(o, now)}
		if !o.EndsAt.IsZero() {
			pp.Ends, _ = types.ParseDateTime(o.EndsAt)
		}
		res.Promotions = append(res.Promotions, pp)
	}
	return e.JSON(http.StatusOK, res)
}

// categoryNames returns the names of the given categories by id.
func categoryNames(app core.App, ids []any) (map[string]string, error) {
	result := map[string]string{}
	if len(ids) == 0 {
		return result, nil
	}
	var rows []struct {
		Id   string `db:"id"`
		Name string `db:"name"`
	}
	err := app.DB().Select("id", "name").From(categoriesCollection).Where(dbx.In("id", ids...)).All(&rows)
	if err != nil {
		return nil, fmt.Errorf("category names: %w", err)
	}
	for _, r := range rows {
		result[r.Id] = r.Name
	}
	return result, nil
}

// skuTitles returns "product title spec" of the given SKUs by id.
func skuTitles(app core.App, ids []any) (map[string]string, error) {
	result := map[string]string{}
	if len(ids) == 0 {
		return result, nil
	}
	var rows []struct {
		Id       string `db:"id"`
		Title    string `db:"title"`
		SpecText string `db:"spec_text"`
	}
	err := app.DB().Select("s.id", "p.title", "s.spec_text").From(skusCollection+" s").
		InnerJoin(productsCollection+" p", dbx.NewExp("p.id = s.product")).
		Where(dbx.In("s.id", ids...)).All(&rows)
	if err != nil {
		return nil, fmt.Errorf("gift titles: %w", err)
	}
	for _, r := range rows {
		result[r.Id] = strings.TrimSpace(r.Title + " " + r.SpecText)
	}
	return result, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
