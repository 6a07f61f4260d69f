package distribution

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/hooks/shop"
	"fenxiao/internal/commission"
	"fenxiao/internal/money"
)

// Snapshot is what orders.upline_snapshot holds: the buyer and the buyer's
// upline chain (nearest first, at most three) as they were at payment. The
// order's commissions are computed from it, and a later re-binding or level
// change never alters them.
type Snapshot struct {
	TakenAt string           `json:"taken_at"`
	Buyer   SnapshotMember   `json:"buyer"`
	Chain   []SnapshotMember `json:"chain"`
}

// SnapshotMember is one user in a [Snapshot].
type SnapshotMember struct {
	Id            string `json:"id"`
	IsDistributor bool   `json:"is_distributor"`
	Level         int    `json:"level"`

	// Rates are the member's level rates (basis points, levels 1..3), or
	// nil when the member has no level or the level has no rates of its own.
	Rates *[commission.MaxLevels]int64 `json:"rates"`
}

// onOrderPaid books the order's commissions in the payment's transaction.
func (p *plugin) onOrderPaid(e *shop.OrderEvent) error {
	if err := p.bookCommissions(e.App, e.Order.Record, shop.OrderItemRecords(e.Items)); err != nil {
		return wrap("distribution: book commissions", err)
	}
	return e.Next()
}

// bookCommissions computes and stores the commissions of a paid order. It is
// idempotent: lines and levels already booked are left alone, and an
// existing upline snapshot is reused instead of the current tree.
func (p *plugin) bookCommissions(txApp core.App, order *core.Record, items []*core.Record) error {
	// note: set at checkout by an offer whose merchant turned commission
	// off (a flash sale without commission)
	if order.GetBool("no_commission") {
		return nil
	}
	settings, err := shop.ReadSettings(txApp)
	if err != nil {
		return err
	}

	snap, fresh, buyerName, err := p.orderSnapshot(txApp, order)
	if err != nil {
		return err
	}

	in := commission.Input{
		Buyer: commission.Buyer{
			UserId:        snap.Buyer.Id,
			IsDistributor: snap.Buyer.IsDistributor,
			LevelRank:     snap.Buyer.Level,
			LevelRates:    snap.Buyer.Rates,
		},
		Settings: commission.Settings{
			Rates:           settings.CommissionRates,
			IncludeShipping: settings.IncludeShipping,
			SelfPurchase:    settings.SelfPurchase,
			OrderCapBP:      int64(settings.Record.GetInt(settingsCapField)),
		},
	}
	for i, m := range snap.Chain {
		if i >= commission.MaxLevels {
			break
		}
		in.Chain = append(in.Chain, commission.Upline{
			UserId:        m.Id,
			IsDistributor: m.IsDistributor,
			LevelRank:     m.Level,
			LevelRates:    m.Rates,
		})
	}

	// note: a buyer without a distributor above them (and no self-purchase
	// commission) earns nobody anything: no lines or rules to read
	if !commission.Earns(in) {
		return nil
	}
	if in.Lines, err = p.commissionLines(txApp, order, items, settings); err != nil {
		return err
	}

	shares := commission.Compute(in)
	if len(shares) == 0 {
		return nil
	}

	// note: commissions are only ever booked here, in the transaction that
	// stores the order's snapshot first; an order whose snapshot this call
	// just stored has none yet (and idx_commissions_item_level refuses a
	// second row for a line and level anyway)
	booked := map[string]bool{}
	if !fresh {
		if booked, err = bookedLevels(txApp, order.Id); err != nil {
			return err
		}
	}

	collection, err := txApp.FindCachedCollectionByNameOrId(commissionsCollection)
	if err != nil {
		return err
	}
	ctx := context.Background()
	today := day(p.now())
	created := make([]*core.Record, 0, len(shares))
	postings := make([]shop.Posting, 0, len(shares))
	totals := make([]totalsRow, 0, len(shares))
	for _, s := range shares {
		if booked[bookedKey(s.LineId, s.Level)] {
			continue
		}
		r := shop.NewRecord(collection)
		shop.SetFields(r, map[string]any{
			"order":       order.Id,
			"order_item":  s.LineId,
			"buyer":       snap.Buyer.Id,
			"beneficiary": s.Beneficiary,
			"level":       s.Level,
			"base":        s.Base,
			"quantity":    s.Quantity,
			"rule_kind":   s.RuleKind,
			"rule_value":  s.RuleValue,
			"source":      s.Source,
			"amount":      s.Amount,
			"uncapped":    s.Uncapped,
			"capped":      s.Capped,
			"formula":     s.Formula,
			"status":      StatusFrozen,
			"day":         today,
		})
		if err := saveChecked(ctx, txApp, r); err != nil {
			return wrap("save commission", err)
		}
		// note: the commission row was inserted just now, so nothing is
		// booked for it yet (NewRef)
		posting := shop.Posting{UserId: s.Beneficiary, Kind: kindCommissionFrozen, Amount: s.Amount,
			RefType: commissionRefType, RefId: r.Id, Actor: "system:order_paid", Note: s.Formula, NewRef: true}
		if p.postRecords != nil {
			postings = append(postings, posting)
		} else if _, err := p.config.Post(txApp, posting); err != nil {
			return wrap("post commission_frozen", err)
		}
		delta := totalsDelta{frozen: s.Amount}
		if s.Level == 1 {
			delta.sales = s.Base
		}
		totals = append(totals, totalsRow{User: s.Beneficiary, Period: today, totalsDelta: delta})
		created = append(created, r)
	}

	// the default Post books the order's entries in one call, with the same
	// record saves (and realtime events) per entry and wallet
	if len(postings) > 0 {
		if _, err := p.postRecords(txApp, postings); err != nil {
			return wrap("post commission_frozen", err)
		}
	}
	if err := addTotalsBulk(txApp, totals); err != nil {
		return err
	}

	if len(created) > 0 {
		if buyerName == "" {
			buyerName = p.maskedBuyer(txApp, order.GetString("buyer"))
		}
		p.notifyEarned(ctx, txApp, order, buyerName, created)
	}
	return nil
}

