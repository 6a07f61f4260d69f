package distribution

import (
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/internal/commission"
	"fenxiao/internal/money"
)

// commissionRow is a commissions row as the refund and settlement code reads it.
type commissionRow struct {
	Id              string `db:"id"`
	Order           string `db:"order"`
	OrderItem       string `db:"order_item"`
	Beneficiary     string `db:"beneficiary"`
	Level           int    `db:"level"`
	Base            int64  `db:"base"`
	Quantity        int    `db:"quantity"`
	RuleKind        string `db:"rule_kind"`
	RuleValue       int64  `db:"rule_value"`
	Amount          int64  `db:"amount"`
	Capped          bool   `db:"capped"`
	Status          string `db:"status"`
	Day             string `db:"day"`
	CancelledAmount int64  `db:"cancelled_amount"`
	AbsorbedAmount  int64  `db:"absorbed_amount"`
	RefundedBase    int64  `db:"refunded_base"`
	RefundedQty     int    `db:"refunded_qty"`
}

// share returns the commission as computed at payment.
func (c commissionRow) share() commission.Share {
	return commission.Share{
		LineId:      c.OrderItem,
		Level:       c.Level,
		Beneficiary: c.Beneficiary,
		Base:        c.Base,
		Quantity:    c.Quantity,
		RuleKind:    c.RuleKind,
		RuleValue:   c.RuleValue,
		Amount:      c.Amount,
		Uncapped:    c.Amount,
		Capped:      c.Capped,
	}
}

// onOrderRefunded reduces the commissions of every refunded line.
func (p *plugin) onOrderRefunded(e *shop.RefundEvent) error {
	// commissions still queued are booked first, then reduced
	if err := p.bookQueuedOrder(e.App, e.Order.Id); err != nil {
		return wrap("distribution: book queued commissions", err)
	}
	ref := ""
	if e.Aftersale != nil {
		ref = e.Aftersale.Id
	}
	settings, err := shop.LoadSettings(e.App)
	if err != nil {
		return err
	}
	policy := settings.Record.GetString(settingsClawbackField)

	var refunded int64
	for _, line := range e.Lines {
		if err := p.refundLine(e.App, line, ref, policy); err != nil {
			return wrap("distribution: refund line "+line.OrderItemId, err)
		}
		refunded += line.Amount
	}
	if err := p.refundStats(e.App, e.Order.Record, refunded); err != nil {
		return wrap("distribution: refund stats", err)
	}
	return e.Next()
}

// refundLine recomputes each commission of the line on the cumulative
// refund and books the difference from what was already taken back.
func (p *plugin) refundLine(txApp core.App, line shop.RefundedLine, ref, policy string) error {
	if line.Amount <= 0 && line.Quantity <= 0 {
		return nil
	}
	var rows []commissionRow
	err := txApp.DB().NewQuery("SELECT * FROM {{commissions}} WHERE [[order_item]] = {:item} ORDER BY [[level]]").
		Bind(dbx.Params{"item": line.OrderItemId}).All(&rows)
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		return nil
	}

	var paid int64
	if item, err := txApp.FindRecordById(orderItemsCollection, line.OrderItemId); err == nil {
		paid = shop.AsOrderItem(item).PaidAmount()
	}

	for _, c := range rows {
		cumBase := c.RefundedBase + max(line.Amount, 0)
		cumQty := c.RefundedQty + max(line.Quantity, 0)
		// the base may include a shipping share: a line refunded in full
		// (all its money or all its units) leaves nothing to earn on
		effective := cumBase
		if (paid > 0 && cumBase >= paid) || (c.Quantity > 0 && cumQty >= c.Quantity) {
			effective = c.Base
		}
		newAmount, clawback := commission.AfterRefund(c.share(), cumQty, effective)
		delta := clawback - c.CancelledAmount - c.AbsorbedAmount

		if err := p.applyRefund(txApp, c, cumBase, cumQty, newAmount, delta, ref, policy); err != nil {
			return err
		}
	}
	return nil
}

