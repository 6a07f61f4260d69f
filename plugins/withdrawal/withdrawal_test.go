package withdrawal_test

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/audit"
	"fenxiao/hooks/shop"
	"fenxiao/hooks/wallet"
	"fenxiao/internal/ledger"
	"fenxiao/plugins/wechatpay/wxpayfake"
	"fenxiao/plugins/withdrawal"
	"fenxiao/tests"
)

func TestMain(m *testing.M) { tests.Main(m) }

type env struct {
	t     *testing.T
	app   core.App
	shop  *shop.Shop
	fake  *wxpayfake.Fake
	c     *tests.Client
	su    *core.Record
	suTok string
}

func setup(t *testing.T, settings map[string]any) *env {
	t.Helper()
	return setupWith(t, settings, nil)
}

func (e *env) user(email, openid string, funds int64) (*core.Record, string) {
	e.t.Helper()
	fields := map[string]any{}
	if openid != "" {
		fields["wx_openid"] = openid
	}
	u, tok := tests.User(e.t, e.app, email, fields)
	if funds != 0 {
		e.post(u.Id, ledger.KindReward, funds, "seed")
	}
	return u, tok
}

func (e *env) post(userId, kind string, amount int64, ref string) {
	e.t.Helper()
	err := e.app.RunInTransaction(func(txApp core.App) error {
		_, err := wallet.Post(txApp, wallet.Posting{UserId: userId, Kind: kind, Amount: amount, RefType: "test", RefId: ref, Actor: "system:test"})
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) balance(userId string) (int64, int64) {
	e.t.Helper()
	a, f, err := shop.WalletBalance(e.app, userId)
	if err != nil {
		e.t.Fatal(err)
	}
	return a, f
}

func (e *env) wantBalance(userId string, available, frozen int64) {
	e.t.Helper()
	if a, f := e.balance(userId); a != available || f != frozen {
		e.t.Fatalf("balance %d/%d, want %d/%d", a, f, available, frozen)
	}
}

func (e *env) request(token string, body map[string]any) *tests.Response {
	e.t.Helper()
	return e.c.Do(http.MethodPost, "/api/shop/withdrawals", body, token)
}

func (e *env) admin(id, action string, body any) *tests.Response {
	e.t.Helper()
	return e.c.Do(http.MethodPost, "/api/shop/admin/withdrawals/"+id+"/"+action, body, e.suTok)
}

func (e *env) status(id string) string {
	e.t.Helper()
	r, err := e.app.FindRecordById(withdrawal.WithdrawalsCollection, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return r.GetString("status")
}

func (e *env) audit() {
	e.t.Helper()
	rep, err := audit.Run(e.app)
	if err != nil {
		e.t.Fatal(err)
	}
	if !rep.OK() {
		e.t.Fatalf("audit failed:\n%s", rep)
	}
}

// deliver posts a transfer notification like WeChat Pay does.
func (e *env) deliver(billNo string) int {
	e.t.Helper()
	n, err := e.fake.TransferNotification(billNo)
	if err != nil {
		e.t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	e.c.Handler.ServeHTTP(rec, n.Request("/api/shop/withdrawals/notify/wechatpay"))
	return rec.Code
}

func (e *env) events(id string) []string {
	e.t.Helper()
	list, err := e.app.FindRecordsByFilter(withdrawal.EventsCollection, "withdrawal = {:id}", "created,id", 0, 0, dbx.Params{"id": id})
	if err != nil {
		e.t.Fatal(err)
	}
	out := make([]string, len(list))
	for i, ev := range list {
		out[i] = ev.GetString("to") + "@" + ev.GetString("actor")
	}
	return out
}

var bankAccount = map[string]any{"name": "张三", "bank": "招商银行", "number": "6225 8801 2345 6789"}

func TestRequestRules(t *testing.T) {
	e := setup(t, map[string]any{"withdraw_min": 100, "withdraw_fee_bp": 100, "withdraw_daily_limit": 3})
	alice, aliceTok := e.user("alice@test.local", "oAlice", 10000)
	_, noWxTok := e.user("nowx@test.local", "", 10000)

	cases := []struct {
		name   string
		token  string
		body   map[string]any
		status int
		code   string
	}{
		{"below the minimum", aliceTok, map[string]any{"amount": 99, "channel": "wechat"}, 400, "withdraw_below_min"},
		{"zero", aliceTok, map[string]any{"amount": 0, "channel": "wechat"}, 400, "invalid_amount"},
		{"unknown channel", aliceTok, map[string]any{"amount": 100, "channel": "alipay"}, 400, "invalid_channel"},
		{"bad bank account", aliceTok, map[string]any{"amount": 100, "channel": "bank", "account": map[string]any{"name": "x", "bank": "y", "number": "12ab"}}, 400, "invalid_account"},
		{"no openid", noWxTok, map[string]any{"amount": 100, "channel": "wechat"}, 400, "wechat_not_bound"},
		{"more than the balance", aliceTok, map[string]any{"amount": 10001, "channel": "wechat"}, 409, "insufficient_balance"},
	}
	for _, tc := range cases {
		res := e.request(tc.token, tc.body)
		if res.Status != tc.status || res.Code() != tc.code {
			t.Errorf("%s: %d %s, want %d %s", tc.name, res.Status, res.Raw, tc.status, tc.code)
		}
	}
	if n, _ := e.app.CountRecords(withdrawal.WithdrawalsCollection); n != 0 {
		t.Fatalf("%d withdrawals after refusals", n)
	}
	e.wantBalance(alice.Id, 10000, 0)

	// fee = floor(amount × 1%), payout = amount − fee
	res := e.request(aliceTok, map[string]any{"amount": 1999, "channel": "bank", "account": bankAccount, "fee": 0, "payout": 1999})
	if res.Status != 200 {
		t.Fatalf("request: %d %s", res.Status, res.Raw)
	}
	if res.Body["fee"].(float64) != 19 || res.Body["payout"].(float64) != 1980 || res.Body["status"] != "pending" {
		t.Fatalf("fee/payout: %s", res.Raw)
	}
	if _, leaked := res.Body["account_number"]; leaked {
		t.Fatalf("full card number exposed: %s", res.Raw)
	}
	if acc := res.Body["account"].(map[string]any); acc["number"] != "**** 6789" {
		t.Fatalf("account: %v", acc)
	}
	stored, _ := e.app.FindRecordById(withdrawal.WithdrawalsCollection, res.Body["id"].(string))
	if stored.GetString("account_number") != "6225880123456789" {
		t.Fatalf("hidden number %q", stored.GetString("account_number"))
	}
	e.wantBalance(alice.Id, 10000-1999, 1999)

	// daily limit: 3 a day
	for i := 0; i < 2; i++ {
		if res := e.request(aliceTok, map[string]any{"amount": 100, "channel": "wechat"}); res.Status != 200 {
			t.Fatalf("request %d: %d %s", i, res.Status, res.Raw)
		}
	}
	if res := e.request(aliceTok, map[string]any{"amount": 100, "channel": "wechat"}); res.Status != 429 || res.Code() != "withdraw_daily_limit" {
		t.Fatalf("fourth request: %d %s", res.Status, res.Raw)
	}

	// a debt blocks every withdrawal
	bob, bobTok := e.user("bob@test.local", "oBob", 500)
	e.post(bob.Id, ledger.KindClawback, -600, "claw")
	if res := e.request(bobTok, map[string]any{"amount": 100, "channel": "wechat"}); res.Status != 409 || res.Code() != "wallet_in_debt" {
		t.Fatalf("debt: %d %s", res.Status, res.Raw)
	}

	// the user sees only their own withdrawals
	list := e.c.Do(http.MethodGet, "/api/collections/withdrawals/records", nil, bobTok)
	if list.Status != 200 || list.Body["totalItems"].(float64) != 0 {
		t.Fatalf("bob lists: %d %s", list.Status, list.Raw)
	}

	// the user cancels a pending request: the money comes back
	id := res.Body["id"].(string)
	if r := e.c.Do(http.MethodPost, "/api/shop/withdrawals/cancel/"+id, nil, bobTok); r.Status != 404 {
		t.Fatalf("bob cancels alice's: %d", r.Status)
	}
	if r := e.c.Do(http.MethodPost, "/api/shop/withdrawals/cancel/"+id, nil, aliceTok); r.Status != 200 || r.Body["status"] != "closed" {
		t.Fatalf("cancel: %d %s", r.Status, r.Raw)
	}
	e.wantBalance(alice.Id, 10000-200, 200)
	e.audit()
}

func TestParallelRequestsHoldOnce(t *testing.T) {
	e := setup(t, map[string]any{"withdraw_min": 100, "withdraw_daily_limit": 100})
	alice, aliceTok := e.user("alice@test.local", "oAlice", 1000)

	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := e.request(aliceTok, map[string]any{"amount": 1000, "channel": "wechat"})
			mu.Lock()
			codes[res.Status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if codes[200] != 1 || codes[409] != 49 {
		t.Fatalf("status counts %v, want one 200 and 49 409", codes)
	}
	e.wantBalance(alice.Id, 0, 1000)
	e.audit()
}

func TestWechatTransferToPaid(t *testing.T) {
	e := setup(t, map[string]any{"withdraw_min": 100, "withdraw_fee_bp": 100})
	alice, aliceTok := e.user("alice@test.local", "oAlice", 5000)

	res := e.request(aliceTok, map[string]any{"amount": 1000, "channel": "wechat", "account": map[string]any{"real_name": "张三"}})
	if res.Status != 200 {
		t.Fatalf("request: %d %s", res.Status, res.Raw)
	}
	id := res.Body["id"].(string)

	// a user cannot review
	if r := e.c.Do(http.MethodPost, "/api/shop/admin/withdrawals/"+id+"/approve", nil, aliceTok); r.Status < 400 {
		t.Fatal("a user approved a withdrawal")
	}

	res = e.admin(id, "approve", nil)
	if res.Status != 200 || res.Body["status"] != "wait_user_confirm" || res.Body["package_info"] == "" {
		t.Fatalf("approve: %d %s", res.Status, res.Raw)
	}
	bill, ok := e.fake.Bill(id)
	if !ok || bill.Amount != 990 || bill.OpenID != "oAlice" || bill.UserName != "张三" {
		t.Fatalf("bill %+v", bill)
	}
	// the user reads package_info for wx.requestMerchantTransfer
	own := e.c.Do(http.MethodGet, "/api/collections/withdrawals/records/"+id, nil, aliceTok)
	if own.Status != 200 || own.Body["package_info"] != bill.PackageInfo {
		t.Fatalf("own view: %d %s", own.Status, own.Raw)
	}
	e.wantBalance(alice.Id, 4000, 1000)

	// the user confirms in WeChat; WeChat Pay notifies (twice)
	if err := e.fake.ConfirmTransfer(id); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if code := e.deliver(id); code/100 != 2 {
			t.Fatalf("notification %d answered %d", i, code)
		}
	}
	if s := e.status(id); s != "paid" {
		t.Fatalf("status %s", s)
	}
	e.wantBalance(alice.Id, 4000, 0)
	w, _ := e.app.FindFirstRecordByData(wallet.WalletsCollection, "user", alice.Id)
	if w.GetInt("total_withdrawn") != 1000 {
		t.Fatalf("total_withdrawn %d", w.GetInt("total_withdrawn"))
	}
	entries, _ := wallet.Entries(e.app, w.Id)
	kinds := make([]string, 0, len(entries))
	for _, en := range entries {
		kinds = append(kinds, en.GetString("kind"))
	}
	want := "[reward withdraw_hold withdraw_paid withdraw_fee]"
	if got := formatList(kinds); got != want {
		t.Fatalf("entries %s, want %s", got, want)
	}

	wantEvents := []string{
		"pending@user:" + alice.Id,
		"approved@superuser:" + e.su.Id,
		"transferring@system:payout",
		"wait_user_confirm@system:payout",
		"paid@system:notify:wechatpay",
	}
	if got := e.chain(id); formatList(got) != formatList(wantEvents) {
		t.Fatalf("events %v, want %v", got, wantEvents)
	}
	if e.fake.TransferredTotal() != 990 {
		t.Fatalf("transferred %d", e.fake.TransferredTotal())
	}

	// a forged notification is refused
	n, _ := e.fake.TransferNotification(id, wxpayfake.ForgedSignature())
	rec := httptest.NewRecorder()
	e.c.Handler.ServeHTTP(rec, n.Request("/api/shop/withdrawals/notify/wechatpay"))
	if rec.Code/100 == 2 {
		t.Fatal("a forged notification was accepted")
	}
	e.audit()
}

func TestTransferRetriedAfterTimeoutPaysOnce(t *testing.T) {
	e := setup(t, map[string]any{"withdraw_min": 100})
	alice, aliceTok := e.user("alice@test.local", "oAlice", 3000)
	res := e.request(aliceTok, map[string]any{"amount": 3000, "channel": "wechat"})
	if res.Status != 200 {
		t.Fatalf("request: %d %s", res.Status, res.Raw)
	}
	id := res.Body["id"].(string)

	// WeChat Pay creates the bill but the answer never comes
	e.fake.TimeoutNextTransfer()
	res = e.admin(id, "approve", nil)
	if res.Status != 200 || res.Body["status"] != "transferring" {
		t.Fatalf("approve with a timeout: %d %s", res.Status, res.Raw)
	}

	// the merchant retries by hand, then the job asks: still one bill
	res = e.admin(id, "transfer", nil)
	if res.Status != 200 || res.Body["status"] != "wait_user_confirm" {
		t.Fatalf("retry: %d %s", res.Status, res.Raw)
	}
	if _, err := e.shop.RunJob(e.app, "withdrawal_reconcile"); err != nil {
		t.Fatal(err)
	}
	if n := len(e.fake.Bills()); n != 1 || e.fake.TransferredTotal() != 3000 {
		t.Fatalf("%d bills, %d transferred", n, e.fake.TransferredTotal())
	}

	// confirmed, but the notification is lost: the job finds out
	if err := e.fake.ConfirmTransfer(id); err != nil {
		t.Fatal(err)
	}
	r, err := e.shop.RunJob(e.app, "withdrawal_reconcile")
	if err != nil || r.Summary != "1 in flight, 1 changed" {
		t.Fatalf("reconcile: %+v %v", r, err)
	}
	if s := e.status(id); s != "paid" {
		t.Fatalf("status %s", s)
	}
	e.wantBalance(alice.Id, 0, 0)
	e.audit()
}

func TestRejectAndFailReturnFunds(t *testing.T) {
	e := setup(t, map[string]any{"withdraw_min": 100, "withdraw_fee_bp": 50})
	alice, aliceTok := e.user("alice@test.local", "oAlice", 3000)

	a := e.request(aliceTok, map[string]any{"amount": 1000, "channel": "bank", "account": bankAccount}).Body["id"].(string)
	if res := e.admin(a, "reject", map[string]any{"reason": " "}); res.Status != 400 || res.Code() != "reason_required" {
		t.Fatalf("reject without reason: %d %s", res.Status, res.Raw)
	}
	if res := e.admin(a, "reject", map[string]any{"reason": "卡号有误"}); res.Status != 200 || res.Body["status"] != "rejected" {
		t.Fatalf("reject: %d %s", res.Status, res.Raw)
	}
	e.wantBalance(alice.Id, 3000, 0)
	// final
	if res := e.admin(a, "approve", nil); res.Status != 409 {
		t.Fatalf("approve a rejected one: %d %s", res.Status, res.Raw)
	}

	// a WeChat transfer that fails gives the money back
	b := e.request(aliceTok, map[string]any{"amount": 2000, "channel": "wechat"}).Body["id"].(string)
	if res := e.admin(b, "approve", nil); res.Body["status"] != "wait_user_confirm" {
		t.Fatalf("approve: %s", res.Raw)
	}
	if err := e.fake.FailTransfer(b, "ACCOUNT_FROZEN"); err != nil {
		t.Fatal(err)
	}
	if code := e.deliver(b); code/100 != 2 {
		t.Fatalf("notify: %d", code)
	}
	if s := e.status(b); s != "failed" {
		t.Fatalf("status %s", s)
	}
	e.wantBalance(alice.Id, 3000, 0)

	// a bank withdrawal the merchant paid by hand
	c := e.request(aliceTok, map[string]any{"amount": 1000, "channel": "bank", "account": bankAccount}).Body["id"].(string)
	if res := e.admin(c, "paid", nil); res.Status != 409 {
		t.Fatalf("paid before approval: %d %s", res.Status, res.Raw)
	}
	e.admin(c, "approve", nil)
	if res := e.admin(c, "paid", nil); res.Status != 200 || res.Body["status"] != "paid" {
		t.Fatalf("paid: %d %s", res.Status, res.Raw)
	}
	e.wantBalance(alice.Id, 2000, 0)
	e.audit()
}

func TestDashboardTransitions(t *testing.T) {
	e := setup(t, map[string]any{"withdraw_min": 100})
	alice, aliceTok := e.user("alice@test.local", "oAlice", 5000)
	id := e.request(aliceTok, map[string]any{"amount": 1000, "channel": "bank", "account": bankAccount}).Body["id"].(string)
	url := "/api/collections/withdrawals/records/" + id

	refused := []map[string]any{
		{"status": "paid"},
		{"status": "transferring"},
		{"status": "wait_user_confirm"},
		{"status": "closed"},
		{"amount": 10},
		{"payout": 5000},
		{"user": alice.Id, "account": map[string]any{"number": "1"}},
		{"transfer_id": "x"},
		{"status": "rejected"}, // no reason
	}
	for _, body := range refused {
		if res := e.c.Do(http.MethodPatch, url, body, e.suTok); res.Status < 400 {
			t.Errorf("dashboard edit %v allowed: %s", body, res.Raw)
		}
	}
	if s := e.status(id); s != "pending" {
		t.Fatalf("status %s", s)
	}
	// users can't edit at all; nobody deletes or creates by hand
	if res := e.c.Do(http.MethodPatch, url, map[string]any{"status": "approved"}, aliceTok); res.Status < 400 {
		t.Fatal("a user approved their own withdrawal")
	}
	if res := e.c.Do(http.MethodDelete, url, nil, e.suTok); res.Status < 400 {
		t.Fatal("a withdrawal was deleted")
	}
	if res := e.c.Do(http.MethodPost, "/api/collections/withdrawals/records", map[string]any{
		"user": alice.Id, "amount": 100, "fee": 0, "payout": 100, "channel": "bank", "status": "pending", "day": "2026-01-01"}, e.suTok); res.Status < 400 {
		t.Fatal("a withdrawal was created by hand")
	}
	evs, _ := e.app.FindRecordsByFilter(withdrawal.EventsCollection, "withdrawal = {:id}", "", 0, 0, dbx.Params{"id": id})
	if res := e.c.Do(http.MethodDelete, "/api/collections/withdrawal_events/records/"+evs[0].Id, nil, e.suTok); res.Status < 400 {
		t.Fatal("an event was deleted")
	}

	// the allowed review: approve, then mark the bank transfer paid
	if res := e.c.Do(http.MethodPatch, url, map[string]any{"status": "approved"}, e.suTok); res.Status != 200 {
		t.Fatalf("dashboard approve: %d %s", res.Status, res.Raw)
	}
	if res := e.c.Do(http.MethodPatch, url, map[string]any{"status": "paid"}, e.suTok); res.Status != 200 {
		t.Fatalf("dashboard paid: %d %s", res.Status, res.Raw)
	}
	if res := e.c.Do(http.MethodPatch, url, map[string]any{"status": "rejected", "reason": "late"}, e.suTok); res.Status < 400 {
		t.Fatal("a paid withdrawal was rejected")
	}
	wantEvents := []string{"pending@user:" + alice.Id, "approved@superuser:" + e.su.Id, "paid@superuser:" + e.su.Id}
	if got := e.chain(id); formatList(got) != formatList(wantEvents) {
		t.Fatalf("events %v, want %v", got, wantEvents)
	}
	e.wantBalance(alice.Id, 4000, 0)

	// dashboard rejection returns the funds
	id2 := e.request(aliceTok, map[string]any{"amount": 1000, "channel": "wechat"}).Body["id"].(string)
	if res := e.c.Do(http.MethodPatch, "/api/collections/withdrawals/records/"+id2, map[string]any{"status": "rejected", "reason": "风控"}, e.suTok); res.Status != 200 {
		t.Fatalf("dashboard reject: %d %s", res.Status, res.Raw)
	}
	e.wantBalance(alice.Id, 4000, 0)

	// Go code is held to the same machine
	r, _ := e.app.FindRecordById(withdrawal.WithdrawalsCollection, id2)
	r.Set("status", "approved")
	if err := e.app.Save(r); err == nil {
		t.Fatal("a rejected withdrawal was approved from Go")
	}
	e.audit()
}

func formatList(s []string) string {
	out := "["
	for i, v := range s {
		if i > 0 {
			out += " "
		}
		out += v
	}
	return out + "]"
}
