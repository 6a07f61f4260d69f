package suite

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/pocketbase/dbx"

	"fenxiao/hooks/accounts"
	"fenxiao/hooks/audit"
	"fenxiao/hooks/shop"
	"fenxiao/tests"
)

// bountyShop is a shop with invite bounties on (¥5, at most 3 a day per
// inviter) and no frozen days, with one distributor who invites.
func bountyShop(t *testing.T) (*shopEnv, *buyer) {
	e := newShop(t)
	r, err := e.app.FindRecordById(shop.SettingsCollection, shop.SettingsId)
	if err != nil {
		t.Fatal(err)
	}
	r.Load(map[string]any{"invite_bounty_enabled": true, "invite_bounty_amount": 500,
		"invite_bounty_daily_count": 3, "frozen_days": 0})
	if err := e.app.Save(r); err != nil {
		t.Fatal(err)
	}
	inviter := e.buyer("inviter@test.local", 0, map[string]any{"nickname": "王芳", "is_distributor": true})
	return e, inviter
}

// invitee signs up a buyer bound under the inviter, with funds to pay.
func (e *shopEnv) invitee(inviter *buyer, n int) *buyer {
	e.t.Helper()
	b := e.buyer(fmt.Sprintf("invitee%d@test.local", n), 20000, map[string]any{"nickname": fmt.Sprintf("新人%d", n)})
	if err := accounts.BindUpline(e.app, b.user.Id, mustInvite(e.t.(*testing.T), e, inviter.user.Id), "link", "", "user:"+b.user.Id); err != nil {
		e.t.Fatal(err)
	}
	return b
}

// paidOrder checks out one line and pays it from the balance.
func (e *shopEnv) paidOrder(b *buyer) string {
	e.t.Helper()
	id, _ := e.checkout(b)
	if res := e.pay(b, id, "balance"); res.Status != http.StatusOK {
		e.t.Fatalf("pay: %d %s", res.Status, res.Raw)
	}
	return id
}

// complete ships the order and has the buyer confirm receipt.
func (e *shopEnv) complete(b *buyer, orderId string) {
	e.t.Helper()
	res := e.c.Do(http.MethodPost, "/api/shop/admin/orders/"+orderId+"/ship",
		map[string]any{"tracking_company": "顺丰", "tracking_no": "SF" + orderId}, e.admin)
	if res.Status != http.StatusOK {
		e.t.Fatalf("ship: %d %s", res.Status, res.Raw)
	}
	if res := e.c.Do(http.MethodPost, "/api/shop/orders/"+orderId+"/confirm", nil, b.token); res.Status != http.StatusOK {
		e.t.Fatalf("confirm: %d %s", res.Status, res.Raw)
	}
}

func (e *shopEnv) runJob(name string) string {
	e.t.Helper()
	res := e.c.Do(http.MethodPost, "/api/shop/admin/jobs/"+name, nil, e.admin)
	if res.Status != http.StatusOK {
		e.t.Fatalf("job %s: %d %s", name, res.Status, res.Raw)
	}
	return fmt.Sprint(res.Body["summary"])
}

// bounties returns the invite_bounties rows of the invitee.
func (e *shopEnv) bounty(inviteeId string) map[string]any {
	e.t.Helper()
	var rows []dbx.NullStringMap
	q := e.app.DB().NewQuery("SELECT id, inviter, amount, status FROM invite_bounties WHERE invitee = {:u}").Bind(dbx.Params{"u": inviteeId})
	if err := q.All(&rows); err != nil {
		e.t.Fatal(err)
	}
	if len(rows) > 1 {
		e.t.Fatalf("%d bounties for one invitee", len(rows))
	}
	if len(rows) == 0 {
		return nil
	}
	return map[string]any{"id": rows[0]["id"].String, "inviter": rows[0]["inviter"].String,
		"amount": rows[0]["amount"].String, "status": rows[0]["status"].String}
}

// bountyEntries counts the wallet entries of a bounty by kind.
func (e *shopEnv) bountyEntries(bountyId string) map[string]int64 {
	e.t.Helper()
	var rows []struct {
		Kind   string `db:"kind"`
		Amount int64  `db:"amount"`
	}
	err := e.app.DB().NewQuery("SELECT kind, amount FROM wallet_entries WHERE ref_type = 'invite_bounty' AND ref_id = {:id}").
		Bind(dbx.Params{"id": bountyId}).All(&rows)
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]int64{}
	for _, r := range rows {
		out[r.Kind] += r.Amount
	}
	return out
}

