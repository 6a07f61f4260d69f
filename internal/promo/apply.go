package promo

import (
	"cmp"
	"fmt"
	"math/bits"
	"slices"
	"time"

	"fenxiao/internal/money"
)

// exhaustiveLimit is the largest number of non-stackable full-reduction
// candidates searched exhaustively (2^8 = 256 evaluations at most).
const exhaustiveLimit = 8

// mwisBudget bounds the branch and bound used beyond exhaustiveLimit.
const mwisBudget = 1 << 14

const timeLayout = "2006-01-02 15:04:05"

// Apply prices lines with promos at now. buyerUsage maps a promotion id to the
// number of times this buyer has already used it (nil = never).
//
// See the package doc for the order of application and the conflict rules.
func Apply(lines []Line, promos []Promotion, buyerUsage map[string]int, now time.Time) Result {
	e := newEngine(lines, promos, buyerUsage, now, "")
	e.priceItems()
	e.prepareReductions()
	return e.settle(e.choose())
}

// rankOrder returns promotion indexes by Priority descending, Id ascending,
// then input order.
func rankOrder(promos []Promotion) []int {
	order := make([]int, len(promos))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if c := cmp.Compare(promos[b].Priority, promos[a].Priority); c != 0 {
			return c
		}
		return cmp.Compare(promos[a].Id, promos[b].Id)
	})
	return order
}

type skipInfo struct {
	reason    Reason
	explain   string
	shortfall int64
	shortQty  int
}

// frOutcome is how one full reduction came out in a settled scenario.
type frOutcome struct {
	base      int64 // matching amount after item discounts
	payable   int64 // matching amount still payable when it was applied
	off       int64
	tier      int // -1 if no tier met
	times     int64
	perLine   []int64
	evaluated bool
}

type engine struct {
	lines  []Line
	promos []Promotion
	n, m   int
	order  []int // promotion indexes in rank order
	rank   []int // rank position by promotion index
	skip   []skipInfo
	match  []bool // m × n: match[p*n+i] reports line i is in promotion p's scope

	discounts []int // live discounts in rank order
	frs       []int // live full reductions in rank order: stackable ones and candidates
	gifts     []int // live gifts in rank order
	cands     []int // non-stackable full reductions that can meet a tier on their own
	candOf    []int // position in cands by promotion index, or -1

	uNo     []int64 // unit price per line after stackable discounts only
	uYes    []int64 // unit price per line after stackable + best non-stackable discount
	bestN   []int   // the best non-stackable discount per line, or -1
	benefit []bool  // a non-stackable discount lowers some line's price

	// scratch reused across evaluations
	covered  []bool
	amt      []int64
	rem      []int64
	weights  []int64
	idx      []int
	overlap  []bool // len(frs)²
	frOff    []int64
	frActive []bool
	frOut    []frOutcome
	tieA     []bool
	tieB     []bool
}

func newEngine(lines []Line, promos []Promotion, usage map[string]int, now time.Time, only Type) *engine {
	n, m := len(lines), len(promos)
	e := &engine{
		lines:  lines,
		promos: promos,
		n:      n,
		m:      m,
		order:  rankOrder(promos),
		rank:   make([]int, m),
		skip:   make([]skipInfo, m),
		match:  make([]bool, m*n),
		candOf: make([]int, m),
	}
	for r, p := range e.order {
		e.rank[p] = r
		e.candOf[p] = -1
	}
	for _, p := range e.order {
		pr := &promos[p]
		if only != "" && pr.Type != only {
			continue
		}
		if reason, why := eligible(pr, usage, now); reason != "" {
			e.skip[p] = skipInfo{reason: reason, explain: why}
			continue
		}
		row := e.match[p*n : p*n+n]
		inScope := false
		for i := range lines {
			l := &lines[i]
			if l.Quantity > 0 && l.UnitPrice >= 0 && pr.Covers(l.ProductId, l.CategoryPath) {
				row[i] = true
				inScope = true
			}
		}
		if !inScope {
			e.skip[p] = skipInfo{reason: ReasonNoMatchingLines, explain: "购物车中没有参与该活动的商品"}
			continue
		}
		switch pr.Type {
		case TypeDiscount:
			e.discounts = append(e.discounts, p)
		case TypeFullReduction:
			e.frs = append(e.frs, p)
		case TypeGift:
			e.gifts = append(e.gifts, p)
		}
	}
	return e
}

