package catalog

import (
	"fmt"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/list"
	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/hooks/shop"
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

// skuRow is what [LookupSkus] reads of a SKU and its product.
type skuRow struct {
	Id            string         `db:"id"`
	SpecText      string         `db:"spec_text"`
	Price         int64          `db:"price"`
	OriginalPrice int64          `db:"original_price"`
	Stock         int            `db:"stock"`
	Weight        int            `db:"weight"`
	MinLevel      int            `db:"min_level"`
	EarlyLevel    int            `db:"early_level"`
	PublicAt      types.DateTime `db:"public_at"`
	LevelPrices   types.JSONRaw  `db:"level_prices"`

	Product           string         `db:"product"`
	Title             string         `db:"title"`
	Images            string         `db:"images"`
	Status            string         `db:"status"`
	OffReason         string         `db:"off_reason"`
	Category          string         `db:"category"`
	ProductWeight     int            `db:"product_weight"`
	ShippingTemplate  string         `db:"shipping_template"`
	ProductMinLevel   int            `db:"product_min_level"`
	ProductEarlyLevel int            `db:"product_early_level"`
	ProductPublicAt   types.DateTime `db:"product_public_at"`
}

// skuRowSelect is the statement of [LookupSkus], before its list of ids;
// written out rather than built, as the query builder (column quoting,
// aliases) cost about a third of the lookup.
const skuRowSelect = "SELECT s.id, s.spec_text, s.price, s.original_price, s.stock, s.weight, " +
	"s.min_level, s.early_level, s.public_at, s.level_prices, s.product, p.title, p.images, p.status, " +
	"p.off_reason, p.category, p.weight AS product_weight, p.shipping_template, " +
	"p.min_level AS product_min_level, p.early_level AS product_early_level, p.public_at AS product_public_at " +
	"FROM " + skusCollection + " s JOIN " + productsCollection + " p ON p.id = s.product WHERE s.id IN ("

// readSkuRows reads the rows of [LookupSkus] with plain SQL (see
// [shop.Query]).
func readSkuRows(app core.App, ids []string) ([]skuRow, error) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	var list []skuRow
	err := shop.ScanRows(app, func(scan func(...any) error) error {
		var r skuRow
		err := scan(&r.Id, &r.SpecText, &r.Price, &r.OriginalPrice, &r.Stock, &r.Weight,
			&r.MinLevel, &r.EarlyLevel, &r.PublicAt, &r.LevelPrices, &r.Product, &r.Title, &r.Images, &r.Status,
			&r.OffReason, &r.Category, &r.ProductWeight, &r.ShippingTemplate,
			&r.ProductMinLevel, &r.ProductEarlyLevel, &r.ProductPublicAt)
		list = append(list, r)
		return err
	}, skuRowSelect+shop.Placeholders(len(ids))+")", args...)
	return list, err
}

// LookupSkus returns the SKUs with the given ids by id, with their products;
// unknown ids are left out of the map. Inside a transaction pass its app.
//
// note: every priced cart, checkout and cart add comes here. One statement
// reads the columns used of the SKUs and their products into structs, not
// whole records (a product's description may be many kilobytes); being one
// statement it sees a SKU and its product at the same instant, so a sale
// that takes the last unit and delists the product is seen whole: the
// buyer who lost the race is told sold out, never "off the shelf".
func LookupSkus(app core.App, ids []string) (map[string]*SkuInfo, error) {
	result := make(map[string]*SkuInfo, len(ids))
	if len(ids) == 0 {
		return result, nil
	}
	rows, err := readSkuRows(app, ids)
	if err != nil {
		return nil, fmt.Errorf("lookup skus: %w", err)
	}
	if len(rows) == 0 {
		return result, nil
	}
	tree, err := categoryTreeOf(app)
	if err != nil {
		return nil, err
	}

	for _, r := range rows {
		weight := r.Weight
		if weight == 0 {
			weight = r.ProductWeight
		}
		info := &SkuInfo{
			SkuId:         r.Id,
			ProductId:     r.Product,
			Title:         r.Title,
			SpecText:      r.SpecText,
			Price:         r.Price,
			BasePrice:     r.Price,
			Verdict:       levels.Verdict{Visible: true},
			OriginalPrice: r.OriginalPrice,
			Stock:         r.Stock,
			Status:        r.Status,
			OnShelf:       r.Status == StatusOn,
			OffReason:     r.OffReason,
			CategoryPath:  tree.path(r.Category),
			Weight:        weight,
			TemplateId:    r.ShippingTemplate,
			productAccess: levels.Access{MinLevel: r.ProductMinLevel, EarlyLevel: r.ProductEarlyLevel, OpensAt: r.ProductPublicAt.Time()},
			skuAccess:     levels.Access{MinLevel: r.MinLevel, EarlyLevel: r.EarlyLevel, OpensAt: r.PublicAt.Time()},
			levelPrices:   parseLevelPrices(r.LevelPrices),
		}
		// note: the file field's own parsing of its stored list
		if images := list.ToUniqueStringSlice(r.Images); len(images) > 0 {
			info.Image = images[0]
		}
		result[r.Id] = info
	}
	return result, nil
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