func TestInviteBountyOffByDefault(t *testing.T) {
	e := newShop(t)
	inviter := e.buyer("inviter@test.local", 0, map[string]any{"is_distributor": true})
	b := e.invitee(inviter, 1)
	e.paidOrder(b)
	if got := e.bounty(b.user.Id); got != nil {
		t.Fatalf("bounty booked while off: %v", got)
	}
	// switching on without an amount is refused like any bad setting
	res := e.c.Do(http.MethodPatch, "/api/collections/shop_settings/records/"+shop.SettingsId,
		map[string]any{"invite_bounty_enabled": true, "invite_bounty_amount": 0}, e.admin)
	if res.Status != http.StatusBadRequest || res.Code() != "invite_bounty_amount_required" {
		t.Fatalf("enable without amount: %d %s", res.Status, res.Raw)
	}
}

// TestInviteBountyFirstOrderSettles: a bounty for the first paid order is
// frozen, then settled by commission_settle; the second order earns nothing.
func TestInviteBountyFirstOrderSettles(t *testing.T) {
	e, inviter := bountyShop(t)
	b := e.invitee(inviter, 1)
	if got := e.bounty(b.user.Id); got != nil {
		t.Fatalf("bounty at sign-up: %v", got)
	}
	first := e.paidOrder(b)
	bo := e.bounty(b.user.Id)
	if bo == nil || bo["status"] != "frozen" || bo["amount"] != "500" || bo["inviter"] != inviter.user.Id {
		t.Fatalf("after the first payment: %v", bo)
	}
	id := bo["id"].(string)
	if got := e.bountyEntries(id); len(got) != 1 || got["commission_frozen"] != 500 {
		t.Fatalf("entries after payment: %v", got)
	}

	e.paidOrder(b) // the second order earns no bounty
	if n, _ := e.app.CountRecords("invite_bounties", nil); n != 1 {
		t.Fatalf("%d bounties after the second order", n)
	}

	e.complete(b, first)
	e.runJob("commission_settle")
	if bo := e.bounty(b.user.Id); bo["status"] != "settled" {
		t.Fatalf("after settlement: %v", bo)
	}
	if got := e.bountyEntries(id); len(got) != 2 || got["commission_settled"] != 500 {
		t.Fatalf("entries after settlement: %v", got)
	}
	// the inviter can withdraw it: available holds the bounty and the
	// first order's settled commission (10% of 5000)
	if got := e.available(inviter.user.Id); got != 500+500 {
		t.Fatalf("inviter available %d, want 1000", got)
	}
	e.runJob("commission_settle") // a second run settles nothing again
	if got := e.bountyEntries(id); got["commission_settled"] != 500 {
		t.Fatalf("second settlement: %v", got)
	}
	tests.MustAudit(t, e.app)
}

