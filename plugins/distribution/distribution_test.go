package distribution_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	pbtests "github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/security"
	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/hooks/accounts"
	"fenxiao/hooks/audit"
	"fenxiao/hooks/shop"
	"fenxiao/hooks/wallet"
	"fenxiao/plugins/distribution"
	"fenxiao/tests"
)

func TestMain(m *testing.M) { tests.Main(m) }

// env is a shop with the distribution plugin and a movable clock.
type env struct {
	t    testing.TB
	app  *pbtests.TestApp
	shop *shop.Shop
	now  time.Time
	seq  int

	// deferred: commissions are booked after the payment, through the
	// queue (Config.BookingDelay); order books the queue after paying
	deferred bool
}

func newEnv(t testing.TB) *env {
	return newEnvMode(t, false)
}

// newEnvMode is newEnv, booking commissions after the payment when
// deferred.
func newEnvMode(t testing.TB, deferred bool) *env {
	app, s := tests.NewShopApp(t)
	e := &env{t: t, app: app, shop: s, now: time.Date(2026, 11, 25, 10, 0, 0, 0, shop.ShopTimeZone), deferred: deferred}
	config := distribution.Config{Now: func() time.Time { return e.now }}
	if deferred {
		config.BookingDelay = time.Millisecond
	}
	distribution.MustRegister(app, config)
	// distributors are made by the tests, not by the first purchase
	e.settings(map[string]any{"distributor_condition": "apply"})
	return e
}

func (e *env) settings(fields map[string]any) {
	e.t.Helper()
	r, err := e.app.FindRecordById(shop.SettingsCollection, shop.SettingsId)
	if err != nil {
		e.t.Fatal(err)
	}
	r.Load(fields)
	if err := e.app.Save(r); err != nil {
		e.t.Fatal(err)
	}
}

// user creates a user; when upline is given it is bound under it.
func (e *env) user(name string, distributor bool, upline *core.Record) (*core.Record, string) {
	e.t.Helper()
	u, token := tests.User(e.t, e.app, name+"@test.local", map[string]any{"nickname": name, "is_distributor": distributor})
	if upline != nil {
		if err := accounts.BindUpline(e.app, u.Id, upline.GetString("invite_code"), "link", "", "user:"+u.Id); err != nil {
			e.t.Fatalf("bind %s: %v", name, err)
		}
	}
	u, _ = e.app.FindRecordById("users", u.Id)
	return u, token
}

func (e *env) exec(sql string, params dbx.Params) {
	e.t.Helper()
	if _, err := e.app.DB().NewQuery(sql).Bind(params).Execute(); err != nil {
		e.t.Fatalf("%s: %v", sql, err)
	}
}

// product inserts a product with an optional commission override.
func (e *env) product(mode string, l1, l2, l3 int) string {
	e.t.Helper()
	e.seq++
	id := fmt.Sprintf("prod%011d", e.seq)
	e.exec("INSERT INTO products (id, title, status, commission_mode, commission_l1, commission_l2, commission_l3) VALUES ({:id}, 'p', 'on', {:m}, {:l1}, {:l2}, {:l3})",
		dbx.Params{"id": id, "m": mode, "l1": l1, "l2": l2, "l3": l3})
	return id
}

type line struct {
	product string
	qty     int
	paid    int64
	gift    bool
}

// order inserts a paid order with its lines and fires OnOrderPaid (and
// books the queue in deferred mode).
func (e *env) order(buyer *core.Record, lines ...line) (*core.Record, []*core.Record) {
	e.t.Helper()
	id := e.pay(buyer, lines...)
	if e.deferred {
		e.bookQueued()
	}
	return e.load(id)
}