// eligible returns why p cannot be considered at all, or "".
func eligible(p *Promotion, usage map[string]int, now time.Time) (Reason, string) {
	if !p.Active {
		return ReasonDisabled, "活动已停用"
	}
	if err := validate(p); err != nil {
		return ReasonInvalid, "活动配置无效：" + err.Error()
	}
	if now.Before(p.StartsAt) {
		return ReasonNotStarted, "活动未开始（" + p.StartsAt.Format(timeLayout) + " 开始）"
	}
	if !p.EndsAt.IsZero() && !now.Before(p.EndsAt) {
		return ReasonEnded, "活动已结束（" + p.EndsAt.Format(timeLayout) + " 结束）"
	}
	if used := usage[p.Id]; p.PerUserLimit > 0 && used >= p.PerUserLimit {
		return ReasonLimitReached, fmt.Sprintf("每人限用%d次，您已使用%d次", p.PerUserLimit, used)
	}
	return "", ""
}

// unitAfter returns line i's unit price after its stackable discounts and,
// if extra ≥ 0, the non-stackable discount extra. When unitOff is not nil it
// records each promotion's unit off and the unit price it started from.
func (e *engine) unitAfter(i, extra int, unitOff, unitBase []int64) int64 {
	u := e.lines[i].UnitPrice
	// note: special prices first, then rates, so that a rate applies to the
	// special price and the result does not depend on the priorities chosen
	for pass := 0; pass < 2; pass++ {
		for _, p := range e.discounts {
			pr := &e.promos[p]
			if (pass == 0) != (pr.DiscountMode == DiscountSpecialPrice) ||
				!(pr.Stackable || p == extra) || !e.match[p*e.n+i] {
				continue
			}
			var off int64
			if pass == 0 {
				if pr.SpecialPrice < u {
					off = u - pr.SpecialPrice
				}
			} else {
				off = money.ApplyRate(u, money.BasisPoints-pr.RateBP)
			}
			if unitOff != nil {
				unitOff[p], unitBase[p] = off, u
			}
			u -= off
		}
	}
	return u
}

// priceItems works out every line's unit price with stackable discounts only
// and with the best non-stackable discount on top.
func (e *engine) priceItems() {
	e.uNo = make([]int64, e.n)
	e.uYes = make([]int64, e.n)
	e.bestN = make([]int, e.n)
	e.benefit = make([]bool, e.m)
	for i := range e.lines {
		base := e.unitAfter(i, -1, nil, nil)
		best, bn := base, -1
		for _, p := range e.discounts {
			if e.promos[p].Stackable || !e.match[p*e.n+i] {
				continue
			}
			if u := e.unitAfter(i, p, nil, nil); u < base {
				e.benefit[p] = true
				if u < best { // ties keep the higher rank
					best, bn = u, p
				}
			}
		}
		e.uNo[i], e.uYes[i], e.bestN[i] = base, best, bn
	}
}

// reduce returns the amount a full reduction takes off base, the tier used
// (-1 if none is met) and how many times it applies.
func reduce(p *Promotion, base int64) (off int64, tier int, times int64) {
	tier = -1
	for i, t := range p.Tiers {
		if base < t.Threshold {
			break
		}
		k := int64(1)
		if p.Repeat {
			k = base / t.Threshold
		}
		if o := t.Off * k; o > off {
			off, tier, times = o, i, k
		}
	}
	if p.MaxOff > 0 && off > p.MaxOff {
		off = p.MaxOff
	}
	return off, tier, times
}

// prepareReductions drops the non-stackable full reductions that cannot meet
// a tier even on their own (their lines then carry no non-stackable discount)
// and sets up the scratch space for evaluations.
func (e *engine) prepareReductions() {
	frs := e.frs[:0]
	for _, p := range e.frs {
		pr := &e.promos[p]
		if !pr.Stackable {
			var base int64
			for i, ok := range e.match[p*e.n : p*e.n+e.n] {
				if ok {
					base += e.uNo[i] * int64(e.lines[i].Quantity)
				}
			}
			if off, _, _ := reduce(pr, base); off == 0 {
				e.skip[p] = notMet(pr, base)
				continue
			}
			e.candOf[p] = len(e.cands)
			e.cands = append(e.cands, p)
		}
		frs = append(frs, p)
	}
	e.frs = frs

	k := len(e.frs)
	e.covered = make([]bool, e.n)
	e.amt = make([]int64, e.n)
	e.rem = make([]int64, e.n)
	e.weights = make([]int64, 0, e.n)
	e.idx = make([]int, 0, e.n)
	e.frOff = make([]int64, k)
	e.frActive = make([]bool, k)
	e.frOut = make([]frOutcome, k)
	e.overlap = make([]bool, k*k)
	for a := range k {
		for b := a + 1; b < k; b++ {
			if e.shareLine(e.frs[a], e.frs[b]) {
				e.overlap[a*k+b], e.overlap[b*k+a] = true, true
			}
		}
	}
}

