package ledger

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// chain builds a valid wallet ledger from (kind, amount) pairs.
func chain(t testing.TB, wallet string, moves ...any) []Entry {
	t.Helper()
	var (
		out               []Entry
		available, frozen int64
	)
	for i := 0; i < len(moves); i += 2 {
		kind, amount := moves[i].(string), int64(moves[i+1].(int))
		a, f, err := Apply(kind, amount, available, frozen)
		if err != nil {
			t.Fatalf("building chain: %v", err)
		}
		available, frozen = a, f
		var prev *Entry
		if len(out) > 0 {
			prev = &out[len(out)-1]
		}
		out = append(out, Next(prev, Entry{
			WalletId:     wallet,
			Kind:         kind,
			Amount:       amount,
			BalanceAfter: a,
			FrozenAfter:  f,
			RefType:      "commission",
			RefId:        "ref" + string(rune('a'+i/2)),
			Actor:        "system",
			CreatedAt:    "2026-03-01T08:00:00Z",
		}))
	}
	return out
}

// goodChain exercises every kind and ends at available 600, frozen 0.
func goodChain(t testing.TB) []Entry {
	return chain(t, "w1",
		KindCommissionFrozen, 3270, // f 3270
		KindCommissionFrozen, 500, // f 3770
		KindCommissionSettled, 3270, // a 3270, f 500
		KindCommissionCancelled, -500, // f 0
		KindWithdrawHold, 3000, // a 270, f 3000
		KindWithdrawPaid, -2970, // f 30
		KindWithdrawFee, -30, // f 0
		KindReward, 100, // a 370
		KindPayment, -370, // a 0
		KindClawback, -327, // a −327: a debt, not a silent loss
		KindRefundToBalance, 1000, // a 673
		KindWithdrawHold, 600, // a 73, f 600
		KindWithdrawRelease, 600, // a 673, f 0
		KindAdjustment, -73, // a 600
	)
}

func TestVerify(t *testing.T) {
	cases := []struct {
		name     string
		mutate   func([]Entry) []Entry
		balance  int64
		frozen   int64
		wantCode string
		wantSeq  int64
	}{
		{"good chain", nil, 600, 0, "", 0},
		{"empty ledger, empty wallet", func([]Entry) []Entry { return nil }, 0, 0, "", 0},
		{"empty ledger, wallet with money", func([]Entry) []Entry { return nil }, 1, 0, CodeFinalMismatch, 0},
		{
			"edited amount",
			func(es []Entry) []Entry { es[2].Amount = 4270; return es },
			600, 0, CodeHashMismatch, 3,
		},
		{
			"edited amount, rehashed",
			func(es []Entry) []Entry { es[2].Amount = 4270; es[2].Hash = HashEntry(es[2]); return es },
			600, 0, CodeNegativeFrozen, 3,
		},
		{
			"edited reference, rehashed",
			func(es []Entry) []Entry { es[2].RefId = "other"; es[2].Hash = HashEntry(es[2]); return es },
			600, 0, CodePrevHashMismatch, 4,
		},
		{
			"edited balance",
			func(es []Entry) []Entry { es[7].BalanceAfter += 10000; return es },
			600, 0, CodeHashMismatch, 8,
		},
		{
			"edited actor",
			func(es []Entry) []Entry { es[4].Actor = "admin"; return es },
			600, 0, CodeHashMismatch, 5,
		},
		{
			"whole tail rewritten with consistent hashes but wrong balances",
			func(es []Entry) []Entry {
				es[7].Amount = 10100 // reward of ¥101 instead of ¥1
				for i := 7; i < len(es); i++ {
					es[i] = Next(&es[i-1], es[i])
				}
				return es
			},
			600, 0, CodeBalanceMismatch, 8,
		},
		{
			"deleted middle row",
			func(es []Entry) []Entry { return slices.Delete(es, 5, 6) },
			600, 0, CodeSeqGap, 7,
		},
		{
			"deleted last row",
			func(es []Entry) []Entry { return es[:len(es)-1] },
			600, 0, CodeFinalMismatch, 13,
		},
		{
			"deleted first row",
			func(es []Entry) []Entry { return es[1:] },
			600, 0, CodeSeqGap, 2,
		},
		{
			"reordered rows",
			func(es []Entry) []Entry { es[3], es[4] = es[4], es[3]; return es },
			600, 0, CodeSeqGap, 5,
		},
		{
			"reordered rows with seq renumbered",
			func(es []Entry) []Entry {
				es[3], es[4] = es[4], es[3]
				es[3].Seq, es[4].Seq = 4, 5
				return es
			},
			600, 0, CodePrevHashMismatch, 4,
		},
		{
			"row from another wallet",
			func(es []Entry) []Entry { es[6].WalletId = "w2"; return es },
			600, 0, CodeWalletMismatch, 7,
		},
		{"wrong final balance", nil, 700, 0, CodeFinalMismatch, 14},
		{"wrong final frozen", nil, 600, 1, CodeFinalMismatch, 14},
	}

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			entries := goodChain(t)
			if c.mutate != nil {
				entries = c.mutate(entries)
			}
			err := Verify(entries, c.balance, c.frozen)
			if c.wantCode == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var ve *Error
			if !errors.As(err, &ve) {
				t.Fatalf("want *Error %s, got %v", c.wantCode, err)
			}
			if ve.Code() != c.wantCode || ve.Seq != c.wantSeq {
				t.Fatalf("got %s at seq %d (%v), want %s at seq %d", ve.Code(), ve.Seq, err, c.wantCode, c.wantSeq)
			}
			if !strings.Contains(err.Error(), "seq") {
				t.Fatalf("message does not name the entry: %v", err)
			}
		})
	}
}