// pay inserts a paid order with its lines, fires OnOrderPaid and returns
// the order's id.
func (e *env) pay(buyer *core.Record, lines ...line) string {
	e.t.Helper()
	e.seq++
	id := fmt.Sprintf("ordr%011d", e.seq)
	var total int64
	for _, l := range lines {
		total += l.paid
	}
	e.exec("INSERT INTO orders (id, order_no, buyer, status, payable, goods_amount, paid_at) VALUES ({:id}, {:no}, {:b}, 'paid', {:p}, {:p}, {:at})",
		dbx.Params{"id": id, "no": fmt.Sprintf("N%d", e.seq), "b": buyer.Id, "p": total, "at": dbTime(e.now)})
	for i, l := range lines {
		e.exec("INSERT INTO order_items (id, [[order]], buyer, product, sku, title, quantity, paid_amount, line_amount, is_gift, created) "+
			"VALUES ({:id}, {:o}, {:b}, {:p}, {:s}, 't', {:q}, {:paid}, {:paid}, {:g}, {:c})",
			dbx.Params{"id": fmt.Sprintf("item%08d%03d", e.seq, i), "o": id, "b": buyer.Id, "p": l.product, "s": "sku" + l.product,
				"q": l.qty, "paid": l.paid, "g": l.gift, "c": fmt.Sprintf("2026-01-01 00:00:00.%03dZ", i)})
	}
	e.exec("INSERT INTO payments (id, [[order]], provider, amount, status, transaction_id, paid_at) VALUES ({:id}, {:o}, 'sandbox', {:a}, 'paid', {:id}, {:at})",
		dbx.Params{"id": fmt.Sprintf("paym%011d", e.seq), "o": id, "a": total, "at": dbTime(e.now)})
	e.firePaid(e.load(id))
	return id
}

// bookQueued books what the payments queued (deferred mode).
func (e *env) bookQueued() {
	e.t.Helper()
	if _, err := distribution.BookQueued(e.app); err != nil {
		e.t.Fatalf("book queued commissions: %v", err)
	}
}

// modes runs test once booking commissions in the payment and once after
// it (through the queue).
func modes(t *testing.T, test func(t *testing.T, e *env)) {
	for _, deferred := range []bool{false, true} {
		name := "in_payment"
		if deferred {
			name = "after_payment"
		}
		t.Run(name, func(t *testing.T) { test(t, newEnvMode(t, deferred)) })
	}
}

func (e *env) load(orderId string) (*core.Record, []*core.Record) {
	e.t.Helper()
	o, err := e.app.FindRecordById("orders", orderId)
	if err != nil {
		e.t.Fatal(err)
	}
	items, err := e.app.FindRecordsByFilter("order_items", "order = {:o}", "created", 0, 0, dbx.Params{"o": orderId})
	if err != nil {
		e.t.Fatal(err)
	}
	return o, items
}

func (e *env) firePaid(o *core.Record, items []*core.Record) {
	e.t.Helper()
	err := e.app.RunInTransaction(func(tx core.App) error {
		return e.shop.OnOrderPaid.Trigger(&shop.OrderEvent{App: tx, Order: shop.AsOrder(o), Items: shop.AsOrderItems(items)})
	})
	if err != nil {
		e.t.Fatalf("order paid: %v", err)
	}
}

func (e *env) complete(o *core.Record) {
	e.t.Helper()
	e.exec("UPDATE orders SET status = 'completed', completed_at = {:at} WHERE id = {:id}", dbx.Params{"at": dbTime(e.now), "id": o.Id})
	o, items := e.load(o.Id)
	err := e.app.RunInTransaction(func(tx core.App) error {
		return e.shop.OnOrderCompleted.Trigger(&shop.OrderEvent{App: tx, Order: shop.AsOrder(o), Items: shop.AsOrderItems(items)})
	})
	if err != nil {
		e.t.Fatalf("order completed: %v", err)
	}
}

// aftersale inserts an after-sale on one line with the given status.
func (e *env) aftersale(o *core.Record, item *core.Record, status string) string {
	e.t.Helper()
	e.seq++
	id := fmt.Sprintf("afts%011d", e.seq)
	items, _ := json.Marshal([]map[string]any{{"order_item": item.Id, "quantity": 1, "amount": 1}})
	e.exec("INSERT INTO aftersales (id, [[order]], buyer, items, type, status, created) VALUES ({:id}, {:o}, {:b}, {:items}, 'refund', {:s}, {:c})",
		dbx.Params{"id": id, "o": o.Id, "b": o.GetString("buyer"), "items": string(items), "s": status, "c": dbTime(time.Now())})
	return id
}

func (e *env) refund(o *core.Record, aftersaleId string, lines ...shop.RefundedLine) {
	e.t.Helper()
	err := e.app.RunInTransaction(func(tx core.App) error {
		o, err := tx.FindRecordById("orders", o.Id)
		if err != nil {
			return err
		}
		a, err := tx.FindRecordById("aftersales", aftersaleId)
		if err != nil {
			return err
		}
		return e.shop.OnOrderRefunded.Trigger(&shop.RefundEvent{App: tx, Order: shop.AsOrder(o), Aftersale: a, Lines: lines})
	})
	if err != nil {
		e.t.Fatalf("refund: %v", err)
	}
}