func (e *engine) shareLine(p, q int) bool {
	for i := range e.n {
		if e.match[p*e.n+i] && e.match[q*e.n+i] {
			return true
		}
	}
	return false
}

// scenario fills covered and amt for a set of chosen candidates and returns
// the total of the per-item discounts.
func (e *engine) scenario(chosen []bool) int64 {
	clear(e.covered)
	for c, on := range chosen {
		if !on {
			continue
		}
		p := e.cands[c]
		for i, ok := range e.match[p*e.n : p*e.n+e.n] {
			if ok {
				e.covered[i] = true
			}
		}
	}
	var items int64
	for i := range e.lines {
		q := int64(e.lines[i].Quantity)
		if q <= 0 {
			e.amt[i] = 0
			continue
		}
		u := e.uYes[i]
		if e.covered[i] {
			u = e.uNo[i]
		}
		e.amt[i] = u * q
		items += (e.lines[i].UnitPrice - u) * q
	}
	return items
}

func (e *engine) frIsActive(p int, chosen []bool) bool {
	return e.promos[p].Stackable || chosen[e.candOf[p]]
}

// quick scores a scenario without allocating. sure is false when a full
// reduction might be capped by what is left payable on its lines, which only
// the exact allocation can tell; valid is false when a chosen candidate ends
// up taking nothing off (the same set without it scores the same).
func (e *engine) quick(chosen []bool) (total int64, valid, sure bool) {
	total = e.scenario(chosen)
	k := len(e.frs)
	for a, p := range e.frs {
		active := e.frIsActive(p, chosen)
		e.frActive[a] = active
		if !active {
			continue
		}
		var base int64
		for i, ok := range e.match[p*e.n : p*e.n+e.n] {
			if ok {
				base += e.amt[i]
			}
		}
		off, _, _ := reduce(&e.promos[p], base)
		// note: each earlier overlapping reduction took at most its own off
		// from these lines, so base minus those offs bounds what is payable
		payable := base
		for b := range a {
			if e.frActive[b] && e.overlap[b*k+a] {
				payable -= e.frOff[b]
			}
		}
		if off > payable {
			return 0, false, false
		}
		if off == 0 && !e.promos[p].Stackable {
			return 0, false, true
		}
		e.frOff[a] = off
		total += off
	}
	return total, true, true
}

// exact runs the full reductions of a scenario with the real allocation. With
// record it keeps each one's outcome in frOut.
func (e *engine) exact(chosen []bool, record bool) (total int64, valid bool) {
	total = e.scenario(chosen)
	copy(e.rem, e.amt)
	for a, p := range e.frs {
		pr := &e.promos[p]
		if !e.frIsActive(p, chosen) {
			continue
		}
		var base, payable int64
		w, idx := e.weights[:0], e.idx[:0]
		for i, ok := range e.match[p*e.n : p*e.n+e.n] {
			if ok {
				base += e.amt[i]
				payable += e.rem[i]
				w = append(w, e.rem[i])
				idx = append(idx, i)
			}
		}
		off, tier, times := reduce(pr, base)
		off = min(off, payable)
		if off == 0 && !pr.Stackable {
			return 0, false
		}
		var perLine []int64
		if record && off > 0 {
			perLine = make([]int64, e.n)
		}
		if off > 0 {
			for j, s := range money.Allocate(off, w) {
				e.rem[idx[j]] -= s
				if perLine != nil {
					perLine[idx[j]] = s
				}
			}
		}
		if record {
			e.frOut[a] = frOutcome{base: base, payable: payable, off: off, tier: tier, times: times, perLine: perLine, evaluated: true}
		}
		total += off
	}
	return total, true
}

func (e *engine) score(chosen []bool) (int64, bool) {
	if t, valid, sure := e.quick(chosen); sure {
		return t, valid
	}
	return e.exact(chosen, false)
}

