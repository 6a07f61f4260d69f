package coupon

import (
	"reflect"
	"testing"
	"time"
)

var now = time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

func live(id string, t Template) Coupon {
	return Coupon{Id: id, Template: t, StartsAt: now.Add(-time.Hour), EndsAt: now.Add(24 * time.Hour)}
}

func TestApply(t *testing.T) {
	tea := Line{ProductId: "tea", CategoryPath: []string{"food", "leaves"}, Amount: 8000}
	cup := Line{ProductId: "cup", Amount: 5000}
	promotedCup := Line{ProductId: "cup", Amount: 4000, Promoted: true}
	flash := Line{ProductId: "tea", CategoryPath: []string{"food", "leaves"}, Amount: 3000, NoCoupon: true}
	all := Template{Kind: KindAmount, Off: 1000, Threshold: 10000, Scope: ScopeAll}

	scenarios := []struct {
		name    string
		coupon  Coupon
		lines   []Line
		usable  bool
		reason  string
		amount  int64
		perLine []int64
	}{
		{"满100减10 over both lines, split by amount", live("c", all), []Line{tea, cup},
			true, "", 1000, []int64{615, 385}},
		{"below the threshold", live("c", all), []Line{tea},
			false, ReasonBelowMinimum, 0, []int64{0}},
		{"no threshold", live("c", Template{Kind: KindAmount, Off: 500, Scope: ScopeAll}), []Line{cup},
			true, "", 500, []int64{500}},
		{"never more than the eligible amount", live("c", Template{Kind: KindAmount, Off: 9000, Scope: ScopeAll}), []Line{cup},
			true, "", 5000, []int64{5000}},
		{"percentage floored to the fen", live("c", Template{Kind: KindPercent, RateBP: 1500, Scope: ScopeAll}),
			[]Line{{ProductId: "x", Amount: 3333}}, true, "", 499, []int64{499}},
		{"percentage capped", live("c", Template{Kind: KindPercent, RateBP: 5000, MaxOff: 2000, Scope: ScopeAll}),
			[]Line{tea, cup}, true, "", 2000, []int64{1231, 769}},
		{"category scope covers sub-categories only", live("c", Template{Kind: KindAmount, Off: 800, Scope: ScopeCategories, CategoryIds: []string{"food"}}),
			[]Line{tea, cup}, true, "", 800, []int64{800, 0}},
		{"threshold judged on the scope only", live("c", Template{Kind: KindAmount, Off: 800, Threshold: 9000, Scope: ScopeCategories, CategoryIds: []string{"food"}}),
			[]Line{tea, cup}, false, ReasonBelowMinimum, 0, []int64{0, 0}},
		{"product scope", live("c", Template{Kind: KindAmount, Off: 300, Scope: ScopeProducts, ProductIds: []string{"cup"}}),
			[]Line{tea, cup}, true, "", 300, []int64{0, 300}},
		{"excluded product", live("c", Template{Kind: KindAmount, Off: 300, Scope: ScopeAll, ExcludedProductIds: []string{"tea", "cup"}}),
			[]Line{tea, cup}, false, ReasonNoEligible, 0, []int64{0, 0}},
		{"does not stack: promoted line left out", live("c", Template{Kind: KindAmount, Off: 1000, Threshold: 8000, Scope: ScopeAll}),
			[]Line{tea, promotedCup}, true, "", 1000, []int64{1000, 0}},
		{"does not stack: promoted line does not reach the threshold", live("c", Template{Kind: KindAmount, Off: 1000, Threshold: 10000, Scope: ScopeAll}),
			[]Line{tea, promotedCup}, false, ReasonBelowMinimum, 0, []int64{0, 0}},
		{"does not stack: only promoted lines", live("c", Template{Kind: KindAmount, Off: 100, Scope: ScopeAll}),
			[]Line{promotedCup}, false, ReasonNoEligible, 0, []int64{0}},
		{"stacks: threshold after promotions", live("c", Template{Kind: KindAmount, Off: 1000, Threshold: 12000, Scope: ScopeAll, WithPromotions: true}),
			[]Line{tea, promotedCup}, true, "", 1000, []int64{667, 333}},
		{"flash-sale line never takes a coupon", live("c", Template{Kind: KindAmount, Off: 100, Scope: ScopeAll, WithPromotions: true}),
			[]Line{flash}, false, ReasonNoEligible, 0, []int64{0}},
		{"tied remainders go to the earlier line", live("c", Template{Kind: KindAmount, Off: 1001, Scope: ScopeAll}),
			[]Line{cup, cup}, true, "", 1001, []int64{501, 500}},
		{"used", Coupon{Id: "c", Template: all, Used: true}, []Line{tea, cup}, false, ReasonUsed, 0, []int64{0, 0}},
		{"not started", Coupon{Id: "c", Template: all, StartsAt: now.Add(time.Minute)}, []Line{tea, cup}, false, ReasonNotStarted, 0, []int64{0, 0}},
		{"expired at the end instant", Coupon{Id: "c", Template: all, EndsAt: now}, []Line{tea, cup}, false, ReasonExpired, 0, []int64{0, 0}},
		{"misconfigured", live("c", Template{Kind: KindPercent, RateBP: 10000, Scope: ScopeAll}), []Line{tea}, false, ReasonInvalid, 0, []int64{0}},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			q := Apply(s.coupon, s.lines, now)
			if q.Usable != s.usable || q.Reason != s.reason || q.Amount != s.amount {
				t.Fatalf("got usable=%v reason=%q amount=%d (%s), want %v %q %d", q.Usable, q.Reason, q.Amount, q.Message, s.usable, s.reason, s.amount)
			}
			if !reflect.DeepEqual(q.PerLine, s.perLine) {
				t.Fatalf("per line %v, want %v", q.PerLine, s.perLine)
			}
			var sum int64
			for _, v := range q.PerLine {
				sum += v
			}
			if sum != q.Amount {
				t.Fatalf("shares sum to %d, not %d", sum, q.Amount)
			}
			if !q.Usable && q.Message == "" {
				t.Fatal("an unusable coupon needs a message")
			}
		})
	}
}

