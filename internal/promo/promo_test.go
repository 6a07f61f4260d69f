package promo

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func fullReduction(id string, tiers ...Tier) Promotion {
	return Promotion{Id: id, Name: id, Type: TypeFullReduction, Scope: ScopeAll, Active: true, Tiers: tiers}
}

func rate(id string, bp int64) Promotion {
	return Promotion{Id: id, Name: id, Type: TypeDiscount, Scope: ScopeAll, Active: true, DiscountMode: DiscountRate, RateBP: bp}
}

func special(id string, price int64) Promotion {
	return Promotion{Id: id, Name: id, Type: TypeDiscount, Scope: ScopeAll, Active: true, DiscountMode: DiscountSpecialPrice, SpecialPrice: price}
}

func gift(id, sku string, qty, stock int, minAmount int64) Promotion {
	return Promotion{Id: id, Name: id, Type: TypeGift, Scope: ScopeAll, Active: true, GiftSkuId: sku, GiftQuantity: qty, GiftStock: stock, GiftMinAmount: minAmount}
}

func stackable(p Promotion) Promotion { p.Stackable = true; return p }

func products(p Promotion, ids ...string) Promotion {
	p.Scope, p.ProductIds = ScopeProducts, ids
	return p
}

func categories(p Promotion, ids ...string) Promotion {
	p.Scope, p.CategoryIds = ScopeCategories, ids
	return p
}

func priority(p Promotion, n int) Promotion { p.Priority = n; return p }

func line(product string, price int64, qty int, path ...string) Line {
	return Line{Key: product, SkuId: product + "-sku", ProductId: product, CategoryPath: path, UnitPrice: price, Quantity: qty}
}

// checkInvariants asserts the money rules every Result must keep.
func checkInvariants(t *testing.T, lines []Line, r Result) {
	t.Helper()
	if len(r.PerLine) != len(lines) {
		t.Fatalf("PerLine has %d entries for %d lines", len(r.PerLine), len(lines))
	}
	var sum int64
	for i, v := range r.PerLine {
		amount := int64(0)
		if lines[i].Quantity > 0 && lines[i].UnitPrice > 0 {
			amount = lines[i].UnitPrice * int64(lines[i].Quantity)
		}
		if v < 0 || v > amount {
			t.Fatalf("line %d discount %d outside [0, %d]", i, v, amount)
		}
		sum += v
	}
	if sum != r.TotalDiscount {
		t.Fatalf("Σ PerLine %d != TotalDiscount %d", sum, r.TotalDiscount)
	}
	perLine := make([]int64, len(lines))
	var applied int64
	for _, a := range r.Applied {
		var s int64
		for i, v := range a.PerLine {
			s += v
			perLine[i] += v
		}
		if s != a.Amount {
			t.Fatalf("%s: Σ per-line %d != amount %d", a.PromotionId, s, a.Amount)
		}
		if a.Type != TypeGift && a.Amount <= 0 {
			t.Fatalf("%s applied with amount %d", a.PromotionId, a.Amount)
		}
		applied += a.Amount
	}
	if applied != r.TotalDiscount || !slices.Equal(perLine, r.PerLine) {
		t.Fatalf("applied amounts %d / %v disagree with result %d / %v", applied, perLine, r.TotalDiscount, r.PerLine)
	}
}

func appliedIds(r Result) []string {
	ids := make([]string, 0, len(r.Applied))
	for _, a := range r.Applied {
		ids = append(ids, a.PromotionId)
	}
	return ids
}

func skipped(r Result, id string) (Skipped, bool) {
	for _, s := range r.Skipped {
		if s.PromotionId == id {
			return s, true
		}
	}
	return Skipped{}, false
}

func applied(r Result, id string) (Applied, bool) {
	for _, a := range r.Applied {
		if a.PromotionId == id {
			return a, true
		}
	}
	return Applied{}, false
}