// orderSnapshot returns the order's upline snapshot, taking and storing it
// first when the order has none yet; fresh says it stored it now. When it
// read the tree, buyerName is the buyer's masked name (see maskedBuyer),
// read with it; otherwise it is "".
func (p *plugin) orderSnapshot(txApp core.App, order *core.Record) (snap *Snapshot, fresh bool, buyerName string, err error) {
	var existing Snapshot
	if raw, ok := order.GetRaw("upline_snapshot").(types.JSONRaw); ok && len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &existing); err == nil && existing.Buyer.Id != "" {
			return &existing, false, "", nil
		}
	}

	snap, buyerName, err = takeSnapshot(txApp, order.GetString("buyer"), p.now())
	if err != nil {
		return nil, false, "", err
	}
	raw, err := json.Marshal(snap)
	if err != nil {
		return nil, false, "", err
	}

	// store it unless the order has one: the event's record may predate a
	// snapshot an earlier (replayed) delivery stored, which then wins
	var stored struct{ Id, Raw string }
	err = shop.ScanRow(txApp,
		"UPDATE `orders` SET `upline_snapshot` = ? WHERE `id` = ? "+
			"AND (`upline_snapshot` IS NULL OR `upline_snapshot` IN ('', 'null')) RETURNING `id`",
		[]any{string(raw), order.Id}, &stored.Id)
	switch {
	case err == nil:
		order.Set("upline_snapshot", types.JSONRaw(raw))
		return snap, true, buyerName, nil
	case !isNoRows(err):
		return nil, false, "", wrap("store upline snapshot", err)
	}

	err = shop.ScanRow(txApp, "SELECT `id`, COALESCE(`upline_snapshot`, '') FROM `orders` WHERE `id` = ?",
		[]any{order.Id}, &stored.Id, &stored.Raw)
	if err != nil {
		return nil, false, "", wrap("load upline snapshot", err)
	}
	if stored.Raw != "" && stored.Raw != "null" {
		if err := json.Unmarshal([]byte(stored.Raw), &existing); err == nil && existing.Buyer.Id != "" {
			return &existing, false, buyerName, nil
		}
	}
	// note: an unreadable stored snapshot stays as it is; this booking uses
	// the current tree (as before)
	return snap, false, buyerName, nil
}