func TestVerifyRejectsImpossibleMoves(t *testing.T) {
	cases := []struct {
		name   string
		kind   string
		amount int64
		code   string
	}{
		{"unknown kind", "gift", 100, CodeUnknownKind},
		{"zero amount", KindReward, 0, CodeBadAmount},
		{"positive clawback", KindClawback, 100, CodeBadAmount},
		{"negative commission", KindCommissionFrozen, -100, CodeBadAmount},
		{"settle more than frozen", KindCommissionSettled, 501, CodeNegativeFrozen},
		{"hold more than available", KindWithdrawHold, 1001, CodeInsufficientBalance},
		{"pay more than available", KindPayment, -1001, CodeInsufficientBalance},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// start at available 1000, frozen 500
			es := chain(t, "w1", KindReward, 1000, KindCommissionFrozen, 500)
			bad := Entry{WalletId: "w1", Kind: c.kind, Amount: c.amount, BalanceAfter: 1000, FrozenAfter: 500, CreatedAt: "2026-03-01T08:00:00Z"}
			es = append(es, Next(&es[1], bad))

			err := Verify(es, 1000, 500)
			var ve *Error
			if !errors.As(err, &ve) || ve.Code() != c.code || ve.Seq != 3 || ve.Index != 2 {
				t.Fatalf("got %v, want %s at seq 3", err, c.code)
			}
		})
	}
}

func TestApply(t *testing.T) {
	cases := []struct {
		kind           string
		amount         int64
		wantA, wantF   int64
		wantErrorCode  string
		startA, startF int64
	}{
		{KindCommissionFrozen, 100, 50, 100, "", 50, 0},
		{KindCommissionSettled, 100, 150, 0, "", 50, 100},
		{KindCommissionCancelled, -100, 50, 0, "", 50, 100},
		{KindClawback, -100, -50, 0, "", 50, 0},
		{KindWithdrawHold, 50, 0, 50, "", 50, 0},
		{KindWithdrawRelease, 50, 50, 0, "", 0, 50},
		{KindWithdrawPaid, -45, 0, 5, "", 0, 50},
		{KindWithdrawFee, -5, 0, 0, "", 0, 5},
		{KindReward, 10, 60, 0, "", 50, 0},
		{KindPayment, -50, 0, 0, "", 50, 0},
		{KindRefundToBalance, 10, 60, 0, "", 50, 0},
		{KindAdjustment, -60, -10, 0, "", 50, 0},
		{KindAdjustment, 60, 110, 0, "", 50, 0},
		// a debt may shrink through settlement even while still negative
		{KindCommissionSettled, 10, -40, 0, "", -50, 10},
		// but a payment can't use a debt
		{KindPayment, -1, -50, 0, CodeInsufficientBalance, -50, 0},
		{KindWithdrawHold, 1, -50, 0, CodeInsufficientBalance, -50, 0},
	}
	for _, c := range cases {
		a, f, err := Apply(c.kind, c.amount, c.startA, c.startF)
		if c.wantErrorCode != "" {
			var ve *Error
			if !errors.As(err, &ve) || ve.Code() != c.wantErrorCode {
				t.Errorf("Apply(%s, %d) error %v, want %s", c.kind, c.amount, err, c.wantErrorCode)
			}
			continue
		}
		if err != nil || a != c.wantA || f != c.wantF {
			t.Errorf("Apply(%s, %d, %d, %d) = %d, %d, %v; want %d, %d", c.kind, c.amount, c.startA, c.startF, a, f, err, c.wantA, c.wantF)
		}
	}
}