func TestFullReductionTiers(t *testing.T) {
	tiers := []Tier{{20000, 3000}, {50000, 10000}}
	cases := []struct {
		name      string
		lines     []Line
		want      int64
		label     string
		shortfall int64
	}{
		{"exactly at threshold", []Line{line("a", 20000, 1)}, 3000, "满200减30", 0},
		{"1 fen below", []Line{line("a", 19999, 1)}, 0, "", 1},
		{"two lines reach it together", []Line{line("a", 10000, 1), line("b", 5000, 2)}, 3000, "满200减30", 0},
		{"1 fen below the second tier", []Line{line("a", 49999, 1)}, 3000, "满200减30", 0},
		{"exactly at the second tier", []Line{line("a", 25000, 2)}, 10000, "满500减100", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Apply(c.lines, []Promotion{fullReduction("fr", tiers...)}, nil, now)
			checkInvariants(t, c.lines, r)
			if r.TotalDiscount != c.want {
				t.Fatalf("discount %d, want %d", r.TotalDiscount, c.want)
			}
			if c.want == 0 {
				s, ok := skipped(r, "fr")
				if !ok || s.Reason != ReasonThresholdNotMet || s.Shortfall != c.shortfall {
					t.Fatalf("want threshold_not_met short %d, got %+v", c.shortfall, s)
				}
				return
			}
			if r.Applied[0].Label != c.label {
				t.Fatalf("label %q, want %q", r.Applied[0].Label, c.label)
			}
		})
	}

	r := Apply([]Line{line("a", 25600, 1)}, []Promotion{fullReduction("fr", tiers...)}, nil, now)
	if want := "满200减30：适用商品合计¥256.00 ≥ ¥200.00，减¥30.00"; r.Applied[0].Explanation != want {
		t.Fatalf("explanation %q, want %q", r.Applied[0].Explanation, want)
	}
	r = Apply([]Line{line("a", 19999, 1)}, []Promotion{fullReduction("fr", tiers...)}, nil, now)
	if want := "满200减30：适用商品合计¥199.99，未满¥200.00，还差¥0.01"; r.Skipped[0].Explanation != want {
		t.Fatalf("explanation %q, want %q", r.Skipped[0].Explanation, want)
	}
}

func TestFullReductionRepeat(t *testing.T) {
	each := func(maxOff int64, tiers ...Tier) Promotion {
		p := fullReduction("fr", tiers...)
		p.Repeat, p.MaxOff = true, maxOff
		return p
	}
	cases := []struct {
		name   string
		promo  Promotion
		amount int64
		want   int64
		expl   string
	}{
		{"once", each(0, Tier{20000, 3000}), 20000, 3000, ""},
		{"1 fen below twice", each(0, Tier{20000, 3000}), 39999, 3000, ""},
		{"three times", each(0, Tier{20000, 3000}), 60000, 9000,
			"每满200减30：适用商品合计¥600.00，满¥200.00共3次，3×¥30.00=¥90.00，减¥90.00"},
		{"capped", each(5000, Tier{20000, 3000}), 60000, 5000,
			"每满200减30：适用商品合计¥600.00，满¥200.00共3次，3×¥30.00=¥90.00，封顶¥50.00，减¥50.00"},
		{"cap not reached", each(10000, Tier{20000, 3000}), 60000, 9000, ""},
		{"best repeating tier", each(0, Tier{20000, 3000}, Tier{50000, 10000}), 100000, 20000, ""},
		{"lower tier repeats better", each(0, Tier{20000, 4000}, Tier{50000, 10000}), 60000, 12000, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lines := []Line{line("a", c.amount, 1)}
			r := Apply(lines, []Promotion{c.promo}, nil, now)
			checkInvariants(t, lines, r)
			if r.TotalDiscount != c.want {
				t.Fatalf("discount %d, want %d", r.TotalDiscount, c.want)
			}
			if c.expl != "" && r.Applied[0].Explanation != c.expl {
				t.Fatalf("explanation %q, want %q", r.Applied[0].Explanation, c.expl)
			}
		})
	}
}

