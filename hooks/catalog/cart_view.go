package catalog

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/internal/pricing"
)

// CartLine is one priced cart line as the API shows it.
type CartLine struct {
	Id        string `json:"id"`
	Sku       string `json:"sku"`
	Product   string `json:"product"`
	Title     string `json:"title"`
	SpecText  string `json:"spec_text"`
	Image     string `json:"image"`
	Thumb     string `json:"thumb"`
	Quantity  int    `json:"quantity"`
	Selected  bool   `json:"selected"`
	UnitPrice int64  `json:"unit_price"`

	// Status is "ok", "off_shelf", "sold_out" or "insufficient_stock";
	// Available is how many units can be bought now.
	Status    string `json:"status"`
	Available int    `json:"available"`

	// InTotal is true when the line counts in the totals (selected and ok).
	InTotal  bool  `json:"in_total"`
	Amount   int64 `json:"amount"`
	Discount int64 `json:"discount"`
	Paid     int64 `json:"paid"`
}

// CartView is a priced cart as the API shows it (amounts in fen).
type CartView struct {
	Lines    []CartLine `json:"lines"`
	Quantity int        `json:"quantity"`
	Goods    int64      `json:"goods"`
	Discount int64      `json:"discount"`
	Shipping int64      `json:"shipping"`
	Total    int64      `json:"total"`

	// Address is the id of the address shipping was priced for ("" with
	// ShippingEstimated: the templates' default rules).
	Address           string            `json:"address"`
	ShippingEstimated bool              `json:"shipping_estimated"`
	Gifts             []pricing.Gift    `json:"gifts"`
	Applied           []pricing.Applied `json:"applied"`
}

// cartEntry is a line to price: a SKU, a quantity and whether it is selected.
type cartEntry struct {
	id       string
	sku      string
	quantity int
	selected bool
}

// priceEntries prices entries with the current catalog facts; entries whose
// SKU no longer exists are left out.
func (p *plugin) priceEntries(app core.App, user *core.Record, entries []cartEntry, address *core.Record) (*CartView, error) {
	ids := make([]string, len(entries))
	for i, en := range entries {
		ids[i] = en.sku
	}
	infos, err := LookupSkus(app, ids)
	if err != nil {
		return nil, err
	}
	lines := make([]pricing.Line, 0, len(entries))
	templateIds := []string{}
	for _, en := range entries {
		info := infos[en.sku]
		if info == nil {
			continue
		}
		lines = append(lines, info.Line(en.id, en.quantity, en.selected))
		if info.TemplateId != "" {
			templateIds = append(templateIds, info.TemplateId)
		}
	}
	templates, err := LoadShippingTemplates(app, templateIds)
	if err != nil {
		return nil, err
	}

	in := pricing.Input{Lines: lines, Templates: templates}
	view := &CartView{Lines: []CartLine{}, Gifts: []pricing.Gift{}, Applied: []pricing.Applied{}}
	if address != nil {
		in.Address = &pricing.Address{Province: address.GetString("province")}
		view.Address = address.Id
	}
	discounts := p.config.Discounts
	if discounts == nil {
		// note: looked up per request, plugins register after the core
		discounts = p.shop.Discounts()
	}
	if discounts != nil {
		in.Discounts = func(lines []pricing.Line) (pricing.Discounts, error) {
			return discounts(app, user, lines)
		}
	}
	cart, err := pricing.Price(in)
	if err != nil {
		return nil, err
	}

	for _, l := range cart.Lines {
		view.Lines = append(view.Lines, CartLine{
			Id: l.Id, Sku: l.SkuId, Product: l.ProductId, Title: l.Title, SpecText: l.SpecText,
			Image:    ImageURL(app, l.ProductId, l.Image, ""),
			Thumb:    ImageURL(app, l.ProductId, l.Image, "200x200"),
			Quantity: l.Quantity, Selected: l.Selected, UnitPrice: l.UnitPrice,
			Status: l.Status, Available: l.Available, InTotal: l.InTotal,
			Amount: l.Amount, Discount: l.Discount, Paid: l.Paid,
		})
	}
	view.Quantity = cart.Quantity
	view.Goods, view.Discount, view.Shipping, view.Total = cart.Goods, cart.Discount, cart.Shipping, cart.Total
	view.ShippingEstimated = cart.ShippingEstimated
	if cart.Gifts != nil {
		view.Gifts = cart.Gifts
	}
	if cart.Applied != nil {
		view.Applied = cart.Applied
	}
	return view, nil
}

// cartView handles GET /api/shop/cart?address=<addresses id>
// (without address: the user's default address, if any).
func (p *plugin) cartView(e *core.RequestEvent) error {
	address, err := cartAddress(e.App, e.Auth, e.Request.URL.Query().Get("address"))
	if err != nil {
		return shop.ToApiError(err)
	}
	items, err := cartItems(e.App, e.Auth.Id)
	if err != nil {
		return shop.ToApiError(err)
	}
	entries := make([]cartEntry, len(items))
	for i, it := range items {
		entries[i] = cartEntry{it.Id, it.GetString("sku"), it.GetInt("quantity"), it.GetBool("selected")}
	}
	view, err := p.priceEntries(e.App, e.Auth, entries, address)
	if err != nil {
		return shop.ToApiError(err)
	}
	return e.JSON(http.StatusOK, view)
}

// cartItems returns the user's cart lines, newest first.
func cartItems(app core.App, userId string) ([]*core.Record, error) {
	items, err := app.FindRecordsByFilter(cartCollection, "user = {:user}", "-created,id", 0, 0,
		map[string]any{"user": userId})
	if err != nil {
		return nil, fmt.Errorf("load cart: %w", err)
	}
	return items, nil
}

// cartAddress returns the user's address id, or their default address
// when id is "" (nil if they have none).
func cartAddress(app core.App, user *core.Record, id string) (*core.Record, error) {
	notFound := shop.Fail(http.StatusNotFound, "address_not_found", "收货地址不存在 / address not found")
	if id == "" {
		a, err := app.FindFirstRecordByFilter(addressesCollection, "user = {:user} && is_default = true",
			map[string]any{"user": user.Id})
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		return a, err
	}
	if !validId(id) {
		return nil, shop.FieldFail("address", "invalid_id", "收货地址无效 / invalid address")
	}
	a, err := app.FindRecordById(addressesCollection, id)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && a.GetString("user") != user.Id) {
		return nil, notFound
	}
	return a, err
}