func TestHashEntry(t *testing.T) {
	base := Entry{WalletId: "w1", Seq: 1, Kind: KindReward, Amount: 100, BalanceAfter: 100, RefType: "order", RefId: "o1", Actor: "system", CreatedAt: "2026-03-01T08:00:00Z"}
	h := HashEntry(base)
	if len(h) != 64 {
		t.Fatalf("hash %q is not hex SHA-256", h)
	}

	withHash := base
	withHash.Hash = "anything"
	if HashEntry(withHash) != h {
		t.Fatal("Hash must not be part of its own input")
	}

	// fields that concatenate to the same bytes must still hash apart
	shifted := base
	shifted.RefType, shifted.RefId = "ordero", "1"
	if HashEntry(shifted) == h {
		t.Fatal("length prefixes missing: RefType/RefId boundary is ambiguous")
	}

	mutations := map[string]func(*Entry){
		"WalletId":     func(e *Entry) { e.WalletId = "w2" },
		"Seq":          func(e *Entry) { e.Seq = 2 },
		"Kind":         func(e *Entry) { e.Kind = KindRefundToBalance },
		"Amount":       func(e *Entry) { e.Amount = 101 },
		"BalanceAfter": func(e *Entry) { e.BalanceAfter = 101 },
		"FrozenAfter":  func(e *Entry) { e.FrozenAfter = 1 },
		"RefType":      func(e *Entry) { e.RefType = "withdrawal" },
		"RefId":        func(e *Entry) { e.RefId = "o2" },
		"Actor":        func(e *Entry) { e.Actor = "u1" },
		"CreatedAt":    func(e *Entry) { e.CreatedAt = "2026-03-01T08:00:00.000Z" },
		"PrevHash":     func(e *Entry) { e.PrevHash = strings.Repeat("0", 64) },
	}
	for field, mutate := range mutations {
		e := base
		mutate(&e)
		if HashEntry(e) == h {
			t.Errorf("changing %s does not change the hash", field)
		}
	}
}

func TestNext(t *testing.T) {
	first := Next(nil, Entry{WalletId: "w1", Kind: KindReward, Amount: 1, BalanceAfter: 1})
	if first.Seq != 1 || first.PrevHash != "" || first.Hash != HashEntry(first) {
		t.Fatalf("bad first entry %+v", first)
	}
	// caller-supplied Seq/PrevHash/Hash are overwritten
	second := Next(&first, Entry{WalletId: "w1", Seq: 99, PrevHash: "x", Hash: "y", Kind: KindReward, Amount: 1, BalanceAfter: 2})
	if second.Seq != 2 || second.PrevHash != first.Hash || second.Hash != HashEntry(second) {
		t.Fatalf("bad second entry %+v", second)
	}
	if err := Verify([]Entry{first, second}, 2, 0); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkVerify1000(b *testing.B) {
	moves := make([]any, 0, 2000)
	for i := 0; i < 500; i++ {
		moves = append(moves, KindCommissionFrozen, 100+i, KindCommissionSettled, 100+i)
	}
	es := chain(b, "w1", moves...)
	last := es[len(es)-1]
	b.ReportAllocs()
	for b.Loop() {
		if err := Verify(es, last.BalanceAfter, last.FrozenAfter); err != nil {
			b.Fatal(err)
		}
	}
}