func TestNonStackableBestForBuyer(t *testing.T) {
	ab := []Line{line("a", 10000, 1, "x"), line("b", 5000, 1, "y")}
	abc := []Line{line("a", 10000, 1, "x"), line("b", 10000, 1, "x"), line("c", 10000, 1, "y")}
	cases := []struct {
		name    string
		lines   []Line
		promos  []Promotion
		want    int64
		applied []string
		lost    string // skipped with not_best
	}{
		{"full reduction beats a smaller item discount", ab,
			[]Promotion{products(rate("disc", 8000), "a"), fullReduction("fr", Tier{10000, 3000})},
			3000, []string{"fr"}, "disc"},
		{"item discount beats a smaller full reduction", ab,
			[]Promotion{products(rate("disc", 5000), "a"), fullReduction("fr", Tier{10000, 3000})},
			5000, []string{"disc"}, "fr"},
		{"tie goes to higher priority (full reduction)", ab,
			[]Promotion{products(rate("a-disc", 7000), "a"), priority(fullReduction("b-fr", Tier{10000, 3000}), 5)},
			3000, []string{"b-fr"}, "a-disc"},
		{"tie goes to higher priority (discount)", ab,
			[]Promotion{priority(products(rate("b-disc", 7000), "a"), 5), fullReduction("a-fr", Tier{10000, 3000})},
			3000, []string{"b-disc"}, "a-fr"},
		{"tie at equal priority goes to lower id", ab,
			[]Promotion{fullReduction("b-fr", Tier{10000, 3000}), products(rate("a-disc", 7000), "a")},
			3000, []string{"a-disc"}, "b-fr"},
		{"discounts resolved per line", ab,
			[]Promotion{categories(rate("cat", 9000), "x", "y"), products(rate("prod", 7000), "b")},
			1000 + 1500, []string{"cat", "prod"}, ""},
		{"best discount wins every line", ab,
			[]Promotion{categories(rate("cat", 9000), "x", "y"), rate("all", 8000)},
			3000, []string{"all"}, "cat"},
		{"disjoint full reductions both apply",
			abc,
			[]Promotion{categories(fullReduction("fx", Tier{20000, 2500}), "x"), categories(fullReduction("fy", Tier{10000, 1500}), "y")},
			4000, []string{"fx", "fy"}, ""},
		{"two disjoint beat one overlapping both",
			abc,
			[]Promotion{
				priority(fullReduction("all", Tier{30000, 3500}), 9),
				categories(fullReduction("fx", Tier{20000, 2500}), "x"),
				categories(fullReduction("fy", Tier{10000, 1500}), "y"),
			},
			4000, []string{"fx", "fy"}, "all"},
		{"one overlapping beats two disjoint",
			abc,
			[]Promotion{
				fullReduction("all", Tier{30000, 4500}),
				categories(fullReduction("fx", Tier{20000, 2500}), "x"),
				categories(fullReduction("fy", Tier{10000, 1500}), "y"),
			},
			4500, []string{"all"}, "fx"},
		{"full reduction on x plus item discount on y",
			abc,
			[]Promotion{
				categories(fullReduction("fx", Tier{20000, 2500}), "x"),
				rate("all", 9000),
			},
			2500 + 1000, []string{"all", "fx"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Apply(c.lines, c.promos, nil, now)
			checkInvariants(t, c.lines, r)
			if r.TotalDiscount != c.want {
				t.Fatalf("discount %d, want %d (applied %v)", r.TotalDiscount, c.want, appliedIds(r))
			}
			if got := appliedIds(r); !slices.Equal(got, c.applied) {
				t.Fatalf("applied %v, want %v", got, c.applied)
			}
			if c.lost != "" {
				if s, ok := skipped(r, c.lost); !ok || s.Reason != ReasonNotBest || !strings.Contains(s.Explanation, "已为您选择更优惠的") {
					t.Fatalf("%s: want not_best, got %+v", c.lost, s)
				}
			}
		})
	}
}

