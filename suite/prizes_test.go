package suite

import (
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/hooks/wallet"
	"fenxiao/internal/levels"
	"fenxiao/plugins/backoffice"
	"fenxiao/plugins/balancepay"
	"fenxiao/plugins/distribution"
	"fenxiao/tests"
)

// prizeShop is a shop whose distribution plugin runs on a movable clock,
// and whose wallet posting fails once for one user while failPrizeFor is set
// (a crash in the middle of the prize run).
type prizeShop struct {
	*shopEnv
	now          atomic.Value // time.Time
	failPrizeFor atomic.Value // string
}

// nextWeek moves the clock to 00:10 on the Monday after this week, when
// leaderboard_snapshot stores the week that just closed.
func (ps *prizeShop) nextWeek() {
	_, end := levels.Period(levels.PeriodWeek, ps.now.Load().(time.Time), shop.ShopTimeZone)
	ps.now.Store(end.Add(10 * time.Minute))
}

func newPrizeShop(t *testing.T) *prizeShop {
	app, s := tests.NewShopApp(t)
	ps := &prizeShop{}
	ps.now.Store(time.Now())
	ps.failPrizeFor.Store("")
	post := func(txApp core.App, p wallet.Posting) (*core.Record, error) {
		if p.RefType == "prize_award" && p.UserId == ps.failPrizeFor.Load().(string) {
			return nil, errors.New("disk on fire")
		}
		return wallet.Post(txApp, p)
	}
	distribution.MustRegister(app, distribution.Config{Post: post, Now: func() time.Time { return ps.now.Load().(time.Time) }})
	balancepay.MustRegister(app, balancepay.Config{})
	backoffice.MustRegister(app, backoffice.Config{})
	e := &shopEnv{t: t, app: app, shop: s}
	e.c = tests.NewClient(t, app)
	_, e.admin = tests.Superuser(t, app)
	product := tests.Save(t, app, "products", map[string]any{"title": "保温杯", "status": "on"})
	e.sku = tests.Save(t, app, "skus", map[string]any{"product": product.Id, "price": 5000, "stock": 1000, "spec_text": "红"})
	ps.shopEnv = e
	return ps
}

