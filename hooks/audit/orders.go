package audit

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/internal/commission"
	"fenxiao/internal/ledger"
	"fenxiao/internal/money"
)

type orderRow struct {
	Id          string `db:"id"`
	Status      string `db:"status"`
	Payable     string `db:"payable"`
	Refunded    string `db:"refunded_amount"`
	ShippingFee string `db:"shipping_fee"`
}

type sumRow struct {
	Key   string `db:"k"`
	Total string `db:"total"`
	Count int    `db:"n"`
}

// unpaidStatuses are the order statuses that never took money.
var unpaidStatuses = map[string]bool{"pending_payment": true, "cancelled": true}

// checkOrders verifies, per order: what its paid payments add up to
// (the payable amount once paid, nothing while unpaid or cancelled), that
// its successful refunds add up to refunded_amount and never exceed what
// was paid (so payments − refunds = what the shop kept, never negative),
// and that its lines add up to the payable amount (with or without the
// shipping fee) and none refunds more than it paid.
func checkOrders(app core.App, c *checker) (string, bool, error) {
	if m := missing(app, map[string][]string{
		"orders":      {"status", "payable", "refunded_amount", "shipping_fee"},
		"payments":    {"order", "amount", "status"},
		"refunds":     {"order", "amount", "status"},
		"order_items": {"order", "paid_amount", "refunded_amount"},
	}); len(m) > 0 {
		return fmt.Sprintf("no %s", strings.Join(m, ", ")), true, nil
	}

	var orders []orderRow
	if err := app.DB().Select("id", "status", "payable", "refunded_amount", "shipping_fee").
		From("orders").OrderBy("id").All(&orders); err != nil {
		return "", false, err
	}
	paid, err := sums(app, "SELECT [[order]] AS k, SUM(amount) AS total, COUNT(*) AS n FROM {{payments}} WHERE status = 'paid' GROUP BY [[order]]")
	if err != nil {
		return "", false, err
	}
	refunded, err := sums(app, "SELECT [[order]] AS k, SUM(amount) AS total, COUNT(*) AS n FROM {{refunds}} WHERE status = 'success' GROUP BY [[order]]")
	if err != nil {
		return "", false, err
	}
	lines, err := sums(app, "SELECT [[order]] AS k, SUM(paid_amount) AS total, COUNT(*) AS n FROM {{order_items}} GROUP BY [[order]]")
	if err != nil {
		return "", false, err
	}

	for _, o := range orders {
		ref := row("orders", o.Id)
		payable, ok1 := fen(o.Payable)
		refundedAmount, ok2 := fen(o.Refunded)
		shipping, ok3 := fen(o.ShippingFee)
		if !ok1 || !ok2 || !ok3 {
			c.failf(ref, "holds a non-integer amount")
			continue
		}
		in, _ := fen(paid[o.Id].Total)
		out, _ := fen(refunded[o.Id].Total)

		switch {
		case unpaidStatuses[o.Status] && in != 0:
			c.failf(ref, "is %s but has paid payments of %d (money for an unpaid order must be 'unmatched')", o.Status, in)
		case !unpaidStatuses[o.Status] && in != payable:
			c.failf(ref, "is %s with payable %d, but its paid payments add up to %d", o.Status, payable, in)
		case out != refundedAmount:
			c.failf(ref, "refunded_amount is %d, but its successful refunds add up to %d", refundedAmount, out)
		case out > in:
			c.failf(ref, "refunded %d of %d paid: the shop would have kept %d", out, in, in-out)
		}

		if l, ok := lines[o.Id]; ok {
			sum, _ := fen(l.Total)
			if sum != payable && sum != payable-shipping {
				c.failf(ref, "its lines add up to %d, but payable is %d (shipping %d)", sum, payable, shipping)
			}
		}
	}

	// a sandbox payment moves no money, so one recorded as unmatched
	// (money to return by hand) is a phantom; unmatched balance payments
	// are matched against their debits in checkBalancePayments
	var phantoms []struct {
		Id string `db:"id"`
	}
	err = app.DB().NewQuery("SELECT id FROM {{payments}} WHERE status = 'unmatched' AND provider = 'sandbox' ORDER BY id").All(&phantoms)
	if err != nil {
		return "", false, err
	}
	for _, p := range phantoms {
		c.failf(row("payments", p.Id), "is an unmatched sandbox payment: no money arrived, nothing is owed")
	}

	var overRefunded []struct {
		Id string `db:"id"`
	}
	err = app.DB().NewQuery("SELECT id FROM {{order_items}} WHERE refunded_amount > paid_amount ORDER BY id").All(&overRefunded)
	if err != nil {
		return "", false, err
	}
	for _, it := range overRefunded {
		c.failf(row("order_items", it.Id), "refunds more than the line paid")
	}

	return fmt.Sprintf("%d orders", len(orders)), false, nil
}

func sums(app core.App, query string) (map[string]sumRow, error) {
	var rows []sumRow
	if err := app.DB().NewQuery(query).All(&rows); err != nil {
		return nil, err
	}
	m := make(map[string]sumRow, len(rows))
	for _, r := range rows {
		m[r.Key] = r
	}
	return m, nil
}

