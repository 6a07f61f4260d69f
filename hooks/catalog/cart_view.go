package catalog

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/pocketbase/dbx"
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

	// BasePrice is the SKU's price for everyone; PriceLabel names the
	// buyer's level whose price UnitPrice is ("V2"), "" for none.
	BasePrice  int64  `json:"base_price"`
	PriceLabel string `json:"price_label"`

	// Status is "ok", "off_shelf", "sold_out", "insufficient_stock",
	// "level_required" or "not_yet_on_sale" (Note says why, e.g.
	// "V2及以上提前购，12-10 20:00 开放"); Available is how many units can
	// be bought now.
	Status    string `json:"status"`
	Note      string `json:"note"`
	Available int    `json:"available"`

	// InTotal is true when the line counts in the totals (selected and ok).
	InTotal  bool  `json:"in_total"`
	Amount   int64 `json:"amount"`
	Discount int64 `json:"discount"`
	Paid     int64 `json:"paid"`

	// CouponDiscount is the coupon's part of Discount.
	CouponDiscount int64 `json:"coupon_discount"`
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

	// Coupon is the coupon the cart uses (null: none), CouponDiscount its
	// part of Discount; Coupons are the buyer's coupons for the picker,
	// usable ones first (empty when the shop has no coupon plugin).
	Coupon         *pricing.AppliedCoupon `json:"coupon"`
	CouponDiscount int64                  `json:"coupon_discount"`
	Coupons        []pricing.CouponOption `json:"coupons"`
}

// priceEntries prices a cart's entries (see [Price]) for the API.
func (p *plugin) priceEntries(app core.App, user *core.Record, entries []Entry, address *core.Record, coupon string) (*CartView, error) {
	view := &CartView{Lines: []CartLine{}, Gifts: []pricing.Gift{}, Applied: []pricing.Applied{}, Coupons: []pricing.CouponOption{}}
	if address != nil {
		view.Address = address.Id
	}
	cart, _, err := Price(app, p.shop, PriceRequest{
		User: user, Entries: entries, Address: address, Coupon: coupon,
	})
	if err != nil {
		return nil, err
	}

	for _, l := range cart.Lines {
		view.Lines = append(view.Lines, CartLine{
			Id: l.Id, Sku: l.SkuId, Product: l.ProductId, Title: l.Title, SpecText: l.SpecText,
			Image:    ImageURL(app, l.ProductId, l.Image, ""),
			Thumb:    ImageURL(app, l.ProductId, l.Image, "200x200"),
			Quantity: l.Quantity, Selected: l.Selected, UnitPrice: l.UnitPrice,
			BasePrice: l.BasePrice, PriceLabel: l.PriceLabel,
			Status: l.Status, Note: l.BlockedNote, Available: l.Available, InTotal: l.InTotal,
			Amount: l.Amount, Discount: l.Discount, Paid: l.Paid, CouponDiscount: l.CouponDiscount,
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
	view.Coupon, view.CouponDiscount = cart.Coupon, cart.CouponDiscount
	if cart.CouponOptions != nil {
		view.Coupons = cart.CouponOptions
	}
	return view, nil
}

// cartView handles GET /api/shop/cart?address=<addresses id>&coupon=<choice>
// (without address: the user's default address, if any; coupon: "" the
// best usable coupon, "none", or the id of one of the user's coupons).
func (p *plugin) cartView(e *core.RequestEvent) error {
	address, err := cartAddress(e.App, e.Auth, e.Request.URL.Query().Get("address"))
	if err != nil {
		return err
	}
	entries, err := cartEntries(e.App, e.Auth.Id)
	if err != nil {
		return err
	}
	view, err := p.priceEntries(e.App, e.Auth, entries, address, e.Request.URL.Query().Get("coupon"))
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, view)
}

// cartItems returns the user's cart lines, newest first.
func cartItems(app core.App, userId string) ([]*core.Record, error) {
	var items []*core.Record
	err := app.RecordQuery(cartCollection).AndWhere(dbx.HashExp{"user": userId}).All(&items)
	if err != nil {
		return nil, fmt.Errorf("load cart: %w", err)
	}
	shop.SortByCreated(items, true)
	return items, nil
}

// cartEntries returns the user's cart lines as entries to price, newest
// first (the order of [cartItems]).
//
// note: every priced cart reads the cart; pricing needs four columns of
// each line, not a record
func cartEntries(app core.App, userId string) ([]Entry, error) {
	type row struct {
		Id       string `db:"id"`
		Sku      string `db:"sku"`
		Quantity int    `db:"quantity"`
		Selected bool   `db:"selected"`
		Created  string `db:"created"`
	}
	var rows []row
	err := shop.ScanRows(app, func(scan func(...any) error) error {
		var r row
		if err := scan(&r.Id, &r.Sku, &r.Quantity, &r.Selected, &r.Created); err != nil {
			return err
		}
		rows = append(rows, r)
		return nil
	}, "SELECT `id`, `sku`, `quantity`, `selected`, `created` FROM `"+cartCollection+"` WHERE `user` = ?", userId)
	if err != nil {
		return nil, fmt.Errorf("load cart: %w", err)
	}
	slices.SortFunc(rows, func(a, b row) int { return shop.CompareCreated(a.Created, a.Id, b.Created, b.Id, true) })
	entries := make([]Entry, len(rows))
	for i, r := range rows {
		entries[i] = Entry{r.Id, r.Sku, r.Quantity, r.Selected}
	}
	return entries, nil
}

// cartAddress returns the user's address id, or their default address
// when id is "" (nil if they have none).
func cartAddress(app core.App, user *core.Record, id string) (*core.Record, error) {
	notFound := shop.Fail(http.StatusNotFound, "address_not_found", "收货地址不存在 / address not found")
	if id == "" {
		a, err := shop.FindRecord(app, addressesCollection, "`user` = ? AND `is_default` = ?", user.Id, true)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return a, nil
	}
	if !validId(id) {
		return nil, shop.FieldFail("address", "invalid_id", "收货地址无效 / invalid address")
	}
	a, err := shop.FindRecordById(app, addressesCollection, id)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && a.GetString("user") != user.Id) {
		return nil, notFound
	}
	return a, err
}
