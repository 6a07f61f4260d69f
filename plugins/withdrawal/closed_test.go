package withdrawal_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/wallet"
	"fenxiao/plugins/wechatpay"
	"fenxiao/plugins/wechatpay/wxpayfake"
	"fenxiao/plugins/withdrawal"
)

// cancelBill ends a bill the user has not confirmed as CANCELLED at the fake
// WeChat Pay, as WeChat Pay does when the merchant revokes it or the user
// lets it expire unconfirmed.
func (e *env) cancelBill(billNo string) {
	e.t.Helper()
	prov, ok := e.shop.PayoutProvider(wechatpay.Name)
	if !ok {
		e.t.Fatal("no wechatpay payout provider")
	}
	wx, ok := prov.(*wechatpay.Provider)
	if !ok {
		e.t.Fatalf("payout provider is a %T", prov)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := wx.CancelTransfer(ctx, billNo)
	if err != nil || res.State != "cancelled" {
		e.t.Fatalf("cancel bill %s: %+v, %v", billNo, res, err)
	}
	if b, _ := e.fake.Bill(billNo); b.State != "CANCELLED" {
		e.t.Fatalf("bill %s is %s", billNo, b.State)
	}
}

// entries returns "kind amount available/frozen-after actor" for each
// ledger row of the user's wallet.
func (e *env) entries(userId string) []string {
	e.t.Helper()
	w, err := e.app.FindFirstRecordByData(wallet.WalletsCollection, "user", userId)
	if err != nil {
		e.t.Fatal(err)
	}
	list, err := wallet.Entries(e.app, w.Id)
	if err != nil {
		e.t.Fatal(err)
	}
	out := make([]string, len(list))
	for i, en := range list {
		out[i] = en.GetString("kind") + " " + en.GetString("amount") + " " +
			en.GetString("balance_after") + "/" + en.GetString("frozen_after") + " " + en.GetString("actor")
	}
	return out
}

// chain returns the withdrawal's events as "to@actor" in the order their
// from/to links give. Events written in the same millisecond tie on
// "created", so env.events' created,id order is not reliable for them.
func (e *env) chain(id string) []string {
	e.t.Helper()
	list, err := e.app.FindRecordsByFilter(withdrawal.EventsCollection, "withdrawal = {:id}", "created,id", 0, 0, dbx.Params{"id": id})
	if err != nil {
		e.t.Fatal(err)
	}
	byFrom := map[string]*core.Record{}
	for _, ev := range list {
		if byFrom[ev.GetString("from")] != nil {
			e.t.Fatalf("two events leave %q: %v", ev.GetString("from"), e.events(id))
		}
		byFrom[ev.GetString("from")] = ev
	}
	var out []string
	for from := ""; byFrom[from] != nil; from = byFrom[from].GetString("to") {
		out = append(out, byFrom[from].GetString("to")+"@"+byFrom[from].GetString("actor"))
		if len(out) > len(list) {
			e.t.Fatalf("events loop: %v", out)
		}
	}
	if len(out) != len(list) {
		e.t.Fatalf("events do not form one chain: %v of %v", out, e.events(id))
	}
	return out
}

func (e *env) withdrawal(id string) *core.Record {
	e.t.Helper()
	r, err := e.app.FindRecordById(withdrawal.WithdrawalsCollection, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// A WeChat transfer the user never confirms ends CANCELLED at WeChat Pay;
// its notification closes the withdrawal and returns the whole amount (the
// fee is not charged) with one withdraw_release entry. Replays and a late
// contradicting notification change nothing; the audit passes.
func TestUnconfirmedTransferClosedByNotification(t *testing.T) {
	e := setup(t, map[string]any{"withdraw_min": 100, "withdraw_fee_bp": 100})
	alice, aliceTok := e.user("alice@test.local", "oAlice", 5000)

	res := e.request(aliceTok, map[string]any{"amount": 1000, "channel": "wechat"})
	if res.Status != 200 {
		t.Fatalf("request: %d %s", res.Status, res.Raw)
	}
	id := res.Body["id"].(string)
	if res := e.admin(id, "approve", nil); res.Status != 200 || res.Body["status"] != "wait_user_confirm" {
		t.Fatalf("approve: %d %s", res.Status, res.Raw)
	}
	e.wantBalance(alice.Id, 4000, 1000)

	// the user cannot take it back once the transfer is out
	if r := e.c.Do(http.MethodPost, "/api/shop/withdrawals/cancel/"+id, nil, aliceTok); r.Status != 409 || r.Code() != "withdrawal_transition_not_allowed" {
		t.Fatalf("user cancel while waiting for confirmation: %d %s", r.Status, r.Raw)
	}

	e.cancelBill(id)
	for i := 0; i < 2; i++ {
		if code := e.deliver(id); code/100 != 2 {
			t.Fatalf("notification %d answered %d", i, code)
		}
	}
	w := e.withdrawal(id)
	if w.GetString("status") != "closed" || w.GetString("reason") == "" || w.GetString("package_info") != "" || w.GetDateTime("finished_at").IsZero() {
		t.Fatalf("closed withdrawal: status %q reason %q package_info %q finished_at %v",
			w.GetString("status"), w.GetString("reason"), w.GetString("package_info"), w.GetDateTime("finished_at"))
	}
	e.wantBalance(alice.Id, 5000, 0)
	wantEntries := []string{
		"reward 5000 5000/0 system:test",
		"withdraw_hold 1000 4000/1000 user:" + alice.Id,
		"withdraw_release 1000 5000/0 system:notify:wechatpay",
	}
	if got := e.entries(alice.Id); formatList(got) != formatList(wantEntries) {
		t.Fatalf("entries %v, want %v", got, wantEntries)
	}
	wantEvents := []string{
		"pending@user:" + alice.Id,
		"approved@superuser:" + e.su.Id,
		"transferring@system:payout",
		"wait_user_confirm@system:payout",
		"closed@system:notify:wechatpay",
	}
	if got := e.chain(id); formatList(got) != formatList(wantEvents) {
		t.Fatalf("events %v, want %v", got, wantEvents)
	}
	if n := e.fake.TransferredTotal(); n != 0 {
		t.Fatalf("%d transferred for a cancelled bill", n)
	}

	// the user sees it closed, without the stale package_info
	own := e.c.Do(http.MethodGet, "/api/collections/withdrawals/records/"+id, nil, aliceTok)
	if own.Status != 200 || own.Body["status"] != "closed" || own.Body["package_info"] != "" {
		t.Fatalf("own view: %d %s", own.Status, own.Raw)
	}

	// a genuine-looking late notification claiming success is ignored: closed is final
	n, err := e.fake.TransferNotification(id, wxpayfake.WithField("state", "SUCCESS"))
	if err != nil {
		t.Fatal(err)
	}
	rec := e.deliverNotification(n)
	if rec/100 != 2 && rec != http.StatusBadRequest {
		t.Fatalf("late notification answered %d", rec)
	}
	if s := e.status(id); s != "closed" {
		t.Fatalf("status after a late success notification: %s", s)
	}
	// the reconciliation job leaves it alone too
	if r, err := e.shop.RunJob(e.app, "withdrawal_reconcile"); err != nil || r.Summary != "0 in flight, 0 changed" {
		t.Fatalf("reconcile: %+v %v", r, err)
	}
	e.wantBalance(alice.Id, 5000, 0)
	if got := e.entries(alice.Id); len(got) != 3 {
		t.Fatalf("entries after replays %v", got)
	}

	// the returned money can be withdrawn again
	if res := e.request(aliceTok, map[string]any{"amount": 5000, "channel": "wechat"}); res.Status != 200 {
		t.Fatalf("request after close: %d %s", res.Status, res.Raw)
	}
	e.wantBalance(alice.Id, 0, 5000)
	e.audit()
}

// When the CANCELLED notification is lost, withdrawal_reconcile finds the
// cancelled bills, both one waiting for the user and one whose transfer
// answer timed out, closes them and returns the funds.
func TestCancelledTransfersClosedByReconcile(t *testing.T) {
	e := setup(t, map[string]any{"withdraw_min": 100, "withdraw_fee_bp": 50})
	alice, aliceTok := e.user("alice@test.local", "oAlice", 3000)

	waiting := e.request(aliceTok, map[string]any{"amount": 1000, "channel": "wechat"}).Body["id"].(string)
	if res := e.admin(waiting, "approve", nil); res.Body["status"] != "wait_user_confirm" {
		t.Fatalf("approve: %s", res.Raw)
	}
	stuck := e.request(aliceTok, map[string]any{"amount": 2000, "channel": "wechat"}).Body["id"].(string)
	e.fake.TimeoutNextTransfer()
	if res := e.admin(stuck, "approve", nil); res.Body["status"] != "transferring" {
		t.Fatalf("approve with a timeout: %s", res.Raw)
	}
	e.wantBalance(alice.Id, 0, 3000)

	e.cancelBill(waiting)
	e.cancelBill(stuck)
	r, err := e.shop.RunJob(e.app, "withdrawal_reconcile")
	if err != nil || r.Summary != "2 in flight, 2 changed" {
		t.Fatalf("reconcile: %+v %v", r, err)
	}
	for _, id := range []string{waiting, stuck} {
		if s := e.status(id); s != "closed" {
			t.Fatalf("%s: status %s", id, s)
		}
		evs := e.chain(id)
		if last := evs[len(evs)-1]; last != "closed@system:reconcile" {
			t.Fatalf("%s: events %v", id, evs)
		}
	}
	e.wantBalance(alice.Id, 3000, 0)
	got := e.entries(alice.Id)
	releases := 0
	for _, en := range got {
		switch en {
		case "withdraw_release 1000 1000/2000 system:reconcile", "withdraw_release 2000 3000/0 system:reconcile",
			"withdraw_release 2000 2000/1000 system:reconcile", "withdraw_release 1000 3000/0 system:reconcile":
			releases++
		}
	}
	if releases != 2 || len(got) != 5 {
		t.Fatalf("entries %v", got)
	}

	// running again changes nothing
	if r, err := e.shop.RunJob(e.app, "withdrawal_reconcile"); err != nil || r.Summary != "0 in flight, 0 changed" {
		t.Fatalf("second reconcile: %+v %v", r, err)
	}
	e.wantBalance(alice.Id, 3000, 0)
	e.audit()
}

// A pending request the user cancels is closed with the release booked on
// the user's name.
func TestUserCancelClosesWithRelease(t *testing.T) {
	e := setup(t, map[string]any{"withdraw_min": 100, "withdraw_fee_bp": 100})
	alice, aliceTok := e.user("alice@test.local", "oAlice", 2000)
	id := e.request(aliceTok, map[string]any{"amount": 1500, "channel": "bank", "account": bankAccount}).Body["id"].(string)

	if r := e.c.Do(http.MethodPost, "/api/shop/withdrawals/cancel/"+id, nil, aliceTok); r.Status != 200 || r.Body["status"] != "closed" {
		t.Fatalf("cancel: %d %s", r.Status, r.Raw)
	}
	if r := e.c.Do(http.MethodPost, "/api/shop/withdrawals/cancel/"+id, nil, aliceTok); r.Status != 409 {
		t.Fatalf("second cancel: %d %s", r.Status, r.Raw)
	}
	if res := e.admin(id, "approve", nil); res.Status != 409 {
		t.Fatalf("approve a closed one: %d %s", res.Status, res.Raw)
	}
	e.wantBalance(alice.Id, 2000, 0)
	want := []string{
		"reward 2000 2000/0 system:test",
		"withdraw_hold 1500 500/1500 user:" + alice.Id,
		"withdraw_release 1500 2000/0 user:" + alice.Id,
	}
	if got := e.entries(alice.Id); formatList(got) != formatList(want) {
		t.Fatalf("entries %v, want %v", got, want)
	}
	if got := e.chain(id); formatList(got) != formatList([]string{"pending@user:" + alice.Id, "closed@user:" + alice.Id}) {
		t.Fatalf("events %v", got)
	}
	e.audit()
}

// deliverNotification posts a prepared transfer notification.
func (e *env) deliverNotification(n *wxpayfake.Notification) int {
	e.t.Helper()
	rec := httptest.NewRecorder()
	e.c.Handler.ServeHTTP(rec, n.Request("/api/shop/withdrawals/notify/wechatpay"))
	return rec.Code
}
