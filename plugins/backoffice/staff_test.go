package backoffice

import (
	"net/http"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/internal/roles"
	"fenxiao/tests"
)

// TestStaffRoutesOwnerOnly runs every staff route as every role: only an
// owner and a superuser get past the check, even a custom role holding
// every permission does not.
func TestStaffRoutesOwnerOnly(t *testing.T) {
	app, client := newApp(t)
	_, suToken := tests.Superuser(t, app)
	_, buyerToken := tests.User(t, app, "buyer@test.local", nil)
	target, _ := staff(t, app, "target@staff.test", roles.Support)
	tokens := map[string]string{"superuser": suToken, "user": buyerToken}
	for _, role := range []string{roles.Owner, roles.Operations, roles.Warehouse, roles.Finance, roles.Support} {
		_, tokens[role] = staff(t, app, role+"@staff.test", role)
	}
	all := roles.Permissions(roles.Owner, nil)
	_, tokens["custom"] = staff(t, app, "custom@staff.test", roles.Custom, all...)

	routes := []struct{ method, path, body string }{
		{"GET", "/api/shop/admin/staff", ""},
		{"POST", "/api/shop/admin/staff", `{"email":"bad"}`},
		{"POST", "/api/shop/admin/staff/" + target.Id + "/role", `{"role":"nope"}`},
		{"POST", "/api/shop/admin/staff/nope/disable", "{}"},
		{"POST", "/api/shop/admin/staff/nope/enable", "{}"},
	}
	for name, token := range tokens {
		for _, r := range routes {
			res := client.Do(r.method, r.path, r.body, token)
			allowed := name == "superuser" || name == roles.Owner
			if allowed && (res.Status == http.StatusUnauthorized || res.Status == http.StatusForbidden) {
				t.Errorf("%s %s %s: %d, want it let through: %s", name, r.method, r.path, res.Status, res.Raw)
			}
			if !allowed && (res.Status != http.StatusForbidden || res.Code() != "permission_denied") {
				t.Errorf("%s %s %s: %d %s, want 403 permission_denied", name, r.method, r.path, res.Status, res.Code())
			}
		}
	}
	for _, r := range routes {
		if res := client.Do(r.method, r.path, r.body, ""); res.Status != http.StatusUnauthorized {
			t.Errorf("guest %s %s: %d, want 401", r.method, r.path, res.Status)
		}
	}
	// the refused calls changed nothing and left no rows
	if n := countActions(t, app, ""); n != 0 {
		t.Fatalf("%d staff_actions rows after refused or failed calls", n)
	}
	if r, _ := app.FindRecordById(shop.StaffCollection, target.Id); r.GetString("role") != roles.Support {
		t.Fatalf("target role %q after refused calls", r.GetString("role"))
	}
}