func TestStackable(t *testing.T) {
	cases := []struct {
		name    string
		lines   []Line
		promos  []Promotion
		perLine []int64
	}{
		{"rate then full reduction on the discounted amount",
			[]Line{line("a", 25000, 1)},
			[]Promotion{stackable(rate("r", 9000)), stackable(fullReduction("fr", Tier{20000, 3000}))},
			[]int64{2500 + 3000}},
		{"discount drops the amount below the threshold",
			[]Line{line("a", 21000, 1)},
			[]Promotion{stackable(rate("r", 9000)), stackable(fullReduction("fr", Tier{20000, 3000}))},
			[]int64{2100}},
		{"two rates multiply in rank order",
			[]Line{line("a", 10000, 1)},
			[]Promotion{stackable(priority(rate("r9", 9000), 2)), stackable(rate("r8", 8000))},
			[]int64{1000 + 1800}},
		{"special price before rate whatever the priority",
			[]Line{line("a", 10000, 1)},
			[]Promotion{stackable(priority(rate("r9", 9000), 9)), stackable(special("sp", 8000))},
			[]int64{2000 + 800}},
		{"stackable rate under a non-stackable rate",
			[]Line{line("a", 10000, 2)},
			[]Promotion{stackable(rate("r9", 9000)), rate("r8", 8000)},
			[]int64{2 * (1000 + 1800)}},
		{"stackable and non-stackable full reductions combine",
			[]Line{line("a", 30000, 1)},
			[]Promotion{stackable(fullReduction("s", Tier{20000, 2000})), fullReduction("n", Tier{30000, 5000})},
			[]int64{7000}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Apply(c.lines, c.promos, nil, now)
			checkInvariants(t, c.lines, r)
			if !slices.Equal(r.PerLine, c.perLine) {
				t.Fatalf("per line %v, want %v (applied %+v)", r.PerLine, c.perLine, r.Applied)
			}
		})
	}
}

func TestExclusionsAndScopes(t *testing.T) {
	lines := []Line{
		line("shirt", 15000, 1, "root", "clothing", "shirts"),
		line("apple", 10000, 1, "root", "food"),
	}
	excl := fullReduction("fr", Tier{20000, 3000})
	excl.ExcludedProductIds = []string{"apple"}
	r := Apply(lines, []Promotion{excl}, nil, now)
	if s, _ := skipped(r, "fr"); s.Reason != ReasonThresholdNotMet || s.Shortfall != 5000 {
		t.Fatalf("excluded product counted towards threshold: %+v", s)
	}

	disc := rate("d", 8000)
	disc.ExcludedProductIds = []string{"apple"}
	r = Apply(lines, []Promotion{disc}, nil, now)
	if !slices.Equal(r.PerLine, []int64{3000, 0}) {
		t.Fatalf("excluded product discounted: %v", r.PerLine)
	}

	// a promotion on "clothing" covers the "shirts" sub-category
	r = Apply(lines, []Promotion{categories(rate("c", 8000), "clothing")}, nil, now)
	if !slices.Equal(r.PerLine, []int64{3000, 0}) {
		t.Fatalf("sub-category not covered: %v", r.PerLine)
	}
	r = Apply(lines, []Promotion{categories(rate("c", 8000), "shirts", "food")}, nil, now)
	if !slices.Equal(r.PerLine, []int64{3000, 2000}) {
		t.Fatalf("leaf categories: %v", r.PerLine)
	}
	r = Apply(lines, []Promotion{categories(rate("c", 8000), "toys")}, nil, now)
	if s, _ := skipped(r, "c"); s.Reason != ReasonNoMatchingLines || r.TotalDiscount != 0 {
		t.Fatalf("want no_matching_lines, got %+v", r)
	}
	r = Apply(lines, []Promotion{products(rate("p", 8000), "apple")}, nil, now)
	if !slices.Equal(r.PerLine, []int64{0, 2000}) {
		t.Fatalf("product scope: %v", r.PerLine)
	}
}

func TestTimeEdges(t *testing.T) {
	cases := []struct {
		name     string
		starts   time.Time
		ends     time.Time
		applies  bool
		reason   Reason
		liveAtOk bool
	}{
		{"starts exactly now", now, now.Add(time.Hour), true, "", true},
		{"starts in one second", now.Add(time.Second), now.Add(time.Hour), false, ReasonNotStarted, false},
		{"ends exactly now", now.Add(-time.Hour), now, false, ReasonEnded, false},
		{"ended one second ago", now.Add(-time.Hour), now.Add(-time.Second), false, ReasonEnded, false},
		{"ends in one second", now.Add(-time.Hour), now.Add(time.Second), true, "", true},
		{"no end", now.Add(-time.Hour), time.Time{}, true, "", true},
	}
	lines := []Line{line("a", 10000, 1)}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := rate("d", 9000)
			p.StartsAt, p.EndsAt = c.starts, c.ends
			r := Apply(lines, []Promotion{p}, nil, now)
			checkInvariants(t, lines, r)
			if got := r.TotalDiscount == 1000; got != c.applies {
				t.Fatalf("applied = %v, want %v", got, c.applies)
			}
			if !c.applies {
				if s, _ := skipped(r, "d"); s.Reason != c.reason {
					t.Fatalf("reason %q, want %q", s.Reason, c.reason)
				}
			}
			if p.LiveAt(now) != c.liveAtOk {
				t.Fatalf("LiveAt = %v", !c.liveAtOk)
			}
			if got := len(Labels([]Promotion{p}, "a", nil, now)) == 1; got != c.applies {
				t.Fatalf("label shown = %v, want %v", got, c.applies)
			}
		})
	}
}

