package wallet_test

import (
	"fmt"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/wallet"
	"fenxiao/tests"
)

// BenchmarkPost books one credit entry per iteration, spread over 1,000
// wallets, 500 entries to a transaction (as settlement and payment batches
// do), and reports the cost of one entry.
//
//	go test ./hooks/wallet -run '^$' -bench Post -benchtime 20000x
func BenchmarkPost(b *testing.B) {
	app, _ := tests.NewShopApp(b)
	users := make([]string, 1000)
	for i := range users {
		u, _ := tests.User(b, app, fmt.Sprintf("w%d@test.local", i), nil)
		users[i] = u.Id
	}
	b.ResetTimer()
	const perTx = 500
	for done := 0; done < b.N; done += perTx {
		err := app.RunInTransaction(func(txApp core.App) error {
			for i := done; i < min(done+perTx, b.N); i++ {
				if _, err := wallet.Post(txApp, wallet.Posting{UserId: users[i%len(users)], Kind: "adjustment", Amount: 100, RefType: "bench", RefId: fmt.Sprint(i), Actor: "system:bench", Note: "bench"}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
