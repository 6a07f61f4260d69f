package catalog

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/internal/search"
)

// Search sort orders.
const (
	SortRelevance = "relevance" // default with a keyword
	SortSales     = "sales"
	SortPriceAsc  = "price_asc"
	SortPriceDesc = "price_desc"
	SortNewest    = "newest" // default without a keyword
)

// sortOrders are the ORDER BY clauses by sort, over the search keys k
// (the products table, or product_search_map with a keyword); %[1]s is the
// product id column.
//
// Relevance puts products whose title holds every keyword first, then the
// others (subtitle, tags, brand, category hits), each tier by sales.
// note: bm25() was measured at ~40 ms for a one-character keyword over
// 100,000 products (it scores every hit); the title tier costs one more
// index lookup.
var sortOrders = map[string]string{
	SortRelevance: "({{product_search}}.[[rowid]] IN (SELECT [[rowid]] FROM {{product_search}} WHERE {{product_search}} MATCH {:title})) DESC, k.[[sales]] DESC, %[1]s",
	SortSales:     "k.[[sales]] DESC, %[1]s",
	SortPriceAsc:  "k.[[min_price]] ASC, %[1]s",
	SortPriceDesc: "k.[[min_price]] DESC, %[1]s",
	SortNewest:    "k.[[created]] DESC, %[1]s",
}

// SearchQuery is a product search. Only on-shelf products are found.
type SearchQuery struct {
	// Q is the search box input ("" lists everything on the shelf).
	Q string

	// Category includes its sub-categories.
	Category string
	Brand    string

	// PriceMin and PriceMax bound the product's lowest SKU price in fen
	// (negative: no bound).
	PriceMin int64
	PriceMax int64

	// Sort is one of the Sort* constants ("": relevance with Q, else newest).
	Sort string

	Page    int // from 1
	PerPage int

	// Facets asks for the number of hits per category and brand.
	Facets bool
}

// SearchItem is one product in search results.
type SearchItem struct {
	Id       string `json:"id"`
	Title    string `json:"title"`
	Subtitle string `json:"subtitle"`
	Image    string `json:"image"`
	Thumb    string `json:"thumb"`
	MinPrice int64  `json:"min_price"`
	MaxPrice int64  `json:"max_price"`
	Sales    int    `json:"sales"`

	// StockState is "in_stock" or "sold_out".
	StockState string `json:"stock_state"`
}