func TestPerUserLimit(t *testing.T) {
	lines := []Line{line("a", 10000, 1)}
	p := rate("d", 9000)
	p.PerUserLimit = 2
	cases := []struct {
		usage   map[string]int
		applies bool
	}{
		{nil, true},
		{map[string]int{"d": 1}, true},
		{map[string]int{"d": 2}, false},
		{map[string]int{"d": 5}, false},
		{map[string]int{"other": 9}, true},
	}
	for _, c := range cases {
		r := Apply(lines, []Promotion{p}, c.usage, now)
		if got := r.TotalDiscount > 0; got != c.applies {
			t.Fatalf("usage %v: applied = %v", c.usage, got)
		}
		if !c.applies {
			if s, _ := skipped(r, "d"); s.Reason != ReasonLimitReached {
				t.Fatalf("usage %v: reason %q", c.usage, s.Reason)
			}
		}
	}
	unlimited := rate("d", 9000)
	if r := Apply(lines, []Promotion{unlimited}, map[string]int{"d": 1000}, now); r.TotalDiscount != 1000 {
		t.Fatal("PerUserLimit 0 should be unlimited")
	}
}

func TestRoundingAndAllocation(t *testing.T) {
	// 满100减10 over three uneven lines: largest remainder, exact sum
	lines := []Line{line("a", 3333, 1), line("b", 3333, 1), line("c", 3334, 1)}
	r := Apply(lines, []Promotion{fullReduction("fr", Tier{10000, 1000})}, nil, now)
	checkInvariants(t, lines, r)
	if !slices.Equal(r.PerLine, []int64{333, 333, 334}) {
		t.Fatalf("allocation %v", r.PerLine)
	}

	lines = []Line{line("a", 1, 7), line("b", 1, 3), line("c", 9990, 1)}
	r = Apply(lines, []Promotion{fullReduction("fr", Tier{10000, 1001})}, nil, now)
	checkInvariants(t, lines, r)
	if r.TotalDiscount != 1001 {
		t.Fatalf("discount %d", r.TotalDiscount)
	}

	// rates floor the fen off each unit: ¥9.99 × 8.5折 takes ¥1.49 off a unit
	lines = []Line{line("a", 999, 3)}
	r = Apply(lines, []Promotion{rate("d", 8500)}, nil, now)
	checkInvariants(t, lines, r)
	if r.TotalDiscount != 447 {
		t.Fatalf("discount %d, want 447", r.TotalDiscount)
	}
	if want := "8.5折：3件商品优惠前合计¥29.97，优惠后¥25.50，减¥4.47"; r.Applied[0].Explanation != want {
		t.Fatalf("explanation %q, want %q", r.Applied[0].Explanation, want)
	}
	// a 1-fen item cannot be discounted by a rate
	lines = []Line{line("a", 1, 1)}
	r = Apply(lines, []Promotion{rate("d", 8500)}, nil, now)
	if s, _ := skipped(r, "d"); r.TotalDiscount != 0 || s.Reason != ReasonNotBest && s.Reason != ReasonNoBenefit {
		t.Fatalf("1 fen at 8.5折: %+v", r)
	}
}

