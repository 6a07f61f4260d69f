package commission

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// brief renders a share as "line/level/beneficiary=amount(kind:value@source)".
func brief(s Share) string {
	c := ""
	if s.Capped {
		c = "!"
	}
	return fmt.Sprintf("%s/%d/%s=%d%s(%s:%d@%s)", s.LineId, s.Level, s.Beneficiary, s.Amount, c, s.RuleKind, s.RuleValue, s.Source)
}

func briefs(shares []Share) []string {
	out := make([]string, len(shares))
	for i, s := range shares {
		out[i] = brief(s)
	}
	return out
}

func dist(id string) Upline  { return Upline{UserId: id, IsDistributor: true} }
func plain(id string) Upline { return Upline{UserId: id} }

var defaultSettings = Settings{Rates: [3]int64{1000, 500, 200}}

func TestCompute(t *testing.T) {
	gold := &[3]int64{1500, 800, 300}

	cases := []struct {
		name string
		in   Input
		want []string
	}{
		{
			"settings rates, three levels, floored",
			Input{
				Lines:    []Line{{LineId: "l1", Quantity: 1, Paid: 3270}},
				Buyer:    Buyer{UserId: "buyer"},
				Chain:    []Upline{dist("a"), dist("b"), dist("c")},
				Settings: defaultSettings,
			},
			// 3270×5% = 163.5 → 163; 3270×2% = 65.4 → 65
			[]string{"l1/1/a=327(rate:1000@settings)", "l1/2/b=163(rate:500@settings)", "l1/3/c=65(rate:200@settings)"},
		},
		{
			"no chain pays nothing",
			Input{Lines: []Line{{LineId: "l1", Quantity: 1, Paid: 3270}}, Buyer: Buyer{UserId: "buyer"}, Settings: defaultSettings},
			nil,
		},
		{
			"short chain pays only the levels it has",
			Input{
				Lines:    []Line{{LineId: "l1", Quantity: 1, Paid: 1000}},
				Buyer:    Buyer{UserId: "buyer"},
				Chain:    []Upline{dist("a")},
				Settings: defaultSettings,
			},
			[]string{"l1/1/a=100(rate:1000@settings)"},
		},
		{
			"never more than three levels",
			Input{
				Lines:    []Line{{LineId: "l1", Quantity: 1, Paid: 1000}},
				Buyer:    Buyer{UserId: "buyer"},
				Chain:    []Upline{dist("a"), dist("b"), dist("c"), dist("d"), dist("e")},
				Settings: defaultSettings,
			},
			[]string{"l1/1/a=100(rate:1000@settings)", "l1/2/b=50(rate:500@settings)", "l1/3/c=20(rate:200@settings)"},
		},
		{
			"non-distributor in the middle is skipped without shifting",
			Input{
				Lines:    []Line{{LineId: "l1", Quantity: 1, Paid: 1000}},
				Buyer:    Buyer{UserId: "buyer"},
				Chain:    []Upline{dist("a"), plain("b"), dist("c"), dist("d")},
				Settings: defaultSettings,
			},
			// b's level 2 is not paid; c stays level 3; d is never paid
			[]string{"l1/1/a=100(rate:1000@settings)", "l1/3/c=20(rate:200@settings)"},
		},
		{
			"non-distributor referrer: level 1 unpaid, no shift",
			Input{
				Lines:    []Line{{LineId: "l1", Quantity: 1, Paid: 1000}},
				Buyer:    Buyer{UserId: "buyer"},
				Chain:    []Upline{plain("a"), dist("b")},
				Settings: defaultSettings,
			},
			[]string{"l1/2/b=50(rate:500@settings)"},
		},
		{
			"self-referral and cycles in the chain are not paid and do not shift",
			Input{
				Lines:    []Line{{LineId: "l1", Quantity: 1, Paid: 1000}},
				Buyer:    Buyer{UserId: "buyer", IsDistributor: true},
				Chain:    []Upline{dist("buyer"), dist("a"), dist("a")},
				Settings: defaultSettings,
			},
			[]string{"l1/2/a=50(rate:500@settings)"},
		},
		{
			"empty id in the chain is not paid",
			Input{
				Lines:    []Line{{LineId: "l1", Quantity: 1, Paid: 1000}},
				Buyer:    Buyer{UserId: "buyer"},
				Chain:    []Upline{{IsDistributor: true}, dist("b")},
				Settings: defaultSettings,
			},
			[]string{"l1/2/b=50(rate:500@settings)"},
		},
		{
			"level rates beat settings",
			Input{
				Lines:    []Line{{LineId: "l1", Quantity: 1, Paid: 1000}},
				Buyer:    Buyer{UserId: "buyer"},
				Chain:    []Upline{{UserId: "a", IsDistributor: true, LevelRank: 2, LevelRates: gold}, dist("b")},
				Settings: defaultSettings,
			},
			[]string{"l1/1/a=150(rate:1500@level)", "l1/2/b=50(rate:500@settings)"},
		},
		{
			"level rates are read at the level being paid",
			Input{
				Lines:    []Line{{LineId: "l1", Quantity: 1, Paid: 1000}},
				Buyer:    Buyer{UserId: "buyer"},
				Chain:    []Upline{dist("a"), {UserId: "b", IsDistributor: true, LevelRates: gold}},
				Settings: defaultSettings,
			},
			[]string{"l1/1/a=100(rate:1000@settings)", "l1/2/b=80(rate:800@level)"},
		},
		{
			"product rate override beats level rates",
			Input{
				Lines: []Line{{LineId: "l1", Quantity: 1, Paid: 1000,
					Override: &Override{Mode: ModeRate, Values: [3]int64{2000, 1000, 0}, Source: SourceProduct}}},
				Buyer:    Buyer{UserId: "buyer"},
				Chain:    []Upline{{UserId: "a", IsDistributor: true, LevelRates: gold}, dist("b"), dist("c")},
				Settings: defaultSettings,
			},
			// a rate 0 in an override is deliberately nothing, not a fallback
			[]string{"l1/1/a=200(rate:2000@product)", "l1/2/b=100(rate:1000@product)"},
		},
		{
			"sku fixed override per unit, fixed 0 means no commission",
			Input{
				Lines: []Line{{LineId: "l1", Quantity: 2, Paid: 5000,
					Override: &Override{Mode: ModeFixed, Values: [3]int64{500, 0, 100}, Source: SourceSku}}},
				Buyer:    Buyer{UserId: "buyer"},
				Chain:    []Upline{dist("a"), dist("b"), dist("c")},
				Settings: defaultSettings,
			},
			[]string{"l1/1/a=1000(fixed:500@sku)", "l1/3/c=200(fixed:100@sku)"},
		},
		{
			"fixed is bounded by the base",
			Input{
				Lines: []Line{{LineId: "l1", Quantity: 2, Paid: 800,
					Override: &Override{Mode: ModeFixed, Values: [3]int64{500, 300, 0}, Source: SourceSku}}},
				Buyer:    Buyer{UserId: "buyer"},
				Chain:    []Upline{dist("a"), dist("b")},
				Settings: defaultSettings,
			},
			[]string{"l1/1/a=800(fixed:500@sku)", "l1/2/b=600(fixed:300@sku)"},
		},
		{
			"unknown override mode fails closed",
			Input{
				Lines: []Line{{LineId: "l1", Quantity: 1, Paid: 1000,
					Override: &Override{Mode: "percent", Values: [3]int64{1000, 1000, 1000}, Source: SourceProduct}}},
				Buyer:    Buyer{UserId: "buyer"},
				Chain:    []Upline{dist("a")},
				Settings: defaultSettings,
			},
			nil,
		},
		{
			"gifts and unpaid lines never earn",
			Input{
				Lines: []Line{
					{LineId: "gift", Quantity: 1, Paid: 500, IsGift: true},
					{LineId: "zero", Quantity: 1, Paid: 0, ShippingShare: 300},
					{LineId: "free-fixed", Quantity: 1, Paid: 0, Override: &Override{Mode: ModeFixed, Values: [3]int64{100}, Source: SourceSku}},
					{LineId: "paid", Quantity: 1, Paid: 1000},
				},
				Buyer:    Buyer{UserId: "buyer"},
				Chain:    []Upline{dist("a")},
				Settings: Settings{Rates: [3]int64{1000}, IncludeShipping: true},
			},
			[]string{"paid/1/a=100(rate:1000@settings)"},
		},
		{
			"shipping excluded by default",
			Input{
				Lines:    []Line{{LineId: "l1", Quantity: 1, Paid: 1000, ShippingShare: 500}},
				Buyer:    Buyer{UserId: "buyer"},
				Chain:    []Upline{dist("a")},
				Settings: defaultSettings,
			},
			[]string{"l1/1/a=100(rate:1000@settings)"},
		},
		{
			"shipping included when configured",
			Input{
				Lines:    []Line{{LineId: "l1", Quantity: 1, Paid: 1000, ShippingShare: 500}},
				Buyer:    Buyer{UserId: "buyer"},
				Chain:    []Upline{dist("a")},
				Settings: Settings{Rates: [3]int64{1000, 500, 200}, IncludeShipping: true},
			},
			[]string{"l1/1/a=150(rate:1000@settings)"},
		},
		{
			"self-purchase on: buyer earns level 1, chain shifts",
			Input{
				Lines:    []Line{{LineId: "l1", Quantity: 1, Paid: 1000}},
				Buyer:    Buyer{UserId: "buyer", IsDistributor: true, LevelRates: gold},
				Chain:    []Upline{dist("a"), dist("b"), dist("c")},
				Settings: Settings{Rates: [3]int64{1000, 500, 200}, SelfPurchase: true},
			},
			[]string{"l1/1/buyer=150(rate:1500@level)", "l1/2/a=50(rate:500@settings)", "l1/3/b=20(rate:200@settings)"},
		},
		{
			"self-purchase on, non-distributor in shifted chain still not shifted again",
			Input{
				Lines:    []Line{{LineId: "l1", Quantity: 1, Paid: 1000}},
				Buyer:    Buyer{UserId: "buyer", IsDistributor: true},
				Chain:    []Upline{plain("a"), dist("b"), dist("c")},
				Settings: Settings{Rates: [3]int64{1000, 500, 200}, SelfPurchase: true},
			},
			[]string{"l1/1/buyer=100(rate:1000@settings)", "l1/3/b=20(rate:200@settings)"},
		},
		{
			"self-purchase on, buyer not a distributor: no shift",
			Input{
				Lines:    []Line{{LineId: "l1", Quantity: 1, Paid: 1000}},
				Buyer:    Buyer{UserId: "buyer"},
				Chain:    []Upline{dist("a"), dist("b"), dist("c")},
				Settings: Settings{Rates: [3]int64{1000, 500, 200}, SelfPurchase: true},
			},
			[]string{"l1/1/a=100(rate:1000@settings)", "l1/2/b=50(rate:500@settings)", "l1/3/c=20(rate:200@settings)"},
		},
		{
			"self-purchase off: distributor buyer earns nothing",
			Input{
				Lines:    []Line{{LineId: "l1", Quantity: 1, Paid: 1000}},
				Buyer:    Buyer{UserId: "buyer", IsDistributor: true},
				Chain:    []Upline{dist("a")},
				Settings: defaultSettings,
			},
			[]string{"l1/1/a=100(rate:1000@settings)"},
		},
		{
			"cap not reached leaves shares alone",
			Input{
				Lines:    []Line{{LineId: "l1", Quantity: 1, Paid: 1000}},
				Buyer:    Buyer{UserId: "buyer"},
				Chain:    []Upline{dist("a"), dist("b"), dist("c")},
				Settings: Settings{Rates: [3]int64{1000, 500, 200}, OrderCapBP: 1700},
			},
			[]string{"l1/1/a=100(rate:1000@settings)", "l1/2/b=50(rate:500@settings)", "l1/3/c=20(rate:200@settings)"},
		},
		{
			"cap scales every share with largest remainder",
			Input{
				Lines: []Line{
					{LineId: "l1", Quantity: 1, Paid: 1000},
					{LineId: "l2", Quantity: 1, Paid: 999, Override: &Override{Mode: ModeFixed, Values: [3]int64{300, 100, 0}, Source: SourceSku}},
				},
				Buyer:    Buyer{UserId: "buyer"},
				Chain:    []Upline{dist("a"), dist("b"), dist("c")},
				Settings: Settings{Rates: [3]int64{1000, 500, 200}, OrderCapBP: 1000},
			},
			// uncapped 100+50+20+300+100 = 570; cap = floor(1999×10%) = 199
			// 199×{100,50,20,300,100}/570 = {34.9,17.5,6.98,104.7,34.9}
			// floors {34,17,6,104,34} = 195, 4 fen to the largest remainders
			[]string{"l1/1/a=35!(rate:1000@settings)", "l1/2/b=17!(rate:500@settings)", "l1/3/c=7!(rate:200@settings)", "l2/1/a=105!(fixed:300@sku)", "l2/2/b=35!(fixed:100@sku)"},
		},
		{
			"cap drops shares scaled to nothing",
			Input{
				Lines:    []Line{{LineId: "l1", Quantity: 1, Paid: 100}},
				Buyer:    Buyer{UserId: "buyer"},
				Chain:    []Upline{dist("a"), dist("b"), dist("c")},
				Settings: Settings{Rates: [3]int64{5000, 4000, 1000}, OrderCapBP: 100},
			},
			// uncapped 50+40+10, cap = 1 fen
			[]string{"l1/1/a=1!(rate:5000@settings)"},
		},
	}

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := briefs(Compute(c.in))
			if len(got) == 0 {
				got = nil
			}
			if !slices.Equal(got, c.want) {
				t.Fatalf("got  %q\nwant %q", got, c.want)
			}
		})
	}
}