// applyRefund books one commission's reduction (delta may be 0: then only
// the cumulative refund figures move).
func (p *plugin) applyRefund(txApp core.App, c commissionRow, cumBase int64, cumQty int, newAmount, delta int64, ref, policy string) error {
	salesDelta := int64(0)
	if c.Level == 1 {
		salesDelta = -(min(cumBase, c.Base) - min(c.RefundedBase, c.Base))
	}

	kind, field := "", ""
	var totals totalsDelta
	switch {
	case delta <= 0 || c.Status == StatusCancelled:
		delta = 0
	case c.Status == StatusFrozen:
		kind, field = "cancel", "cancelled_amount"
		totals = totalsDelta{frozen: -delta, cancelled: delta}
	case c.Status == StatusSettled && policy == ClawbackAbsorb:
		kind, field = "absorbed", "absorbed_amount"
	case c.Status == StatusSettled:
		kind, field = "clawback", "cancelled_amount"
		totals = totalsDelta{settled: -delta, cancelled: delta}
	}

	// conditional on the figures read above: a concurrent change makes it
	// affect no row and the refund fails rather than books twice
	set := "[[refunded_base]] = {:cumBase}, [[refunded_qty]] = {:cumQty}"
	if field != "" {
		set += fmt.Sprintf(", [[%s]] = [[%s]] + {:delta}", field, field)
		if c.Status == StatusFrozen && newAmount == 0 {
			set += ", [[status]] = 'cancelled'"
		}
	}
	res, err := txApp.DB().NewQuery(
		"UPDATE {{commissions}} SET " + set + " WHERE [[id]] = {:id} AND [[status]] = {:status} " +
			"AND [[cancelled_amount]] = {:cancelled} AND [[absorbed_amount]] = {:absorbed} AND [[refunded_base]] = {:oldBase}",
	).Bind(dbx.Params{
		"cumBase": cumBase, "cumQty": cumQty, "delta": delta, "id": c.Id, "status": c.Status,
		"cancelled": c.CancelledAmount, "absorbed": c.AbsorbedAmount, "oldBase": c.RefundedBase,
	}).Execute()
	if err != nil {
		return wrap("update commission", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("commission %s changed concurrently", c.Id)
	}

	if salesDelta != 0 {
		if err := addTotals(txApp, c.Beneficiary, c.Day, totalsDelta{sales: salesDelta}); err != nil {
			return err
		}
	}
	if kind == "" {
		return nil
	}

	adj, err := p.saveAdjustment(txApp, c, kind, delta, ref,
		fmt.Sprintf("退款后佣金由 ¥%s 调整为 ¥%s (refund: commission now %d fen)", money.Yuan(c.Amount), money.Yuan(newAmount), newAmount))
	if err != nil {
		return err
	}
	switch kind {
	case "cancel":
		_, err = p.config.Post(txApp, shop.Posting{UserId: c.Beneficiary, Kind: kindCommissionCancelled, Amount: -delta,
			RefType: adjustmentRefType, RefId: adj.Id, Actor: "system:order_refunded", Note: adj.GetString("reason")})
	case "clawback":
		_, err = p.config.Post(txApp, shop.Posting{UserId: c.Beneficiary, Kind: kindClawback, Amount: -delta,
			RefType: adjustmentRefType, RefId: adj.Id, Actor: "system:order_refunded", Note: adj.GetString("reason")})
	}
	if err != nil {
		return wrap("post "+kind, err)
	}
	if kind != "absorbed" {
		p.notifyAdjusted(txApp, c, kind, delta, newAmount)
	}
	return addTotals(txApp, c.Beneficiary, c.Day, totals)
}

// saveAdjustment records a correction of a commission.
func (p *plugin) saveAdjustment(txApp core.App, c commissionRow, kind string, amount int64, ref, reason string) (*core.Record, error) {
	col, err := txApp.FindCachedCollectionByNameOrId(adjustmentsCollection)
	if err != nil {
		return nil, err
	}
	r := core.NewRecord(col)
	r.Load(map[string]any{
		"commission":  c.Id,
		"beneficiary": c.Beneficiary,
		"kind":        kind,
		"amount":      amount,
		"reason":      reason,
		"ref":         ref,
	})
	if err := txApp.Save(r); err != nil {
		return nil, wrap("save commission adjustment", err)
	}
	return r, nil
}