func (e *env) runJob(name string) string {
	e.t.Helper()
	res, err := e.shop.RunJob(e.app, name)
	if err != nil {
		e.t.Fatalf("job %s: %v", name, err)
	}
	return res.Summary
}

// commissions returns "beneficiary-nickname/level=amount(status)" per row of the order.
func (e *env) commissions(orderId string) map[string]string {
	e.t.Helper()
	var rows []struct {
		Nick   string `db:"nick"`
		Item   string `db:"order_item"`
		Level  int    `db:"level"`
		Amount int64  `db:"amount"`
		Taken  int64  `db:"taken"`
		Status string `db:"status"`
		Source string `db:"source"`
	}
	err := e.app.DB().NewQuery("SELECT u.nickname AS nick, c.order_item, c.level, c.amount, c.cancelled_amount + c.absorbed_amount AS taken, c.status, c.source " +
		"FROM commissions c JOIN users u ON u.id = c.beneficiary WHERE c.[[order]] = {:o}").Bind(dbx.Params{"o": orderId}).All(&rows)
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rows {
		out[fmt.Sprintf("%s/%s/%d", r.Item[len(r.Item)-3:], r.Nick, r.Level)] = fmt.Sprintf("%d-%d %s %s", r.Amount, r.Taken, r.Status, r.Source)
	}
	return out
}

func (e *env) balance(u *core.Record) [2]int64 {
	e.t.Helper()
	a, f, err := wallet.Balance(e.app, u.Id)
	if err != nil {
		e.t.Fatal(err)
	}
	return [2]int64{a, f}
}

func (e *env) audit() {
	e.t.Helper()
	report, err := audit.Run(e.app)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := report.Err(); err != nil {
		e.t.Fatalf("audit: %v", err)
	}
}

func expectMap(t testing.TB, what string, got, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("%s: %s is %q, want %q (all: %v)", what, k, got[k], v, got)
		}
	}
}

func expectBalance(t testing.TB, who string, got [2]int64, available, frozen int64) {
	t.Helper()
	if got != [2]int64{available, frozen} {
		t.Fatalf("%s wallet: available/frozen %v, want [%d %d]", who, got, available, frozen)
	}
}

func dbTime(t time.Time) string {
	return t.UTC().Format(types.DefaultDateLayout)
}

// A←B←C←D, D buys: exact frozen commissions with a product override and a
// level rate, replay and re-binding change nothing, a partial refund
// cancels exactly, settlement waits for completion, frozen days and open
// after-sales, and a refund after a withdrawal leaves a debt the next
// commission repays.
func TestCommissionLifecycle(t *testing.T) {
	modes(t, testCommissionLifecycle)
}

