package wallet_test

import (
	"errors"
	"net/http"
	"sync"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/hooks/wallet"
	"fenxiao/internal/ledger"
	"fenxiao/tests"
)

func TestMain(m *testing.M) { tests.Main(m) }

func post(t *testing.T, app core.App, user, kind string, amount int64, refType, refId string) (*core.Record, error) {
	t.Helper()
	var r *core.Record
	err := app.RunInTransaction(func(txApp core.App) error {
		var err error
		r, err = wallet.Post(txApp, wallet.Posting{UserId: user, Kind: kind, Amount: amount, RefType: refType, RefId: refId, Actor: "system:test", Note: "test"})
		return err
	})
	return r, err
}

func balance(t *testing.T, app core.App, user string) (int64, int64) {
	t.Helper()
	a, f, err := wallet.Balance(app, user)
	if err != nil {
		t.Fatal(err)
	}
	return a, f
}

func TestPostNeedsTransaction(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	u, _ := tests.User(t, app, "a@test.local", nil)
	if _, err := wallet.Post(app, wallet.Posting{UserId: u.Id, Kind: ledger.KindReward, Amount: 100, RefType: "reward", RefId: "r1", Actor: "system:test"}); !errors.Is(err, wallet.ErrNotInTransaction) {
		t.Fatalf("want ErrNotInTransaction, got %v", err)
	}
	if a, f := balance(t, app, u.Id); a != 0 || f != 0 {
		t.Fatalf("balance %d/%d", a, f)
	}
}

func TestPostChainsBalancesAndIdempotency(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	u, _ := tests.User(t, app, "a@test.local", nil)

	steps := []struct {
		kind   string
		amount int64
		ref    string
	}{
		{ledger.KindCommissionFrozen, 1000, "c1"},
		{ledger.KindCommissionSettled, 1000, "c1"},
		{ledger.KindReward, 500, "r1"},
		{ledger.KindWithdrawHold, 1200, "w1"},
		{ledger.KindWithdrawPaid, -1100, "w1"},
		{ledger.KindWithdrawFee, -100, "w1"},
	}
	for _, s := range steps {
		if _, err := post(t, app, u.Id, s.kind, s.amount, "test", s.ref); err != nil {
			t.Fatalf("%s %d: %v", s.kind, s.amount, err)
		}
	}
	if a, f := balance(t, app, u.Id); a != 300 || f != 0 {
		t.Fatalf("balance %d/%d, want 300/0", a, f)
	}

	// the same fact again changes nothing and returns the first entry
	again, err := post(t, app, u.Id, ledger.KindReward, 500, "test", "r1")
	if err != nil {
		t.Fatal(err)
	}
	if again.GetInt("seq") != 3 {
		t.Fatalf("replay returned seq %d, want the original 3", again.GetInt("seq"))
	}
	// the same fact with another amount is a conflict
	_, err = post(t, app, u.Id, ledger.KindReward, 501, "test", "r1")
	var se *shop.Error
	if !errors.As(err, &se) || se.Code != "ledger_ref_conflict" {
		t.Fatalf("want ledger_ref_conflict, got %v", err)
	}

	// a hold above available is refused, nothing changes
	_, err = post(t, app, u.Id, ledger.KindWithdrawHold, 301, "test", "w2")
	if !errors.Is(err, wallet.ErrInsufficientBalance) {
		t.Fatalf("want insufficient_balance, got %v", err)
	}
	// wrong sign
	if _, err := post(t, app, u.Id, ledger.KindPayment, 10, "test", "p1"); err == nil {
		t.Fatal("a positive payment was accepted")
	}

	w, err := app.FindFirstRecordByData(wallet.WalletsCollection, "user", u.Id)
	if err != nil {
		t.Fatal(err)
	}
	if w.GetInt("last_seq") != 6 || w.GetInt("total_earned") != 1500 || w.GetInt("total_withdrawn") != 1200 {
		t.Fatalf("wallet %v", w.FieldsData())
	}
	if n, _ := app.CountRecords(wallet.EntriesCollection); n != 6 {
		t.Fatalf("%d entries, want 6", n)
	}

	// a clawback may leave a debt
	if _, err := post(t, app, u.Id, ledger.KindClawback, -800, "test", "c1"); err != nil {
		t.Fatal(err)
	}
	if a, _ := balance(t, app, u.Id); a != -500 {
		t.Fatalf("available %d, want -500", a)
	}
}

func TestConcurrentPostsKeepTheChain(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	u, _ := tests.User(t, app, "a@test.local", nil)
	if _, err := post(t, app, u.Id, ledger.KindReward, 1000, "test", "seed"); err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := app.RunInTransaction(func(txApp core.App) error {
				_, err := wallet.Post(txApp, wallet.Posting{UserId: u.Id, Kind: ledger.KindWithdrawHold, Amount: 300, RefType: "test", RefId: string(rune('a' + i)), Actor: "system:test"})
				return err
			})
			if err == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if ok != 3 {
		t.Fatalf("%d holds of 300 on 1000 succeeded, want 3", ok)
	}
	if a, f := balance(t, app, u.Id); a != 100 || f != 900 {
		t.Fatalf("balance %d/%d", a, f)
	}
}

