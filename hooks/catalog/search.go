package catalog

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/internal/levels"
	"fenxiao/internal/search"
)

// Search sort orders.
const (
	SortRelevance = search.SortRelevance // default with a keyword
	SortSales     = search.SortSales
	SortPriceAsc  = search.SortPriceAsc
	SortPriceDesc = search.SortPriceDesc
	SortNewest    = search.SortNewest // default without a keyword
)

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

	// Level is the searcher's distributor level (see [ViewerLevel]):
	// products reserved for a higher one are not found.
	Level int
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

	// Early is set while the product is in early access (提前购).
	Early *EarlyAccess `json:"early,omitempty"`
}

// EarlyAccess marks a product that a distributor level may buy before
// everyone else.
type EarlyAccess struct {
	Level int    `json:"level"`
	Label string `json:"label"` // the level's short name, "V2"

	// OpensAt is when everyone may buy it ("" not decided yet); Text says
	// it all for a tag: "V2及以上提前购，12-10 20:00 开放".
	OpensAt string `json:"opens_at"`
	Text    string `json:"text"`
}

// Facet is the number of hits in one category or brand.
type Facet = search.Facet

// Facets are the hits per category and per brand.
type Facets = search.Facets

// SearchResult is one page of search results.
type SearchResult struct {
	Items      []SearchItem `json:"items"`
	Page       int          `json:"page"`
	PerPage    int          `json:"perPage"`
	TotalItems int          `json:"totalItems"`
	TotalPages int          `json:"totalPages"`
	Facets     *Facets      `json:"facets,omitempty"`
}

// Search runs a product search on the app's in-memory index; only the
// products of the page are read from the database.
func Search(app core.App, q SearchQuery) (*SearchResult, error) {
	if q.Page < 1 {
		q.Page = 1
	}
	if q.PerPage < 1 {
		q.PerPage = 20
	}

	terms := search.QueryTerms(q.Q)
	if q.Sort == "" || (q.Sort == SortRelevance && len(terms) == 0) {
		q.Sort = SortNewest
		if len(terms) > 0 {
			q.Sort = SortRelevance
		}
	}
	if !search.ValidSort(q.Sort) {
		return nil, fmt.Errorf("unknown sort %q", q.Sort)
	}

	x := searchIndexOf(app)
	if x == nil {
		return nil, errors.New("search: the catalog is not registered on this app")
	}
	hits, err := x.search(search.Query{
		Terms:    terms,
		Category: q.Category,
		Brand:    q.Brand,
		PriceMin: q.PriceMin,
		PriceMax: q.PriceMax,
		Level:    q.Level,
		Sort:     q.Sort,
		Page:     q.Page,
		PerPage:  q.PerPage,
		Facets:   q.Facets,
	})
	if err != nil {
		return nil, err
	}

	result := &SearchResult{
		Items:      []SearchItem{},
		Page:       q.Page,
		PerPage:    q.PerPage,
		TotalItems: hits.Total,
		TotalPages: (hits.Total + q.PerPage - 1) / q.PerPage,
		Facets:     hits.Facets,
	}
	if result.Items, err = searchItems(app, hits.Ids); err != nil {
		return nil, err
	}
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
		Early    int    `db:"early_level"`
		PublicAt string `db:"public_at"`
	}
	err := app.DB().Select("id", "title", "subtitle", "images", "min_price", "max_price", "sales", "stock", "early_level", "public_at").
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
	var labels levelLabels
	now := time.Now()
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
		opens, _ := types.ParseDateTime(r.PublicAt)
		if a := (levels.Access{EarlyLevel: r.Early, OpensAt: opens.Time()}); a.Early(now) {
			if labels == nil {
				if labels, err = loadLevelLabels(app); err != nil {
					return nil, err
				}
			}
			item.Early = &EarlyAccess{Level: r.Early, Label: labels.short(r.Early),
				Text: labels.short(r.Early) + "及以上提前购，" + opening(a.OpensAt)}
			if !a.OpensAt.IsZero() {
				item.Early.OpensAt = opens.String()
			}
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