// choose picks the set of non-stackable full reductions (by position in
// cands) that gives the buyer the largest total discount.
func (e *engine) choose() []bool {
	nc := len(e.cands)
	chosen := make([]bool, nc)
	best := make([]bool, nc)
	bestTotal, _ := e.score(chosen)
	if nc == 0 {
		return best
	}
	conflict := make([]bool, nc*nc)
	for a := range nc {
		for b := a + 1; b < nc; b++ {
			if e.shareLine(e.cands[a], e.cands[b]) {
				conflict[a*nc+b], conflict[b*nc+a] = true, true
			}
		}
	}
	fits := func(c int) bool {
		for j, on := range chosen {
			if on && conflict[j*nc+c] {
				return false
			}
		}
		return true
	}

	if nc <= exhaustiveLimit {
		var walk func(c int)
		walk = func(c int) {
			if c == nc {
				t, ok := e.score(chosen)
				if ok && (t > bestTotal || t == bestTotal && e.preferOnTie(chosen, best)) {
					bestTotal = t
					copy(best, chosen)
				}
				return
			}
			if fits(c) {
				chosen[c] = true
				walk(c + 1)
				chosen[c] = false
			}
			walk(c + 1)
		}
		walk(0)
		return best
	}

	// note: beyond the exhaustive limit the gains of non-stackable reductions
	// are close to additive (only stackable reductions spanning several of
	// them make them interact), so the search runs on standalone gains: a
	// budgeted branch and bound for the heaviest conflict-free set, then the
	// real pipeline scores it against the plain greedy set and keeps the better
	type gain struct {
		c     int
		value int64
	}
	gains := make([]gain, 0, nc)
	for c := range nc {
		chosen[c] = true
		if t, ok := e.score(chosen); ok && t > bestTotal {
			gains = append(gains, gain{c, t - bestTotal})
		}
		chosen[c] = false
	}
	slices.SortStableFunc(gains, func(a, b gain) int { return cmp.Compare(b.value, a.value) })
	if len(gains) > 64 {
		gains = gains[:64]
	}

	// greedy by gain, keeping what raises the real total
	for _, g := range gains {
		if !fits(g.c) {
			continue
		}
		chosen[g.c] = true
		if t, ok := e.score(chosen); ok && t > bestTotal {
			bestTotal = t
		} else {
			chosen[g.c] = false
		}
	}
	copy(best, chosen)

	// branch and bound over gains; bit j stands for gains[j]
	nbr := make([]uint64, len(gains))
	for a := range gains {
		for b := range gains {
			if a != b && conflict[gains[a].c*nc+gains[b].c] {
				nbr[a] |= 1 << b
			}
		}
	}
	var (
		budget   = mwisBudget
		bestSet  uint64
		bestGain int64 = -1
	)
	var walk func(left, set uint64, sum int64)
	walk = func(left, set uint64, sum int64) {
		if budget == 0 {
			return
		}
		budget--
		bound := sum
		for m := left; m != 0; m &= m - 1 {
			bound += gains[bits.TrailingZeros64(m)].value
		}
		if bound <= bestGain {
			return
		}
		if left == 0 {
			bestGain, bestSet = sum, set
			return
		}
		j := bits.TrailingZeros64(left) // the largest gain left
		walk(left&^(nbr[j]|1<<j), set|1<<j, sum+gains[j].value)
		walk(left&^(1<<j), set, sum)
	}
	var all uint64
	for j := range gains {
		all |= 1 << j
	}
	walk(all, 0, 0)
	clear(chosen)
	for m := bestSet; m != 0; m &= m - 1 {
		chosen[gains[bits.TrailingZeros64(m)].c] = true
	}
	if t, ok := e.score(chosen); ok && (t > bestTotal || t == bestTotal && e.preferOnTie(chosen, best)) {
		copy(best, chosen)
	}
	return best
}

// preferOnTie reports whether scenario a beats b at an equal total: the one
// holding the highest-ranked non-stackable promotion the two differ in wins.
func (e *engine) preferOnTie(a, b []bool) bool {
	if e.tieA == nil {
		e.tieA, e.tieB = make([]bool, e.m), make([]bool, e.m)
	}
	e.nonStackableRanks(a, e.tieA)
	e.nonStackableRanks(b, e.tieB)
	for r := range e.m {
		if e.tieA[r] != e.tieB[r] {
			return e.tieA[r]
		}
	}
	return false
}

// nonStackableRanks marks, by rank position, the non-stackable promotions a
// scenario applies.
func (e *engine) nonStackableRanks(chosen []bool, dst []bool) {
	clear(dst)
	e.scenario(chosen)
	for c, on := range chosen {
		if on {
			dst[e.rank[e.cands[c]]] = true
		}
	}
	for i, p := range e.bestN {
		if p >= 0 && !e.covered[i] {
			dst[e.rank[p]] = true
		}
	}
}

