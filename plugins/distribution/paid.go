package distribution

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/hooks/accounts"
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
	if err := p.bookCommissions(e.App, e.Order, e.Items); err != nil {
		return wrap("distribution: book commissions", err)
	}
	return e.Next()
}

// bookCommissions computes and stores the commissions of a paid order. It is
// idempotent: lines and levels already booked are left alone, and an
// existing upline snapshot is reused instead of the current tree.
func (p *plugin) bookCommissions(txApp core.App, order *core.Record, items []*core.Record) error {
	settings, err := shop.LoadSettings(txApp)
	if err != nil {
		return err
	}

	snap, err := p.orderSnapshot(txApp, order)
	if err != nil {
		return err
	}

	lines, err := p.commissionLines(txApp, order, items, settings)
	if err != nil {
		return err
	}

	in := commission.Input{
		Lines: lines,
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

	shares := commission.Compute(in)
	if len(shares) == 0 {
		return nil
	}

	booked, err := bookedLevels(txApp, order.Id)
	if err != nil {
		return err
	}

	collection, err := txApp.FindCachedCollectionByNameOrId(commissionsCollection)
	if err != nil {
		return err
	}
	today := day(p.now())
	var created []*core.Record
	for _, s := range shares {
		if booked[bookedKey(s.LineId, s.Level)] {
			continue
		}
		r := core.NewRecord(collection)
		r.Load(map[string]any{
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
		if err := txApp.Save(r); err != nil {
			return wrap("save commission", err)
		}
		if _, err := p.config.Post(txApp, s.Beneficiary, kindCommissionFrozen, s.Amount,
			commissionRefType, r.Id, "system:order_paid", s.Formula); err != nil {
			return wrap("post commission_frozen", err)
		}
		delta := totalsDelta{frozen: s.Amount}
		if s.Level == 1 {
			delta.sales = s.Base
		}
		if err := addTotals(txApp, s.Beneficiary, today, delta); err != nil {
			return err
		}
		created = append(created, r)
	}

	p.notifyAfterCommit(txApp, order, created)
	return nil
}

// orderSnapshot returns the order's upline snapshot, taking and storing it
// first when the order has none yet.
func (p *plugin) orderSnapshot(txApp core.App, order *core.Record) (*Snapshot, error) {
	var existing Snapshot
	if raw, ok := order.GetRaw("upline_snapshot").(types.JSONRaw); ok && len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &existing); err == nil && existing.Buyer.Id != "" {
			return &existing, nil
		}
	}

	// note: read again through the transaction; the event's record may
	// predate a snapshot an earlier (replayed) delivery stored
	var stored struct {
		Raw string `db:"upline_snapshot"`
	}
	err := txApp.DB().NewQuery("SELECT COALESCE([[upline_snapshot]], '') AS [[upline_snapshot]] FROM {{orders}} WHERE [[id]] = {:id}").
		Bind(dbx.Params{"id": order.Id}).One(&stored)
	if err != nil {
		return nil, wrap("load upline snapshot", err)
	}
	if stored.Raw != "" && stored.Raw != "null" {
		if err := json.Unmarshal([]byte(stored.Raw), &existing); err == nil && existing.Buyer.Id != "" {
			return &existing, nil
		}
	}

	snap, err := takeSnapshot(txApp, order.GetString("buyer"), p.now())
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(snap)
	if err != nil {
		return nil, err
	}
	_, err = txApp.DB().NewQuery(
		"UPDATE {{orders}} SET [[upline_snapshot]] = {:snap} WHERE [[id]] = {:id} " +
			"AND ([[upline_snapshot]] IS NULL OR [[upline_snapshot]] IN ('', 'null'))",
	).Bind(dbx.Params{"snap": string(raw), "id": order.Id}).Execute()
	if err != nil {
		return nil, wrap("store upline snapshot", err)
	}
	order.Set("upline_snapshot", types.JSONRaw(raw))
	return snap, nil
}

// takeSnapshot reads the buyer and their uplines from the current tree.
func takeSnapshot(txApp core.App, buyerId string, now time.Time) (*Snapshot, error) {
	chain, err := accounts.Ancestors(txApp, buyerId)
	if err != nil {
		return nil, err
	}
	if len(chain) > commission.MaxLevels {
		chain = chain[:commission.MaxLevels]
	}

	ids := append([]string{buyerId}, chain...)
	members, err := loadMembers(txApp, ids)
	if err != nil {
		return nil, err
	}

	snap := &Snapshot{
		TakenAt: now.UTC().Format(types.DefaultDateLayout),
		Buyer:   members[buyerId],
		Chain:   make([]SnapshotMember, 0, len(chain)),
	}
	snap.Buyer.Id = buyerId
	for _, id := range chain {
		m := members[id]
		m.Id = id
		snap.Chain = append(snap.Chain, m)
	}
	return snap, nil
}

// loadMembers reads the distributor state and level rates of the users.
func loadMembers(app core.App, ids []string) (map[string]SnapshotMember, error) {
	var rows []struct {
		Id            string `db:"id"`
		IsDistributor bool   `db:"is_distributor"`
		Level         int    `db:"level"`
		R1            int64  `db:"r1"`
		R2            int64  `db:"r2"`
		R3            int64  `db:"r3"`
	}
	err := app.DB().Select("u.id AS id", "u.is_distributor AS is_distributor", "u.level AS level",
		"COALESCE(l.rate_l1_bp, 0) AS r1", "COALESCE(l.rate_l2_bp, 0) AS r2", "COALESCE(l.rate_l3_bp, 0) AS r3").
		From(usersCollection+" u").
		LeftJoin(levelsCollection+" l", dbx.NewExp("l.rank = u.level AND u.level > 0")).
		Where(dbx.In("u.id", anySlice(ids)...)).
		All(&rows)
	if err != nil {
		return nil, wrap("load upline members", err)
	}
	out := make(map[string]SnapshotMember, len(rows))
	for _, r := range rows {
		m := SnapshotMember{Id: r.Id, IsDistributor: r.IsDistributor, Level: r.Level}
		if r.R1 != 0 || r.R2 != 0 || r.R3 != 0 {
			m.Rates = &[commission.MaxLevels]int64{r.R1, r.R2, r.R3}
		}
		out[r.Id] = m
	}
	return out, nil
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
	skuRules, err := loadOverrides(txApp, skusCollection, skuIds, commission.SourceSku)
	if err != nil {
		return nil, err
	}
	productRules, err := loadOverrides(txApp, productsCollection, productIds, commission.SourceProduct)
	if err != nil {
		return nil, err
	}

	// the shipping fee is shared among the earning lines by paid amount
	shipping := make([]int64, len(items))
	if fee := int64(order.GetInt("shipping_fee")); settings.IncludeShipping && fee > 0 {
		weights := make([]int64, len(items))
		for i, it := range items {
			if !it.GetBool("is_gift") && it.GetInt("paid_amount") > 0 {
				weights[i] = int64(it.GetInt("paid_amount"))
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
			Paid:          int64(it.GetInt("paid_amount")),
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

// loadOverrides reads the commission overrides set on products or SKUs.
func loadOverrides(app core.App, collection string, ids []string, source string) (map[string]*commission.Override, error) {
	out := map[string]*commission.Override{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		Id   string `db:"id"`
		Mode string `db:"commission_mode"`
		L1   int64  `db:"commission_l1"`
		L2   int64  `db:"commission_l2"`
		L3   int64  `db:"commission_l3"`
	}
	err := app.DB().Select("id", "commission_mode", "commission_l1", "commission_l2", "commission_l3").
		From(collection).
		Where(dbx.In("id", anySlice(ids)...)).
		AndWhere(dbx.NewExp("commission_mode != ''")).
		All(&rows)
	if err != nil {
		return nil, wrap("load "+collection+" commission rules", err)
	}
	for _, r := range rows {
		out[r.Id] = &commission.Override{Mode: r.Mode, Values: [commission.MaxLevels]int64{r.L1, r.L2, r.L3}, Source: source}
	}
	return out, nil
}

// bookedLevels returns the order's already booked (line, level) pairs.
func bookedLevels(txApp core.App, orderId string) (map[string]bool, error) {
	var rows []struct {
		Item  string `db:"order_item"`
		Level int    `db:"level"`
	}
	err := txApp.DB().NewQuery("SELECT [[order_item]], [[level]] FROM {{commissions}} WHERE [[order]] = {:o}").
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
