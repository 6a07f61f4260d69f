package backoffice

import (
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// rankings answers the top 20 distributors (commission earned, not
// cancelled) or products (units and paid amount) of the last N days.
func (p *plugin) rankings(e *core.RequestEvent) error {
	days := daysParam(e.Request.URL.Query().Get("days"), 30)
	from := dayStart(now()).AddDate(0, 0, -(days - 1))
	params := dbx.Params{"from": dbTime(from), "fromDay": from.Format("2006-01-02")}
	var sql string
	switch e.Request.URL.Query().Get("by") {
	case "products":
		sql = "SELECT i.product AS id, MAX(i.title) AS name, SUM(i.quantity) AS quantity, SUM(i.paid_amount - i.refunded_amount) AS amount " +
			"FROM {{orders}} o JOIN {{order_items}} i ON i.[order] = o.id WHERE o.paid_at >= {:from} AND o.paid_at != '' " +
			"GROUP BY i.product ORDER BY amount DESC, quantity DESC LIMIT 20"
	default:
		sql = "SELECT c.beneficiary AS id, u.nickname AS name, u.phone AS phone, COUNT(DISTINCT c.[order]) AS orders, " +
			"SUM(c.amount - c.cancelled_amount) AS amount FROM {{commissions}} c LEFT JOIN {{users}} u ON u.id = c.beneficiary " +
			"WHERE c.day >= {:fromDay} GROUP BY c.beneficiary ORDER BY amount DESC LIMIT 20"
	}
	items, err := rowsAsMaps(e.App, sql, params)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, map[string]any{"days": days, "items": items})
}