// settle applies the chosen scenario and writes the result.
func (e *engine) settle(chosen []bool) Result {
	res := Result{PerLine: make([]int64, e.n)}
	e.exact(chosen, true) // fills covered, amt (after item discounts) and frOut

	// per-item discounts
	var (
		perLine  = make([][]int64, e.m)
		scratch  = make([]int64, 4*e.m)
		unitOff  = scratch[:e.m]
		unitBase = scratch[e.m : 2*e.m]
		before   = scratch[2*e.m : 3*e.m]
		units    = scratch[3*e.m:]
	)
	for i := range e.lines {
		q := int64(e.lines[i].Quantity)
		if q <= 0 {
			continue
		}
		extra := e.bestN[i]
		if e.covered[i] {
			extra = -1
		}
		for _, p := range e.discounts {
			unitOff[p] = 0
		}
		e.unitAfter(i, extra, unitOff, unitBase)
		for _, p := range e.discounts {
			if unitOff[p] == 0 {
				continue
			}
			if perLine[p] == nil {
				perLine[p] = make([]int64, e.n)
			}
			perLine[p][i] += unitOff[p] * q
			before[p] += unitBase[p] * q
			units[p] += q
		}
	}
	for _, p := range e.discounts {
		pr := &e.promos[p]
		var amount int64
		for _, v := range perLine[p] {
			amount += v
		}
		if amount == 0 {
			if !pr.Stackable && e.benefit[p] {
				e.skip[p] = e.notBest(p, chosen)
			} else {
				e.skip[p] = skipInfo{reason: ReasonNoBenefit, explain: label(pr) + "：适用商品已不低于该优惠价，无可减金额"}
			}
			continue
		}
		l := label(pr)
		res.Applied = append(res.Applied, Applied{
			PromotionId: pr.Id, Name: pr.Name, Type: pr.Type, Label: l, Amount: amount, PerLine: perLine[p],
			Explanation: fmt.Sprintf("%s：%d件商品优惠前合计%s，优惠后%s，减%s", l, units[p], yuan(before[p]), yuan(before[p]-amount), yuan(amount)),
		})
	}

	// full reductions
	for a, p := range e.frs {
		pr := &e.promos[p]
		out := &e.frOut[a]
		switch {
		case !out.evaluated:
			e.skip[p] = e.notBest(p, chosen)
		case out.tier < 0:
			e.skip[p] = notMet(pr, out.base)
		case out.off == 0:
			e.skip[p] = skipInfo{reason: ReasonNoBenefit, explain: tierLabel(pr, out.tier) + "：适用商品已无可减金额"}
		default:
			l := tierLabel(pr, out.tier)
			res.Applied = append(res.Applied, Applied{
				PromotionId: pr.Id, Name: pr.Name, Type: pr.Type, Label: l, Amount: out.off, PerLine: out.perLine,
				Explanation: reductionExplanation(pr, l, out),
			})
		}
	}

	// gifts, on the amounts after per-item discounts
	type taken struct {
		sku string
		qty int
	}
	var given []taken
	for _, p := range e.gifts {
		pr := &e.promos[p]
		var base int64
		var qty int
		for i, ok := range e.match[p*e.n : p*e.n+e.n] {
			if ok {
				base += e.amt[i]
				qty += e.lines[i].Quantity
			}
		}
		l := label(pr)
		if base < pr.GiftMinAmount || qty < pr.GiftMinQuantity {
			s := skipInfo{reason: ReasonThresholdNotMet}
			if base < pr.GiftMinAmount {
				s.shortfall = pr.GiftMinAmount - base
				s.explain = fmt.Sprintf("%s：适用商品合计%s，未满%s，还差%s", l, yuan(base), yuan(pr.GiftMinAmount), yuan(s.shortfall))
			} else {
				s.shortQty = pr.GiftMinQuantity - qty
				s.explain = fmt.Sprintf("%s：适用商品共%d件，未满%d件，还差%d件", l, qty, pr.GiftMinQuantity, s.shortQty)
			}
			e.skip[p] = s
			continue
		}
		stock := max(pr.GiftStock, 0)
		t := slices.IndexFunc(given, func(g taken) bool { return g.sku == pr.GiftSkuId })
		if t >= 0 {
			stock = max(stock-given[t].qty, 0)
		}
		if stock < pr.GiftQuantity {
			e.skip[p] = skipInfo{reason: ReasonGiftOutOfStock, explain: fmt.Sprintf("%s：已满足条件，但赠品库存不足（剩余%d件，需%d件），本次不赠送", l, stock, pr.GiftQuantity)}
			continue
		}
		if t >= 0 {
			given[t].qty += pr.GiftQuantity
		} else {
			given = append(given, taken{pr.GiftSkuId, pr.GiftQuantity})
		}
		res.Gifts = append(res.Gifts, Gift{PromotionId: pr.Id, SkuId: pr.GiftSkuId, Quantity: pr.GiftQuantity, Label: l})
		res.Applied = append(res.Applied, Applied{
			PromotionId: pr.Id, Name: pr.Name, Type: pr.Type, Label: l,
			Explanation: fmt.Sprintf("%s：%s，赠送赠品×%d", l, giftCondition(pr, base, qty), pr.GiftQuantity),
		})
	}

	for _, a := range res.Applied {
		for i, v := range a.PerLine {
			res.PerLine[i] += v
		}
		res.TotalDiscount += a.Amount
	}
	for _, p := range e.order {
		s := &e.skip[p]
		if s.reason == "" {
			continue
		}
		pr := &e.promos[p]
		res.Skipped = append(res.Skipped, Skipped{
			PromotionId: pr.Id, Name: pr.Name, Type: pr.Type, Reason: s.reason, Explanation: s.explain,
			Shortfall: s.shortfall, ShortfallQuantity: s.shortQty,
		})
	}
	return res
}