func TestComputeFormula(t *testing.T) {
	cases := []struct {
		name string
		in   Input
		want []string
	}{
		{
			"rate",
			Input{
				Lines: []Line{{LineId: "l1", Quantity: 1, Paid: 3270,
					Override: &Override{Mode: ModeRate, Values: [3]int64{1000}, Source: SourceProduct}}},
				Buyer: Buyer{UserId: "buyer"},
				Chain: []Upline{dist("a")},
			},
			[]string{"¥32.70 × 10.00% = ¥3.27 (一级, 商品规则)"},
		},
		{
			"rate with shipping",
			Input{
				Lines:    []Line{{LineId: "l1", Quantity: 1, Paid: 2770, ShippingShare: 500}},
				Buyer:    Buyer{UserId: "buyer"},
				Chain:    []Upline{plain("x"), {UserId: "a", IsDistributor: true, LevelRates: &[3]int64{0, 1050, 0}}},
				Settings: Settings{IncludeShipping: true},
			},
			[]string{"(¥27.70 + 运费 ¥5.00) × 10.50% = ¥3.43 (二级, 等级规则)"},
		},
		{
			"fixed",
			Input{
				Lines: []Line{{LineId: "l1", Quantity: 2, Paid: 5000,
					Override: &Override{Mode: ModeFixed, Values: [3]int64{500}, Source: SourceSku}}},
				Buyer: Buyer{UserId: "buyer"},
				Chain: []Upline{dist("a")},
			},
			[]string{"¥5.00 × 2件 = ¥10.00 (一级, 固定佣金, SKU规则)"},
		},
		{
			"fixed bounded by base",
			Input{
				Lines: []Line{{LineId: "l1", Quantity: 2, Paid: 800,
					Override: &Override{Mode: ModeFixed, Values: [3]int64{500}, Source: SourceSku}}},
				Buyer: Buyer{UserId: "buyer"},
				Chain: []Upline{dist("a")},
			},
			[]string{"¥5.00 × 2件, 以实付 ¥8.00 为限 = ¥8.00 (一级, 固定佣金, SKU规则)"},
		},
		{
			"self-purchase and cap",
			Input{
				Lines:    []Line{{LineId: "l1", Quantity: 1, Paid: 1000}},
				Buyer:    Buyer{UserId: "buyer", IsDistributor: true},
				Settings: Settings{Rates: [3]int64{2000}, SelfPurchase: true, OrderCapBP: 1500},
			},
			[]string{"¥10.00 × 20.00% = ¥2.00 (一级·自购, 店铺设置); 订单佣金上限 15.00% → ¥1.50 (capped)"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, s := range Compute(c.in) {
				got = append(got, s.Formula)
			}
			if !slices.Equal(got, c.want) {
				t.Fatalf("got  %q\nwant %q", got, c.want)
			}
		})
	}
}

