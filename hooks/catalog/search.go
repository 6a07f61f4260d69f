package catalog

import (
	"encoding/json"
	"fmt"
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

// relevanceOrder ranks by bm25 with per-column weights (product, title,
// subtitle, tags, brand, category): a title hit outranks a tag hit.
const relevanceOrder = "bm25({{product_search}}, 0.0, 10.0, 4.0, 2.0, 3.0, 1.0), p.[[sales]] DESC, p.[[id]]"

var sortOrders = map[string]string{
	SortRelevance: relevanceOrder,
	SortSales:     "p.[[sales]] DESC, p.[[id]]",
	SortPriceAsc:  "p.[[min_price]] ASC, p.[[id]]",
	SortPriceDesc: "p.[[min_price]] DESC, p.[[id]]",
	SortNewest:    "p.[[created]] DESC, p.[[id]]",
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

	from := "{{products}} p"
	where := []string{"p.[[status]] = 'on'"}
	params := dbx.Params{}
	if match != "" {
		from = "{{product_search}} JOIN {{products}} p ON p.[[id]] = {{product_search}}.[[product]]"
		where = append(where, "{{product_search}} MATCH {:match}")
		params["match"] = match
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
		where = append(where, "p.[[category]] IN ("+strings.Join(holders, ", ")+")")
	}
	if q.Brand != "" {
		where = append(where, "p.[[brand]] = {:brand}")
		params["brand"] = q.Brand
	}
	if q.PriceMin >= 0 {
		where = append(where, "p.[[min_price]] >= {:pmin}")
		params["pmin"] = q.PriceMin
	}
	if q.PriceMax >= 0 {
		where = append(where, "p.[[min_price]] <= {:pmax}")
		params["pmax"] = q.PriceMax
	}
	body := " FROM " + from + " WHERE " + strings.Join(where, " AND ")

	result := &SearchResult{Items: []SearchItem{}, Page: q.Page, PerPage: q.PerPage}

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
	params["limit"] = q.PerPage
	params["offset"] = (q.Page - 1) * q.PerPage
	err := app.DB().NewQuery("SELECT p.[[id]], p.[[title]], p.[[subtitle]], p.[[images]], p.[[min_price]], " +
		"p.[[max_price]], p.[[sales]], p.[[stock]]" + body +
		" ORDER BY " + order + " LIMIT {:limit} OFFSET {:offset}").
		Bind(params).All(&rows)
	if err != nil {
		return nil, fmt.Errorf("search products: %w", err)
	}
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
		result.Items = append(result.Items, item)
	}

	// note: the first page needs no count query when it is not full
	if q.Page == 1 && len(rows) < q.PerPage {
		result.TotalItems = len(rows)
	} else if err := app.DB().NewQuery("SELECT COUNT(*)" + body).Bind(params).Row(&result.TotalItems); err != nil {
		return nil, fmt.Errorf("count products: %w", err)
	}
	result.TotalPages = (result.TotalItems + q.PerPage - 1) / q.PerPage

	if q.Facets {
		if result.Facets, err = searchFacets(app, body, params); err != nil {
			return nil, err
		}
	}
	return result, nil
}

// searchFacets counts the hits of a search per category and per brand.
func searchFacets(app core.App, body string, params dbx.Params) (*Facets, error) {
	facets := &Facets{Categories: []Facet{}, Brands: []Facet{}}
	for _, f := range []struct {
		field      string
		collection string
		into       *[]Facet
	}{
		{"category", categoriesCollection, &facets.Categories},
		{"brand", brandsCollection, &facets.Brands},
	} {
		var rows []Facet
		err := app.DB().NewQuery("SELECT p.[[" + f.field + "]] AS [[id]], COALESCE(x.[[name]], '') AS [[name]], COUNT(*) AS [[count]]" +
			strings.Replace(body, " WHERE ", " LEFT JOIN {{"+f.collection+"}} x ON x.[[id]] = p.[["+f.field+"]] WHERE ", 1) +
			" AND p.[[" + f.field + "]] != '' GROUP BY p.[[" + f.field + "]] ORDER BY [[count]] DESC LIMIT 50").
			Bind(params).All(&rows)
		if err != nil {
			return nil, fmt.Errorf("search facets: %w", err)
		}
		if rows != nil {
			*f.into = rows
		}
	}
	return facets, nil
}