// TestLeaderboardPrizes: the week's commission board gives a wallet prize
// to ranks 1-2, a gift to rank 1 and a promotion to rank 2. The first run
// stops half way (a failed ledger write), the second finishes, the third
// gives nothing: balances, ledger rows and gift orders are exact. The gift
// order costs nothing and ships from the ship queue like any order.
func TestLeaderboardPrizes(t *testing.T) {
	ps := newPrizeShop(t)
	e := ps.shopEnv
	a := e.buyer("a@test.local", 0, map[string]any{"nickname": "王芳", "is_distributor": true})
	b := e.buyer("b@test.local", 0, map[string]any{"nickname": "李强", "is_distributor": true})
	c := e.buyer("c@test.local", 0, map[string]any{"nickname": "张伟", "is_distributor": true})
	// a's team buys twice, b's once, c's team nothing: a 1st, b 2nd
	for i, up := range []*buyer{a, a, b} {
		d := e.invitee(up, i)
		e.paidOrder(d)
	}
	tests.Save(t, e.app, "distributor_levels", map[string]any{"rank": 1, "name": "银牌"})
	tests.Save(t, e.app, "distributor_levels", map[string]any{"rank": 2, "name": "金牌"})
	giftProduct := tests.Save(t, e.app, "products", map[string]any{"title": "定制礼盒", "status": "on"})
	gift := tests.Save(t, e.app, "skus", map[string]any{"product": giftProduct.Id, "price": 9900, "stock": 5, "spec_text": "标准装"})

	rule := func(fields map[string]any) {
		fields["period"], fields["by"], fields["active"] = "week", "commission", true
		res := e.c.Do(http.MethodPost, "/api/collections/prize_rules/records", fields, e.admin)
		if res.Status != http.StatusOK {
			t.Fatalf("rule %v: %d %s", fields, res.Status, res.Raw)
		}
	}
	rule(map[string]any{"name": "周佣金榜前二奖金", "rank_from": 1, "rank_to": 2, "kind": "wallet", "amount": 8800})
	rule(map[string]any{"name": "周冠军礼盒", "rank_from": 1, "rank_to": 1, "kind": "gift", "gift_sku": gift.Id, "gift_quantity": 1})
	rule(map[string]any{"name": "周亚军晋升金牌", "rank_from": 2, "rank_to": 2, "kind": "level", "level_rank": 2})
	// a rule the dashboard refuses, with its code
	res := e.c.Do(http.MethodPost, "/api/collections/prize_rules/records", map[string]any{"name": "坏规则", "period": "week",
		"by": "commission", "rank_from": 3, "rank_to": 1, "kind": "wallet", "amount": 100}, e.admin)
	if res.Status != http.StatusBadRequest || res.Code() != "prize_rank_range_invalid" {
		t.Fatalf("bad rule: %d %s", res.Status, res.Raw)
	}

	// the week closes; the job runs at 00:10 on Monday
	ps.nextWeek()
	ps.failPrizeFor.Store(b.user.Id)
	if res := e.c.Do(http.MethodPost, "/api/shop/admin/jobs/leaderboard_snapshot", nil, e.admin); res.Status != http.StatusInternalServerError {
		t.Fatalf("crashed run: %d %s", res.Status, res.Raw)
	}
	if n, _ := e.app.CountRecords("prize_awards", nil); n != 1 {
		t.Fatalf("%d awards after the crashed run, want a's wallet prize only", n)
	}
	ps.failPrizeFor.Store("")
	e.runJob("leaderboard_snapshot")
	summary := e.runJob("leaderboard_snapshot")
	if want := "prizes: 0 granted, 0 failed, 4 already given"; !contains(summary, want) {
		t.Fatalf("third run: %q, want %q", summary, want)
	}

	awards, err := e.app.FindAllRecords("prize_awards")
	if err != nil || len(awards) != 4 {
		t.Fatalf("%d awards (%v), want 4", len(awards), err)
	}
	for _, aw := range awards {
		if aw.GetString("status") != "granted" {
			t.Fatalf("award %s: %s %s", aw.Id, aw.GetString("status"), aw.GetString("note"))
		}
	}
	// commissions are still frozen: available is the prize alone
	for _, u := range []*buyer{a, b} {
		if got := e.available(u.user.Id); got != 8800 {
			t.Fatalf("%s available %d, want 8800", u.user.GetString("nickname"), got)
		}
	}
	if got := e.available(c.user.Id); got != 0 {
		t.Fatalf("c available %d", got)
	}
	var entries int
	_ = e.app.DB().NewQuery("SELECT COUNT(*) FROM wallet_entries WHERE ref_type = 'prize_award'").Row(&entries)
	if entries != 2 {
		t.Fatalf("%d prize ledger rows, want 2", entries)
	}

	gifts, err := e.app.FindRecordsByFilter("orders", "pay_method = 'gift'", "", 0, 0)
	if err != nil || len(gifts) != 1 {
		t.Fatalf("%d gift orders (%v), want 1", len(gifts), err)
	}
	g := gifts[0]
	if g.GetString("buyer") != a.user.Id || g.GetInt("payable") != 0 || g.GetString("status") != "paid" {
		t.Fatalf("gift order: buyer %s payable %d status %s", g.GetString("buyer"), g.GetInt("payable"), g.GetString("status"))
	}
	if sku, _ := e.app.FindRecordById("skus", gift.Id); sku.GetInt("stock") != 4 {
		t.Fatalf("gift stock %d, want 4", sku.GetInt("stock"))
	}
	if got, _ := e.app.FindRecordById("users", b.user.Id); got.GetInt("level") != 2 {
		t.Fatalf("b level %d, want 2", got.GetInt("level"))
	}
	if n, _ := e.app.CountRecords("level_changes", dbx.HashExp{"user": b.user.Id, "reason": "prize", "to_rank": 2}); n != 1 {
		t.Fatalf("%d prize level changes", n)
	}
	if n, _ := e.app.CountRecords("notifications", dbx.HashExp{"kind": distribution.KindPrizeAwarded}); n != 4 {
		t.Fatalf("%d prize notifications, want 4", n)
	}

	// the gift is in the ship queue and ships like any order
	q := e.c.Do(http.MethodGet, "/api/shop/admin/reports/queue/ship", nil, e.admin)
	if q.Status != http.StatusOK || !contains(string(q.Raw), g.GetString("order_no")) {
		t.Fatalf("gift order not in the ship queue: %d %s", q.Status, q.Raw)
	}
	res = e.c.Do(http.MethodPost, "/api/shop/admin/orders/"+g.Id+"/ship", map[string]any{"tracking_company": "顺丰", "tracking_no": "SF1001"}, e.admin)
	if res.Status != http.StatusOK {
		t.Fatalf("ship gift: %d %s", res.Status, res.Raw)
	}
	if o, _ := e.app.FindRecordById("orders", g.Id); o.GetString("status") != "shipped" {
		t.Fatalf("gift order %s after shipping", o.GetString("status"))
	}

	// the centre's view: the rules and a's two prizes
	view := e.c.Do(http.MethodGet, "/api/shop/distribution/prizes", nil, a.token)
	if view.Status != http.StatusOK {
		t.Fatalf("prizes: %d %s", view.Status, view.Raw)
	}
	rules, _ := view.Body["rules"].([]any)
	mine, _ := view.Body["mine"].([]any)
	if len(rules) != 3 || len(mine) != 2 || !contains(string(view.Raw), "定制礼盒") {
		t.Fatalf("prizes view: %s", view.Raw)
	}
	tests.MustAudit(t, e.app)
}

