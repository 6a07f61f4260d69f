package backoffice

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
)

// Figures are the sales figures of a time range; amounts in fen.
type Figures struct {
	GMV             int64 `json:"gmv" db:"gmv"`
	PaidOrders      int64 `json:"paid_orders" db:"paid_orders"`
	AvgOrder        int64 `json:"avg_order"`
	Refunds         int64 `json:"refunds"`
	RefundCount     int64 `json:"refund_count"`
	NewUsers        int64 `json:"new_users"`
	NewDistributors int64 `json:"new_distributors"`
}

// Summary is the console's home: today, the last N days, money owed to
// distributors and the work waiting.
type Summary struct {
	Days   int     `json:"days"`
	Today  Figures `json:"today"`
	Period Figures `json:"period"`
	// commission still frozen, settled into wallets and not withdrawn, paid out
	CommissionFrozen  int64 `json:"commission_frozen"`
	CommissionPayable int64 `json:"commission_payable"`
	CommissionPaid    int64 `json:"commission_paid"`
	// withdrawals waiting for review or a bank payout
	WithdrawalsWaiting       int64 `json:"withdrawals_waiting"`
	WithdrawalsWaitingAmount int64 `json:"withdrawals_waiting_amount"`
	ToShip                   int64 `json:"to_ship"`
	AftersalesOpen           int64 `json:"aftersales_open"`
	OfflineWaiting           int64 `json:"offline_waiting"`
}

func (p *plugin) summary(e *core.RequestEvent) error {
	days := daysParam(e.Request.URL.Query().Get("days"), 7)
	s, err := computeSummary(e.App, now(), days)
	if err != nil {
		return shop.ToApiError(err)
	}
	return e.JSON(http.StatusOK, s)
}