func TestQuoteAllPicksTheBest(t *testing.T) {
	lines := []Line{{ProductId: "a", Amount: 10000}}
	short := live("short", Template{Kind: KindAmount, Off: 1000, Scope: ScopeAll})
	short.EndsAt = now.Add(time.Hour)
	long := live("long", Template{Kind: KindAmount, Off: 1000, Scope: ScopeAll})
	small := live("small", Template{Kind: KindAmount, Off: 500, Scope: ScopeAll})
	big := live("big", Template{Kind: KindAmount, Off: 3000, Threshold: 20000, Scope: ScopeAll})
	never := live("never", Template{Kind: KindAmount, Off: 1000, Scope: ScopeAll})
	never.EndsAt = time.Time{}

	scenarios := []struct {
		name    string
		coupons []Coupon
		best    string
	}{
		{"none", nil, ""},
		{"only unusable", []Coupon{big}, ""},
		{"most off wins", []Coupon{small, big, long}, "long"},
		{"tie: the one expiring first", []Coupon{long, short}, "short"},
		{"tie: an ending one before a never-ending one", []Coupon{never, long}, "long"},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			quotes, best := QuoteAll(s.coupons, lines, now)
			got := ""
			if best >= 0 {
				got = quotes[best].CouponId
			}
			if got != s.best {
				t.Fatalf("best %q, want %q", got, s.best)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	scenarios := []struct {
		t    Template
		code string
	}{
		{Template{Kind: KindAmount, Off: 100, Scope: ScopeAll}, ""},
		{Template{Kind: "x", Off: 100, Scope: ScopeAll}, CodeKindInvalid},
		{Template{Kind: KindAmount, Scope: ScopeAll}, CodeOffInvalid},
		{Template{Kind: KindAmount, Off: 1000, Threshold: 500, Scope: ScopeAll}, CodeThresholdBelowOff},
		{Template{Kind: KindPercent, RateBP: 0, Scope: ScopeAll}, CodeRateInvalid},
		{Template{Kind: KindPercent, RateBP: 1000, MaxOff: -1, Scope: ScopeAll}, CodeMaxOffInvalid},
		{Template{Kind: KindPercent, RateBP: 1000, Threshold: -1, Scope: ScopeAll}, CodeThresholdInvalid},
		{Template{Kind: KindAmount, Off: 1, Scope: ScopeCategories}, CodeScopeIdsRequired},
		{Template{Kind: KindAmount, Off: 1, Scope: ScopeProducts}, CodeScopeIdsRequired},
		{Template{Kind: KindAmount, Off: 1, Scope: "shop"}, CodeScopeInvalid},
	}
	for _, s := range scenarios {
		err := Validate(s.t)
		code := ""
		if err != nil {
			code = err.(*Error).Code()
		}
		if code != s.code {
			t.Errorf("%+v: code %q, want %q", s.t, code, s.code)
		}
	}
	if ValidateValidity(Validity{Days: 7}) != nil || ValidateValidity(Validity{StartsAt: now, EndsAt: now}) == nil ||
		ValidateValidity(Validity{StartsAt: now, EndsAt: now.Add(time.Hour)}) != nil {
		t.Fatal("validity rules")
	}
	s, e := Validity{Days: 3}.Window(now)
	if !s.Equal(now) || !e.Equal(now.AddDate(0, 0, 3)) {
		t.Fatalf("days window %v %v", s, e)
	}
}