func TestWalletsAreReadOnlyOutsideThePackage(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	alice, aliceToken := tests.User(t, app, "alice@test.local", nil)
	bob, bobToken := tests.User(t, app, "bob@test.local", nil)
	_, suToken := tests.Superuser(t, app)
	entry, err := post(t, app, alice.Id, ledger.KindReward, 100, "test", "r1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := post(t, app, bob.Id, ledger.KindReward, 7, "test", "r1"); err != nil {
		t.Fatal(err)
	}
	w, _ := app.FindFirstRecordByData(wallet.WalletsCollection, "user", alice.Id)

	c := tests.NewClient(t, app)

	// own wallet and entries only
	res := c.Do(http.MethodGet, "/api/collections/wallets/records", nil, aliceToken)
	if res.Status != 200 || res.Body["totalItems"].(float64) != 1 {
		t.Fatalf("alice lists wallets: %d %s", res.Status, res.Raw)
	}
	res = c.Do(http.MethodGet, "/api/collections/wallets/records/"+w.Id, nil, bobToken)
	if res.Status != 404 {
		t.Fatalf("bob views alice's wallet: %d", res.Status)
	}
	res = c.Do(http.MethodGet, "/api/collections/wallet_entries/records", nil, bobToken)
	if res.Status != 200 || res.Body["totalItems"].(float64) != 1 {
		t.Fatalf("bob lists entries: %d %s", res.Status, res.Raw)
	}
	res = c.Do(http.MethodGet, "/api/shop/wallet", nil, aliceToken)
	if res.Status != 200 || res.Body["available"].(float64) != 100 {
		t.Fatalf("GET /api/shop/wallet: %d %s", res.Status, res.Raw)
	}

	// nobody writes through the API, superusers (the dashboard) included
	for _, tc := range []struct {
		method, url string
		body        any
		token       string
	}{
		{http.MethodPatch, "/api/collections/wallets/records/" + w.Id, map[string]any{"available": 1000000}, suToken},
		{http.MethodPatch, "/api/collections/wallets/records/" + w.Id, map[string]any{"available": 1000000}, aliceToken},
		{http.MethodDelete, "/api/collections/wallets/records/" + w.Id, nil, suToken},
		{http.MethodPost, "/api/collections/wallets/records", map[string]any{"user": bob.Id, "available": 5}, suToken},
		{http.MethodPatch, "/api/collections/wallet_entries/records/" + entry.Id, map[string]any{"note": "x"}, suToken},
		{http.MethodDelete, "/api/collections/wallet_entries/records/" + entry.Id, nil, suToken},
		{http.MethodPost, "/api/collections/wallet_entries/records", map[string]any{"wallet": w.Id, "user": alice.Id, "seq": 2,
			"kind": "reward", "amount": 5, "ref_type": "x", "ref_id": "y", "actor": "me", "hash": "h"}, suToken},
	} {
		res := c.Do(tc.method, tc.url, tc.body, tc.token)
		if res.Status < 400 {
			t.Errorf("%s %s was allowed: %d %s", tc.method, tc.url, res.Status, res.Raw)
		}
	}

	// nor through Go code
	entry.Set("amount", 1000)
	if err := app.Save(entry); err == nil {
		t.Error("an entry was updated")
	}
	if err := app.Delete(entry); err == nil {
		t.Error("an entry was deleted")
	}
	w.Set("available", 5000)
	if err := app.Save(w); err == nil {
		t.Error("a wallet was updated")
	}

	// the superuser adjustment route books a correction
	res = c.Do(http.MethodPost, "/api/shop/admin/wallets/"+alice.Id+"/adjust", map[string]any{"amount": -150, "note": "纠错", "ref": "fix-1"}, suToken)
	if res.Status != 200 {
		t.Fatalf("adjust: %d %s", res.Status, res.Raw)
	}
	res = c.Do(http.MethodPost, "/api/shop/admin/wallets/"+alice.Id+"/adjust", map[string]any{"amount": -150, "note": "纠错", "ref": "fix-1"}, suToken)
	if res.Status != 200 {
		t.Fatalf("adjust replay: %d %s", res.Status, res.Raw)
	}
	if a, _ := balance(t, app, alice.Id); a != -50 {
		t.Fatalf("available %d after adjustment, want -50", a)
	}
	res = c.Do(http.MethodPost, "/api/shop/admin/wallets/"+alice.Id+"/adjust", map[string]any{"amount": 5, "note": "x"}, aliceToken)
	if res.Status < 400 {
		t.Fatal("a user adjusted a wallet")
	}
}
