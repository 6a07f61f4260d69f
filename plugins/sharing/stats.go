package sharing

import (
	"fmt"
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// maxStatsLinks bounds the links one stats answer covers (most recent first).
const maxStatsLinks = 500

// Counts are the funnel figures of a link, a material or a whole account.
type Counts struct {
	Clicks     int64 `json:"clicks"`
	Signups    int64 `json:"signups"`
	PaidOrders int64 `json:"paid_orders"`

	// PaidAmount is the sum of the attributed orders' payable, in fen.
	PaidAmount int64 `json:"paid_amount"`

	// RefundedAmount is what was refunded of those orders so far, in fen
	// (PaidAmount - RefundedAmount is what the link really sold).
	RefundedAmount int64 `json:"refunded_amount"`

	// SignupRateBp is sign-ups per click in basis points (10000 = 100%;
	// it can pass 10000 when visitors sign up without a tracked click).
	SignupRateBp int64 `json:"signup_rate_bp"`

	// OrderRateBp is paid orders per click in basis points.
	OrderRateBp int64 `json:"order_rate_bp"`
}

func (c *Counts) add(o Counts) {
	c.Clicks += o.Clicks
	c.Signups += o.Signups
	c.PaidOrders += o.PaidOrders
	c.PaidAmount += o.PaidAmount
	c.RefundedAmount += o.RefundedAmount
}

func (c *Counts) rates() {
	c.SignupRateBp, c.OrderRateBp = 0, 0
	if c.Clicks > 0 {
		c.SignupRateBp = c.Signups * 10000 / c.Clicks
		c.OrderRateBp = c.PaidOrders * 10000 / c.Clicks
	}
}

// LinkStats is one link in the stats answer.
type LinkStats struct {
	Id       string `json:"id"`
	Code     string `json:"code"`
	Channel  string `json:"channel"`
	Product  string `json:"product"`
	Material string `json:"material"`
	Created  string `json:"created"`
	Counts
}

// MaterialStats sums the links made with one material.
type MaterialStats struct {
	Material string `json:"material"`
	Title    string `json:"title"`
	Links    int    `json:"links"`
	Counts
}

// StatsResponse is the answer of GET /api/shop/distribution/stats.
type StatsResponse struct {
	Totals    Counts          `json:"totals"`
	Links     []LinkStats     `json:"links"`
	Materials []MaterialStats `json:"materials"`
}

type linkStatsRow struct {
	Id             string `db:"id"`
	Code           string `db:"code"`
	Channel        string `db:"channel"`
	Product        string `db:"product"`
	Material       string `db:"material"`
	Created        string `db:"created"`
	Clicks         int64  `db:"clicks"`
	Signups        int64  `db:"signups"`
	PaidOrders     int64  `db:"paid_orders"`
	PaidAmount     int64  `db:"paid_amount"`
	RefundedAmount int64  `db:"refunded_amount"`
}

func (r *linkStatsRow) counts() Counts {
	return Counts{Clicks: r.Clicks, Signups: r.Signups, PaidOrders: r.PaidOrders,
		PaidAmount: r.PaidAmount, RefundedAmount: r.RefundedAmount}
}

// linkStatsSelect is the funnel of every link of {:owner}; refunds are read
// live from the orders, so a refund after the payment shows at once.
const linkStatsSelect = `
	SELECT l.id, l.code, l.channel, l.product, l.material, l.created,
		(SELECT COUNT(*) FROM share_clicks c WHERE c.link = l.id) AS clicks,
		(SELECT COUNT(*) FROM share_conversions v WHERE v.link = l.id AND v.kind != 'order') AS signups,
		(SELECT COUNT(*) FROM share_conversions v WHERE v.link = l.id AND v.kind = 'order') AS paid_orders,
		(SELECT COALESCE(SUM(v.amount), 0) FROM share_conversions v WHERE v.link = l.id AND v.kind = 'order') AS paid_amount,
		(SELECT COALESCE(SUM(o.refunded_amount), 0) FROM share_conversions v JOIN orders o ON o.id = v."order"
			WHERE v.link = l.id AND v.kind = 'order') AS refunded_amount
	FROM share_links l
	WHERE l.owner = {:owner}`

// stats is GET /api/shop/distribution/stats: the caller's links with their
// clicks, sign-ups (joins and later bindings), paid orders and paid amount,
// the same summed per material, and conversion rates in basis points.
func (p *plugin) stats(e *core.RequestEvent) error {
	var rows []linkStatsRow
	err := e.App.DB().NewQuery(linkStatsSelect + ` ORDER BY l.created DESC, l.id LIMIT {:limit}`).
		Bind(dbx.Params{"owner": e.Auth.Id, "limit": maxStatsLinks}).
		All(&rows)
	if err != nil {
		return fmt.Errorf("sharing stats: links: %w", err)
	}
	// note: the totals cover every link, also those past maxStatsLinks
	var totals linkStatsRow
	err = e.App.DB().NewQuery(`SELECT '' AS id, '' AS code, '' AS channel, '' AS product, '' AS material, '' AS created,
			COALESCE(SUM(clicks), 0) AS clicks, COALESCE(SUM(signups), 0) AS signups,
			COALESCE(SUM(paid_orders), 0) AS paid_orders, COALESCE(SUM(paid_amount), 0) AS paid_amount,
			COALESCE(SUM(refunded_amount), 0) AS refunded_amount
		FROM (` + linkStatsSelect + `)`).
		Bind(dbx.Params{"owner": e.Auth.Id}).
		One(&totals)
	if err != nil {
		return fmt.Errorf("sharing stats: totals: %w", err)
	}

	res := StatsResponse{Totals: totals.counts(), Links: make([]LinkStats, 0, len(rows)), Materials: []MaterialStats{}}
	res.Totals.rates()
	byMaterial := map[string]int{}
	for _, r := range rows {
		ls := LinkStats{
			Id: r.Id, Code: r.Code, Channel: r.Channel, Product: r.Product, Material: r.Material, Created: r.Created,
			Counts: r.counts(),
		}
		ls.rates()
		res.Links = append(res.Links, ls)
		if r.Material == "" {
			continue
		}
		i, ok := byMaterial[r.Material]
		if !ok {
			i = len(res.Materials)
			byMaterial[r.Material] = i
			ms := MaterialStats{Material: r.Material}
			if m, err := e.App.FindRecordById(materialsCollection, r.Material); err == nil {
				ms.Title = m.GetString("title")
			}
			res.Materials = append(res.Materials, ms)
		}
		res.Materials[i].Links++
		res.Materials[i].add(ls.Counts)
	}
	for i := range res.Materials {
		res.Materials[i].rates()
	}
	return e.JSON(http.StatusOK, res)
}