func TestDiscountNeverExceedsLine(t *testing.T) {
	// free item, then a full reduction only has the other line left to take from
	lines := []Line{line("a", 10000, 1), line("b", 10000, 1)}
	r := Apply(lines, []Promotion{
		stackable(products(special("free", 0), "a")),
		stackable(fullReduction("fr", Tier{10000, 5000})),
	}, nil, now)
	checkInvariants(t, lines, r)
	if !slices.Equal(r.PerLine, []int64{10000, 5000}) {
		t.Fatalf("per line %v", r.PerLine)
	}

	// two stacked reductions asking for more than the line is worth
	lines = []Line{line("a", 10000, 1)}
	r = Apply(lines, []Promotion{
		stackable(priority(fullReduction("fr1", Tier{10000, 9000}), 2)),
		stackable(fullReduction("fr2", Tier{10000, 9000})),
	}, nil, now)
	checkInvariants(t, lines, r)
	if r.TotalDiscount != 10000 {
		t.Fatalf("discount %d, want the whole line", r.TotalDiscount)
	}
	if a, _ := applied(r, "fr2"); a.Amount != 1000 || !strings.Contains(a.Explanation, "以剩余应付¥10.00为限") {
		t.Fatalf("second reduction: %+v", a)
	}

	// a third one finds nothing left
	r = Apply(lines, []Promotion{
		stackable(priority(fullReduction("fr1", Tier{10000, 9000}), 3)),
		stackable(priority(fullReduction("fr2", Tier{10000, 9000}), 2)),
		stackable(fullReduction("fr3", Tier{10000, 100})),
	}, nil, now)
	checkInvariants(t, lines, r)
	if s, _ := skipped(r, "fr3"); s.Reason != ReasonNoBenefit {
		t.Fatalf("fr3: %+v", s)
	}

	// special price above the unit price takes nothing
	r = Apply(lines, []Promotion{special("sp", 12000)}, nil, now)
	if s, _ := skipped(r, "sp"); r.TotalDiscount != 0 || s.Reason != ReasonNoBenefit {
		t.Fatalf("special above price: %+v", r)
	}
}

func TestGifts(t *testing.T) {
	lines := []Line{line("a", 20000, 1)}
	cases := []struct {
		name   string
		lines  []Line
		promos []Promotion
		gifts  []Gift
		skip   map[string]Reason
	}{
		{"given at threshold", lines, []Promotion{gift("g", "mug", 1, 10, 20000)},
			[]Gift{{"g", "mug", 1, "满200赠"}}, nil},
		{"1 fen below", []Line{line("a", 19999, 1)}, []Promotion{gift("g", "mug", 1, 10, 20000)},
			nil, map[string]Reason{"g": ReasonThresholdNotMet}},
		{"out of stock", lines, []Promotion{gift("g", "mug", 1, 0, 20000)},
			nil, map[string]Reason{"g": ReasonGiftOutOfStock}},
		{"stock short of the quantity", lines, []Promotion{gift("g", "mug", 2, 1, 20000)},
			nil, map[string]Reason{"g": ReasonGiftOutOfStock}},
		{"stock shared by two promotions", lines, []Promotion{gift("g2", "mug", 1, 1, 0), priority(gift("g1", "mug", 1, 1, 10000), 1)},
			[]Gift{{"g1", "mug", 1, "满100赠"}}, map[string]Reason{"g2": ReasonGiftOutOfStock}},
		{"threshold on the discounted amount", []Line{line("a", 21000, 1)},
			[]Promotion{stackable(rate("r", 9000)), gift("g", "mug", 1, 10, 20000)},
			nil, map[string]Reason{"g": ReasonThresholdNotMet}},
		{"quantity threshold", []Line{line("a", 100, 3)},
			[]Promotion{func() Promotion { p := gift("g", "sock", 2, 5, 0); p.GiftMinQuantity = 3; return p }()},
			[]Gift{{"g", "sock", 2, "满3件赠"}}, nil},
		{"quantity threshold not met", []Line{line("a", 100, 2)},
			[]Promotion{func() Promotion { p := gift("g", "sock", 2, 5, 0); p.GiftMinQuantity = 3; return p }()},
			nil, map[string]Reason{"g": ReasonThresholdNotMet}},
		{"gift and full reduction share 满200", lines,
			[]Promotion{fullReduction("fr", Tier{20000, 3000}), gift("g", "mug", 1, 10, 20000)},
			[]Gift{{"g", "mug", 1, "满200赠"}}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Apply(c.lines, c.promos, nil, now)
			checkInvariants(t, c.lines, r)
			if !reflect.DeepEqual(r.Gifts, c.gifts) {
				t.Fatalf("gifts %+v, want %+v", r.Gifts, c.gifts)
			}
			for id, reason := range c.skip {
				if s, _ := skipped(r, id); s.Reason != reason {
					t.Fatalf("%s: reason %q, want %q (%s)", id, s.Reason, reason, s.Explanation)
				}
			}
		})
	}

	r := Apply(lines, []Promotion{gift("g", "mug", 1, 0, 20000)}, nil, now)
	if want := "满200赠：已满足条件，但赠品库存不足（剩余0件，需1件），本次不赠送"; r.Skipped[0].Explanation != want {
		t.Fatalf("explanation %q", r.Skipped[0].Explanation)
	}
	r = Apply(lines, []Promotion{gift("g", "mug", 1, 3, 20000)}, nil, now)
	if want := "满200赠：适用商品合计¥200.00 ≥ ¥200.00，赠送赠品×1"; r.Applied[0].Explanation != want || r.Applied[0].Amount != 0 {
		t.Fatalf("applied %+v", r.Applied[0])
	}
}