// takeSnapshot reads the buyer and their uplines (nearest first, at most
// three) from the current tree, with their distributor state and level
// rates, in one query. An upline without a users row is kept in its place
// with zero values. buyerName is the buyer's masked name (as maskedBuyer
// reads it), from the same row.
func takeSnapshot(txApp core.App, buyerId string, now time.Time) (snap *Snapshot, buyerName string, err error) {
	type memberRow struct {
		Id            string
		Depth         int
		IsDistributor bool
		Level         int
		R1, R2, R3    int64
		Nickname      string
		Phone         string
	}
	var rows []memberRow
	err = shop.ScanRows(txApp, func(scan func(...any) error) error {
		var r memberRow
		if err := scan(&r.Id, &r.Depth, &r.IsDistributor, &r.Level, &r.R1, &r.R2, &r.R3, &r.Nickname, &r.Phone); err != nil {
			return err
		}
		rows = append(rows, r)
		return nil
	}, "SELECT x.`id`, x.`depth`, COALESCE(u.`is_distributor`, FALSE), COALESCE(u.`level`, 0), "+
		"COALESCE(l.`rate_l1_bp`, 0), COALESCE(l.`rate_l2_bp`, 0), COALESCE(l.`rate_l3_bp`, 0), "+
		"COALESCE(u.`nickname`, ''), COALESCE(u.`phone`, '') "+
		"FROM (SELECT ? AS `id`, 0 AS `depth` "+
		"UNION ALL SELECT `ancestor`, `depth` FROM `referral_paths` WHERE `descendant` = ?) x "+
		"LEFT JOIN `users` u ON u.`id` = x.`id` "+
		"LEFT JOIN `distributor_levels` l ON l.`rank` = u.`level` AND u.`level` > 0", buyerId, buyerId)
	if err != nil {
		return nil, "", wrap("load upline members", err)
	}
	// nearest first; sorted here, not by SQLite's temporary B-tree (see
	// shop.SortByCreated)
	slices.SortFunc(rows, func(a, b memberRow) int { return cmp.Compare(a.Depth, b.Depth) })

	buyerName = shop.MaskName("", "")
	snap = &Snapshot{
		TakenAt: now.UTC().Format(types.DefaultDateLayout),
		Buyer:   SnapshotMember{Id: buyerId},
		Chain:   make([]SnapshotMember, 0, commission.MaxLevels),
	}
	for _, r := range rows {
		m := SnapshotMember{Id: r.Id, IsDistributor: r.IsDistributor, Level: r.Level}
		if r.R1 != 0 || r.R2 != 0 || r.R3 != 0 {
			m.Rates = &[commission.MaxLevels]int64{r.R1, r.R2, r.R3}
		}
		if r.Depth == 0 && r.Id == buyerId {
			snap.Buyer = m
			buyerName = shop.MaskName(r.Nickname, r.Phone)
			continue
		}
		if len(snap.Chain) < commission.MaxLevels {
			snap.Chain = append(snap.Chain, m)
		}
	}
	return snap, buyerName, nil
}

