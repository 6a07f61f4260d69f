package catalog_test

import (
	"testing"

	"github.com/pocketbase/dbx"

	"fenxiao/hooks/shop"
)

// shareTea shares alice's cart (one tea line) and returns the share code
// and alice's invite code it carries.
func (f *cartFixture) shareTea(t *testing.T) (string, string) {
	t.Helper()
	f.add(t, f.alice, f.tea, 1)
	status, body := f.c.do("POST", "/api/shop/cart/share", f.alice, nil)
	if status != 200 {
		t.Fatalf("share: %d %v", status, body)
	}
	code := body["code"].(string)
	status, body = f.c.do("GET", "/api/shop/cart/share/"+code, f.bob, nil)
	if status != 200 {
		t.Fatalf("view share: %d %v", status, body)
	}
	return code, body["invite_code"].(string)
}

// signUpFromShare signs a brand-new user up the way the H5 page does after
// opening a shared cart: with the share's invite code as inviter.
func (f *cartFixture) signUpFromShare(t *testing.T, email, inviteCode, shareCode string) string {
	t.Helper()
	status, body := f.c.do("POST", "/api/collections/users/records", "", map[string]any{
		"email": email, "password": "1234567890", "passwordConfirm": "1234567890",
		"inviter": inviteCode, "inviter_source": "cart_share", "inviter_scene": shareCode,
	})
	if status != 200 {
		t.Fatalf("sign-up from share: %d %v", status, body)
	}
	return body["id"].(string)
}

func (f *cartFixture) expectBoundToAlice(t *testing.T, userId, shareCode string) {
	t.Helper()
	u, err := f.app.FindRecordById("users", userId)
	if err != nil {
		t.Fatal(err)
	}
	if u.GetString("referrer") != f.aliceId || u.GetString("bound_source") != "cart_share" || u.GetString("bound_scene") != shareCode {
		t.Fatalf("new user bound to %q (source %q, scene %q), want alice by cart_share %s",
			u.GetString("referrer"), u.GetString("bound_source"), u.GetString("bound_scene"), shareCode)
	}
	ev, err := f.app.FindFirstRecordByFilter("referral_events", "user = {:u}", dbx.Params{"u": userId})
	if err != nil {
		t.Fatalf("no referral event: %v", err)
	}
	if ev.GetString("kind") != "bind" || ev.GetString("new_upline") != f.aliceId || ev.GetString("source") != "cart_share" ||
		ev.GetString("scene") != shareCode {
		t.Fatalf("referral event = %v", ev.PublicExport())
	}
}

func TestCartShareSignUpBindsNewUser(t *testing.T) {
	f := newCartFixture(t)
	code, invite := f.shareTea(t)

	carol := f.signUpFromShare(t, "carol@test.local", invite, code)
	f.expectBoundToAlice(t, carol, code)

	// the new user then imports the share: already bound, nothing more happens
	token := f.token(t, carol)
	status, body := f.c.do("POST", "/api/shop/cart/share/"+code+"/import", token, nil)
	if status != 200 || body["imported"].(float64) != 1 || body["bound"] != false {
		t.Fatalf("import after sign-up: %d %v", status, body)
	}
	if n, _ := f.app.CountRecords("referral_events", dbx.HashExp{"user": carol}); n != 1 {
		t.Fatalf("%d referral events for carol, want 1", n)
	}
}

func TestCartShareRegisterOnly(t *testing.T) {
	f := newCartFixture(t)
	setSettings(t, f.app, map[string]any{"binding_mode": shop.BindRegisterOnly})
	code, invite := f.shareTea(t)

	// an existing user importing the share is not bound, and is told why
	status, body := f.c.do("POST", "/api/shop/cart/share/"+code+"/import", f.bob, nil)
	if status != 200 || body["imported"].(float64) != 1 || body["bound"] != false || body["bind_refused"] != "binding_register_only" {
		t.Fatalf("import in register_only: %d %v", status, body)
	}
	bob, err := f.app.FindFirstRecordByData("users", "email", "bob@test.local")
	if err != nil {
		t.Fatal(err)
	}
	if bob.GetString("referrer") != "" {
		t.Fatalf("register_only: an import bound bob to %q", bob.GetString("referrer"))
	}
	if n, _ := f.app.CountRecords("referral_events", dbx.HashExp{"user": bob.Id}); n != 0 {
		t.Fatalf("register_only: %d referral events for bob", n)
	}

	// a brand-new user signing up from the same share is bound
	dave := f.signUpFromShare(t, "dave@test.local", invite, code)
	f.expectBoundToAlice(t, dave, code)

	// in the default mode the import binds and says so
	setSettings(t, f.app, map[string]any{"binding_mode": shop.BindFirstWins})
	status, body = f.c.do("POST", "/api/shop/cart/share/"+code+"/import", f.bob, nil)
	if status != 200 || body["bound"] != true {
		t.Fatalf("import in first_wins: %d %v", status, body)
	}
	if _, ok := body["bind_refused"]; ok {
		t.Fatalf("a successful binding reports a refusal: %v", body)
	}
}

func (f *cartFixture) token(t *testing.T, userId string) string {
	t.Helper()
	u, err := f.app.FindRecordById("users", userId)
	if err != nil {
		t.Fatal(err)
	}
	token, err := u.NewAuthToken()
	if err != nil {
		t.Fatal(err)
	}
	return token
}