// TestInviteBountyClawedBack: the first order refunded after settlement
// takes the bounty back; the audit passes, and fails on a tampered row.
func TestInviteBountyClawedBack(t *testing.T) {
	e, inviter := bountyShop(t)
	b := e.invitee(inviter, 1)
	order := e.paidOrder(b)
	e.complete(b, order)
	e.runJob("commission_settle")
	id := e.bounty(b.user.Id)["id"].(string)

	items, err := e.app.FindRecordsByFilter("order_items", "order = {:o}", "", 0, 0, dbx.Params{"o": order})
	if err != nil || len(items) != 1 {
		t.Fatalf("items: %v", err)
	}
	res := e.c.Do(http.MethodPost, "/api/shop/aftersales", map[string]any{"order": order, "type": "refund", "reason": "不想要了",
		"items": []map[string]any{{"order_item": items[0].Id, "quantity": 1, "amount": 5000}}}, b.token)
	if res.Status != http.StatusOK {
		t.Fatalf("aftersale: %d %s", res.Status, res.Raw)
	}
	if res := e.c.Do(http.MethodPost, "/api/shop/admin/aftersales/"+res.Body["id"].(string)+"/approve", nil, e.admin); res.Status != http.StatusOK {
		t.Fatalf("approve: %d %s", res.Status, res.Raw)
	}
	if bo := e.bounty(b.user.Id); bo["status"] != "clawed_back" {
		t.Fatalf("after the refund: %v", bo)
	}
	if got := e.bountyEntries(id); len(got) != 3 || got["clawback"] != -500 {
		t.Fatalf("entries after the refund: %v", got)
	}
	// commission and bounty both taken back
	if got := e.available(inviter.user.Id); got != 0 {
		t.Fatalf("inviter available %d, want 0", got)
	}
	tests.MustAudit(t, e.app)

	// a bounty whose status says settled but whose ledger says clawed back
	tests.SkipAudit(t) // the shop is broken on purpose from here
	if _, err := e.app.DB().NewQuery("UPDATE invite_bounties SET status = 'settled' WHERE id = {:id}").Bind(dbx.Params{"id": id}).Execute(); err != nil {
		t.Fatal(err)
	}
	rep, err := audit.Run(e.app)
	if err != nil || rep.OK() {
		t.Fatalf("tampered bounty passes the audit (%v):\n%s", err, rep)
	}
	if rep.Problems[0].Check != "invite_bounties" {
		t.Fatalf("first problem: %s", rep.Problems[0])
	}
}

// TestInviteBountyCancelledBeforeSettlement: refunded while frozen, the
// bounty is cancelled from the frozen balance.
func TestInviteBountyCancelledBeforeSettlement(t *testing.T) {
	e, inviter := bountyShop(t)
	b := e.invitee(inviter, 1)
	order := e.paidOrder(b)
	id := e.bounty(b.user.Id)["id"].(string)
	items, _ := e.app.FindRecordsByFilter("order_items", "order = {:o}", "", 0, 0, dbx.Params{"o": order})
	res := e.c.Do(http.MethodPost, "/api/shop/aftersales", map[string]any{"order": order, "type": "refund", "reason": "拍错了",
		"items": []map[string]any{{"order_item": items[0].Id, "quantity": 1, "amount": 5000}}}, b.token)
	if res.Status != http.StatusOK {
		t.Fatalf("aftersale: %d %s", res.Status, res.Raw)
	}
	if res := e.c.Do(http.MethodPost, "/api/shop/admin/aftersales/"+res.Body["id"].(string)+"/approve", nil, e.admin); res.Status != http.StatusOK {
		t.Fatalf("approve: %d %s", res.Status, res.Raw)
	}
	if bo := e.bounty(b.user.Id); bo["status"] != "cancelled" {
		t.Fatalf("after the refund: %v", bo)
	}
	if got := e.bountyEntries(id); got["commission_cancelled"] != -500 {
		t.Fatalf("entries: %v", got)
	}
	tests.MustAudit(t, e.app)
}

// TestRaceInviteBountyDailyCap: eight invitees of one inviter pay their
// first orders at the same time; the cap of 3 a day holds.
func TestRaceInviteBountyDailyCap(t *testing.T) {
	e, inviter := bountyShop(t)
	const n = 8
	list := make([]*buyer, n)
	orders := make([]string, n)
	for i := range list {
		list[i] = e.invitee(inviter, i)
		orders[i], _ = e.checkout(list[i])
	}
	var wg sync.WaitGroup
	fails := make(chan string, n)
	for i := range list {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if res := e.pay(list[i], orders[i], "balance"); res.Status != http.StatusOK {
				fails <- fmt.Sprintf("pay %d: %d %s", i, res.Status, res.Raw)
			}
		}(i)
	}
	wg.Wait()
	close(fails)
	for f := range fails {
		t.Fatal(f)
	}
	if got, _ := e.app.CountRecords("invite_bounties", dbx.HashExp{"inviter": inviter.user.Id}); got != 3 {
		t.Fatalf("%d bounties, want the daily cap of 3", got)
	}
	var frozen int64
	err := e.app.DB().NewQuery("SELECT COALESCE(SUM(amount), 0) FROM wallet_entries WHERE ref_type = 'invite_bounty' AND kind = 'commission_frozen'").Row(&frozen)
	if err != nil || frozen != 1500 {
		t.Fatalf("bounty entries add up to %d (%v), want 1500", frozen, err)
	}
	tests.MustAudit(t, e.app)
}
