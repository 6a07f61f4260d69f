package accounts_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"fenxiao/hooks/shop"
	"fenxiao/tests"
)

// TestDeepCyclesRefusedInEveryMode: a binding or an admin move that would
// close a cycle deeper than the three paid levels (the closure table's
// span) is refused like a short one, in every binding mode, and changes
// nothing.
func TestDeepCyclesRefusedInEveryMode(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{shop.BindRegisterOnly, shop.BindFirstWins, shop.BindOverride} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			app, _ := tests.NewShopApp(t)
			c := tests.NewClient(t, app)
			_, suToken := tests.Superuser(t, app)
			setSettings(t, app, map[string]any{"binding_mode": mode})

			// u0 ← u1 ← ... ← u7, u0 at the top
			names := make([]string, 8)
			for i := range names {
				names[i] = fmt.Sprintf("u%d", i)
			}
			u := chain(t, app, c, names...)
			top := u[0]
			topToken, _ := top.NewAuthToken()
			p, _ := tests.User(t, app, "p@test.local", nil)

			unchanged := func(what string, wantTopUpline string) {
				t.Helper()
				if got := reload(t, app, top.Id).GetString("referrer"); got != wantTopUpline {
					t.Fatalf("%s: u0's upline became %q", what, got)
				}
				for k := 4; k < len(u); k++ {
					if got := ancestors(t, app, u[k].Id); !slices.Equal(got, []string{u[k-1].Id, u[k-2].Id, u[k-3].Id}) {
						t.Fatalf("%s: ancestors of u%d = %v", what, k, got)
					}
				}
			}
			bind := func(code string) *tests.Response {
				return c.Do(http.MethodPost, "/api/shop/referral/bind",
					map[string]any{"code": code, "source": "link"}, topToken)
			}

			// u0 binding to its own descendant four to seven levels down
			for k := 4; k <= 7; k++ {
				events := countEvents(t, app, top.Id)
				res := bind(u[k].GetString("invite_code"))
				want, wantStatus := "referral_cycle", http.StatusBadRequest
				if mode == shop.BindRegisterOnly {
					want, wantStatus = "binding_register_only", http.StatusConflict
				}
				if res.Status != wantStatus || res.Code() != want {
					t.Fatalf("bind u0 under u%d: %d %s, want %d %s", k, res.Status, res.Raw, wantStatus, want)
				}
				unchanged(fmt.Sprintf("bind under u%d", k), "")
				if countEvents(t, app, top.Id) != events {
					t.Fatalf("a refused binding was logged")
				}
			}

			// override: u0 bound to p, then a re-bind that would close a cycle
			if mode == shop.BindOverride {
				if res := bind(p.GetString("invite_code")); res.Status != http.StatusOK {
					t.Fatalf("bind u0 to p: %d %s", res.Status, res.Raw)
				}
				for k := 1; k <= 7; k++ {
					res := bind(u[k].GetString("invite_code"))
					if res.Status != http.StatusBadRequest || res.Code() != "referral_cycle" {
						t.Fatalf("override re-bind of u0 under u%d: %d %s", k, res.Status, res.Raw)
					}
					unchanged(fmt.Sprintf("re-bind under u%d", k), p.Id)
				}
				if got := ancestors(t, app, u[3].Id); !slices.Equal(got, []string{u[2].Id, u[1].Id, top.Id}) {
					t.Fatalf("ancestors of u3 after refused re-binds = %v", got)
				}
			}
			topUpline := reload(t, app, top.Id).GetString("referrer")

			// admin moves, whatever the mode: u0 under u4..u7 (route), u1 under
			// u5 (dashboard), each a cycle four or more levels deep
			for k := 4; k <= 7; k++ {
				res := c.Do(http.MethodPost, "/api/shop/admin/referral/reassign",
					map[string]any{"user": top.Id, "upline": u[k].Id}, suToken)
				if res.Status != http.StatusBadRequest || res.Code() != "referral_cycle" {
					t.Fatalf("admin move of u0 under u%d: %d %s", k, res.Status, res.Raw)
				}
				unchanged(fmt.Sprintf("admin move under u%d", k), topUpline)
			}
			res := c.Do(http.MethodPatch, "/api/collections/users/records/"+u[1].Id, map[string]any{"referrer": u[5].Id}, suToken)
			if res.Status != http.StatusBadRequest || res.Code() != "referral_cycle" {
				t.Fatalf("dashboard move of u1 under u5: %d %s", res.Status, res.Raw)
			}
			if got := reload(t, app, u[1].Id).GetString("referrer"); got != top.Id {
				t.Fatalf("refused dashboard move changed u1's upline to %q", got)
			}
			unchanged("dashboard move", topUpline)

			// a move that is not a cycle still works: u4 (with u5..u7) under p
			res = c.Do(http.MethodPost, "/api/shop/admin/referral/reassign", map[string]any{"user": u[4].Id, "upline": p.Id}, suToken)
			if res.Status != http.StatusOK {
				t.Fatalf("admin move of u4 under p: %d %s", res.Status, res.Raw)
			}
			if got := ancestors(t, app, u[6].Id); !slices.Equal(got, []string{u[5].Id, u[4].Id, p.Id}) {
				t.Fatalf("ancestors of u6 after the move = %v", got)
			}
		})
	}
}

// TestSignUpInviterRefusedInEveryMode: an unknown inviter refuses the
// sign-up and creates nothing, whatever the binding mode. (Self-referral
// cannot happen at sign-up: the new user has no invite code yet.)
func TestSignUpInviterRefusedInEveryMode(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{shop.BindRegisterOnly, shop.BindFirstWins, shop.BindOverride} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			app, _ := tests.NewShopApp(t)
			c := tests.NewClient(t, app)
			setSettings(t, app, map[string]any{"binding_mode": mode})
			a, _ := tests.User(t, app, "a@test.local", nil)

			signUp := func(email, inviter string) *tests.Response {
				return c.Do(http.MethodPost, "/api/collections/users/records", map[string]any{
					"email": email, "password": "1234567890", "passwordConfirm": "1234567890", "inviter": inviter,
				}, "")
			}
			before, _ := app.CountRecords("users")
			eventsBefore, _ := app.CountRecords("referral_events")
			for _, code := range []string{"NOPE2345", "BAD CODE!", "AAAAAAAAAAAAAAAAAAAAA"} {
				res := signUp("x@test.local", code)
				if res.Status/100 != 4 || res.Code() != "invite_code_unknown" {
					t.Fatalf("inviter %q: %d %s", code, res.Status, res.Raw)
				}
			}
			after, _ := app.CountRecords("users")
			eventsAfter, _ := app.CountRecords("referral_events")
			if after != before || eventsAfter != eventsBefore {
				t.Fatalf("a refused sign-up left %d users and %d events behind", after-before, eventsAfter-eventsBefore)
			}

			// the same e-mail signs up with a real code, in every mode
			res := signUp("x@test.local", a.GetString("invite_code"))
			if res.Status != http.StatusOK {
				t.Fatalf("sign-up with a real inviter: %d %s", res.Status, res.Raw)
			}
			if got := reload(t, app, res.Body["id"].(string)).GetString("referrer"); got != a.Id {
				t.Fatalf("referrer = %q, want a", got)
			}
		})
	}
}