// notMet is the skip of a full reduction whose lowest tier is not reached.
func notMet(p *Promotion, base int64) skipInfo {
	t := p.Tiers[0].Threshold
	return skipInfo{
		reason:    ReasonThresholdNotMet,
		shortfall: t - base,
		explain:   fmt.Sprintf("%s：适用商品合计%s，未满%s，还差%s", tierLabel(p, 0), yuan(base), yuan(t), yuan(t-base)),
	}
}

// notBest is the skip of a non-stackable promotion that lost; it names a
// promotion that won one of its lines.
func (e *engine) notBest(p int, chosen []bool) skipInfo {
	winner := -1
	for i := 0; i < e.n && winner < 0; i++ {
		if !e.match[p*e.n+i] {
			continue
		}
		if e.covered[i] {
			for c, on := range chosen {
				if on && e.match[e.cands[c]*e.n+i] {
					winner = e.cands[c]
					break
				}
			}
		} else if q := e.bestN[i]; q >= 0 && q != p {
			winner = q
		}
	}
	s := skipInfo{reason: ReasonNotBest, explain: "不可与其他优惠叠加，单独使用对您不更优惠，未采用"}
	if winner >= 0 {
		s.explain = "不可与其他优惠叠加，已为您选择更优惠的「" + displayName(&e.promos[winner]) + "」"
	}
	return s
}

func reductionExplanation(p *Promotion, l string, out *frOutcome) string {
	t := p.Tiers[out.tier]
	var s string
	raw := t.Off * out.times
	if p.Repeat {
		s = fmt.Sprintf("%s：适用商品合计%s，满%s共%d次，%d×%s=%s", l, yuan(out.base), yuan(t.Threshold), out.times, out.times, yuan(t.Off), yuan(raw))
	} else {
		s = fmt.Sprintf("%s：适用商品合计%s ≥ %s", l, yuan(out.base), yuan(t.Threshold))
	}
	capped := raw
	if p.MaxOff > 0 && raw > p.MaxOff {
		capped = p.MaxOff
		s += "，封顶" + yuan(p.MaxOff)
	}
	if out.off < capped {
		s += "，以剩余应付" + yuan(out.payable) + "为限"
	}
	return s + "，减" + yuan(out.off)
}

func giftCondition(p *Promotion, base int64, qty int) string {
	switch {
	case p.GiftMinAmount > 0 && p.GiftMinQuantity > 0:
		return fmt.Sprintf("适用商品合计%s ≥ %s，共%d件 ≥ %d件", yuan(base), yuan(p.GiftMinAmount), qty, p.GiftMinQuantity)
	case p.GiftMinAmount > 0:
		return fmt.Sprintf("适用商品合计%s ≥ %s", yuan(base), yuan(p.GiftMinAmount))
	case p.GiftMinQuantity > 0:
		return fmt.Sprintf("适用商品共%d件 ≥ %d件", qty, p.GiftMinQuantity)
	}
	return "购买适用商品"
}