// TestLeaderboardPrizeGiftWithoutAddress: a gift for a winner with no
// address is recorded as failed, nothing is taken from stock, and the
// winner is told.
func TestLeaderboardPrizeGiftWithoutAddress(t *testing.T) {
	ps := newPrizeShop(t)
	e := ps.shopEnv
	a := e.buyer("a@test.local", 0, map[string]any{"nickname": "王芳", "is_distributor": true})
	e.paidOrder(e.invitee(a, 1))
	if _, err := e.app.DB().NewQuery("DELETE FROM addresses WHERE user = {:u}").Bind(dbx.Params{"u": a.user.Id}).Execute(); err != nil {
		t.Fatal(err)
	}
	giftProduct := tests.Save(t, e.app, "products", map[string]any{"title": "定制礼盒", "status": "on"})
	gift := tests.Save(t, e.app, "skus", map[string]any{"product": giftProduct.Id, "price": 9900, "stock": 5})
	tests.Save(t, e.app, "prize_rules", map[string]any{"name": "周冠军礼盒", "period": "week", "by": "commission",
		"rank_from": 1, "rank_to": 1, "kind": "gift", "gift_sku": gift.Id, "gift_quantity": 1, "active": true})
	ps.nextWeek()
	e.runJob("leaderboard_snapshot")
	aw, err := e.app.FindFirstRecordByData("prize_awards", "user", a.user.Id)
	if err != nil || aw.GetString("status") != "failed" || aw.GetString("order") != "" {
		t.Fatalf("award: %v %v", aw, err)
	}
	if sku, _ := e.app.FindRecordById("skus", gift.Id); sku.GetInt("stock") != 5 {
		t.Fatalf("stock %d after a failed gift", sku.GetInt("stock"))
	}
	if n, _ := e.app.CountRecords("orders", dbx.HashExp{"pay_method": "gift"}); n != 0 {
		t.Fatalf("%d gift orders", n)
	}
	tests.MustAudit(t, e.app)
}

func contains(s, sub string) bool {
	return strings.Contains(s, sub)
}