// TestComputeInvariants checks, over random orders, the properties the shop
// publishes: at most three levels per line, only distributors earn, no share
// exceeds its base or its uncapped value, and the capped total equals the cap
// exactly whenever the cap binds.
func TestComputeInvariants(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for iter := 0; iter < 3000; iter++ {
		in := randomInput(r, 1+r.IntN(8))

		shares := Compute(in)
		if len(shares) > 0 && !Earns(in) {
			t.Fatalf("Earns is false but Compute paid %v", briefs(shares))
		}

		distributors := map[string]bool{}
		if in.Buyer.IsDistributor && in.Settings.SelfPurchase {
			distributors[in.Buyer.UserId] = true
		}
		for _, u := range in.Chain {
			if u.IsDistributor && u.UserId != in.Buyer.UserId {
				distributors[u.UserId] = true
			}
		}

		var sumBase, total, uncapped int64
		for _, l := range in.Lines {
			if !l.IsGift && l.Paid > 0 {
				sumBase += l.Paid
				if in.Settings.IncludeShipping {
					sumBase += l.ShippingShare
				}
			}
		}
		perLine := map[string]int{}
		anyCapped := false
		for _, s := range shares {
			perLine[s.LineId]++
			if perLine[s.LineId] > MaxLevels {
				t.Fatalf("more than %d shares on line %s: %v", MaxLevels, s.LineId, briefs(shares))
			}
			if s.Level < 1 || s.Level > MaxLevels {
				t.Fatalf("bad level %d", s.Level)
			}
			if !distributors[s.Beneficiary] {
				t.Fatalf("non-distributor %s earned: %+v", s.Beneficiary, s)
			}
			if s.Amount <= 0 || s.Amount > s.Base || s.Amount > s.Uncapped {
				t.Fatalf("bad amount: %+v", s)
			}
			if s.Capped != strings.Contains(s.Formula, "capped") {
				t.Fatalf("capped flag and formula disagree: %+v", s)
			}
			anyCapped = anyCapped || s.Capped
			total += s.Amount
			uncapped += s.Uncapped
		}
		if in.Settings.OrderCapBP > 0 {
			capTotal := sumBase * in.Settings.OrderCapBP / 10000
			if total > capTotal {
				t.Fatalf("total %d above cap %d", total, capTotal)
			}
			if anyCapped && total != capTotal {
				t.Fatalf("capped total %d != cap %d", total, capTotal)
			}
		}
		if !anyCapped && total != uncapped {
			t.Fatalf("uncapped total %d != %d", total, uncapped)
		}
	}
}

