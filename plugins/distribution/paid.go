package distribution

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

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

// onOrderPaid books the order's commissions in the payment's transaction,
// or, with Config.BookingDelay, stores its upline snapshot and queues it
// for the booking worker (queue.go).
func (p *plugin) onOrderPaid(e *shop.OrderEvent) error {
	var err error
	if p.config.BookingDelay > 0 {
		err = p.queueCommissions(e.App, e.Order.Record, shop.OrderItemRecords(e.Items))
	} else {
		err = p.bookCommissions(e.App, e.Order.Record, shop.OrderItemRecords(e.Items), day(p.now()))
	}
	if err != nil {
		return wrap("distribution: book commissions", err)
	}
	return e.Next()
}

// bookCommissions computes and stores the commissions of a paid order,
// counting them for today (the payment's day, "2006-01-02"). It is
// idempotent: lines and levels already booked are left alone, and an
// existing upline snapshot is reused instead of the current tree. items
// may be nil: they are read then.
func (p *plugin) bookCommissions(txApp core.App, order *core.Record, items []*core.Record, today string) error {
	return p.bookAll(txApp, []toBook{{order: order, items: items, day: today}})
}

// toBook is a paid order whose commissions are to be booked.
type toBook struct {
	order *core.Record
	items []*core.Record // nil: read by bookAll
	day   string         // the day they count for
}

// bookAll books the commissions of paid orders as [bookCommissions] does
// each, inside txApp: the same rows, ledger entries, totals and
// notifications, in the same order. The reads (lines, commission rules,
// what is booked already) are done once for all the orders, and so are the
// wallets' postings and the totals, so that a wallet or total shared by
// several orders is written once.
func (p *plugin) bookAll(txApp core.App, list []toBook) error {
	settings, err := shop.ReadSettings(txApp)
	if err != nil {
		return err
	}

	type plan struct {
		toBook
		snap      *Snapshot
		fresh     bool
		buyerName string
		in        commission.Input
	}
	plans := make([]*plan, 0, len(list))
	var unread []any  // orders whose lines are to be read
	var unfresh []any // orders whose snapshot was stored before: they may have commissions
	for _, b := range list {
		// note: set at checkout by an offer whose merchant turned
		// commission off (a flash sale without commission)
		if b.order.GetBool("no_commission") {
			continue
		}
		snap, fresh, buyerName, err := p.orderSnapshot(txApp, b.order)
		if err != nil {
			return err
		}
		in := commissionInput(snap, settings)
		// note: a buyer without a distributor above them (and no
		// self-purchase commission) earns nobody anything: no lines or
		// rules to read
		if !commission.Earns(in) {
			continue
		}
		plans = append(plans, &plan{toBook: b, snap: snap, fresh: fresh, buyerName: buyerName, in: in})
		if b.items == nil {
			unread = append(unread, b.order.Id)
		}
		if !fresh {
			unfresh = append(unfresh, b.order.Id)
		}
	}
	if len(plans) == 0 {
		return nil
	}

	if len(unread) > 0 {
		items, err := shop.FindRecords(txApp, orderItemsCollection, "`order` IN ("+shop.Placeholders(len(unread))+")", unread...)
		if err != nil {
			return wrap("load order items", err)
		}
		byOrder := map[string][]*core.Record{}
		for _, it := range items {
			byOrder[it.GetString("order")] = append(byOrder[it.GetString("order")], it)
		}
		for _, pl := range plans {
			if pl.items == nil {
				pl.items = byOrder[pl.order.Id]
				// the order the shop lists an order's lines in, as the
				// payment's event has them
				shop.SortByCreated(pl.items, false)
			}
		}
	}

	var skuIds, productIds []string
	for _, pl := range plans {
		for _, it := range pl.items {
			skuIds = append(skuIds, it.GetString("sku"))
			productIds = append(productIds, it.GetString("product"))
		}
	}
	// several orders of a batch often share a product
	slices.Sort(skuIds)
	slices.Sort(productIds)
	skuIds, productIds = slices.Compact(skuIds), slices.Compact(productIds)
	skuRules, productRules, err := loadOverrides(txApp, skuIds, productIds)
	if err != nil {
		return err
	}

	// note: commissions are only ever booked here, in the transaction that
	// stores the order's snapshot first; an order whose snapshot this call
	// just stored has none yet (and idx_commissions_item_level refuses a
	// second row for a line and level anyway)
	booked := map[string]bool{}
	if len(unfresh) > 0 {
		if booked, err = bookedLevels(txApp, unfresh); err != nil {
			return err
		}
	}

	collection, err := txApp.FindCachedCollectionByNameOrId(commissionsCollection)
	if err != nil {
		return err
	}
	ctx := context.Background()
	var postings []shop.Posting
	var totals []totalsRow
	type earned struct {
		pl      *plan
		created []*core.Record
	}
	var notify []earned
	for _, pl := range plans {
		pl.in.Lines = commissionLines(pl.order, pl.items, settings, skuRules, productRules)
		shares := commission.Compute(pl.in)
		created := make([]*core.Record, 0, len(shares))
		for _, s := range shares {
			if booked[bookedKey(s.LineId, s.Level)] {
				continue
			}
			r := shop.NewRecord(collection)
			shop.SetFields(r, map[string]any{
				"order":       pl.order.Id,
				"order_item":  s.LineId,
				"buyer":       pl.snap.Buyer.Id,
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
				"day":         pl.day,
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
			totals = append(totals, totalsRow{User: s.Beneficiary, Period: pl.day, totalsDelta: delta})
			created = append(created, r)
		}
		if len(created) > 0 {
			notify = append(notify, earned{pl, created})
		}
	}

	// the default Post books the entries in one call, with the same record
	// saves (and realtime events) per entry and wallet
	if len(postings) > 0 {
		if _, err := p.postRecords(txApp, postings); err != nil {
			return wrap("post commission_frozen", err)
		}
	}
	if err := addTotalsBulk(txApp, totals); err != nil {
		return err
	}

	for _, n := range notify {
		if n.pl.buyerName == "" {
			n.pl.buyerName = p.maskedBuyer(txApp, n.pl.order.GetString("buyer"))
		}
		p.notifyEarned(ctx, txApp, n.pl.order, n.pl.buyerName, n.created)
	}
	return nil
}

// commissionInput is the commission computation's input for a buyer and
// chain as snap holds them, under the shop's settings; its Lines are left
// to the caller.
func commissionInput(snap *Snapshot, settings *shop.Settings) commission.Input {
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
	return in
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
func commissionLines(order *core.Record, items []*core.Record, settings *shop.Settings, skuRules, productRules map[string]*commission.Override) []commission.Line {
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
	return lines
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

// bookedLevels returns the (line, level) pairs already booked for the
// orders.
func bookedLevels(txApp core.App, orderIds []any) (map[string]bool, error) {
	out := map[string]bool{}
	err := shop.ScanRows(txApp, func(scan func(...any) error) error {
		var item string
		var level int
		if err := scan(&item, &level); err != nil {
			return err
		}
		out[bookedKey(item, level)] = true
		return nil
	}, "SELECT `order_item`, `level` FROM `commissions` WHERE `order` IN ("+shop.Placeholders(len(orderIds))+")", orderIds...)
	if err != nil {
		return nil, wrap("load booked commissions", err)
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
