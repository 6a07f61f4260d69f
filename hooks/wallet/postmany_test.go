package wallet_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/hooks/wallet"
	"fenxiao/internal/ledger"
	"fenxiao/tests"
)

func postMany(t *testing.T, app core.App, postings []wallet.Posting) ([]wallet.Posted, error) {
	t.Helper()
	var res []wallet.Posted
	err := app.RunInTransaction(func(txApp core.App) error {
		var err error
		res, err = wallet.PostMany(txApp, postings)
		return err
	})
	return res, err
}

// chain is what an entry says about the money, without ids and times.
func chain(t *testing.T, app core.App, user string) []string {
	t.Helper()
	w, err := app.FindFirstRecordByData(wallet.WalletsCollection, "user", user)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := wallet.Entries(app, w.Id)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, 0, 1+len(entries))
	out = append(out, fmt.Sprintf("wallet %d/%d earned %d withdrawn %d seq %d",
		w.GetInt("available"), w.GetInt("frozen"), w.GetInt("total_earned"), w.GetInt("total_withdrawn"), w.GetInt("last_seq")))
	for _, e := range entries {
		out = append(out, fmt.Sprintf("%d %s %d → %d/%d %s/%s %s %q first=%v",
			e.GetInt("seq"), e.GetString("kind"), e.GetInt("amount"), e.GetInt("balance_after"), e.GetInt("frozen_after"),
			e.GetString("ref_type"), e.GetString("ref_id"), e.GetString("actor"), e.GetString("note"), e.GetString("prev_hash") == ""))
	}
	return out
}