// commissionLines turns the order items into commission lines with their
// winning SKU or product override and shipping share.
func (p *plugin) commissionLines(txApp core.App, order *core.Record, items []*core.Record, settings *shop.Settings) ([]commission.Line, error) {
	if len(items) == 0 {
		var err error
		items, err = txApp.FindRecordsByFilter(orderItemsCollection, "order = {:o}", "created", 0, 0, dbx.Params{"o": order.Id})
		if err != nil {
			return nil, wrap("load order items", err)
		}
	}

	skuIds := make([]string, 0, len(items))
	productIds := make([]string, 0, len(items))
	for _, it := range items {
		skuIds = append(skuIds, it.GetString("sku"))
		productIds = append(productIds, it.GetString("product"))
	}
	skuRules, productRules, err := loadOverrides(txApp, skuIds, productIds)
	if err != nil {
		return nil, err
	}

	// the shipping fee is shared among the earning lines by paid amount
	shipping := make([]int64, len(items))
	if fee := shop.AsOrder(order).ShippingFee(); settings.IncludeShipping && fee > 0 {
		weights := make([]int64, len(items))
		for i, it := range items {
			if !it.GetBool("is_gift") && it.GetInt("paid_amount") > 0 {
				weights[i] = shop.AsOrderItem(it).PaidAmount()
			}
		}
		shipping = money.Allocate(fee, weights)
	}

	lines := make([]commission.Line, 0, len(items))
	for i, it := range items {
		line := commission.Line{
			LineId:        it.Id,
			ProductId:     it.GetString("product"),
			SkuId:         it.GetString("sku"),
			Quantity:      it.GetInt("quantity"),
			Paid:          shop.AsOrderItem(it).PaidAmount(),
			ShippingShare: shipping[i],
			IsGift:        it.GetBool("is_gift"),
		}
		if o, ok := skuRules[line.SkuId]; ok {
			line.Override = o
		} else if o, ok := productRules[line.ProductId]; ok {
			line.Override = o
		}
		lines = append(lines, line)
	}
	return lines, nil
}

// loadOverrides reads the commission overrides set on the SKUs and the
// products, in one query.
func loadOverrides(app core.App, skuIds, productIds []string) (skus, products map[string]*commission.Override, err error) {
	skus, products = map[string]*commission.Override{}, map[string]*commission.Override{}
	if len(skuIds) == 0 && len(productIds) == 0 {
		return skus, products, nil
	}
	args := make([]any, 0, len(skuIds)+len(productIds))
	in := func(ids []string) string {
		for _, id := range ids {
			args = append(args, id)
		}
		return shop.Placeholders(len(ids))
	}
	type row struct {
		Src, Id, Mode string
		L1, L2, L3    int64
	}
	var rows []row
	query := "SELECT 's', `id`, `commission_mode`, `commission_l1`, `commission_l2`, `commission_l3` " +
		"FROM `skus` WHERE `id` IN (" + in(skuIds) + ") AND `commission_mode` != '' " +
		"UNION ALL " +
		"SELECT 'p', `id`, `commission_mode`, `commission_l1`, `commission_l2`, `commission_l3` " +
		"FROM `products` WHERE `id` IN (" + in(productIds) + ") AND `commission_mode` != ''"
	err = shop.ScanRows(app, func(scan func(...any) error) error {
		var r row
		if err := scan(&r.Src, &r.Id, &r.Mode, &r.L1, &r.L2, &r.L3); err != nil {
			return err
		}
		rows = append(rows, r)
		return nil
	}, query, args...)
	if err != nil {
		return nil, nil, wrap("load commission rules", err)
	}
	for _, r := range rows {
		values := [commission.MaxLevels]int64{r.L1, r.L2, r.L3}
		if r.Src == "s" {
			skus[r.Id] = &commission.Override{Mode: r.Mode, Values: values, Source: commission.SourceSku}
		} else {
			products[r.Id] = &commission.Override{Mode: r.Mode, Values: values, Source: commission.SourceProduct}
		}
	}
	return skus, products, nil
}

// bookedLevels returns the order's already booked (line, level) pairs.
func bookedLevels(txApp core.App, orderId string) (map[string]bool, error) {
	var rows []struct {
		Item  string `db:"order_item"`
		Level int    `db:"level"`
	}
	err := shop.TxQuery(txApp, "SELECT [[order_item]], [[level]] FROM {{commissions}} WHERE [[order]] = {:o}").
		Bind(dbx.Params{"o": orderId}).All(&rows)
	if err != nil {
		return nil, wrap("load booked commissions", err)
	}
	out := make(map[string]bool, len(rows))
	for _, r := range rows {
		out[bookedKey(r.Item, r.Level)] = true
	}
	return out, nil
}

func bookedKey(item string, level int) string {
	return fmt.Sprintf("%s/%d", item, level)
}

// anySlice converts ids for dbx.In.
func anySlice(ids []string) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}
