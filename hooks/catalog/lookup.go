package catalog

import (
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/list"
	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/internal/levels"
	"fenxiao/internal/pricing"
)

// SkuInfo is what checkout and the cart need to know about one SKU.
type SkuInfo struct {
	SkuId     string
	ProductId string
	Title     string
	SpecText  string

	// Image is the file name of the product's first image ("" if none);
	// see [ImageURL].
	Image string

	// Price is what one unit costs: the SKU's price, or the buyer's level
	// price once [Price] fitted the info to the buyer (see privileges.go);
	// BasePrice stays the SKU's price, PriceLabel names the level ("V2").
	Price         int64 // fen
	BasePrice     int64 // fen
	PriceLabel    string
	OriginalPrice int64 // fen
	Stock         int

	// Verdict is what the buyer's level may do with the SKU (set with the
	// level price) and BlockedNote why they may not buy it, in their words.
	Verdict     levels.Verdict
	BlockedNote string

	// Status is the product's status ("on" or "off"); OnShelf is Status == "on".
	Status  string
	OnShelf bool

	// OffReason is why the product is off the shelf ("manual", "sold_out").
	OffReason string

	// CategoryPath is the product's category and its ancestors, root first.
	CategoryPath []string

	// Weight is grams per unit: the SKU's weight, or the product's.
	Weight int

	// TemplateId is the product's shipping template ("": ships free).
	TemplateId string

	// the level conditions of the product and the SKU, and the SKU's level
	// prices, that [applyViewer] fits the info to a buyer with
	productAccess, skuAccess levels.Access
	levelPrices              []levels.LevelPrice
}

// Listed reports whether a buyer sees the SKU as on sale: its product is on
// the shelf, or the stock rules took it off when it sold out and this SKU
// still has none. In the second case what stops the sale is stock, and the
// buyer is told "out of stock", not "off the shelf" (the buyer who loses
// the race for the last unit must not read that the product was withdrawn).
func (s *SkuInfo) Listed() bool {
	return s.OnShelf || (s.OffReason == OffSoldOut && s.Stock <= 0)
}

// Line returns the pricing line of qty units of the SKU; a SKU [SkuInfo.Listed]
// but sold out is priced as on the shelf, so its status is sold out.
func (s *SkuInfo) Line(lineId string, qty int, selected bool) pricing.Line {
	return pricing.Line{
		Id:          lineId,
		SkuId:       s.SkuId,
		ProductId:   s.ProductId,
		Title:       s.Title,
		SpecText:    s.SpecText,
		Image:       s.Image,
		CategoryIds: s.CategoryPath,
		Quantity:    qty,
		Selected:    selected,
		UnitPrice:   s.Price,
		Stock:       s.Stock,
		OnShelf:     s.Listed(),
		Weight:      s.Weight,
		TemplateId:  s.TemplateId,
		Blocked:     s.Verdict.Reason,
		BlockedNote: s.BlockedNote,
		BasePrice:   s.BasePrice,
		PriceLabel:  s.PriceLabel,
	}
}

// skuRow is what [LookupSkus] reads of a SKU.
type skuRow struct {
	Id            string         `db:"id"`
	Product       string         `db:"product"`
	SpecText      string         `db:"spec_text"`
	Price         int64          `db:"price"`
	OriginalPrice int64          `db:"original_price"`
	Stock         int            `db:"stock"`
	Weight        int            `db:"weight"`
	MinLevel      int            `db:"min_level"`
	EarlyLevel    int            `db:"early_level"`
	PublicAt      types.DateTime `db:"public_at"`
	LevelPrices   types.JSONRaw  `db:"level_prices"`
}

var lookupSkuColumns = []string{"id", "product", "spec_text", "price", "original_price", "stock", "weight",
	"min_level", "early_level", "public_at", "level_prices"}

// productRow is what [LookupSkus] reads of a product.
type productRow struct {
	Id               string         `db:"id"`
	Title            string         `db:"title"`
	Images           string         `db:"images"`
	Status           string         `db:"status"`
	OffReason        string         `db:"off_reason"`
	Category         string         `db:"category"`
	Weight           int            `db:"weight"`
	ShippingTemplate string         `db:"shipping_template"`
	MinLevel         int            `db:"min_level"`
	EarlyLevel       int            `db:"early_level"`
	PublicAt         types.DateTime `db:"public_at"`
}

var lookupProductColumns = []string{"id", "title", "images", "status", "off_reason", "category", "weight",
	"shipping_template", "min_level", "early_level", "public_at"}

