package pricing

import (
	"errors"
	"reflect"
	"testing"
)

func line(id string, price int64, qty, stock int, tpl string, weight int) Line {
	return Line{Id: id, SkuId: "sku_" + id, ProductId: "p_" + id, Quantity: qty, Selected: true,
		UnitPrice: price, Stock: stock, OnShelf: true, Weight: weight, TemplateId: tpl}
}

var templates = map[string]Template{
	"piece": {Id: "piece", Mode: ModePiece,
		Rule: Rule{FirstUnits: 1, FirstFee: 800, ExtraUnits: 1, ExtraFee: 200, FreeThreshold: 9900},
		Regions: []Region{{Provinces: []string{"新疆", "西藏"},
			Rule: Rule{FirstUnits: 1, FirstFee: 2000, ExtraUnits: 2, ExtraFee: 1000}}},
	},
	"weight": {Id: "weight", Mode: ModeWeight,
		Rule: Rule{FirstUnits: 1000, FirstFee: 1000, ExtraUnits: 500, ExtraFee: 300}},
	"flat": {Id: "flat", Mode: ModePiece, Rule: Rule{FirstUnits: 1, FirstFee: 600}},
}

func TestPrice(t *testing.T) {
	zhejiang := &Address{Province: "浙江省"}
	xinjiang := &Address{Province: "新疆维吾尔自治区"}

	scenarios := []struct {
		name      string
		lines     []Line
		address   *Address
		discounts func([]Line) (Discounts, error)
		// expectations
		goods, discount, shipping, total int64
		statuses                         []string
	}{
		{
			name:  "empty cart",
			goods: 0, shipping: 0, total: 0,
		},
		{
			name:    "piece: first plus extra pieces",
			lines:   []Line{line("a", 1000, 3, 10, "piece", 0)},
			address: zhejiang,
			goods:   3000, shipping: 800 + 2*200, total: 3000 + 1200,
			statuses: []string{StatusOK},
		},
		{
			name:    "piece: free from the threshold",
			lines:   []Line{line("a", 3300, 3, 10, "piece", 0)},
			address: zhejiang,
			goods:   9900, shipping: 0, total: 9900,
			statuses: []string{StatusOK},
		},
		{
			name:    "piece: region override, extra blocks of two started in full",
			lines:   []Line{line("a", 3300, 4, 10, "piece", 0)},
			address: xinjiang,
			// no free threshold in the region; 3 extra pieces = 2 blocks of 2
			goods: 13200, shipping: 2000 + 2*1000, total: 13200 + 4000,
			statuses: []string{StatusOK},
		},
		{
			name:  "no address: default rule, estimated",
			lines: []Line{line("a", 1000, 1, 10, "piece", 0)},
			goods: 1000, shipping: 800, total: 1800,
			statuses: []string{StatusOK},
		},
		{
			name:    "weight: grams round up to a started block",
			lines:   []Line{line("a", 500, 2, 10, "weight", 501)},
			address: zhejiang,
			// 1002 g: first 1000 g + one started 500 g block
			goods: 1000, shipping: 1000 + 300, total: 2300,
			statuses: []string{StatusOK},
		},
		{
			name:    "weight: exactly the first units",
			lines:   []Line{line("a", 500, 2, 10, "weight", 500)},
			address: zhejiang,
			goods:   1000, shipping: 1000, total: 2000,
			statuses: []string{StatusOK},
		},
		{
			name: "one shipment per template, lines of a template added up",
			lines: []Line{
				line("a", 1000, 1, 10, "piece", 0),
				line("b", 1000, 1, 10, "piece", 0),
				line("c", 1000, 1, 10, "flat", 0),
				line("d", 1000, 1, 10, "", 0),
			},
			address: zhejiang,
			goods:   4000, shipping: (800 + 200) + 600, total: 5600,
			statuses: []string{StatusOK, StatusOK, StatusOK, StatusOK},
		},
		{
			name: "unavailable and unselected lines are left out of totals and shipping",
			lines: []Line{
				line("ok", 1000, 1, 10, "flat", 0),
				func() Line { l := line("off", 5000, 1, 10, "piece", 0); l.OnShelf = false; return l }(),
				line("soldout", 5000, 1, 0, "piece", 0),
				line("short", 5000, 5, 2, "piece", 0),
				func() Line { l := line("unsel", 5000, 1, 10, "piece", 0); l.Selected = false; return l }(),
			},
			address: zhejiang,
			goods:   1000, shipping: 600, total: 1600,
			statuses: []string{StatusOK, StatusOffShelf, StatusSoldOut, StatusInsufficientStock, StatusOK},
		},
		{
			name: "discounts per line, clamped, and the free threshold on the paid amount",
			lines: []Line{
				line("a", 6000, 1, 10, "piece", 0),
				line("b", 4000, 1, 10, "piece", 0),
				func() Line { l := line("off", 5000, 1, 10, "piece", 0); l.OnShelf = false; return l }(),
			},
			address: zhejiang,
			discounts: func(lines []Line) (Discounts, error) {
				if len(lines) != 2 {
					panic("discounts must only see the counted lines")
				}
				return Discounts{
					PerLine: []int64{600, 400},
					Applied: []Applied{{PromotionId: "p1", Label: "满100减10", Amount: 1000}},
				}, nil
			},
			// paid 9000 < 9900: shipping is charged for 2 pieces
			goods: 10000, discount: 1000, shipping: 1000, total: 10000,
			statuses: []string{StatusOK, StatusOK, StatusOffShelf},
		},
		{
			name:    "a discount larger than the line or negative is clamped",
			lines:   []Line{line("a", 100, 1, 10, "", 0), line("b", 100, 1, 10, "", 0)},
			address: zhejiang,
			discounts: func(lines []Line) (Discounts, error) {
				return Discounts{PerLine: []int64{500, -50}}, nil
			},
			goods: 200, discount: 100, shipping: 0, total: 100,
			statuses: []string{StatusOK, StatusOK},
		},
		{
			name:    "a short PerLine leaves the other lines undiscounted",
			lines:   []Line{line("a", 100, 1, 10, "", 0), line("b", 100, 1, 10, "", 0)},
			address: zhejiang,
			discounts: func(lines []Line) (Discounts, error) {
				return Discounts{PerLine: []int64{30}}, nil
			},
			goods: 200, discount: 30, shipping: 0, total: 170,
			statuses: []string{StatusOK, StatusOK},
		},
		{
			name:    "a template missing from the map ships free",
			lines:   []Line{line("a", 100, 1, 10, "gone", 0)},
			address: zhejiang,
			goods:   100, shipping: 0, total: 100,
			statuses: []string{StatusOK},
		},
	}

	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			cart, err := Price(Input{Lines: s.lines, Templates: templates, Address: s.address, Discounts: s.discounts})
			if err != nil {
				t.Fatal(err)
			}
			if cart.Goods != s.goods || cart.Discount != s.discount || cart.Shipping != s.shipping || cart.Total != s.total {
				t.Fatalf("goods/discount/shipping/total = %d/%d/%d/%d, want %d/%d/%d/%d",
					cart.Goods, cart.Discount, cart.Shipping, cart.Total, s.goods, s.discount, s.shipping, s.total)
			}
			if cart.Total != cart.Goods-cart.Discount+cart.Shipping {
				t.Fatalf("total %d is not goods - discount + shipping", cart.Total)
			}
			var statuses []string
			var paid, discount int64
			for _, l := range cart.Lines {
				statuses = append(statuses, l.Status)
				if l.Paid != 0 && l.Paid != l.Amount-l.Discount {
					t.Fatalf("line %s: paid %d != amount %d - discount %d", l.Id, l.Paid, l.Amount, l.Discount)
				}
				if !l.InTotal && (l.Paid != 0 || l.Discount != 0) {
					t.Fatalf("line %s is not in the total but has paid %d / discount %d", l.Id, l.Paid, l.Discount)
				}
				paid += l.Paid
				discount += l.Discount
			}
			if !reflect.DeepEqual(statuses, s.statuses) {
				t.Fatalf("statuses = %v, want %v", statuses, s.statuses)
			}
			if paid != cart.Goods-cart.Discount || discount != cart.Discount {
				t.Fatalf("lines paid %d / discount %d do not add up to the cart's", paid, discount)
			}
			if cart.ShippingEstimated != (s.address == nil) {
				t.Fatalf("ShippingEstimated = %v", cart.ShippingEstimated)
			}
		})
	}
}

