package promo

import (
	"fmt"
	"testing"
)

// benchCart is a 50-line cart over 5 categories and 20 live promotions of
// mixed types: 8 item discounts, 8 full reductions (4 non-stackable, so the
// exhaustive search runs) and 4 gifts.
func benchCart() ([]Line, []Promotion) {
	lines := make([]Line, 50)
	for i := range lines {
		cat := fmt.Sprintf("c%d", i%5)
		lines[i] = Line{
			Key: fmt.Sprintf("l%d", i), SkuId: fmt.Sprintf("s%d", i), ProductId: fmt.Sprintf("p%d", i),
			CategoryPath: []string{"root", cat, cat + "-sub"},
			UnitPrice:    int64(990 + i*137%9000), Quantity: 1 + i%3,
		}
	}
	promos := make([]Promotion, 0, 20)
	for i := range 8 {
		p := rate(fmt.Sprintf("d%d", i), int64(7000+i*300))
		if i%2 == 0 {
			p = categories(p, fmt.Sprintf("c%d", i%5))
		} else {
			p = products(p, fmt.Sprintf("p%d", i), fmt.Sprintf("p%d", i+10), fmt.Sprintf("p%d", i+20))
		}
		p.Stackable = i%3 == 0
		promos = append(promos, p)
	}
	for i := range 8 {
		p := fullReduction(fmt.Sprintf("f%d", i), Tier{int64(10000 + i*5000), int64(1000 + i*300)}, Tier{int64(50000 + i*5000), int64(6000 + i*500)})
		if i%2 == 0 {
			p = categories(p, fmt.Sprintf("c%d", i%5))
		}
		p.Repeat = i == 3
		p.MaxOff = 20000
		p.Stackable = i >= 4
		promos = append(promos, p)
	}
	for i := range 4 {
		p := gift(fmt.Sprintf("g%d", i), fmt.Sprintf("gift%d", i%2), 1, 3, int64(20000*(i+1)))
		promos = append(promos, p)
	}
	return lines, promos
}

func BenchmarkApply50Lines20Promos(b *testing.B) {
	lines, promos := benchCart()
	usage := map[string]int{"d1": 1}
	r := Apply(lines, promos, usage, now)
	if len(r.Applied) == 0 {
		b.Fatal("nothing applied")
	}
	b.ReportAllocs()
	for b.Loop() {
		Apply(lines, promos, usage, now)
	}
}

func TestBenchCartInvariants(t *testing.T) {
	lines, promos := benchCart()
	r := Apply(lines, promos, nil, now)
	checkInvariants(t, lines, r)
	if len(r.Applied)+len(r.Skipped) != len(promos) {
		t.Fatalf("%d applied + %d skipped", len(r.Applied), len(r.Skipped))
	}
	for _, a := range r.Applied {
		t.Logf("applied %-3s %-22s %s", a.PromotionId, a.Label, a.Explanation)
	}
	for _, s := range r.Skipped {
		t.Logf("skipped %-3s %-18s %s", s.PromotionId, s.Reason, s.Explanation)
	}
}