// Facet is the number of hits in one category or brand.
type Facet struct {
	Id    string `json:"id"`
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// Facets are the hits per category and per brand.
type Facets struct {
	Categories []Facet `json:"categories"`
	Brands     []Facet `json:"brands"`
}

// SearchResult is one page of search results.
type SearchResult struct {
	Items      []SearchItem `json:"items"`
	Page       int          `json:"page"`
	PerPage    int          `json:"perPage"`
	TotalItems int          `json:"totalItems"`
	TotalPages int          `json:"totalPages"`
	Facets     *Facets      `json:"facets,omitempty"`
}

// Search runs a product search.
func Search(app core.App, q SearchQuery) (*SearchResult, error) {
	if q.Page < 1 {
		q.Page = 1
	}
	if q.PerPage < 1 {
		q.PerPage = 20
	}

	match := search.MatchQuery(q.Q)
	if q.Sort == "" || (q.Sort == SortRelevance && match == "") {
		q.Sort = SortNewest
		if match != "" {
			q.Sort = SortRelevance
		}
	}
	order, ok := sortOrders[q.Sort]
	if !ok {
		return nil, fmt.Errorf("unknown sort %q", q.Sort)
	}

	// k holds the filter and sort keys: the products table, or with a
	// keyword the search map joined to the hits (CROSS JOIN keeps the
	// full-text match as the outer loop)
	from, idColumn := "{{products}} k", "k.[[id]]"
	where := []string{"k.[[status]] = 'on'"}
	params := dbx.Params{}
	if match != "" {
		from = "{{product_search}} CROSS JOIN {{product_search_map}} k ON k.[[doc]] = {{product_search}}.[[rowid]]"
		idColumn = "k.[[product]]"
		where = append(where, "{{product_search}} MATCH {:match}")
		params["match"] = match
		params["title"] = "title : (" + match + ")"
	}
	if q.Category != "" {
		tree, err := loadCategoryTree(app)
		if err != nil {
			return nil, err
		}
		holders := make([]string, 0)
		for i, id := range tree.subtree(q.Category) {
			k := fmt.Sprintf("cat%d", i)
			params[k] = id
			holders = append(holders, "{:"+k+"}")
		}
		where = append(where, "k.[[category]] IN ("+strings.Join(holders, ", ")+")")
	}
	if q.Brand != "" {
		where = append(where, "k.[[brand]] = {:brand}")
		params["brand"] = q.Brand
	}
	if q.PriceMin >= 0 {
		where = append(where, "k.[[min_price]] >= {:pmin}")
		params["pmin"] = q.PriceMin
	}
	if q.PriceMax >= 0 {
		where = append(where, "k.[[min_price]] <= {:pmax}")
		params["pmax"] = q.PriceMax
	}
	body := " FROM " + from + " WHERE " + strings.Join(where, " AND ")

	result := &SearchResult{Items: []SearchItem{}, Page: q.Page, PerPage: q.PerPage}

	var ids []string
	params["limit"] = q.PerPage
	params["offset"] = (q.Page - 1) * q.PerPage
	err := app.DB().NewQuery("SELECT " + idColumn + body +
		" ORDER BY " + fmt.Sprintf(order, idColumn) + " LIMIT {:limit} OFFSET {:offset}").
		Bind(params).Column(&ids)
	if err != nil {
		return nil, fmt.Errorf("search products: %w", err)
	}
	if result.Items, err = searchItems(app, ids); err != nil {
		return nil, err
	}

	switch {
	case q.Facets:
		result.Facets, result.TotalItems, err = searchFacets(app, body, params)
		if err != nil {
			return nil, err
		}
	case q.Page == 1 && len(ids) < q.PerPage:
		// note: a first page that is not full needs no count query
		result.TotalItems = len(ids)
	default:
		if err := app.DB().NewQuery("SELECT COUNT(*)" + body).Bind(params).Row(&result.TotalItems); err != nil {
			return nil, fmt.Errorf("count products: %w", err)
		}
	}
	result.TotalPages = (result.TotalItems + q.PerPage - 1) / q.PerPage
	return result, nil
}

// searchItems loads the products with the given ids, in that order.
func searchItems(app core.App, ids []string) ([]SearchItem, error) {
	items := make([]SearchItem, 0, len(ids))
	if len(ids) == 0 {
		return items, nil
	}
	values := make([]any, len(ids))
	for i, id := range ids {
		values[i] = id
	}
	var rows []struct {
		Id       string `db:"id"`
		Title    string `db:"title"`
		Subtitle string `db:"subtitle"`
		Images   string `db:"images"`
		MinPrice int64  `db:"min_price"`
		MaxPrice int64  `db:"max_price"`
		Sales    int    `db:"sales"`
		Stock    int    `db:"stock"`
	}
	err := app.DB().Select("id", "title", "subtitle", "images", "min_price", "max_price", "sales", "stock").
		From(productsCollection).Where(dbx.In("id", values...)).All(&rows)
	if err != nil {
		return nil, fmt.Errorf("load search results: %w", err)
	}
	position := make(map[string]int, len(ids))
	for i, id := range ids {
		position[id] = i
	}
	items = items[:len(ids)]
	found := make([]bool, len(ids))
	for _, r := range rows {
		item := SearchItem{
			Id: r.Id, Title: r.Title, Subtitle: r.Subtitle,
			MinPrice: r.MinPrice, MaxPrice: r.MaxPrice, Sales: r.Sales,
			StockState: "in_stock",
		}
		if r.Stock <= 0 {
			item.StockState = "sold_out"
		}
		var images []string
		if json.Unmarshal([]byte(r.Images), &images) == nil && len(images) > 0 {
			item.Image = ImageURL(app, r.Id, images[0], "")
			item.Thumb = ImageURL(app, r.Id, images[0], "200x200")
		}
		i := position[r.Id]
		items[i] = item
		found[i] = true
	}
	// a product deleted between the two queries is left out
	kept := items[:0]
	for i, item := range items {
		if found[i] {
			kept = append(kept, item)
		}
	}
	return kept, nil
}

// searchFacets counts the hits of a search per category and per brand in
// one pass, returning the facets and the total number of hits.
func searchFacets(app core.App, body string, params dbx.Params) (*Facets, int, error) {
	var rows []struct {
		Category string `db:"category"`
		Brand    string `db:"brand"`
		N        int    `db:"n"`
	}
	err := app.DB().NewQuery("SELECT k.[[category]], k.[[brand]], COUNT(*) AS [[n]]" + body +
		" GROUP BY k.[[category]], k.[[brand]]").Bind(params).All(&rows)
	if err != nil {
		return nil, 0, fmt.Errorf("search facets: %w", err)
	}
	total := 0
	categories, brands := map[string]int{}, map[string]int{}
	for _, r := range rows {
		total += r.N
		if r.Category != "" {
			categories[r.Category] += r.N
		}
		if r.Brand != "" {
			brands[r.Brand] += r.N
		}
	}
	facets := &Facets{}
	if facets.Categories, err = namedFacets(app, categoriesCollection, categories); err != nil {
		return nil, 0, err
	}
	if facets.Brands, err = namedFacets(app, brandsCollection, brands); err != nil {
		return nil, 0, err
	}
	return facets, total, nil
}

// maxFacets is the most categories or brands a facet list shows.
const maxFacets = 50

// namedFacets turns counts by id into facets with names, largest first.
func namedFacets(app core.App, collection string, counts map[string]int) ([]Facet, error) {
	facets := make([]Facet, 0, len(counts))
	for id, n := range counts {
		facets = append(facets, Facet{Id: id, Count: n})
	}
	slices.SortFunc(facets, func(a, b Facet) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Id, b.Id)
	})
	if len(facets) > maxFacets {
		facets = facets[:maxFacets]
	}
	if len(facets) == 0 {
		return facets, nil
	}
	values := make([]any, len(facets))
	for i, f := range facets {
		values[i] = f.Id
	}
	var names []struct {
		Id   string `db:"id"`
		Name string `db:"name"`
	}
	if err := app.DB().Select("id", "name").From(collection).Where(dbx.In("id", values...)).All(&names); err != nil {
		return nil, fmt.Errorf("facet names: %w", err)
	}
	byId := make(map[string]string, len(names))
	for _, n := range names {
		byId[n.Id] = n.Name
	}
	for i := range facets {
		facets[i].Name = byId[facets[i].Id]
	}
	return facets, nil
}
