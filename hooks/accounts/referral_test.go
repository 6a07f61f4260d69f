package accounts_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	pbtests "github.com/pocketbase/pocketbase/tests"

	"fenxiao/hooks/accounts"
	"fenxiao/hooks/shop"
	"fenxiao/tests"
)

func TestMain(m *testing.M) { tests.Main(m) }

func setSettings(t *testing.T, app core.App, fields map[string]any) {
	t.Helper()
	r, err := app.FindRecordById(shop.SettingsCollection, shop.SettingsId)
	if err != nil {
		t.Fatal(err)
	}
	r.Load(fields)
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
}

func reload(t *testing.T, app core.App, id string) *core.Record {
	t.Helper()
	r, err := app.FindRecordById("users", id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func ancestors(t *testing.T, app core.App, id string) []string {
	t.Helper()
	a, err := accounts.Ancestors(app, id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func team(t *testing.T, app core.App, id string) [3]int64 {
	t.Helper()
	c, err := accounts.TeamCounts(app, id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func countEvents(t *testing.T, app core.App, userId string) int {
	t.Helper()
	n, err := app.CountRecords("referral_events", dbx.HashExp{"user": userId})
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// chain builds A←B←C←D (A at the top) through the sign-up API with inviter codes.
func chain(t *testing.T, app *pbtests.TestApp, c *tests.Client, names ...string) []*core.Record {
	t.Helper()
	users := make([]*core.Record, 0, len(names))
	inviter := ""
	for _, name := range names {
		body := map[string]any{
			"email": name + "@test.local", "password": "1234567890", "passwordConfirm": "1234567890",
			"nickname": name,
		}
		if inviter != "" {
			body["inviter"] = inviter
		}
		res := c.Do(http.MethodPost, "/api/collections/users/records", body, "")
		if res.Status != http.StatusOK {
			t.Fatalf("sign-up %s: %d %s", name, res.Status, res.Raw)
		}
		u := reload(t, app, res.Body["id"].(string))
		users = append(users, u)
		inviter = u.GetString("invite_code")
	}
	return users
}

func TestSignUpWithAndWithoutInviter(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	c := tests.NewClient(t, app)

	users := chain(t, app, c, "a", "b")
	a, b := users[0], users[1]

	if len(a.GetString("invite_code")) != 8 || a.GetString("invite_code") == b.GetString("invite_code") {
		t.Fatalf("invite codes not generated uniquely: %q %q", a.GetString("invite_code"), b.GetString("invite_code"))
	}
	if a.GetString("referrer") != "" || countEvents(t, app, a.Id) != 0 {
		t.Fatalf("a signed up without inviter but has upline %q", a.GetString("referrer"))
	}
	if b.GetString("referrer") != a.Id || b.GetString("bound_source") != accounts.SourceRegister {
		t.Fatalf("b.referrer = %q (source %q), want a", b.GetString("referrer"), b.GetString("bound_source"))
	}
	if countEvents(t, app, b.Id) != 1 {
		t.Fatalf("want one referral event for b")
	}
	if got := team(t, app, a.Id); got != [3]int64{1, 0, 0} {
		t.Fatalf("a team = %v", got)
	}
	// everyone is a distributor by default
	if !a.GetBool("is_distributor") {
		t.Fatalf("default condition 'everyone' should make a a distributor")
	}

	// an unknown inviter refuses the sign-up and creates nothing
	before, _ := app.CountRecords("users")
	res := c.Do(http.MethodPost, "/api/collections/users/records", map[string]any{
		"email": "x@test.local", "password": "1234567890", "passwordConfirm": "1234567890", "inviter": "NOPE2345",
	}, "")
	if res.Status != http.StatusNotFound || res.Code() != "invite_code_unknown" {
		t.Fatalf("unknown inviter: %d %s", res.Status, res.Raw)
	}
	after, _ := app.CountRecords("users")
	if after != before {
		t.Fatalf("a user was created despite the unknown inviter")
	}
}

func TestThreeLevelAncestryAndAdminMove(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	c := tests.NewClient(t, app)
	_, suToken := tests.Superuser(t, app)

	u := chain(t, app, c, "a", "b", "c", "d")
	a, b, cc, d := u[0], u[1], u[2], u[3]
	other := chain(t, app, c, "y", "x")
	y, x := other[0], other[1]

	if got := ancestors(t, app, d.Id); !slices.Equal(got, []string{cc.Id, b.Id, a.Id}) {
		t.Fatalf("ancestors of d = %v", got)
	}
	if got := team(t, app, a.Id); got != [3]int64{1, 1, 1} {
		t.Fatalf("a team = %v, want 1/1/1", got)
	}

	// the admin moves b (with c and d) under x
	res := c.Do(http.MethodPost, "/api/shop/admin/referral/reassign", map[string]any{"user": b.Id, "upline": x.Id}, suToken)
	if res.Status != http.StatusOK {
		t.Fatalf("reassign: %d %s", res.Status, res.Raw)
	}
	if got := ancestors(t, app, b.Id); !slices.Equal(got, []string{x.Id, y.Id}) {
		t.Fatalf("ancestors of b = %v", got)
	}
	if got := ancestors(t, app, cc.Id); !slices.Equal(got, []string{b.Id, x.Id, y.Id}) {
		t.Fatalf("ancestors of c = %v", got)
	}
	if got := ancestors(t, app, d.Id); !slices.Equal(got, []string{cc.Id, b.Id, x.Id}) {
		t.Fatalf("ancestors of d = %v", got)
	}
	if got := team(t, app, a.Id); got != [3]int64{0, 0, 0} {
		t.Fatalf("a team after move = %v", got)
	}
	if got := team(t, app, x.Id); got != [3]int64{1, 1, 1} {
		t.Fatalf("x team after move = %v", got)
	}
	if got := team(t, app, y.Id); got != [3]int64{1, 1, 1} { // x, b, c
		t.Fatalf("y team after move = %v", got)
	}
	ev, err := app.FindFirstRecordByFilter("referral_events", "user = {:u} && kind = 'reassign'", dbx.Params{"u": b.Id})
	if err != nil {
		t.Fatalf("no reassign event: %v", err)
	}
	if ev.GetString("old_upline") != a.Id || ev.GetString("new_upline") != x.Id || ev.GetString("source") != "admin" ||
		ev.GetString("actor")[:10] != "superuser:" {
		t.Fatalf("reassign event = %v", ev.PublicExport())
	}

	// the same from the dashboard (record API as superuser), and a cycle refused there too
	res = c.Do(http.MethodPatch, "/api/collections/users/records/"+b.Id, map[string]any{"referrer": d.Id}, suToken)
	if res.Status != http.StatusBadRequest || res.Code() != "referral_cycle" {
		t.Fatalf("dashboard cycle: %d %s", res.Status, res.Raw)
	}
	if reload(t, app, b.Id).GetString("referrer") != x.Id {
		t.Fatalf("refused cycle changed b")
	}
	res = c.Do(http.MethodPatch, "/api/collections/users/records/"+b.Id, map[string]any{"referrer": a.Id}, suToken)
	if res.Status != http.StatusOK {
		t.Fatalf("dashboard move back: %d %s", res.Status, res.Raw)
	}
	if got := ancestors(t, app, d.Id); !slices.Equal(got, []string{cc.Id, b.Id, a.Id}) {
		t.Fatalf("ancestors of d after moving back = %v", got)
	}
	if got := team(t, app, x.Id); got != [3]int64{0, 0, 0} {
		t.Fatalf("x team after moving back = %v", got)
	}
}

func TestBindingRulesInEveryMode(t *testing.T) {
	modes := []string{shop.BindRegisterOnly, shop.BindFirstWins, shop.BindOverride}
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			app, _ := tests.NewShopApp(t)
			c := tests.NewClient(t, app)
			setSettings(t, app, map[string]any{"binding_mode": mode})

			u := chain(t, app, c, "a", "b", "c", "d")
			a, d := u[0], u[3]
			p, _ := tests.User(t, app, "p@test.local", nil)
			q, _ := tests.User(t, app, "q@test.local", nil)
			loner, lonerToken := tests.User(t, app, "loner@test.local", nil)
			aToken, _ := a.NewAuthToken()
			dToken, _ := d.NewAuthToken()

			bind := func(token, code string) *tests.Response {
				return c.Do(http.MethodPost, "/api/shop/referral/bind",
					map[string]any{"code": code, "source": "qr", "scene": "poster-7"}, token)
			}
			expectRefused := func(res *tests.Response, status int, code string, who *core.Record, wantUpline string) {
				t.Helper()
				if res.Status != status || res.Code() != code {
					t.Fatalf("want %d %s, got %d %s", status, code, res.Status, res.Raw)
				}
				if got := reload(t, app, who.Id).GetString("referrer"); got != wantUpline {
					t.Fatalf("refused binding changed the upline to %q", got)
				}
			}

			// rejected in every mode: self, cycle (a is d's ancestor three levels up), unknown code
			expectRefused(bind(lonerToken, loner.GetString("invite_code")), 400, "referral_self", loner, "")
			if mode != shop.BindRegisterOnly {
				expectRefused(bind(aToken, d.GetString("invite_code")), 400, "referral_cycle", a, "")
			}
			expectRefused(bind(lonerToken, "ZZZZ9999"), 404, "invite_code_unknown", loner, "")
			if res := bind("", p.GetString("invite_code")); res.Status != http.StatusUnauthorized {
				t.Fatalf("anonymous bind: %d", res.Status)
			}
			eventsBefore := countEvents(t, app, loner.Id)

			switch mode {
			case shop.BindRegisterOnly:
				expectRefused(bind(lonerToken, p.GetString("invite_code")), 409, "binding_register_only", loner, "")
			case shop.BindFirstWins:
				if res := bind(lonerToken, p.GetString("invite_code")); res.Status != 200 {
					t.Fatalf("first bind: %d %s", res.Status, res.Raw)
				}
				expectRefused(bind(lonerToken, q.GetString("invite_code")), 409, "referral_already_bound", loner, p.Id)
				// d is bound at sign-up; first wins
				expectRefused(bind(dToken, p.GetString("invite_code")), 409, "referral_already_bound", d, u[2].Id)
			case shop.BindOverride:
				if res := bind(lonerToken, p.GetString("invite_code")); res.Status != 200 {
					t.Fatalf("first bind: %d %s", res.Status, res.Raw)
				}
				if res := bind(lonerToken, q.GetString("invite_code")); res.Status != 200 {
					t.Fatalf("override re-bind: %d %s", res.Status, res.Raw)
				}
				if got := ancestors(t, app, loner.Id); !slices.Equal(got, []string{q.Id}) {
					t.Fatalf("ancestors after re-bind = %v", got)
				}
				// after the first paid order the upline is fixed
				if _, err := app.DB().NewQuery("UPDATE users SET first_paid_at = '2026-01-01 00:00:00.000Z', paid_orders = 1 WHERE id = {:id}").
					Bind(dbx.Params{"id": loner.Id}).Execute(); err != nil {
					t.Fatal(err)
				}
				expectRefused(bind(lonerToken, p.GetString("invite_code")), 409, "binding_locked_after_purchase", loner, q.Id)
			}

			wantEvents := map[string]int{shop.BindRegisterOnly: 0, shop.BindFirstWins: 1, shop.BindOverride: 2}[mode]
			if got := countEvents(t, app, loner.Id) - eventsBefore; got != wantEvents {
				t.Fatalf("events for loner = %d, want %d", got, wantEvents)
			}
			if mode != shop.BindRegisterOnly {
				ev, err := app.FindFirstRecordByFilter("referral_events", "user = {:u}", dbx.Params{"u": loner.Id})
				if err != nil {
					t.Fatal(err)
				}
				if ev.GetString("source") != "qr" || ev.GetString("scene") != "poster-7" || ev.GetString("actor") != "user:"+loner.Id {
					t.Fatalf("bind event = %v", ev.PublicExport())
				}
			}
		})
	}
}

func TestUsersCannotTouchServerFields(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	c := tests.NewClient(t, app)
	setSettings(t, app, map[string]any{"distributor_condition": shop.DistributorApply})

	alice, aliceToken := tests.User(t, app, "alice@test.local", map[string]any{"phone": "13800000001", "wx_openid": "secret-openid"})
	bob, _ := tests.User(t, app, "bob@test.local", nil)

	for _, field := range []string{"referrer", "is_distributor", "invite_code", "level", "total_spent", "phone"} {
		value := map[string]any{"referrer": bob.Id, "is_distributor": true, "invite_code": "MYCODE22", "level": 5, "total_spent": 1,
			"phone": "13911112222"}[field]
		res := c.Do(http.MethodPatch, "/api/collections/users/records/"+alice.Id, map[string]any{field: value}, aliceToken)
		if res.Status != http.StatusForbidden || res.Code() != "field_protected" {
			t.Fatalf("update %s: %d %s", field, res.Status, res.Raw)
		}
		res = c.Do(http.MethodPost, "/api/collections/users/records", map[string]any{
			"email": "new-" + field + "@test.local", "password": "1234567890", "passwordConfirm": "1234567890", field: value,
		}, "")
		if res.Status != http.StatusForbidden {
			t.Fatalf("create with %s: %d %s", field, res.Status, res.Raw)
		}
	}
	// hidden fields (the openid) are dropped from user requests by PocketBase itself
	c.Do(http.MethodPatch, "/api/collections/users/records/"+alice.Id, map[string]any{"wx_openid": "stolen"}, aliceToken)
	fresh := reload(t, app, alice.Id)
	if fresh.GetString("wx_openid") != "secret-openid" {
		t.Fatalf("a user changed their openid")
	}
	if fresh.GetString("referrer") != "" || fresh.GetBool("is_distributor") || fresh.GetString("invite_code") == "MYCODE22" ||
		fresh.GetString("phone") != "13800000001" {
		t.Fatalf("protected fields changed: %v", fresh.PublicExport())
	}

	// a user may change their own nickname
	if res := c.Do(http.MethodPatch, "/api/collections/users/records/"+alice.Id, map[string]any{"nickname": "小爱"}, aliceToken); res.Status != 200 {
		t.Fatalf("nickname: %d %s", res.Status, res.Raw)
	}
	// cannot change another user's record
	if res := c.Do(http.MethodPatch, "/api/collections/users/records/"+bob.Id, map[string]any{"nickname": "hacked"}, aliceToken); res.Status != http.StatusNotFound {
		t.Fatalf("update other user: %d %s", res.Status, res.Raw)
	}
	if reload(t, app, bob.Id).GetString("nickname") == "hacked" {
		t.Fatalf("another user's nickname changed")
	}
	// cannot read another user; own record never shows the openid
	if res := c.Do(http.MethodGet, "/api/collections/users/records/"+bob.Id, nil, aliceToken); res.Status != http.StatusNotFound {
		t.Fatalf("read other user: %d", res.Status)
	}
	res := c.Do(http.MethodGet, "/api/collections/users/records/"+alice.Id, nil, aliceToken)
	if res.Status != 200 || res.Body["phone"] != "13800000001" {
		t.Fatalf("own record: %d %s", res.Status, res.Raw)
	}
	if _, leaked := res.Body["wx_openid"]; leaked {
		t.Fatalf("openid exposed: %s", res.Raw)
	}
	if res := c.Do(http.MethodGet, "/api/collections/users/records", nil, aliceToken); len(res.Body["items"].([]any)) != 1 {
		t.Fatalf("list shows other users: %s", res.Raw)
	}
	// the referral log is append-only, even for superusers
	rows, _ := app.FindAllRecords("referral_events")
	for _, r := range rows {
		r.Set("scene", "edited")
		if err := app.Save(r); err == nil {
			t.Fatalf("referral event edited")
		}
		if err := app.Delete(r); err == nil {
			t.Fatalf("referral event deleted")
		}
	}
}

func TestDistributorApplication(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	c := tests.NewClient(t, app)
	_, suToken := tests.Superuser(t, app)

	// with the default condition (everyone) there is nothing to apply for
	_, earlyToken := tests.User(t, app, "early@test.local", nil)
	if res := c.Do(http.MethodPost, "/api/shop/distributor/apply", map[string]any{}, earlyToken); res.Code() != "already_distributor" {
		t.Fatalf("apply when already distributor: %d %s", res.Status, res.Raw)
	}

	setSettings(t, app, map[string]any{"distributor_condition": shop.DistributorApply})
	u, token := tests.User(t, app, "applicant@test.local", nil)
	if u.GetBool("is_distributor") {
		t.Fatalf("apply mode must not make new users distributors")
	}
	res := c.Do(http.MethodPost, "/api/shop/distributor/apply", map[string]any{"real_name": "张三", "reason": "朋友多"}, token)
	if res.Status != 200 {
		t.Fatalf("apply: %d %s", res.Status, res.Raw)
	}
	if res := c.Do(http.MethodPost, "/api/shop/distributor/apply", map[string]any{}, token); res.Code() != "application_pending" {
		t.Fatalf("second apply: %d %s", res.Status, res.Raw)
	}
	appId := res.Body["id"].(string)

	// the admin approves in the dashboard
	res = c.Do(http.MethodPatch, "/api/collections/distributor_applications/records/"+appId,
		map[string]any{"status": "approved", "review_note": "ok"}, suToken)
	if res.Status != 200 {
		t.Fatalf("approve: %d %s", res.Status, res.Raw)
	}
	if !reload(t, app, u.Id).GetBool("is_distributor") {
		t.Fatalf("approval did not grant distributor status")
	}
	res = c.Do(http.MethodPatch, "/api/collections/distributor_applications/records/"+appId,
		map[string]any{"status": "rejected"}, suToken)
	if res.Status != http.StatusConflict || res.Code() != "application_decided" {
		t.Fatalf("re-deciding: %d %s", res.Status, res.Raw)
	}
}

func TestBindingLapse(t *testing.T) {
	app, s := tests.NewShopApp(t)
	c := tests.NewClient(t, app)
	u := chain(t, app, c, "a", "b", "c")
	a, b, cc := u[0], u[1], u[2]

	if res, err := s.RunJob(app, "binding_lapse"); err != nil || res.Summary == "" {
		t.Fatalf("lapse with unlimited lifetime: %v %v", res, err)
	}
	if reload(t, app, b.Id).GetString("referrer") != a.Id {
		t.Fatalf("binding lapsed although the lifetime is unlimited")
	}

	setSettings(t, app, map[string]any{"binding_days": 30})
	old := "2020-01-01 00:00:00.000Z"
	// b's binding is old and unused; c's is old but c has bought
	if _, err := app.DB().NewQuery("UPDATE users SET bound_at = {:old} WHERE id IN ({:b}, {:c})").
		Bind(dbx.Params{"old": old, "b": b.Id, "c": cc.Id}).Execute(); err != nil {
		t.Fatal(err)
	}
	if _, err := app.DB().NewQuery("UPDATE users SET paid_orders = 1 WHERE id = {:c}").Bind(dbx.Params{"c": cc.Id}).Execute(); err != nil {
		t.Fatal(err)
	}
	res, err := s.RunJob(app, "binding_lapse")
	if err != nil {
		t.Fatal(err)
	}
	if reload(t, app, b.Id).GetString("referrer") != "" {
		t.Fatalf("unused old binding did not lapse: %s", res.Summary)
	}
	if reload(t, app, cc.Id).GetString("referrer") != b.Id {
		t.Fatalf("a used binding lapsed")
	}
	if got := team(t, app, a.Id); got != [3]int64{0, 0, 0} {
		t.Fatalf("a team after lapse = %v", got)
	}
	ev, err := app.FindFirstRecordByFilter("referral_events", "user = {:u} && kind = 'lapse'", dbx.Params{"u": b.Id})
	if err != nil || ev.GetString("actor") != "system:binding_lapse" {
		t.Fatalf("lapse event missing: %v", err)
	}
}