// TestPriceDiscountsError: a cart whose promotions fail has no price.
func TestPriceDiscountsError(t *testing.T) {
	boom := errors.New("promotions unreadable")
	_, err := Price(Input{
		Lines:     []Line{line("a", 100, 1, 10, "", 0)},
		Discounts: func([]Line) (Discounts, error) { return Discounts{}, boom },
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the discounts error", err)
	}
}

func TestPriceAvailable(t *testing.T) {
	short := line("short", 100, 5, 2, "", 0)
	off := line("off", 100, 1, 7, "", 0)
	off.OnShelf = false
	cart, err := Price(Input{Lines: []Line{short, off}})
	if err != nil {
		t.Fatal(err)
	}
	if got := cart.Lines[0].Available; got != 2 {
		t.Errorf("short line available = %d, want 2", got)
	}
	if got := cart.Lines[1].Available; got != 0 {
		t.Errorf("off-shelf line available = %d, want 0", got)
	}
}

func TestRuleFor(t *testing.T) {
	tpl := templates["piece"]
	if r := tpl.RuleFor(&Address{Province: "西藏自治区"}); r.FirstFee != 2000 {
		t.Errorf("西藏 rule first fee = %d, want 2000", r.FirstFee)
	}
	if r := tpl.RuleFor(&Address{Province: ""}); r.FirstFee != 800 {
		t.Errorf("empty province rule first fee = %d, want 800", r.FirstFee)
	}
}

// TestPriceSplitIgnoresLineOrder: a discount split with tied remainders
// gives the same fen to the same SKU whatever order the lines came in (the
// cart lists newest first, checkout as posted).
func TestPriceSplitIgnoresLineOrder(t *testing.T) {
	// splits 2001 in proportion to the amounts, ties to the earlier line
	split := func(lines []Line) (Discounts, error) {
		var sum int64
		for _, l := range lines {
			sum += l.UnitPrice * int64(l.Quantity)
		}
		per := make([]int64, len(lines))
		var given int64
		for i, l := range lines {
			per[i] = 2001 * l.UnitPrice * int64(l.Quantity) / sum
			given += per[i]
		}
		for i := 0; given < 2001; i++ {
			per[i]++
			given++
		}
		return Discounts{PerLine: per}, nil
	}
	a, b := line("a", 6000, 1, 5, "", 0), line("b", 6000, 1, 5, "", 0)
	first, err := Price(Input{Lines: []Line{a, b}, Discounts: split})
	if err != nil {
		t.Fatal(err)
	}
	second, err := Price(Input{Lines: []Line{b, a}, Discounts: split})
	if err != nil {
		t.Fatal(err)
	}
	bySku := func(c Cart) map[string]int64 {
		m := map[string]int64{}
		for _, l := range c.Lines {
			m[l.SkuId] = l.Discount
		}
		return m
	}
	x, y := bySku(first), bySku(second)
	if !reflect.DeepEqual(x, y) {
		t.Fatalf("split depends on line order: %v vs %v", x, y)
	}
	if x["sku_a"]+x["sku_b"] != 2001 || x["sku_a"] == x["sku_b"] {
		t.Fatalf("expected an uneven exact split of 2001, got %v", x)
	}
	// the lines themselves keep the caller's order
	if second.Lines[0].SkuId != "sku_b" {
		t.Fatalf("lines reordered: %v", second.Lines[0].SkuId)
	}
}

// A line the buyer's level may not buy takes its Blocked status (after
// off_shelf, before the stock states) and stays out of the totals and of
// the discount split.
func TestPriceBlockedLines(t *testing.T) {
	ok := line("ok", 1000, 1, 5, "", 0)
	early := line("early", 2000, 1, 5, "", 0)
	early.Blocked, early.BlockedNote = StatusNotYetOnSale, "V2及以上提前购，12-10 20:00 开放"
	reservedOff := line("reservedOff", 3000, 1, 5, "", 0)
	reservedOff.Blocked, reservedOff.OnShelf = StatusLevelRequired, false
	reservedOut := line("reservedOut", 4000, 1, 0, "", 0)
	reservedOut.Blocked = StatusLevelRequired
	var seen int
	cart, err := Price(Input{Lines: []Line{ok, early, reservedOff, reservedOut},
		Discounts: func(lines []Line) (Discounts, error) { seen = len(lines); return Discounts{}, nil }})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{StatusOK, StatusNotYetOnSale, StatusOffShelf, StatusLevelRequired}
	for i, l := range cart.Lines {
		if l.Status != want[i] {
			t.Errorf("line %s: status %s, want %s", l.Id, l.Status, want[i])
		}
		if i > 0 && (l.InTotal || l.Available != 0 || l.Paid != 0) {
			t.Errorf("blocked line %s counted: %+v", l.Id, l)
		}
	}
	if cart.Goods != 1000 || cart.Total != 1000 || seen != 1 {
		t.Errorf("goods %d total %d, %d lines reached the discounts; want 1000, 1000, 1", cart.Goods, cart.Total, seen)
	}
}
