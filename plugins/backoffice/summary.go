package backoffice

import (
	"net/http"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/internal/rollup"
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
		return err
	}
	return e.JSON(http.StatusOK, s)
}

// computeSummary reads the day figures and the orders to ship from the
// rollup, and the rest (per-distributor totals, wallets, withdrawals and
// after-sales: small tables) with one indexed aggregate each.
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
	q("SELECT COALESCE(SUM([[payout]]),0) AS a, 0 AS b FROM {{withdrawals}} WHERE [[status]] = {:paid}",
		dbx.Params{"paid": shop.WithdrawalPaid}, &s.CommissionPaid)
	q("SELECT COUNT(*) AS a, COALESCE(SUM([[amount]]),0) AS b FROM {{withdrawals}} WHERE [[status]] IN ({:pending}, {:approved}, {:failed})",
		dbx.Params{"pending": shop.WithdrawalPending, "approved": shop.WithdrawalApproved, "failed": shop.WithdrawalFailed},
		&s.WithdrawalsWaiting, &s.WithdrawalsWaitingAmount)
	// note: the rollup counts orders by "status/pay_method" key; "0" sorts
	// right after "/", so the range holds every pay method of the status
	q("SELECT COALESCE(SUM([[n]]),0) AS a, 0 AS b FROM {{"+rollup.CountsTable+"}} WHERE [[key]] >= {:from} AND [[key]] < {:to}",
		dbx.Params{"from": shop.OrderPaid + "/", "to": shop.OrderPaid + "0"}, &s.ToShip)
	q("SELECT COUNT(*) AS a, 0 AS b FROM {{aftersales}} WHERE "+shop.OpenAftersaleSQL("[[status]]"), nil, &s.AftersalesOpen)
	q("SELECT COALESCE(SUM([[n]]),0) AS a, 0 AS b FROM {{"+rollup.CountsTable+"}} WHERE [[key]] = {:key}",
		dbx.Params{"key": shop.OrderPendingPayment + "/" + offlinePayMethod}, &s.OfflineWaiting)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// figures sums paid orders, successful refunds, sign-ups and new
// distributors of the shop days in [from, to) from the per-day rollup
// (fenxiao/internal/rollup), which triggers keep in step with the rows.
func figures(app core.App, from, to time.Time) (Figures, error) {
	f := Figures{}
	err := app.DB().NewQuery("SELECT COALESCE(SUM([[gmv]]),0) AS gmv, COALESCE(SUM([[paid_orders]]),0) AS paid_orders, " +
		"COALESCE(SUM([[refunds]]),0) AS refunds, COALESCE(SUM([[refund_count]]),0) AS refund_count, " +
		"COALESCE(SUM([[new_users]]),0) AS new_users, COALESCE(SUM([[new_distributors]]),0) AS new_distributors " +
		"FROM {{" + rollup.DaysTable + "}} WHERE [[day]] >= {:from} AND [[day]] < {:to}").
		Bind(dbx.Params{"from": shopDay(from), "to": shopDay(to)}).One(&f)
	if err != nil {
		return f, err
	}
	if f.PaidOrders > 0 {
		f.AvgOrder = f.GMV / f.PaidOrders
	}
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
		return err
	}
	return e.JSON(http.StatusOK, map[string]any{"days": list})
}

// computeSeries reads the rollup's days of the range; days without a row
// are zero.
func computeSeries(app core.App, at time.Time, days int) ([]Day, error) {
	today := dayStart(at)
	from := today.AddDate(0, 0, -(days - 1))
	list := make([]Day, days)
	index := map[string]int{}
	for i := range list {
		list[i].Day = shopDay(from.AddDate(0, 0, i))
		index[list[i].Day] = i
	}
	var rows []rollup.Day
	if err := app.DB().NewQuery("SELECT * FROM {{" + rollup.DaysTable + "}} WHERE [[day]] >= {:from} AND [[day]] < {:to}").
		Bind(dbx.Params{"from": shopDay(from), "to": shopDay(today.AddDate(0, 0, 1))}).All(&rows); err != nil {
		return nil, err
	}
	for _, r := range rows {
		if i, ok := index[r.Day]; ok {
			list[i].GMV, list[i].PaidOrders, list[i].Refunds, list[i].NewUsers = r.GMV, r.PaidOrders, r.Refunds, r.NewUsers
		}
	}
	return list, nil
}
