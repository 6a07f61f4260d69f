package accounts_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"

	"fenxiao/tests"
)

// The verified-token cache must accept exactly what PocketBase accepts:
// a token stops working when the user's tokenKey changes, when it
// expires, and a token altered in any byte is checked in full.
func TestAuthTokenCacheTrustsOnlyWhatStillVerifies(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	buyer, token := tests.User(t, app, "cache@test.local", nil)
	c := tests.NewClient(t, app)
	get := func(tok string) int {
		t.Helper()
		return c.Do(http.MethodGet, "/api/shop/cart", nil, tok).Status
	}

	for i := range 3 {
		if st := get(token); st != http.StatusOK {
			t.Fatalf("request %d with a good token: %d", i, st)
		}
	}

	// a forged signature on a token the cache knows
	forged := token[:len(token)-2] + "xx"
	if forged == token {
		t.Fatal("the forged token equals the real one")
	}
	if st := get(forged); st != http.StatusUnauthorized {
		t.Fatalf("forged token: %d, want 401", st)
	}

	// logging out everywhere changes the tokenKey
	buyer.RefreshTokenKey()
	if err := app.Save(buyer); err != nil {
		t.Fatal(err)
	}
	if st := get(token); st != http.StatusUnauthorized {
		t.Fatalf("token after the tokenKey changed: %d, want 401", st)
	}
	fresh, err := buyer.NewAuthToken()
	if err != nil {
		t.Fatal(err)
	}
	if st := get(fresh); st != http.StatusOK {
		t.Fatalf("new token: %d", st)
	}

	// a token that expires while the cache holds it
	short, err := security.NewJWT(jwt.MapClaims{
		core.TokenClaimId:           buyer.Id,
		core.TokenClaimType:         core.TokenTypeAuth,
		core.TokenClaimCollectionId: buyer.Collection().Id,
		core.TokenClaimRefreshable:  true,
	}, buyer.TokenKey()+buyer.Collection().AuthToken.Secret, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if st := get(short); st != http.StatusOK {
		t.Fatalf("short token before it expires: %d", st)
	}
	time.Sleep(2100 * time.Millisecond)
	if st := get(short); st != http.StatusUnauthorized {
		t.Fatalf("short token after it expired: %d, want 401", st)
	}

	// a deleted user's token
	if err := app.Delete(buyer); err != nil {
		t.Fatal(err)
	}
	if st := get(fresh); st != http.StatusUnauthorized {
		t.Fatalf("token of a deleted user: %d, want 401", st)
	}
}
