package wallet_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"

	"fenxiao/internal/ledger"
	"fenxiao/tests"
)

// TestWalletRoutes runs GET /api/shop/wallet and the superuser's
// adjustment route as PocketBase API scenarios, each on its own shop app
// with alice (100 fen rewarded) and bob (no wallet yet).
func TestWalletRoutes(t *testing.T) {
	t.Parallel()

	const (
		alice = "alice"
		bob   = "bob"
		admin = "admin"
		guest = ""
	)
	// the ledger entry (validated) and the staff_actions row of the request
	entryCreated := map[string]int{
		"OnModelCreate": 2, "OnModelCreateExecute": 2, "OnModelAfterCreateSuccess": 2, "OnModelValidate": 1,
		"OnRecordCreate": 2, "OnRecordCreateExecute": 2, "OnRecordAfterCreateSuccess": 2, "OnRecordValidate": 1,
	}
	scenarios := []struct {
		who string
		s   tests.ApiScenario
	}{
		{guest, tests.ApiScenario{
			Name: "a guest has no wallet", Method: http.MethodGet, URL: "/api/shop/wallet",
			ExpectedStatus: 401, ExpectedContent: []string{`"status":401`}, ExpectedEvents: map[string]int{"*": 0},
		}},
		{bob, tests.ApiScenario{
			Name: "a user without a wallet reads zeros", Method: http.MethodGet, URL: "/api/shop/wallet",
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"available":0`, `"frozen":0`, `"total_earned":0`, `"total_withdrawn":0`, `"debt":0`},
			NotExpectedContent: []string{`"wallet"`},
			ExpectedEvents:     map[string]int{"*": 0},
		}},
		{alice, tests.ApiScenario{
			Name: "a user reads their own balances", Method: http.MethodGet, URL: "/api/shop/wallet",
			ExpectedStatus:  200,
			ExpectedContent: []string{`"available":100`, `"total_earned":100`, `"debt":0`, `"wallet":"`},
			ExpectedEvents:  map[string]int{"*": 0},
		}},
		{alice, tests.ApiScenario{
			Name: "a user cannot adjust a wallet", Method: http.MethodPost, URL: "/api/shop/admin/wallets/{alice}/adjust",
			Body:           strings.NewReader(`{"amount":1000,"note":"x"}`),
			ExpectedStatus: 403, ExpectedContent: []string{`"status":403`}, ExpectedEvents: map[string]int{"*": 0},
		}},
		{admin, tests.ApiScenario{
			Name: "an adjustment of 0 is refused", Method: http.MethodPost, URL: "/api/shop/admin/wallets/{alice}/adjust",
			Body:           strings.NewReader(`{"amount":0,"note":"x"}`),
			ExpectedStatus: 400, ExpectedContent: []string{`"code":"invalid_amount"`}, ExpectedEvents: map[string]int{"*": 0},
		}},
		{admin, tests.ApiScenario{
			Name: "an adjustment needs a note", Method: http.MethodPost, URL: "/api/shop/admin/wallets/{alice}/adjust",
			Body:           strings.NewReader(`{"amount":50,"note":"  "}`),
			ExpectedStatus: 400, ExpectedContent: []string{`"code":"note_required"`}, ExpectedEvents: map[string]int{"*": 0},
		}},
		{admin, tests.ApiScenario{
			Name: "an adjustment of an unknown user is a 404", Method: http.MethodPost, URL: "/api/shop/admin/wallets/nosuchuser12345/adjust",
			Body:           strings.NewReader(`{"amount":50,"note":"补偿"}`),
			ExpectedStatus: 404, ExpectedContent: []string{`"code":"user_not_found"`}, ExpectedEvents: map[string]int{"*": 0},
		}},
		{admin, tests.ApiScenario{
			Name: "a superuser's adjustment books one ledger entry", Method: http.MethodPost, URL: "/api/shop/admin/wallets/{alice}/adjust",
			Body:            strings.NewReader(`{"amount":-30,"note":"补偿冲正","ref":"fix-1"}`),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"kind":"adjustment"`, `"amount":-30`, `"balance_after":70`, `"ref_id":"fix-1"`, `"note":"补偿冲正"`},
			ExpectedEvents:  entryCreated,
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				u, err := app.FindAuthRecordByEmail("users", "alice@test.local")
				if err != nil {
					t.Fatal(err)
				}
				w, err := app.FindFirstRecordByData("wallets", "user", u.Id)
				if err != nil || w.GetInt("available") != 70 {
					t.Errorf("alice's wallet after the adjustment: %v, %v", w, err)
				}
				if n, _ := app.CountRecords("wallet_entries", dbx.HashExp{"wallet": w.Id}); n != 2 {
					t.Errorf("%d ledger entries, want the seed and the adjustment", n)
				}
				if n, _ := app.CountRecords("staff_actions"); n != 1 {
					t.Errorf("%d staff actions logged, want the adjustment", n)
				}
			},
		}},
	}
	for _, sc := range scenarios {
		t.Run(sc.s.Name, func(t *testing.T) {
			t.Parallel()
			app, _ := tests.NewShopApp(t)
			a, aliceToken := tests.User(t, app, "alice@test.local", nil)
			_, bobToken := tests.User(t, app, "bob@test.local", nil)
			_, suToken := tests.Superuser(t, app)
			if _, err := post(t, app, a.Id, ledger.KindReward, 100, "test", "seed"); err != nil {
				t.Fatal(err)
			}
			token := map[string]string{alice: aliceToken, bob: bobToken, admin: suToken}[sc.who]

			s := sc.s
			s.URL = strings.ReplaceAll(s.URL, "{alice}", a.Id)
			if token != "" {
				s.Headers = map[string]string{"Authorization": token}
			}
			s.TestAppFactory = func(testing.TB) *tests.TestApp { return app }
			s.DisableTestAppCleanup = true // NewShopApp cleans up (and audits)
			s.Test(t)
		})
	}
}
