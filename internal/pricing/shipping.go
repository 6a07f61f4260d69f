package pricing

import "strings"

// Shipping modes (shipping_templates.mode).
const (
	ModePiece  = "piece"  // units are pieces
	ModeWeight = "weight" // units are grams
)

// Rule is how one shipment is charged: FirstFee covers the first
// FirstUnits, then each started block of ExtraUnits costs ExtraFee.
// Shipping is free when the goods paid reach FreeThreshold (0 = never).
type Rule struct {
	FirstUnits    int64 `json:"first_units"`
	FirstFee      int64 `json:"first_fee"`
	ExtraUnits    int64 `json:"extra_units"`
	ExtraFee      int64 `json:"extra_fee"`
	FreeThreshold int64 `json:"free_threshold"`
}

// Region overrides a template's rule for some provinces.
type Region struct {
	// Provinces match an address whose province starts with one of them
	// ("新疆" matches "新疆维吾尔自治区").
	Provinces []string `json:"provinces"`
	Rule
}

// Template is a shipping template: a default rule and per-province overrides
// (the first matching region wins).
type Template struct {
	Id      string
	Mode    string
	Rule    Rule
	Regions []Region
}

// RuleFor returns the rule that applies to address (nil: the default rule).
func (t Template) RuleFor(address *Address) Rule {
	if address == nil || address.Province == "" {
		return t.Rule
	}
	for _, r := range t.Regions {
		for _, p := range r.Provinces {
			if p != "" && strings.HasPrefix(address.Province, p) {
				return r.Rule
			}
		}
	}
	return t.Rule
}

// Fee returns what the rule charges for units (pieces or grams) of goods
// paid for with goodsPaid fen.
func (r Rule) Fee(units, goodsPaid int64) int64 {
	if r.FreeThreshold > 0 && goodsPaid >= r.FreeThreshold {
		return 0
	}
	fee := r.FirstFee
	if r.ExtraUnits > 0 && units > r.FirstUnits {
		// a started block is charged in full
		blocks := (units - r.FirstUnits + r.ExtraUnits - 1) / r.ExtraUnits
		fee += blocks * r.ExtraFee
	}
	return fee
}

// shipping sums one shipment per template over the counted lines; lines
// without a (known) template ship free.
func shipping(lines []PricedLine, counted []int, templates map[string]Template, address *Address) int64 {
	type group struct {
		units int64
		paid  int64
	}
	groups := map[string]*group{}
	var order []string
	for _, i := range counted {
		l := lines[i]
		t, ok := templates[l.TemplateId]
		if l.TemplateId == "" || !ok {
			continue
		}
		g := groups[l.TemplateId]
		if g == nil {
			g = &group{}
			groups[l.TemplateId] = g
			order = append(order, l.TemplateId)
		}
		if t.Mode == ModeWeight {
			g.units += int64(l.Weight) * int64(l.Quantity)
		} else {
			g.units += int64(l.Quantity)
		}
		g.paid += l.Paid
	}
	var total int64
	for _, id := range order {
		t := templates[id]
		g := groups[id]
		total += t.RuleFor(address).Fee(g.units, g.paid)
	}
	return total
}