// computeSummary reads the figures with one aggregate per measure, each on
// an index that covers it (see the report_indexes migration).
func computeSummary(app core.App, at time.Time, days int) (*Summary, error) {
	today := dayStart(at)
	from := today.AddDate(0, 0, -(days - 1))
	end := today.AddDate(0, 0, 1)
	s := &Summary{Days: days}
	var err error
	if s.Today, err = figures(app, today, end); err != nil {
		return nil, err
	}
	if s.Period, err = figures(app, from, end); err != nil {
		return nil, err
	}
	q := func(sql string, params dbx.Params, dst ...*int64) {
		if err != nil {
			return
		}
		row := struct{ A, B int64 }{}
		err = app.DB().NewQuery(sql).Bind(params).One(&row)
		if len(dst) > 0 {
			*dst[0] = row.A
		}
		if len(dst) > 1 {
			*dst[1] = row.B
		}
	}
	q("SELECT COALESCE(SUM([[frozen]]),0) AS a, COALESCE(SUM([[settled]]),0) AS b FROM {{commission_totals}} WHERE [[period]] = 'all'", nil,
		&s.CommissionFrozen, new(int64))
	q("SELECT COALESCE(SUM([[available]]),0) AS a, 0 AS b FROM {{wallets}} WHERE [[available]] > 0", nil, &s.CommissionPayable)
	q("SELECT COALESCE(SUM([[payout]]),0) AS a, 0 AS b FROM {{withdrawals}} WHERE [[status]] = 'paid'", nil, &s.CommissionPaid)
	q("SELECT COUNT(*) AS a, COALESCE(SUM([[amount]]),0) AS b FROM {{withdrawals}} WHERE [[status]] IN ('pending','approved','failed')", nil,
		&s.WithdrawalsWaiting, &s.WithdrawalsWaitingAmount)
	q("SELECT COUNT(*) AS a, 0 AS b FROM {{orders}} WHERE [[status]] = 'paid'", nil, &s.ToShip)
	q("SELECT COUNT(*) AS a, 0 AS b FROM {{aftersales}} WHERE [[status]] IN ('applied','approved','returning','received')", nil, &s.AftersalesOpen)
	q("SELECT COUNT(*) AS a, 0 AS b FROM {{orders}} WHERE [[status]] = 'pending_payment' AND [[pay_method]] = 'offline'", nil, &s.OfflineWaiting)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// figures sums paid orders, successful refunds, sign-ups and new
// distributors in [from, to).
func figures(app core.App, from, to time.Time) (Figures, error) {
	f := Figures{}
	params := dbx.Params{"from": dbTime(from), "to": dbTime(to)}
	err := app.DB().NewQuery("SELECT COUNT(*) AS paid_orders, COALESCE(SUM([[payable]]),0) AS gmv FROM {{orders}} " +
		"WHERE [[paid_at]] >= {:from} AND [[paid_at]] < {:to}").Bind(params).One(&f)
	if err != nil {
		return f, err
	}
	if f.PaidOrders > 0 {
		f.AvgOrder = f.GMV / f.PaidOrders
	}
	row := struct{ N, Sum int64 }{}
	if err := app.DB().NewQuery("SELECT COUNT(*) AS n, COALESCE(SUM([[amount]]),0) AS sum FROM {{refunds}} " +
		"WHERE [[status]] = 'success' AND [[refunded_at]] >= {:from} AND [[refunded_at]] < {:to}").Bind(params).One(&row); err != nil {
		return f, err
	}
	f.RefundCount, f.Refunds = row.N, row.Sum
	if err := app.DB().NewQuery("SELECT COUNT(*) AS n, 0 AS sum FROM {{users}} WHERE [[created]] >= {:from} AND [[created]] < {:to}").
		Bind(params).One(&row); err != nil {
		return f, err
	}
	f.NewUsers = row.N
	if err := app.DB().NewQuery("SELECT COUNT(*) AS n, 0 AS sum FROM {{users}} WHERE [[distributor_since]] >= {:from} AND [[distributor_since]] < {:to}").
		Bind(params).One(&row); err != nil {
		return f, err
	}
	f.NewDistributors = row.N
	return f, nil
}

// Day is one point of the daily series.
type Day struct {
	Day        string `json:"day" db:"day"`
	GMV        int64  `json:"gmv" db:"gmv"`
	PaidOrders int64  `json:"paid_orders" db:"paid_orders"`
	Refunds    int64  `json:"refunds" db:"refunds"`
	NewUsers   int64  `json:"new_users" db:"new_users"`
}

func (p *plugin) series(e *core.RequestEvent) error {
	days := daysParam(e.Request.URL.Query().Get("days"), 30)
	list, err := computeSeries(e.App, now(), days)
	if err != nil {
		return shop.ToApiError(err)
	}
	return e.JSON(http.StatusOK, map[string]any{"days": list})
}

// computeSeries asks for one index range per day (a UNION ALL of plain
// range sums, each read from a covering index in order); grouping by a
// computed day would sort every row of the range in a temporary b-tree.
func computeSeries(app core.App, at time.Time, days int) ([]Day, error) {
	today := dayStart(at)
	from := today.AddDate(0, 0, -(days - 1))
	list := make([]Day, days)
	params := dbx.Params{}
	for i := range list {
		d := from.AddDate(0, 0, i)
		list[i].Day = d.Format("2006-01-02")
		params[fmt.Sprintf("f%d", i)] = dbTime(d)
		params[fmt.Sprintf("t%d", i)] = dbTime(d.AddDate(0, 0, 1))
	}
	perDay := func(sql string, set func(d *Day, n, sum int64)) error {
		parts := make([]string, days)
		for i := range parts {
			parts[i] = fmt.Sprintf(sql, i, i, i)
		}
		var rows []struct {
			I   int   `db:"i"`
			N   int64 `db:"n"`
			Sum int64 `db:"sum"`
		}
		if err := app.DB().NewQuery(strings.Join(parts, " UNION ALL ")).Bind(params).All(&rows); err != nil {
			return err
		}
		for _, r := range rows {
			if r.I >= 0 && r.I < days {
				set(&list[r.I], r.N, r.Sum)
			}
		}
		return nil
	}
	if err := perDay("SELECT %d AS i, COUNT(*) AS n, COALESCE(SUM([[payable]]),0) AS sum FROM {{orders}} WHERE [[paid_at]] >= {:f%d} AND [[paid_at]] < {:t%d}",
		func(d *Day, n, sum int64) { d.PaidOrders, d.GMV = n, sum }); err != nil {
		return nil, err
	}
	if err := perDay("SELECT %d AS i, COUNT(*) AS n, COALESCE(SUM([[amount]]),0) AS sum FROM {{refunds}} WHERE [[status]] = 'success' AND [[refunded_at]] >= {:f%d} AND [[refunded_at]] < {:t%d}",
		func(d *Day, n, sum int64) { d.Refunds = sum }); err != nil {
		return nil, err
	}
	if err := perDay("SELECT %d AS i, COUNT(*) AS n, 0 AS sum FROM {{users}} WHERE [[created]] >= {:f%d} AND [[created]] < {:t%d}",
		func(d *Day, n, sum int64) { d.NewUsers = n }); err != nil {
		return nil, err
	}
	return list, nil
}