func TestPostManyEqualsPost(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	var viaPost, viaMany [3]string
	for i := range 3 {
		a, _ := tests.User(t, app, fmt.Sprintf("p%d@test.local", i), nil)
		b, _ := tests.User(t, app, fmt.Sprintf("m%d@test.local", i), nil)
		viaPost[i], viaMany[i] = a.Id, b.Id
	}
	// user 0 already has entries, users 1 and 2 get their wallet on the way
	for _, u := range []string{viaPost[0], viaMany[0]} {
		if _, err := post(t, app, u, ledger.KindCommissionFrozen, 5000, "commission", "c0"); err != nil {
			t.Fatal(err)
		}
	}

	steps := func(users [3]string) []wallet.Posting {
		return []wallet.Posting{
			{UserId: users[0], Kind: ledger.KindCommissionSettled, Amount: 3000, RefType: "commission_settlement", RefId: "b1", Actor: "system:test", Note: "settle"},
			{UserId: users[1], Kind: ledger.KindReward, Amount: 700, RefType: "reward", RefId: "r1", Actor: "system:test", Note: "奖励"},
			{UserId: users[0], Kind: ledger.KindCommissionSettled, Amount: 2000, RefType: "commission_settlement", RefId: "b2", Actor: "system:test"},
			{UserId: users[2], Kind: ledger.KindAdjustment, Amount: -50, RefType: "adjustment", RefId: "a1", Actor: "superuser:x", Note: "debt"},
			{UserId: users[1], Kind: ledger.KindWithdrawHold, Amount: 600, RefType: "test_withdrawal", RefId: "w1", Actor: "user:x"},
			{UserId: users[1], Kind: ledger.KindWithdrawPaid, Amount: -550, RefType: "test_withdrawal", RefId: "w1", Actor: "system:test"},
			{UserId: users[1], Kind: ledger.KindWithdrawFee, Amount: -50, RefType: "test_withdrawal", RefId: "w1", Actor: "system:test"},
			// the same fact twice in one call is booked once
			{UserId: users[1], Kind: ledger.KindReward, Amount: 700, RefType: "reward", RefId: "r1", Actor: "system:test", Note: "奖励"},
		}
	}

	err := app.RunInTransaction(func(txApp core.App) error {
		for _, p := range steps(viaPost) {
			if _, err := wallet.Post(txApp, wallet.Posting{UserId: p.UserId, Kind: p.Kind, Amount: p.Amount, RefType: p.RefType, RefId: p.RefId, Actor: p.Actor, Note: p.Note}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := postMany(t, app, steps(viaMany))
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 8 || res[0].Seq != 2 || res[2].Seq != 3 || !res[7].Existing || res[7].EntryId != res[1].EntryId || res[1].Existing {
		t.Fatalf("results %+v", res)
	}

	// and the chains go on with Post
	for _, u := range []string{viaPost[2], viaMany[2]} {
		if _, err := post(t, app, u, ledger.KindReward, 80, "reward", "r2"); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		got, want := chain(t, app, viaMany[i]), chain(t, app, viaPost[i])
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("user %d:\nPostMany %q\nPost     %q", i, got, want)
		}
	}
}

func TestPostManyIsIdempotentAndAllOrNothing(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	a, _ := tests.User(t, app, "a@test.local", nil)
	b, _ := tests.User(t, app, "b@test.local", nil)

	if _, err := wallet.PostMany(app, []wallet.Posting{{UserId: a.Id, Kind: ledger.KindReward, Amount: 1, RefType: "t", RefId: "1", Actor: "system:test"}}); !errors.Is(err, wallet.ErrNotInTransaction) {
		t.Fatalf("want ErrNotInTransaction, got %v", err)
	}

	batch := []wallet.Posting{
		{UserId: a.Id, Kind: ledger.KindReward, Amount: 1000, RefType: "batch", RefId: "x1", Actor: "system:test"},
		{UserId: b.Id, Kind: ledger.KindReward, Amount: 2000, RefType: "batch", RefId: "x1", Actor: "system:test"},
	}
	first, err := postMany(t, app, batch)
	if err != nil {
		t.Fatal(err)
	}
	// a rerun books nothing and returns the first entries
	again, err := postMany(t, app, batch)
	if err != nil {
		t.Fatal(err)
	}
	for i := range again {
		if !again[i].Existing || again[i].EntryId != first[i].EntryId {
			t.Fatalf("rerun %d: %+v, first %+v", i, again[i], first[i])
		}
	}
	count := func() int64 {
		n, err := app.CountRecords(wallet.EntriesCollection)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != 2 {
		t.Fatalf("%d entries, want 2", n)
	}

	// one refused posting refuses the whole call: nothing is written
	refused := []struct {
		name     string
		postings []wallet.Posting
		check    func(error) bool
	}{
		{"conflict", []wallet.Posting{
			{UserId: a.Id, Kind: ledger.KindReward, Amount: 5, RefType: "batch", RefId: "x2", Actor: "system:test"},
			{UserId: b.Id, Kind: ledger.KindReward, Amount: 2001, RefType: "batch", RefId: "x1", Actor: "system:test"},
		}, func(err error) bool {
			var se *shop.Error
			return errors.As(err, &se) && se.Code == "ledger_ref_conflict"
		}},
		{"insufficient", []wallet.Posting{
			{UserId: a.Id, Kind: ledger.KindReward, Amount: 5, RefType: "batch", RefId: "x3", Actor: "system:test"},
			{UserId: b.Id, Kind: ledger.KindWithdrawHold, Amount: 2001, RefType: "withdrawal", RefId: "w9", Actor: "system:test"},
		}, func(err error) bool { return errors.Is(err, wallet.ErrInsufficientBalance) }},
		{"sign", []wallet.Posting{
			{UserId: a.Id, Kind: ledger.KindPayment, Amount: 5, RefType: "order", RefId: "o1", Actor: "system:test"},
		}, func(err error) bool { return err != nil }},
		{"unknown kind", []wallet.Posting{
			{UserId: a.Id, Kind: "gift", Amount: 5, RefType: "order", RefId: "o1", Actor: "system:test"},
		}, func(err error) bool { return err != nil }},
		{"missing ref", []wallet.Posting{
			{UserId: a.Id, Kind: ledger.KindReward, Amount: 5, RefType: "order", Actor: "system:test"},
		}, func(err error) bool { return err != nil }},
	}
	for _, r := range refused {
		if _, err := postMany(t, app, r.postings); !r.check(err) {
			t.Fatalf("%s: unexpected error %v", r.name, err)
		}
		if n := count(); n != 2 {
			t.Fatalf("%s: %d entries, want 2", r.name, n)
		}
		if av, _ := balance(t, app, a.Id); av != 1000 {
			t.Fatalf("%s: a has %d", r.name, av)
		}
	}
}

// TestNewRefSkipsOnlyTheLookup: a NewRef posting books like any other,
// and one whose ref is in fact booked already is refused by the unique
// ref index (through PostRecords and Post alike), never booked twice.
func TestNewRefSkipsOnlyTheLookup(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	a, _ := tests.User(t, app, "a@test.local", nil)
	p := wallet.Posting{UserId: a.Id, Kind: ledger.KindReward, Amount: 700, RefType: "test", RefId: "n1", Actor: "system:test", NewRef: true}
	post := func(records bool) error {
		return app.RunInTransaction(func(txApp core.App) error {
			if records {
				_, err := wallet.PostRecords(txApp, []wallet.Posting{p})
				return err
			}
			_, err := wallet.Post(txApp, p)
			return err
		})
	}
	if err := post(true); err != nil {
		t.Fatal(err)
	}
	for _, records := range []bool{true, false} {
		if err := post(records); err == nil {
			t.Fatalf("records %v: a second NewRef posting of a booked ref was accepted", records)
		}
	}
	got := chain(t, app, a.Id)
	if len(got) != 2 || got[0] != "wallet 700/0 earned 700 withdrawn 0 seq 1" {
		t.Fatalf("chain: %q", got)
	}
}