// checkBalancePayments verifies that every balance payment, paid or
// unmatched (an unmatched one without its debit is money never received,
// which the merchant would be told to refund), has its wallet debit (kind payment, ref order/<id>) on the buyer's wallet and
// every successful balance refund its credit (refund_to_balance, ref
// refund/<refund_no>), and that no such entry exists without them.
func checkBalancePayments(app core.App, c *checker) (string, bool, error) {
	if m := missing(app, map[string][]string{
		"orders":         {"buyer"},
		"payments":       {"order", "provider", "amount", "status"},
		"refunds":        {"order", "provider", "amount", "status", "refund_no"},
		"wallet_entries": nil,
	}); len(m) > 0 {
		return fmt.Sprintf("no %s", strings.Join(m, ", ")), true, nil
	}

	type fact struct {
		Id     string `db:"id"`
		Ref    string `db:"ref"`
		User   string `db:"buyer"`
		Amount string `db:"amount"`
	}
	var payments, refunds []fact
	err := app.DB().NewQuery(`SELECT p.id, p.[[order]] AS ref, o.buyer, p.amount FROM {{payments}} p
			JOIN {{orders}} o ON o.id = p.[[order]]
			WHERE p.provider = 'balance' AND p.status IN ('paid', 'unmatched') ORDER BY p.id`).All(&payments)
	if err != nil {
		return "", false, err
	}
	err = app.DB().NewQuery(`SELECT r.id, r.refund_no AS ref, o.buyer, r.amount FROM {{refunds}} r
			JOIN {{orders}} o ON o.id = r.[[order]]
			WHERE r.provider = 'balance' AND r.status = 'success' ORDER BY r.id`).All(&refunds)
	if err != nil {
		return "", false, err
	}

	entries := map[string]refEntryRow{}
	var list []refEntryRow
	err = app.DB().NewQuery(`SELECT id, ref_type || '/' || ref_id AS ref_id, kind, amount, user FROM {{wallet_entries}}
			WHERE (kind = {:payment} AND ref_type = 'order') OR (kind = {:refund} AND ref_type = 'refund')`).
		Bind(dbx.Params{"payment": ledger.KindPayment, "refund": ledger.KindRefundToBalance}).All(&list)
	if err != nil {
		return "", false, err
	}
	for _, e := range list {
		entries[e.Kind+" "+e.RefId] = e
	}

	match := func(collectionName, id, key, user string, want int64) {
		e, ok := entries[key]
		if !ok {
			c.failf(row(collectionName, id), "has no wallet entry %s", key)
			return
		}
		delete(entries, key)
		if a, _ := fen(e.Amount); a != want || e.User != user {
			c.failf(row(collectionName, id), "wallet entry %s is %d on user %s, want %d on user %s", e.Id, a, e.User, want, user)
		}
	}
	for _, p := range payments {
		a, _ := fen(p.Amount)
		match("payments", p.Id, ledger.KindPayment+" order/"+p.Ref, p.User, -a)
	}
	for _, r := range refunds {
		a, _ := fen(r.Amount)
		match("refunds", r.Id, ledger.KindRefundToBalance+" refund/"+r.Ref, r.User, a)
	}
	for _, e := range list {
		if _, left := entries[e.Kind+" "+e.RefId]; left {
			c.failf(row("wallet_entries", e.Id), "%s %s has no matching balance payment or refund", e.Kind, e.RefId)
		}
	}

	return fmt.Sprintf("%d balance payments, %d balance refunds", len(payments), len(refunds)), false, nil
}

type commissionRow struct {
	Id        string `db:"id"`
	OrderItem string `db:"order_item"`
	Level     string `db:"level"`
	Base      string `db:"base"`
	RuleKind  string `db:"rule_kind"`
	RuleValue string `db:"rule_value"`
	Amount    string `db:"amount"`
	Status    string `db:"status"`
}

// openAftersale are the after-sale statuses during which a line's
// commission must not settle.
var openAftersale = []string{"applied", "approved", "returning", "received"}