func testCommissionLifecycle(t *testing.T, e *env) {
	e.settings(map[string]any{"frozen_days": 7})

	gold, err := e.app.FindCollectionByNameOrId("distributor_levels")
	if err != nil {
		t.Fatal(err)
	}
	lvl := core.NewRecord(gold)
	lvl.Load(map[string]any{"rank": 2, "name": "金牌", "rate_l1_bp": 1500, "rate_l2_bp": 800, "rate_l3_bp": 300})
	if err := e.app.Save(lvl); err != nil {
		t.Fatal(err)
	}

	a, _ := e.user("A", true, nil)
	e.exec("UPDATE users SET level = 2 WHERE id = {:id}", dbx.Params{"id": a.Id})
	b, _ := e.user("B", true, a)
	c, cToken := e.user("C", true, b)
	d, _ := e.user("D", false, c)

	special := e.product("rate", 2000, 1000, 0) // level 3 deliberately unpaid
	plain := e.product("", 0, 0, 0)
	gift := e.product("", 0, 0, 0)

	o, items := e.order(d,
		line{product: special, qty: 2, paid: 10000},
		line{product: plain, qty: 1, paid: 5000},
		line{product: gift, qty: 1, paid: 0, gift: true},
	)
	want := map[string]string{
		"000/C/1": "2000-0 frozen product", // 10000 × 20%
		"000/B/2": "1000-0 frozen product", // 10000 × 10%; A's level 3 is 0 on this product
		"001/C/1": "500-0 frozen settings", // 5000 × 10%
		"001/B/2": "250-0 frozen settings", // 5000 × 5%
		"001/A/3": "150-0 frozen level",    // 5000 × 3% (A's gold level rate)
	}
	expectMap(t, "paid", e.commissions(o.Id), want)
	expectBalance(t, "C", e.balance(c), 0, 2500)
	expectBalance(t, "B", e.balance(b), 0, 1250)
	expectBalance(t, "A", e.balance(a), 0, 150)

	var snap distribution.Snapshot
	if err := o.UnmarshalJSONField("upline_snapshot", &snap); err != nil || len(snap.Chain) != 3 || snap.Chain[0].Id != c.Id || snap.Chain[2].Rates == nil {
		t.Fatalf("snapshot %+v (%v)", snap, err)
	}

	// notifications reach the beneficiaries after commit
	if n, _ := e.app.CountRecords("notifications", dbx.HashExp{"user": c.Id, "kind": "commission"}); n != 1 {
		t.Fatalf("C has %d commission notifications, want 1", n)
	}

	// a replayed payment and a later re-binding book nothing
	e.firePaid(e.load(o.Id))
	if err := accounts.Reassign(e.app, d.Id, a.Id, "superuser:test"); err != nil {
		t.Fatal(err)
	}
	e.firePaid(e.load(o.Id))
	expectMap(t, "replayed", e.commissions(o.Id), want)
	expectBalance(t, "C", e.balance(c), 0, 2500)
	if err := accounts.Reassign(e.app, d.Id, c.Id, "superuser:test"); err != nil {
		t.Fatal(err)
	}

	// partial refund of the plain line: 2000 of 5000
	as1 := e.aftersale(o, items[1], "refunded")
	e.refund(o, as1, shop.RefundedLine{OrderItemId: items[1].Id, Amount: 2000})
	want["001/C/1"] = "500-200 frozen settings" // 3000 × 10% = 300
	want["001/B/2"] = "250-100 frozen settings" // 150
	want["001/A/3"] = "150-60 frozen level"     // 90
	expectMap(t, "partial refund", e.commissions(o.Id), want)
	expectBalance(t, "C", e.balance(c), 0, 2300)
	expectBalance(t, "A", e.balance(a), 0, 90)
	e.audit()

	// not completed: nothing settles
	e.now = e.now.Add(30 * 24 * time.Hour)
	e.runJob("commission_settle")
	expectBalance(t, "C", e.balance(c), 0, 2300)

	// completed, but within the frozen days, and an after-sale is open on the special line
	e.complete(o)
	open := e.aftersale(o, items[0], "applied")
	e.now = e.now.Add(6 * 24 * time.Hour)
	e.runJob("commission_settle")
	expectBalance(t, "C", e.balance(c), 0, 2300)

	e.now = e.now.Add(2 * 24 * time.Hour)
	e.runJob("commission_settle")
	expectBalance(t, "C", e.balance(c), 300, 2000) // only the plain line
	expectBalance(t, "A", e.balance(a), 90, 0)

	e.exec("UPDATE aftersales SET status = 'closed' WHERE id = {:id}", dbx.Params{"id": open})
	e.runJob("commission_settle")
	expectBalance(t, "C", e.balance(c), 2300, 0)
	expectBalance(t, "B", e.balance(b), 1150, 0)
	want["000/C/1"] = "2000-0 settled product"
	want["000/B/2"] = "1000-0 settled product"
	want["001/C/1"] = "500-200 settled settings"
	want["001/B/2"] = "250-100 settled settings"
	want["001/A/3"] = "150-60 settled level"
	expectMap(t, "settled", e.commissions(o.Id), want)
	e.audit()

	// C's balance is spent (a superuser correction stands in for a paid
	// withdrawal), then the special line is refunded in full: a debt
	err = e.app.RunInTransaction(func(tx core.App) error {
		_, err := wallet.Post(tx, wallet.Posting{UserId: c.Id, Kind: "adjustment", Amount: -2300, RefType: "adjustment", RefId: "spent", Actor: "superuser:test"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	as2 := e.aftersale(o, items[0], "refunded")
	e.refund(o, as2, shop.RefundedLine{OrderItemId: items[0].Id, Amount: 10000, Quantity: 2})
	expectBalance(t, "C", e.balance(c), -2000, 0)
	expectBalance(t, "B", e.balance(b), 150, 0)
	want["000/C/1"] = "2000-2000 settled product"
	want["000/B/2"] = "1000-1000 settled product"
	expectMap(t, "clawback", e.commissions(o.Id), want)
	if n, _ := e.app.CountRecords("commission_adjustments", dbx.HashExp{"kind": "clawback"}); n != 2 {
		t.Fatalf("%d clawback adjustments, want 2", n)
	}

	// the next commission repays the debt
	o2, _ := e.order(d, line{product: special, qty: 1, paid: 30000}) // C earns 6000
	e.complete(o2)
	e.now = e.now.Add(8 * 24 * time.Hour)
	e.runJob("commission_settle")
	expectBalance(t, "C", e.balance(c), 4000, 0)
	e.audit()

	// the distributor centre
	client := tests.NewClient(t, e.app)
	res := client.Do(http.MethodGet, "/api/shop/distribution/summary", nil, cToken)
	if res.Status != http.StatusOK {
		t.Fatalf("summary: %d %s", res.Status, res.Raw)
	}
	var sum distribution.SummaryResponse
	_ = json.Unmarshal(res.Raw, &sum)
	if sum.Team.L1 != 1 || sum.Team.Total != 1 || sum.Total.Settled != 500-200+6000 || sum.Total.Cancelled != 200+2000 ||
		sum.Wallet == nil || sum.Wallet.Available != 4000 || sum.Wallet.Balance != 4000 || sum.Wallet.Debt != 0 || sum.Wallet.Frozen != 0 {
		t.Fatalf("summary: %s", res.Raw)
	}
	res = client.Do(http.MethodGet, "/api/shop/distribution/team?level=1", nil, cToken)
	if res.Status != http.StatusOK || res.Body["totalItems"].(float64) != 1 {
		t.Fatalf("team: %d %s", res.Status, res.Raw)
	}
	member := res.Body["items"].([]any)[0].(map[string]any)
	if member["id"] != d.Id || member["nickname"] != "D" || member["contribution"].(float64) != 6300 {
		t.Fatalf("team member: %s", res.Raw)
	}
	if res := client.Do(http.MethodGet, "/api/shop/distribution/team?level=4", nil, cToken); res.Status != http.StatusBadRequest {
		t.Fatalf("team level 4: %d", res.Status)
	}
	if res := client.Do(http.MethodGet, "/api/shop/distribution/summary", nil, ""); res.Status != http.StatusUnauthorized {
		t.Fatalf("anonymous summary: %d", res.Status)
	}

	// users list only their own commissions
	res = client.Do(http.MethodGet, "/api/collections/commissions/records", nil, cToken)
	if res.Status != http.StatusOK || res.Body["totalItems"].(float64) != 3 {
		t.Fatalf("C's commissions: %d %s", res.Status, res.Raw)
	}

	// facts are immutable
	cm, err := e.app.FindFirstRecordByFilter("commissions", "beneficiary = {:c}", dbx.Params{"c": c.Id})
	if err != nil {
		t.Fatal(err)
	}
	cm.Set("amount", 1)
	if err := e.app.Save(cm); err == nil {
		t.Fatal("a commission was edited")
	}
}

func TestSkipsNonDistributorsAndCaps(t *testing.T) {
	modes(t, testSkipsNonDistributorsAndCaps)
}

func testSkipsNonDistributorsAndCaps(t *testing.T, e *env) {
	a, _ := e.user("A", true, nil)
	b, _ := e.user("B", false, a) // not a distributor
	c, _ := e.user("C", true, b)
	d, _ := e.user("D", false, c)
	plain := e.product("", 0, 0, 0)

	o, _ := e.order(d, line{product: plain, qty: 1, paid: 10000})
	expectMap(t, "skip", e.commissions(o.Id), map[string]string{
		"000/C/1": "1000-0 frozen settings",
		"000/A/3": "200-0 frozen settings", // B's level 2 is not paid and A is not shifted down
	})

	// order cap 10%: 1000 + 500 + 200 = 1700 is scaled to 1000
	e.settings(map[string]any{"commission_order_cap_bp": 1000})
	e.exec("UPDATE users SET is_distributor = 1 WHERE id = {:id}", dbx.Params{"id": b.Id})
	o2, _ := e.order(d, line{product: plain, qty: 1, paid: 10000})
	var total int64
	if err := e.app.DB().NewQuery("SELECT SUM(amount) FROM commissions WHERE [[order]] = {:o}").Bind(dbx.Params{"o": o2.Id}).Row(&total); err != nil {
		t.Fatal(err)
	}
	if total != 1000 {
		t.Fatalf("capped total %d, want 1000: %v", total, e.commissions(o2.Id))
	}

	// gift-only and zero orders earn nothing
	o3, _ := e.order(d, line{product: plain, qty: 1, paid: 0}, line{product: plain, qty: 1, paid: 500, gift: true})
	if got := e.commissions(o3.Id); len(got) != 0 {
		t.Fatalf("gift order earned %v", got)
	}
	e.audit()
}

func TestAbsorbPolicy(t *testing.T) {
	modes(t, testAbsorbPolicy)
}

func testAbsorbPolicy(t *testing.T, e *env) {
	e.settings(map[string]any{"frozen_days": 0, "clawback_policy": "absorb"})
	a, _ := e.user("A", true, nil)
	d, _ := e.user("D", false, a)
	plain := e.product("", 0, 0, 0)
	o, items := e.order(d, line{product: plain, qty: 1, paid: 10000})
	e.complete(o)
	e.now = e.now.Add(time.Hour)
	e.runJob("commission_settle")
	expectBalance(t, "A", e.balance(a), 1000, 0)

	as := e.aftersale(o, items[0], "refunded")
	e.refund(o, as, shop.RefundedLine{OrderItemId: items[0].Id, Amount: 10000, Quantity: 1})
	expectBalance(t, "A", e.balance(a), 1000, 0)
	adj, err := e.app.FindFirstRecordByFilter("commission_adjustments", "kind = 'absorbed'", nil)
	if err != nil || adj.GetInt("amount") != 1000 {
		t.Fatalf("absorbed adjustment: %v %v", adj, err)
	}
	e.audit()
}

func TestSettlementCycle(t *testing.T) {
	e := newEnv(t)
	e.settings(map[string]any{"frozen_days": 0, "settlement_cycle": "weekly"})
	a, _ := e.user("A", true, nil)
	d, _ := e.user("D", false, a)
	o, _ := e.order(d, line{product: e.product("", 0, 0, 0), qty: 1, paid: 10000})
	e.complete(o)

	// Wednesday 2026-11-25 02:30: the scheduled tick of a weekly cycle does nothing
	e.now = time.Date(2026, 11, 25, 2, 30, 0, 0, shop.ShopTimeZone).Add(24 * time.Hour)
	if got := e.runJob("commission_settle"); got != "not a settlement day (cycle weekly)" {
		t.Fatalf("wednesday tick: %q", got)
	}
	// Monday 2026-11-30 02:30 settles
	e.now = time.Date(2026, 11, 30, 2, 30, 0, 0, shop.ShopTimeZone)
	e.runJob("commission_settle")
	expectBalance(t, "A", e.balance(a), 1000, 0)
}

func TestLevelsLeaderboardAndRewards(t *testing.T) {
	e := newEnv(t)
	levels, _ := e.app.FindCollectionByNameOrId("distributor_levels")

	// save-time validation: rates above the shop maximum (30%) are refused
	bad := core.NewRecord(levels)
	bad.Load(map[string]any{"rank": 9, "name": "太多", "rate_l1_bp": 2000, "rate_l2_bp": 1000, "rate_l3_bp": 500})
	if err := e.app.Save(bad); err == nil {
		t.Fatal("level with 35% rates saved")
	}
	bronze := core.NewRecord(levels)
	bronze.Load(map[string]any{"rank": 1, "name": "铜牌", "min_direct_invitees": 2})
	silver := core.NewRecord(levels)
	silver.Load(map[string]any{"rank": 2, "name": "银牌", "min_team_sales": 20000, "min_team_size": 2, "match_all": true})
	for _, l := range []*core.Record{bronze, silver} {
		if err := e.app.Save(l); err != nil {
			t.Fatal(err)
		}
	}

	// overrides above the maximum or the price are refused
	products, _ := e.app.FindCollectionByNameOrId("products")
	p := core.NewRecord(products)
	p.Load(map[string]any{"title": "x", "status": "on", "commission_mode": "rate", "commission_l1": 3000, "commission_l2": 1000})
	if err := e.app.Save(p); err == nil {
		t.Fatal("product override of 40% saved")
	}

	a, aToken := e.user("A", true, nil)
	b, _ := e.user("B", true, a)
	d1, _ := e.user("D1", false, b)
	d2, _ := e.user("D2", false, b)
	plain := e.product("", 0, 0, 0)

	o1, _ := e.order(d1, line{product: plain, qty: 1, paid: 15000})
	e.complete(o1) // B: bronze since D2 bound (2 direct invitees); A: team sales 15000 < 20000
	if r, _ := e.app.FindRecordById("users", b.Id); r.GetInt("level") != 1 {
		t.Fatalf("B level %d, want 1", r.GetInt("level"))
	}
	o2, _ := e.order(d2, line{product: plain, qty: 1, paid: 10000})
	e.complete(o2) // team sales 25000 and team size ≥ 2 → A and B silver
	for _, u := range []*core.Record{a, b} {
		if r, _ := e.app.FindRecordById("users", u.Id); r.GetInt("level") != 2 {
			t.Fatalf("%s level %d, want 2", r.GetString("nickname"), r.GetInt("level"))
		}
	}
	if n, _ := e.app.CountRecords("level_changes", dbx.HashExp{"reason": "auto"}); n != 3 {
		t.Fatalf("%d automatic level changes, want 3", n)
	}
	if got := e.runJob("level_upgrade"); got != "judged 2 distributors, upgraded 0" {
		t.Fatalf("level_upgrade with nothing to do: %q", got)
	}
	// a level added later is reached by the job: both have team sales 25000
	gold := core.NewRecord(levels)
	gold.Load(map[string]any{"rank": 3, "name": "金牌", "min_team_sales": 25000})
	if err := e.app.Save(gold); err != nil {
		t.Fatal(err)
	}
	if got := e.runJob("level_upgrade"); got != "judged 2 distributors, upgraded 2" {
		t.Fatalf("level_upgrade: %q", got)
	}
	for _, u := range []*core.Record{a, b} {
		if r, _ := e.app.FindRecordById("users", u.Id); r.GetInt("level") != 3 {
			t.Fatalf("%s level %d after the job, want 3", r.GetString("nickname"), r.GetInt("level"))
		}
		if n, _ := e.app.CountRecords("level_changes", dbx.HashExp{"user": u.Id, "actor": "system:level_upgrade", "from_rank": 2, "to_rank": 3}); n != 1 {
			t.Fatalf("%d level_upgrade changes of %s, want 1", n, u.Id)
		}
	}
	if got := e.runJob("level_upgrade"); got != "judged 2 distributors, upgraded 0" {
		t.Fatalf("level_upgrade run twice: %q", got)
	}

	// a superuser sets a level in the dashboard: logged
	_, suToken := tests.Superuser(t, e.app)
	client := tests.NewClient(t, e.app)
	res := client.Do(http.MethodPatch, "/api/collections/users/records/"+d1.Id, map[string]any{"level": 2}, suToken)
	if res.Status != http.StatusOK {
		t.Fatalf("admin level: %d %s", res.Status, res.Raw)
	}
	if n, _ := e.app.CountRecords("level_changes", dbx.HashExp{"reason": "admin", "user": d1.Id}); n != 1 {
		t.Fatalf("%d admin level changes, want 1", n)
	}

	// leaderboards: B earned 1500 + 1000, A 750 + 500
	res = client.Do(http.MethodGet, "/api/shop/distribution/leaderboard?period=week&by=commission", nil, suToken)
	var board distribution.Board
	_ = json.Unmarshal(res.Raw, &board)
	if res.Status != http.StatusOK || len(board.Ranks) != 2 || board.Ranks[0].User != b.Id || board.Ranks[0].Value != 2500 || board.Ranks[1].Value != 1250 {
		t.Fatalf("commission board: %s", res.Raw)
	}
	res = client.Do(http.MethodGet, "/api/shop/distribution/leaderboard?period=month&by=sales", nil, suToken)
	_ = json.Unmarshal(res.Raw, &board)
	if len(board.Ranks) != 1 || board.Ranks[0].User != b.Id || board.Ranks[0].Value != 25000 {
		t.Fatalf("sales board: %s", res.Raw)
	}
	// invites are counted by binding time (now, real clock): this week of the real clock
	e.now = time.Now()
	res = client.Do(http.MethodGet, "/api/shop/distribution/leaderboard?period=week&by=invites", nil, suToken)
	_ = json.Unmarshal(res.Raw, &board)
	if len(board.Ranks) != 2 || board.Ranks[0].User != b.Id || board.Ranks[0].Value != 2 || board.Ranks[1].Value != 1 {
		t.Fatalf("invites board: %s", res.Raw)
	}
	if res := client.Do(http.MethodGet, "/api/shop/distribution/leaderboard?period=year", nil, suToken); res.Status != http.StatusBadRequest {
		t.Fatalf("bad period: %d", res.Status)
	}

	// what others see follows leaderboard_visibility (superusers see all)
	view := func(token string) (*tests.Response, distribution.Board) {
		t.Helper()
		res := client.Do(http.MethodGet, "/api/shop/distribution/leaderboard?period=week&by=invites", nil, token)
		var board distribution.Board
		_ = json.Unmarshal(res.Raw, &board)
		return res, board
	}
	setVisibility := func(v string) {
		t.Helper()
		if res := client.Do(http.MethodPatch, "/api/collections/shop_settings/records/"+shop.SettingsId,
			map[string]any{"leaderboard_visibility": v}, suToken); res.Status != http.StatusOK {
			t.Fatalf("set %s: %d %s", v, res.Status, res.Raw)
		}
	}
	// default members_masked: guests are refused, members see masked
	// nicknames without ids, their own row unmasked and marked
	if res, _ := view(""); res.Status != http.StatusUnauthorized || res.Code() != "auth_required" {
		t.Fatalf("guest on the default board: %d %s", res.Status, res.Raw)
	}
	res, board = view(aToken)
	if res.Status != http.StatusOK || len(board.Ranks) != 2 || strings.Contains(string(res.Raw), b.Id) ||
		board.Ranks[0].Nickname != "B*" || board.Ranks[1].Nickname != "A" || !board.Ranks[1].Me || board.Ranks[0].Me {
		t.Fatalf("member on the default board: %s", res.Raw)
	}
	setVisibility(distribution.BoardMembers)
	if res, board := view(aToken); board.Ranks[0].Nickname != "B" || strings.Contains(string(res.Raw), b.Id) {
		t.Fatalf("members board: %s", res.Raw)
	}
	setVisibility(distribution.BoardPublicMasked)
	if res, board := view(""); res.Status != http.StatusOK || board.Ranks[0].Nickname != "B*" || strings.Contains(string(res.Raw), b.Id) {
		t.Fatalf("guest on a public masked board: %s", res.Raw)
	}
	setVisibility(distribution.BoardPublic)
	if res, board := view(""); board.Ranks[0].Nickname != "B" || board.Ranks[0].User != b.Id {
		t.Fatalf("guest on a public board: %s", res.Raw)
	}
	setVisibility(distribution.BoardOff)
	if res, _ := view(aToken); res.Status != http.StatusNotFound || res.Code() != "leaderboard_off" {
		t.Fatalf("member on a closed board: %d %s", res.Status, res.Raw)
	}
	if res, board := view(suToken); res.Status != http.StatusOK || board.Ranks[0].User != b.Id {
		t.Fatalf("superuser on a closed board: %s", res.Raw)
	}
	for in, want := range map[string]string{"王芳": "王*", "刘洋洋": "刘**", "Lucy": "L***", "": ""} {
		if got := distribution.MaskNickname(in); got != want {
			t.Fatalf("mask %q = %q, want %q", in, got, want)
		}
	}

	// the finished week is stored once
	e.now = time.Date(2026, 12, 1, 0, 10, 0, 0, shop.ShopTimeZone)
	e.runJob("leaderboard_snapshot")
	e.runJob("leaderboard_snapshot")
	if n, _ := e.app.CountRecords("leaderboard_snapshots"); n != 6 {
		t.Fatalf("%d snapshots, want 6", n)
	}
	res = client.Do(http.MethodGet, "/api/shop/distribution/leaderboard?period=month&by=commission&previous=1", nil, suToken)
	_ = json.Unmarshal(res.Raw, &board)
	if !board.Final || len(board.Ranks) != 2 || board.Ranks[0].Value != 2500 {
		t.Fatalf("november snapshot: %s", res.Raw)
	}

	// rewards
	key := security.RandomString(10)
	for range 2 {
		res = client.Do(http.MethodPost, "/api/shop/admin/rewards", map[string]any{"user": a.Id, "amount": 888, "reason": "月度冠军", "key": key}, suToken)
		if res.Status != http.StatusOK {
			t.Fatalf("reward: %d %s", res.Status, res.Raw)
		}
	}
	expectBalance(t, "A", e.balance(a), 888, 1250)
	if res := client.Do(http.MethodPost, "/api/shop/admin/rewards", map[string]any{"user": a.Id, "amount": 1, "reason": "x"}, ""); res.Status != http.StatusUnauthorized {
		t.Fatalf("anonymous reward: %d", res.Status)
	}
	e.audit()
}