// LookupSkus returns the SKUs with the given ids by id, with their products;
// unknown ids are left out of the map. Inside a transaction pass its app.
//
// note: every priced cart, checkout and cart add comes here; it reads the
// columns it uses into structs, not whole records (a product's description
// alone may be many kilobytes)
func LookupSkus(app core.App, ids []string) (map[string]*SkuInfo, error) {
	result := make(map[string]*SkuInfo, len(ids))
	if len(ids) == 0 {
		return result, nil
	}
	skus, err := selectByIds[skuRow](app, skusCollection, lookupSkuColumns, ids)
	if err != nil {
		return nil, fmt.Errorf("lookup skus: %w", err)
	}
	if len(skus) == 0 {
		return result, nil
	}
	productIds := make([]string, 0, len(skus))
	for _, s := range skus {
		productIds = append(productIds, s.Product)
	}
	products, err := selectByIds[productRow](app, productsCollection, lookupProductColumns, productIds)
	if err != nil {
		return nil, fmt.Errorf("lookup skus: %w", err)
	}
	byId := make(map[string]*productRow, len(products))
	for i := range products {
		byId[products[i].Id] = &products[i]
	}
	// the SKUs were read before their products: a sale committed in between
	// may have sold the last unit and delisted the product. Read the stock of
	// a product the stock rules took off again, so that it is at least as new
	// as the product (a sold-out answer, not "off the shelf", for the loser).
	var recheck []string
	for _, s := range skus {
		if p := byId[s.Product]; p != nil && p.Status != StatusOn && p.OffReason == OffSoldOut {
			recheck = append(recheck, s.Id)
		}
	}
	if len(recheck) > 0 {
		fresh, err := selectByIds[skuRow](app, skusCollection, lookupSkuColumns, recheck)
		if err != nil {
			return nil, fmt.Errorf("lookup skus: %w", err)
		}
		freshById := make(map[string]skuRow, len(fresh))
		for _, f := range fresh {
			freshById[f.Id] = f
		}
		for i, s := range skus {
			if f, ok := freshById[s.Id]; ok {
				skus[i] = f
			}
		}
	}
	tree, err := loadCategoryTree(app)
	if err != nil {
		return nil, err
	}

	for _, s := range skus {
		p := byId[s.Product]
		if p == nil {
			continue
		}
		weight := s.Weight
		if weight == 0 {
			weight = p.Weight
		}
		info := &SkuInfo{
			SkuId:         s.Id,
			ProductId:     p.Id,
			Title:         p.Title,
			SpecText:      s.SpecText,
			Price:         s.Price,
			BasePrice:     s.Price,
			Verdict:       levels.Verdict{Visible: true},
			OriginalPrice: s.OriginalPrice,
			Stock:         s.Stock,
			Status:        p.Status,
			OnShelf:       p.Status == StatusOn,
			OffReason:     p.OffReason,
			CategoryPath:  tree.path(p.Category),
			Weight:        weight,
			TemplateId:    p.ShippingTemplate,
			productAccess: levels.Access{MinLevel: p.MinLevel, EarlyLevel: p.EarlyLevel, OpensAt: p.PublicAt.Time()},
			skuAccess:     levels.Access{MinLevel: s.MinLevel, EarlyLevel: s.EarlyLevel, OpensAt: s.PublicAt.Time()},
			levelPrices:   parseLevelPrices(s.LevelPrices),
		}
		// note: the file field's own parsing of its stored list
		if images := list.ToUniqueStringSlice(p.Images); len(images) > 0 {
			info.Image = images[0]
		}
		result[s.Id] = info
	}
	return result, nil
}

// selectByIds reads the given columns of the rows with the given ids.
func selectByIds[T any](app core.App, collection string, columns []string, ids []string) ([]T, error) {
	in := make([]any, len(ids))
	for i, id := range ids {
		in[i] = id
	}
	var rows []T
	err := app.DB().Select(columns...).From(collection).Where(dbx.In("id", in...)).All(&rows)
	return rows, err
}

// LoadShippingTemplates returns the shipping templates with the given ids
// by id, ready for [pricing.Price]; unknown ids are left out.
func LoadShippingTemplates(app core.App, ids []string) (map[string]pricing.Template, error) {
	result := map[string]pricing.Template{}
	if len(ids) == 0 {
		return result, nil
	}
	records, err := app.FindRecordsByIds(templatesCollection, ids)
	if err != nil {
		return nil, fmt.Errorf("load shipping templates: %w", err)
	}
	for _, r := range records {
		t := pricing.Template{
			Id:   r.Id,
			Mode: r.GetString("mode"),
			Rule: pricing.Rule{
				FirstUnits:    int64(r.GetInt("first_units")),
				FirstFee:      int64(r.GetInt("first_fee")),
				ExtraUnits:    int64(r.GetInt("extra_units")),
				ExtraFee:      int64(r.GetInt("extra_fee")),
				FreeThreshold: int64(r.GetInt("free_threshold")),
			},
		}
		if t.Regions, err = templateRegions(r); err != nil {
			return nil, fmt.Errorf("shipping template %s: %w", r.Id, err)
		}
		result[r.Id] = t
	}
	return result, nil
}

// ImageURL returns the public URL of a product image, or of its thumb when
// thumb is set (e.g. "200x200"); "" for no image.
func ImageURL(app core.App, productId, file, thumb string) string {
	if file == "" {
		return ""
	}
	c, err := app.FindCachedCollectionByNameOrId(productsCollection)
	if err != nil {
		return ""
	}
	u := "/api/files/" + c.Id + "/" + productId + "/" + file
	if thumb != "" {
		u += "?thumb=" + thumb
	}
	return u
}