func randomInput(r *rand.Rand, lines int) Input {
	in := Input{
		Buyer: Buyer{UserId: "buyer", IsDistributor: r.IntN(2) == 0},
		Settings: Settings{
			Rates:           [3]int64{r.Int64N(3000), r.Int64N(2000), r.Int64N(1000)},
			IncludeShipping: r.IntN(2) == 0,
			SelfPurchase:    r.IntN(2) == 0,
		},
	}
	if r.IntN(2) == 0 {
		in.Settings.OrderCapBP = r.Int64N(3000)
	}
	ids := []string{"a", "b", "c", "d", "buyer"}
	for i := r.IntN(5); i > 0; i-- {
		u := Upline{UserId: ids[r.IntN(len(ids))], IsDistributor: r.IntN(4) != 0}
		if r.IntN(3) == 0 {
			u.LevelRates = &[3]int64{r.Int64N(3000), r.Int64N(2000), r.Int64N(1000)}
		}
		in.Chain = append(in.Chain, u)
	}
	for i := 0; i < lines; i++ {
		l := Line{
			LineId:        fmt.Sprintf("l%d", i),
			Quantity:      1 + r.IntN(5),
			Paid:          r.Int64N(100000),
			ShippingShare: r.Int64N(1000),
			IsGift:        r.IntN(10) == 0,
		}
		switch r.IntN(4) {
		case 0:
			l.Override = &Override{Mode: ModeRate, Values: [3]int64{r.Int64N(5000), r.Int64N(3000), r.Int64N(1000)}, Source: SourceProduct}
		case 1:
			l.Override = &Override{Mode: ModeFixed, Values: [3]int64{r.Int64N(5000), r.Int64N(3000), r.Int64N(1000)}, Source: SourceSku}
		}
		in.Lines = append(in.Lines, l)
	}
	return in
}

