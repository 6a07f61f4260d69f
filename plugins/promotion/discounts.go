package promotion

import (
	"fmt"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/internal/pricing"
	"fenxiao/internal/promo"
)

// discounts is the plugin's [shop.DiscountsFunc], used by both the cart and
// checkout. A database error fails the request with a 503
// promotions_unavailable: the cart and checkout are never priced without
// the promotions the buyer was shown.
func (p *plugin) discounts(app core.App, user *core.Record, lines []pricing.Line) (pricing.Discounts, error) {
	d, err := p.price(app, user, lines)
	if err != nil {
		app.Logger().Error("promotion: pricing failed, request refused", "error", err)
		return pricing.Discounts{}, unavailable(err)
	}
	return d, nil
}

// price runs the engine on lines with the live promotions, the buyer's usage
// counts and the gift stock, at the time now.
func (p *plugin) price(app core.App, user *core.Record, lines []pricing.Line) (pricing.Discounts, error) {
	offers, err := p.offers(app)
	if err != nil || len(offers) == 0 {
		return pricing.Discounts{}, err
	}
	now := p.now()
	promos := engine(offers)

	var limited, giftSkus []string
	for i := range promos {
		if !promos[i].LiveAt(now) {
			continue
		}
		if promos[i].PerUserLimit > 0 {
			limited = append(limited, promos[i].Id)
		}
		if promos[i].Type == promo.TypeGift && promos[i].GiftSkuId != "" {
			giftSkus = append(giftSkus, promos[i].GiftSkuId)
		}
	}

	var usage map[string]int
	if user != nil && len(limited) > 0 {
		if usage, err = usageCounts(app, user.Id, limited); err != nil {
			return pricing.Discounts{}, err
		}
		if p.config.UsageRead != nil {
			p.config.UsageRead()
		}
	}

	if len(giftSkus) > 0 {
		stock, err := skuStock(app, giftSkus)
		if err != nil {
			return pricing.Discounts{}, err
		}
		// note: units bought on the lines come out of the same stock first
		for _, l := range lines {
			if _, ok := stock[l.SkuId]; ok {
				stock[l.SkuId] -= l.Quantity
			}
		}
		for i := range promos {
			if promos[i].Type == promo.TypeGift {
				promos[i].GiftStock = max(stock[promos[i].GiftSkuId], 0)
			}
		}
	}

	plines := make([]promo.Line, len(lines))
	for i, l := range lines {
		plines[i] = promo.Line{
			Key:          l.Id,
			SkuId:        l.SkuId,
			ProductId:    l.ProductId,
			CategoryPath: l.CategoryIds,
			UnitPrice:    l.UnitPrice,
			Quantity:     l.Quantity,
		}
	}
	res := promo.Apply(plines, promos, usage, now)

	d := pricing.Discounts{PerLine: res.PerLine}
	for _, a := range res.Applied {
		d.Applied = append(d.Applied, pricing.Applied{
			PromotionId: a.PromotionId,
			Label:       labelOf(offers, a.PromotionId, a.Label),
			Explanation: a.Explanation,
			Amount:      a.Amount,
		})
	}
	for _, g := range res.Gifts {
		d.Gifts = append(d.Gifts, pricing.Gift{
			SkuId:    g.SkuId,
			Quantity: g.Quantity,
			Label:    labelOf(offers, g.PromotionId, g.Label),
		})
	}
	return d, nil
}

// productPromos is the plugin's [shop.ProductPromosFunc] for product lists.
func (p *plugin) productPromos(app core.App, prices map[string]int64) map[string]shop.ProductPromo {
	result, err := p.tags(app, prices)
	if err != nil {
		app.Logger().Error("promotion: product labels failed", "error", err)
		return nil
	}
	return result
}

func (p *plugin) tags(app core.App, prices map[string]int64) (map[string]shop.ProductPromo, error) {
	offers, err := p.offers(app)
	if err != nil || len(offers) == 0 || len(prices) == 0 {
		return nil, err
	}
	now := p.now()
	ids := make([]string, 0, len(prices))
	for id := range prices {
		ids = append(ids, id)
	}
	var paths map[string][]string
	if needsCategories(offers, now) {
		if paths, err = categoryPaths(app, ids); err != nil {
			return nil, err
		}
	}
	promos := engine(offers)
	result := make(map[string]shop.ProductPromo, len(prices))
	for id, price := range prices {
		ls := labels(offers, id, paths[id], now)
		if len(ls) == 0 {
			continue
		}
		result[id] = shop.ProductPromo{
			Labels: ls,
			Price:  promo.BestUnitPrice(price, promos, id, paths[id], now),
		}
	}
	return result, nil
}

// needsCategories reports whether a live offer is scoped by category.
func needsCategories(offers []offer, now time.Time) bool {
	for i := range offers {
		if offers[i].Scope == promo.ScopeCategories && offers[i].LiveAt(now) {
			return true
		}
	}
	return false
}

// skuStock returns the stock of the given SKUs by id (unknown SKUs: 0).
func skuStock(app core.App, skuIds []string) (map[string]int, error) {
	ids := make([]any, len(skuIds))
	stock := make(map[string]int, len(skuIds))
	for i, id := range skuIds {
		ids[i] = id
		stock[id] = 0
	}
	var rows []struct {
		Id    string `db:"id"`
		Stock int    `db:"stock"`
	}
	err := app.DB().Select("id", "stock").From(skusCollection).Where(dbx.In("id", ids...)).All(&rows)
	if err != nil {
		return nil, fmt.Errorf("gift stock: %w", err)
	}
	for _, r := range rows {
		stock[r.Id] = r.Stock
	}
	return stock, nil
}

// categoryPaths returns the category path (root … leaf) of each product.
func categoryPaths(app core.App, productIds []string) (map[string][]string, error) {
	ids := make([]any, len(productIds))
	for i, id := range productIds {
		ids[i] = id
	}
	var products []struct {
		Id       string `db:"id"`
		Category string `db:"category"`
	}
	err := app.DB().Select("id", "category").From(productsCollection).Where(dbx.In("id", ids...)).All(&products)
	if err != nil {
		return nil, fmt.Errorf("product categories: %w", err)
	}
	var cats []struct {
		Id     string `db:"id"`
		Parent string `db:"parent"`
	}
	if err := app.DB().Select("id", "parent").From(categoriesCollection).All(&cats); err != nil {
		return nil, fmt.Errorf("categories: %w", err)
	}
	parent := make(map[string]string, len(cats))
	for _, c := range cats {
		parent[c.Id] = c.Parent
	}
	paths := make(map[string][]string, len(products))
	for _, p := range products {
		var up []string
		seen := map[string]bool{}
		// note: guards against a cycle made in the dashboard
		for id := p.Category; id != "" && !seen[id]; id = parent[id] {
			if _, ok := parent[id]; !ok {
				break
			}
			seen[id] = true
			up = append(up, id)
		}
		path := make([]string, len(up))
		for i, c := range up {
			path[len(up)-1-i] = c
		}
		paths[p.Id] = path
	}
	return paths, nil
}