// checkCommissions verifies that every commission is for level 1 to 3,
// that its amount follows from its rule and base (rate: floor(base × bp /
// 10000); fixed: min(value × quantity, base)), never above what the rule
// gives and equal to it unless the order cap scaled it down, that what was
// taken back never exceeds it, and that no line's commission is settled
// while an after-sale on that line is open.
func checkCommissions(app core.App, c *checker) (string, bool, error) {
	if m := missing(app, map[string][]string{
		"commissions": {"order", "order_item", "beneficiary", "level", "base", "rule_kind", "rule_value", "amount", "status"},
	}); len(m) > 0 {
		return fmt.Sprintf("no %s", strings.Join(m, ", ")), true, nil
	}

	hasQty := hasField(app, "commissions", "quantity")
	hasUncapped := hasField(app, "commissions", "uncapped") && hasField(app, "commissions", "capped")
	hasTaken := hasField(app, "commissions", "cancelled_amount") && hasField(app, "commissions", "absorbed_amount")
	hasSettledAt := hasField(app, "commissions", "settled_at")

	var list []commissionRow
	if err := app.DB().Select("id", "order_item", "level", "base", "rule_kind", "rule_value", "amount", "status").
		From("commissions").OrderBy("id").All(&list); err != nil {
		return "", false, err
	}

	// the optional columns, by id
	extra := map[string]struct {
		Qty, Uncapped, Cancelled, Absorbed string
		Capped                             bool
		SettledAt                          string
	}{}
	if hasQty || hasUncapped || hasTaken || hasSettledAt {
		cols := []string{"id"}
		if hasQty {
			cols = append(cols, "quantity")
		}
		if hasUncapped {
			cols = append(cols, "uncapped", "capped")
		}
		if hasTaken {
			cols = append(cols, "cancelled_amount", "absorbed_amount")
		}
		if hasSettledAt {
			cols = append(cols, "settled_at")
		}
		rows, err := app.DB().Select(cols...).From("commissions").Rows()
		if err != nil {
			return "", false, err
		}
		for rows.Next() {
			m := dbx.NullStringMap{}
			if err := rows.ScanMap(m); err != nil {
				rows.Close()
				return "", false, err
			}
			var x = extra[m["id"].String]
			x.Qty = m["quantity"].String
			x.Uncapped = m["uncapped"].String
			x.Cancelled = m["cancelled_amount"].String
			x.Absorbed = m["absorbed_amount"].String
			x.Capped = m["capped"].String == "1" || m["capped"].String == "true"
			x.SettledAt = m["settled_at"].String
			extra[m["id"].String] = x
		}
		rows.Close()
	}

	// open after-sales by order line, with the time each was opened
	openSince := map[string]string{}
	if m := missing(app, map[string][]string{"aftersales": {"items", "status"}}); len(m) == 0 {
		var open []struct {
			Id      string `db:"id"`
			Items   string `db:"items"`
			Created string `db:"created"`
		}
		q := app.DB().Select("id", "items", "created").From("aftersales").
			Where(dbx.In("status", toAny(openAftersale)...))
		if err := q.All(&open); err != nil {
			return "", false, err
		}
		for _, a := range open {
			var items []struct {
				OrderItem string `json:"order_item"`
			}
			_ = json.Unmarshal([]byte(a.Items), &items)
			for _, it := range items {
				if prev, ok := openSince[it.OrderItem]; !ok || a.Created < prev {
					openSince[it.OrderItem] = a.Created
				}
			}
		}
	}

	for _, cm := range list {
		ref := row("commissions", cm.Id)
		level, okL := fen(cm.Level)
		base, okB := fen(cm.Base)
		value, okV := fen(cm.RuleValue)
		amount, okA := fen(cm.Amount)
		if !okL || !okB || !okV || !okA {
			c.failf(ref, "holds a non-integer number")
			continue
		}
		if level < 1 || level > commission.MaxLevels {
			c.failf(ref, "is level %d; at most %d levels are ever paid", level, commission.MaxLevels)
			continue
		}
		x := extra[cm.Id]

		var rule int64
		switch cm.RuleKind {
		case commission.ModeRate:
			rule = money.ApplyRate(base, value)
		case commission.ModeFixed:
			rule = base
			if hasQty {
				q, _ := fen(x.Qty)
				if q > 0 && value <= base/q {
					rule = value * q
				}
			}
		default:
			c.failf(ref, "has an unknown rule kind %q", cm.RuleKind)
			continue
		}

		if hasUncapped {
			uncapped, _ := fen(x.Uncapped)
			switch {
			case (cm.RuleKind == commission.ModeRate || hasQty) && uncapped != rule:
				c.failf(ref, "uncapped is %d, but %s %d on base %d gives %d", uncapped, cm.RuleKind, value, base, rule)
				continue
			case amount > uncapped:
				c.failf(ref, "amount %d is above what the rule gives (%d)", amount, uncapped)
				continue
			case !x.Capped && amount != uncapped:
				c.failf(ref, "amount %d is not what the rule gives (%d) and the share is not capped", amount, uncapped)
				continue
			}
		} else if amount > rule {
			c.failf(ref, "amount %d is above what %s %d on base %d gives (%d)", amount, cm.RuleKind, value, base, rule)
			continue
		}

		if hasTaken {
			cancelled, _ := fen(x.Cancelled)
			absorbed, _ := fen(x.Absorbed)
			if cancelled < 0 || absorbed < 0 || cancelled+absorbed > amount {
				c.failf(ref, "takes back %d and absorbs %d of an amount of %d", cancelled, absorbed, amount)
				continue
			}
		}

		if cm.Status == "settled" {
			if since, open := openSince[cm.OrderItem]; open && (!hasSettledAt || x.SettledAt == "" || x.SettledAt >= since) {
				c.failf(ref, "settled while an after-sale on order line %s is open (since %s)", cm.OrderItem, since)
			}
		}
	}

	return fmt.Sprintf("%d commissions", len(list)), false, nil
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