func BenchmarkCompute50Lines(b *testing.B) {
	in := Input{
		Buyer: Buyer{UserId: "buyer"},
		Chain: []Upline{
			{UserId: "a", IsDistributor: true, LevelRates: &[3]int64{1500, 800, 300}},
			dist("b"),
			dist("c"),
		},
		Settings: Settings{Rates: [3]int64{1000, 500, 200}, IncludeShipping: true, OrderCapBP: 1500},
	}
	for i := 0; i < 50; i++ {
		l := Line{LineId: fmt.Sprintf("line%02d", i), Quantity: 1 + i%3, Paid: int64(1999 + 137*i), ShippingShare: 20}
		switch i % 5 {
		case 1:
			l.Override = &Override{Mode: ModeRate, Values: [3]int64{2000, 1000, 500}, Source: SourceProduct}
		case 2:
			l.Override = &Override{Mode: ModeFixed, Values: [3]int64{300, 150, 50}, Source: SourceSku}
		}
		in.Lines = append(in.Lines, l)
	}
	for _, capBP := range []int64{0, 1500} {
		name := "uncapped"
		if capBP > 0 {
			name = "capped"
		}
		b.Run(name, func(b *testing.B) {
			in.Settings.OrderCapBP = capBP
			shares := Compute(in)
			if len(shares) != 150 || shares[0].Capped != (capBP > 0) {
				b.Fatalf("expected 150 shares, capped %v; got %d", capBP > 0, len(shares))
			}
			b.ReportAllocs()
			for b.Loop() {
				Compute(in)
			}
		})
	}
}
