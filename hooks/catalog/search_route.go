package catalog

import (
	"net/http"
	"net/url"
	"strconv"
	"unicode/utf8"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/internal/search"
)

// maxQueryRunes bounds the search box input.
const maxQueryRunes = 64

// productsSearch handles GET /api/shop/products/search
// ?q=&category=&brand=&price_min=&price_max=&sort=&page=&perPage=&facets=
// (prices in fen; facets=0 leaves the facet counts out).
func productsSearch(e *core.RequestEvent) error {
	query := e.Request.URL.Query()
	q := SearchQuery{
		Q:        query.Get("q"),
		Category: query.Get("category"),
		Brand:    query.Get("brand"),
		Sort:     query.Get("sort"),
		Facets:   query.Get("facets") != "0",
		Level:    ViewerLevel(e.Auth),
	}
	if utf8.RuneCountInString(q.Q) > maxQueryRunes {
		return shop.FieldFail("q", "query_too_long", "搜索词太长 / search query too long")
	}
	if q.Category != "" && !validId(q.Category) {
		return shop.FieldFail("category", "invalid_id", "分类无效 / invalid category")
	}
	if q.Brand != "" && !validId(q.Brand) {
		return shop.FieldFail("brand", "invalid_id", "品牌无效 / invalid brand")
	}
	if q.Sort != "" && !search.ValidSort(q.Sort) {
		return shop.FieldFail("sort", "invalid_sort",
			"排序方式无效 / sort must be relevance, sales, price_asc, price_desc or newest")
	}

	var err error
	if q.PriceMin, err = intParam(query, "price_min", -1, 0, 1<<40); err != nil {
		return err
	}
	if q.PriceMax, err = intParam(query, "price_max", -1, 0, 1<<40); err != nil {
		return err
	}
	page, err := intParam(query, "page", 1, 1, 10000)
	if err != nil {
		return err
	}
	perPage, err := intParam(query, "perPage", 20, 1, 100)
	if err != nil {
		return err
	}
	q.Page, q.PerPage = int(page), int(perPage)

	result, err := Search(e.App, q)
	if err != nil {
		return err
	}
	if s := shop.Get(e.App); s != nil {
		if promos := s.ProductPromos(); promos != nil {
			return e.JSON(http.StatusOK, withPromos(e.App, result, promos))
		}
	}
	return e.JSON(http.StatusOK, result)
}

// promoItem is a search item with the promotions that apply to it.
type promoItem struct {
	SearchItem

	// PromotionLabels are the promotion tags, e.g. ["8.5折", "满200减30"].
	PromotionLabels []string `json:"promotion_labels"`

	// PromoPrice is the lowest SKU price after the best per-item discount.
	PromoPrice int64 `json:"promo_price"`
}

// promoResult is a search result whose items carry their promotions.
type promoResult struct {
	*SearchResult

	// note: shadows SearchResult.Items in the JSON output
	Items []promoItem `json:"items"`
}

// withPromos adds the promotion labels and prices to the items of result.
func withPromos(app core.App, result *SearchResult, promos shop.ProductPromosFunc) *promoResult {
	prices := make(map[string]int64, len(result.Items))
	for _, it := range result.Items {
		prices[it.Id] = it.MinPrice
	}
	tags := promos(app, prices)
	out := &promoResult{SearchResult: result, Items: make([]promoItem, len(result.Items))}
	for i, it := range result.Items {
		out.Items[i] = promoItem{SearchItem: it, PromotionLabels: []string{}, PromoPrice: it.MinPrice}
		if t, ok := tags[it.Id]; ok {
			if t.Labels != nil {
				out.Items[i].PromotionLabels = t.Labels
			}
			out.Items[i].PromoPrice = t.Price
		}
	}
	return out
}

// intParam reads an optional integer query parameter within [min, max].
func intParam(query url.Values, name string, def, min, max int64) (int64, error) {
	raw := query.Get(name)
	if raw == "" {
		return def, nil
	}
	v, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || v < min || v > max {
		return 0, shop.FieldFail(name, "invalid_"+name,
			name+" 必须是 "+strconv.FormatInt(min, 10)+"-"+strconv.FormatInt(max, 10)+" 的整数 / "+
				name+" must be an integer from "+strconv.FormatInt(min, 10)+" to "+strconv.FormatInt(max, 10))
	}
	return v, nil
}

// validId is [shop.ValidId], the one id check of the shop.
var validId = shop.ValidId