func TestSkippedBeforePricing(t *testing.T) {
	off := rate("off", 9000)
	off.Active = false
	bad := rate("bad", 10000)
	r := Apply([]Line{line("a", 100, 1)}, []Promotion{off, bad}, nil, now)
	if s, _ := skipped(r, "off"); s.Reason != ReasonDisabled {
		t.Fatalf("off: %+v", s)
	}
	if s, _ := skipped(r, "bad"); s.Reason != ReasonInvalid || !strings.Contains(s.Explanation, "折扣须在0与10折之间") {
		t.Fatalf("bad: %+v", s)
	}
	// lines that cannot be priced are never in scope
	lines := []Line{line("a", 100, 0), line("b", -5, 1)}
	r = Apply(lines, []Promotion{rate("d", 9000)}, nil, now)
	checkInvariants(t, lines, r)
	if s, _ := skipped(r, "d"); s.Reason != ReasonNoMatchingLines {
		t.Fatalf("want no_matching_lines: %+v", r)
	}
	if r := Apply(nil, nil, nil, now); len(r.PerLine) != 0 || r.TotalDiscount != 0 {
		t.Fatalf("empty cart: %+v", r)
	}
}

func TestGreedyWithManyCandidates(t *testing.T) {
	// one line per category and a non-stackable reduction for each, plus one
	// over everything: more candidates than the exhaustive search takes
	lines := make([]Line, 0, 12)
	promos := make([]Promotion, 0, 13)
	for i := range 12 {
		c := string(rune('a' + i))
		lines = append(lines, line(c, 10000, 1, c))
		promos = append(promos, categories(fullReduction("fr-"+c, Tier{10000, 1000}), c))
	}
	promos = append(promos, fullReduction("all", Tier{100000, 11000}))
	r := Apply(lines, promos, nil, now)
	checkInvariants(t, lines, r)
	if r.TotalDiscount != 12000 || len(r.Applied) != 12 {
		t.Fatalf("discount %d applied %v", r.TotalDiscount, appliedIds(r))
	}
	if s, _ := skipped(r, "all"); s.Reason != ReasonNotBest {
		t.Fatalf("all: %+v", s)
	}
}

func TestLabels(t *testing.T) {
	each := fullReduction("each", Tier{20000, 3000})
	each.Repeat, each.MaxOff = true, 10000
	ended := rate("ended", 5000)
	ended.EndsAt = now
	promos := []Promotion{
		priority(rate("r", 8500), 9),
		fullReduction("fr", Tier{20000, 3000}, Tier{50000, 10000}),
		each,
		gift("g", "mug", 1, 1, 19990),
		products(special("sp", 990), "other"),
		ended,
		rate("dup", 8500),
	}
	got := Labels(promos, "p1", []string{"root"}, now)
	want := []string{"8.5折", "每满200减30，最高减100", "满200减30，满500减100", "满199.9赠"}
	if !slices.Equal(got, want) {
		t.Fatalf("labels %q, want %q", got, want)
	}
	if got := Labels(promos, "other", nil, now); !slices.Contains(got, "特价¥9.90") {
		t.Fatalf("special label missing: %q", got)
	}
	for bp, want := range map[int64]string{8000: "8折", 8850: "8.85折", 9999: "9.999折", 500: "0.5折"} {
		if got := rateLabel(bp); got != want {
			t.Errorf("rateLabel(%d) = %q, want %q", bp, got, want)
		}
	}
}