// TestStaffLifecycle: an owner adds a member, changes their role, disables
// them (they can no longer sign in nor use their token) and enables them;
// every change is a staff_actions row naming the owner.
func TestStaffLifecycle(t *testing.T) {
	app, client := newApp(t)
	owner, ownerToken := staff(t, app, "owner@staff.test", roles.Owner)

	res := client.Do("POST", "/api/shop/admin/staff", map[string]any{
		"email": " Clerk@Shop.test ", "password": "warehouse-123", "name": "仓库小王", "role": "warehouse",
	}, ownerToken)
	mustStatus(t, res, http.StatusOK)
	id, _ := res.Body["id"].(string)
	if res.Body["email"] != "clerk@shop.test" || res.Body["role"] != "warehouse" || res.Body["active"] != true {
		t.Fatalf("created %s", res.Raw)
	}

	// the new member signs in and may ship but not manage staff
	login := client.Do("POST", "/api/collections/staff/auth-with-password", map[string]any{"identity": "clerk@shop.test", "password": "warehouse-123"}, "")
	mustStatus(t, login, http.StatusOK)
	clerkToken, _ := login.Body["token"].(string)
	mustStatus(t, client.Do("GET", "/api/shop/admin/reports/me", nil, clerkToken), http.StatusOK)
	mustStatus(t, client.Do("GET", "/api/shop/admin/staff", nil, clerkToken), http.StatusForbidden)

	// bad input: one error shape, a stable code, nothing created
	for _, c := range []struct {
		body map[string]any
		code string
	}{
		{map[string]any{"email": "clerk@shop.test", "password": "0123456789", "name": "重名", "role": "support"}, "staff_email_taken"},
		{map[string]any{"email": "not-an-email", "password": "0123456789", "name": "甲", "role": "support"}, "staff_email_invalid"},
		{map[string]any{"email": "a@shop.test", "password": "short", "name": "甲", "role": "support"}, "staff_password_short"},
		{map[string]any{"email": "a@shop.test", "password": "0123456789", "name": " ", "role": "support"}, "staff_name_invalid"},
		{map[string]any{"email": "a@shop.test", "password": "0123456789", "name": "甲", "role": "boss"}, "staff_role_invalid"},
		{map[string]any{"email": "a@shop.test", "password": "0123456789", "name": "甲", "role": "custom"}, "staff_permissions_invalid"},
		{map[string]any{"email": "a@shop.test", "password": "0123456789", "name": "甲", "role": "custom", "permissions": []string{"orders.ship", "nope"}}, "staff_permissions_invalid"},
	} {
		res := client.Do("POST", "/api/shop/admin/staff", c.body, ownerToken)
		if res.Status != http.StatusBadRequest || res.Code() != c.code {
			t.Errorf("%v: %d %s, want 400 %s", c.body, res.Status, res.Raw, c.code)
		}
	}
	if res := client.Do("POST", "/api/shop/admin/staff", `{"email": 1}`, ownerToken); res.Code() != "invalid_body" {
		t.Errorf("malformed body: %d %s", res.Status, res.Raw)
	}
	if n, _ := app.CountRecords(shop.StaffCollection); n != 2 {
		t.Fatalf("%d staff after the refusals, want 2", n)
	}

	// custom role with two permissions
	res = client.Do("POST", "/api/shop/admin/staff/"+id+"/role", map[string]any{"role": "custom", "permissions": []string{"orders.ship", "jobs.run"}}, ownerToken)
	mustStatus(t, res, http.StatusOK)
	clerk, _ := app.FindRecordById(shop.StaffCollection, id)
	if clerk.GetString("role") != roles.Custom || !shop.Can(clerk, roles.JobsRun) || shop.Can(clerk, roles.WithdrawalsPay) {
		t.Fatalf("after role change: %s", res.Raw)
	}
	mustStatus(t, client.Do("GET", "/api/shop/admin/reports/jobs", nil, clerkToken), http.StatusOK)

	// disabled: the token stops working and sign-in is refused
	mustStatus(t, client.Do("POST", "/api/shop/admin/staff/"+id+"/disable", nil, ownerToken), http.StatusOK)
	if res := client.Do("GET", "/api/shop/admin/reports/jobs", nil, clerkToken); res.Status != http.StatusUnauthorized && res.Status != http.StatusForbidden {
		t.Fatalf("disabled member's token: %d %s", res.Status, res.Raw)
	}
	login = client.Do("POST", "/api/collections/staff/auth-with-password", map[string]any{"identity": "clerk@shop.test", "password": "warehouse-123"}, "")
	if login.Status == http.StatusOK {
		t.Fatalf("disabled member signed in: %s", login.Raw)
	}

	// enabled again: they sign in and work
	mustStatus(t, client.Do("POST", "/api/shop/admin/staff/"+id+"/enable", nil, ownerToken), http.StatusOK)
	login = client.Do("POST", "/api/collections/staff/auth-with-password", map[string]any{"identity": "clerk@shop.test", "password": "warehouse-123"}, "")
	mustStatus(t, login, http.StatusOK)
	clerkToken, _ = login.Body["token"].(string)
	mustStatus(t, client.Do("GET", "/api/shop/admin/reports/jobs", nil, clerkToken), http.StatusOK)

	// the list shows both with their permissions
	list := client.Do("GET", "/api/shop/admin/staff", nil, ownerToken)
	mustStatus(t, list, http.StatusOK)
	if items, _ := list.Body["items"].([]any); len(items) != 2 {
		t.Fatalf("list: %s", list.Raw)
	}

	// four changes, each a row naming the owner
	actor := "staff:" + owner.Id
	if n := countActions(t, app, actor); n != 4 {
		t.Fatalf("%d staff_actions rows by %s, want 4 (create, role, disable, enable)", n, actor)
	}
	var paths []string
	err := app.DB().Select("path").From(shop.StaffActionsCollection).
		Where(dbx.HashExp{"actor": actor, "permission": shop.ManageStaff, "actor_name": "owner clerk"}).
		OrderBy("rowid").Column(&paths)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/api/shop/admin/staff", "/api/shop/admin/staff/" + id + "/role", "/api/shop/admin/staff/" + id + "/disable", "/api/shop/admin/staff/" + id + "/enable"}
	if len(paths) != len(want) {
		t.Fatalf("paths %v, want %v", paths, want)
	}
	for i := range want {
		if paths[i] != want[i] {
			t.Fatalf("paths %v, want %v", paths, want)
		}
	}
}

// TestOwnerCannotDemoteOrDisableThemselves keeps a shop from locking its
// owner out by a slip of the mouse.
func TestOwnerCannotDemoteOrDisableThemselves(t *testing.T) {
	app, client := newApp(t)
	owner, token := staff(t, app, "owner@staff.test", roles.Owner)
	for _, c := range []struct {
		path string
		body any
	}{
		{"/role", map[string]any{"role": "finance"}},
		{"/role", map[string]any{"role": "custom", "permissions": roles.Permissions(roles.Owner, nil)}},
		{"/disable", nil},
	} {
		res := client.Do("POST", "/api/shop/admin/staff/"+owner.Id+c.path, c.body, token)
		if res.Status != http.StatusConflict || res.Code() != "staff_self_change" {
			t.Errorf("%s %v: %d %s, want 409 staff_self_change", c.path, c.body, res.Status, res.Raw)
		}
	}
	// keeping oneself owner is no change worth refusing
	mustStatus(t, client.Do("POST", "/api/shop/admin/staff/"+owner.Id+"/role", map[string]any{"role": "owner"}, token), http.StatusOK)
	r, _ := app.FindRecordById(shop.StaffCollection, owner.Id)
	if r.GetString("role") != roles.Owner || !r.GetBool("active") {
		t.Fatalf("owner now %s active=%v", r.GetString("role"), r.GetBool("active"))
	}
	// another owner may demote them
	_, other := staff(t, app, "second@staff.test", roles.Owner)
	mustStatus(t, client.Do("POST", "/api/shop/admin/staff/"+owner.Id+"/role", map[string]any{"role": "finance"}, other), http.StatusOK)
	mustStatus(t, client.Do("GET", "/api/shop/admin/staff", nil, token), http.StatusForbidden)
}

func countActions(t *testing.T, app core.App, actor string) int {
	t.Helper()
	q := app.DB().Select("count(*)").From(shop.StaffActionsCollection)
	if actor != "" {
		q = q.Where(dbx.HashExp{"actor": actor})
	}
	var n int
	if err := q.Row(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