func TestBestUnitPrice(t *testing.T) {
	promos := []Promotion{
		rate("r9", 9000),
		products(rate("r7", 7000), "p1"),
		stackable(categories(special("sp", 9000), "shoes")),
		fullReduction("fr", Tier{100, 50}),
	}
	cases := []struct {
		product string
		path    []string
		price   int64
		want    int64
	}{
		{"p1", nil, 10000, 7000},
		{"p2", nil, 10000, 9000},
		{"p2", []string{"shoes"}, 10000, 8100},
		{"p1", []string{"shoes"}, 10000, 6300},
		{"p1", nil, 0, 0},
	}
	for _, c := range cases {
		got := BestUnitPrice(c.price, promos, c.product, c.path, now)
		if got != c.want {
			t.Fatalf("%s %v: %d, want %d", c.product, c.path, got, c.want)
		}
		if c.price == 0 {
			continue
		}
		// the cart agrees with the product page
		lines := []Line{{ProductId: c.product, CategoryPath: c.path, UnitPrice: c.price, Quantity: 3}}
		r := Apply(lines, promos[:3], nil, now)
		if r.PerLine[0] != 3*(c.price-got) {
			t.Fatalf("cart takes %d off 3 units, page says %d each", r.PerLine[0], c.price-got)
		}
	}
}

// TestRandomCarts checks the money invariants and order independence on
// many generated carts.
func TestRandomCarts(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 400 {
		lines := randomLines(rng, 1+rng.IntN(12))
		promos := randomPromos(rng, 1+rng.IntN(14))
		r := Apply(lines, promos, nil, now)
		checkInvariants(t, lines, r)

		shuffled := slices.Clone(promos)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		if r2 := Apply(lines, shuffled, nil, now); !reflect.DeepEqual(r, r2) {
			t.Fatalf("round %d: result depends on promotion order:\n%+v\n%+v", round, r, r2)
		}
		if len(r.Applied)+len(r.Skipped) != len(promos) {
			t.Fatalf("round %d: %d applied + %d skipped != %d promotions", round, len(r.Applied), len(r.Skipped), len(promos))
		}
	}
}

func randomLines(rng *rand.Rand, n int) []Line {
	lines := make([]Line, n)
	for i := range lines {
		c := []string{"root", "c" + string(rune('0'+rng.IntN(4)))}
		if rng.IntN(2) == 0 {
			c = append(c, c[1]+"-sub")
		}
		lines[i] = line("p"+string(rune('a'+rng.IntN(10))), 1+rng.Int64N(30000), 1+rng.IntN(4), c...)
		lines[i].Key = string(rune('A' + i))
	}
	return lines
}

func randomPromos(rng *rand.Rand, n int) []Promotion {
	promos := make([]Promotion, n)
	for i := range promos {
		id := "promo" + string(rune('a'+i))
		var p Promotion
		switch rng.IntN(4) {
		case 0:
			p = rate(id, 1000+rng.Int64N(8999))
		case 1:
			p = special(id, rng.Int64N(20000))
		case 2:
			th := 1000 + rng.Int64N(50000)
			p = fullReduction(id, Tier{th, 1 + rng.Int64N(th-1)}, Tier{2 * th, 1 + rng.Int64N(2*th-1)})
			p.Repeat = rng.IntN(3) == 0
			if rng.IntN(3) == 0 {
				p.MaxOff = 1 + rng.Int64N(th)
			}
		default:
			p = gift(id, "g"+string(rune('0'+rng.IntN(2))), 1+rng.IntN(2), rng.IntN(4), rng.Int64N(40000))
		}
		switch rng.IntN(3) {
		case 0:
			p = categories(p, "c"+string(rune('0'+rng.IntN(4))), "c1-sub")
		case 1:
			p = products(p, "p"+string(rune('a'+rng.IntN(10))), "p"+string(rune('a'+rng.IntN(10))))
		}
		if rng.IntN(5) == 0 {
			p.ExcludedProductIds = []string{"p" + string(rune('a'+rng.IntN(10)))}
		}
		p.Stackable = rng.IntN(2) == 0
		p.Priority = rng.IntN(3)
		promos[i] = p
	}
	return promos
}
