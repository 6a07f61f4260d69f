package suite

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/accounts"
	"fenxiao/plugins/backoffice"
	"fenxiao/tests"
)

// Who may do something, in the authorization matrix.
const (
	anyone = "anyone" // guests too
	users  = "users"  // any signed-in shopper (and superusers)
	own    = "own"    // the buyer whose row it is (and superusers)
	admin  = "admin"  // superusers only
	none   = "none"   // nobody: the shop core alone writes it (ledgers, payments, ...)
)

// actors of the matrix, in the order they try
var actors = []string{"guest", "other", "upline", "buyer", "superuser"}

// may reports whether the table lets actor do something with the given access.
func may(access, actor string) bool {
	switch access {
	case anyone:
		return true
	case users:
		return actor != "guest"
	case own:
		return actor == "buyer" || actor == "superuser"
	case admin:
		return actor == "superuser"
	default:
		return false
	}
}

// collectionAccess is the intended access to every collection's record API:
// list and view (one rule), create, update, delete. The test row of an own
// collection belongs to the buyer through the owner field.
type collectionAccess struct {
	read, create, update, delete string
	owner                        string         // field naming the owner of the test row ("" = none)
	row                          map[string]any // extra fields of the test row (to pass a public filter)
	// createdBy, when set, lists the actors whose create goes through instead
	// of the create access (one row per user: the buyer already has the test row)
	createdBy []string
}

var collectionMatrix = map[string]collectionAccess{
	"users":                    {read: own, create: anyone, update: own, delete: admin},
	"addresses":                {read: own, create: users, update: own, delete: own, owner: "user"},
	"shop_settings":            {read: admin, create: admin, update: admin, delete: admin},
	"referral_events":          {read: own, create: admin, update: none, delete: none, owner: "user"},
	"referral_paths":           {read: admin, create: admin, update: admin, delete: admin},
	"referral_stats":           {read: own, create: admin, update: admin, delete: admin, owner: "user"},
	"sms_codes":                {read: admin, create: admin, update: admin, delete: admin},
	"distributor_applications": {read: own, create: admin, update: admin, delete: admin, owner: "user"},
	"categories":               {read: anyone, create: admin, update: admin, delete: admin, row: map[string]any{"is_active": true}},
	"brands":                   {read: anyone, create: admin, update: admin, delete: admin, row: map[string]any{"is_active": true}},
	"shipping_templates":       {read: anyone, create: admin, update: admin, delete: admin},
	"products":                 {read: anyone, create: admin, update: admin, delete: admin, row: map[string]any{"status": "on"}},
	"skus":                     {read: anyone, create: admin, update: admin, delete: admin, row: map[string]any{"product": "@product"}},
	"cart_items":               {read: own, create: admin, update: admin, delete: own, owner: "user"},
	"cart_shares":              {read: admin, create: admin, update: admin, delete: admin},
	"admin_alerts":             {read: admin, create: admin, update: admin, delete: admin},
	"orders":                   {read: own, create: none, update: admin, delete: none, owner: "buyer"},
	"order_items":              {read: own, create: none, update: none, delete: none, owner: "buyer"},
	"payments":                 {read: admin, create: none, update: none, delete: none},
	"aftersales":               {read: own, create: none, update: admin, delete: none, owner: "buyer"},
	"refunds":                  {read: admin, create: none, update: none, delete: none},
	"notifications":            {read: own, create: admin, update: own, delete: own, owner: "user"},
	"wallets":                  {read: own, create: none, update: none, delete: none, owner: "user"},
	"wallet_entries":           {read: own, create: none, update: none, delete: none, owner: "user"},
	"withdrawals":              {read: own, create: none, update: admin, delete: none, owner: "user"},
	"withdrawal_events":        {read: own, create: none, update: none, delete: none, row: map[string]any{"withdrawal": "@withdrawal"}},
	"commissions":              {read: own, create: admin, update: admin, delete: admin, owner: "beneficiary"},
	"commission_adjustments":   {read: admin, create: admin, update: admin, delete: admin},
	"distributor_levels":       {read: anyone, create: admin, update: admin, delete: admin},
	"level_changes":            {read: admin, create: admin, update: admin, delete: admin},
	"leaderboard_snapshots":    {read: admin, create: admin, update: admin, delete: admin},
	"commission_totals":        {read: admin, create: admin, update: admin, delete: admin},
	"distributor_stats":        {read: admin, create: admin, update: admin, delete: admin},
	"promotions":               {read: anyone, create: admin, update: admin, delete: admin, row: map[string]any{"active": true}},
	"promotion_usages":         {read: own, create: admin, update: admin, delete: admin, owner: "user"},
	// distributors only; every shopper of the test shop is one
	"materials":           {read: users, create: admin, update: admin, delete: admin, row: map[string]any{"active": true}},
	"share_links":         {read: own, create: admin, update: admin, delete: admin, owner: "owner"},
	"share_clicks":        {read: admin, create: admin, update: admin, delete: admin},
	"share_conversions":   {read: admin, create: admin, update: admin, delete: admin},
	"wx_shipping_uploads": {read: admin, create: admin, update: admin, delete: admin},
	// back office: staff sign in through their own collection and see only
	// themselves there; what they did and the job runs are for superusers
	"staff":         {read: admin, create: admin, update: admin, delete: admin},
	"staff_actions": {read: admin, create: admin, update: admin, delete: admin},
	"job_runs":      {read: admin, create: admin, update: admin, delete: admin},
	// notification outbox and the user's channel preferences
	"notification_deliveries": {read: admin, create: admin, update: admin, delete: admin},
	"notification_prefs":      {read: own, create: users, update: own, delete: admin, owner: "user", createdBy: []string{"other", "upline", "superuser"}},
	"wx_subscriptions":        {read: own, create: admin, update: admin, delete: admin, owner: "user"},
	// coupons: the templates on offer are public, a coupon is its holder's
	"coupon_templates": {read: anyone, create: admin, update: admin, delete: admin, row: map[string]any{"active": true}},
	"user_coupons":     {read: own, create: admin, update: admin, delete: admin, owner: "user"},
	// a distributor's coupon code is theirs to read; codes change through
	// the coupon routes (distributor) and the dashboard (merchant)
	"coupon_codes": {read: own, create: admin, update: admin, delete: admin, owner: "owner", row: map[string]any{"code": "WANG2026", "active": true}},
	// flash sales: active slots and their items are public
	"flash_sessions": {read: anyone, create: admin, update: admin, delete: admin, row: map[string]any{"active": true}},
	"flash_items":    {read: anyone, create: admin, update: admin, delete: admin, row: map[string]any{"session": "@flash_session"}},
	"flash_orders":   {read: own, create: admin, update: admin, delete: admin, owner: "user"},
	// leaderboard prizes: rules are set by the merchant, a prize is its winner's
	"prize_rules":  {read: admin, create: admin, update: admin, delete: admin},
	"prize_awards": {read: own, create: admin, update: admin, delete: admin, owner: "user"},
	// invite bounties are the inviter's
	"invite_bounties": {read: own, create: admin, update: admin, delete: admin, owner: "inviter"},
}

// matrixShop is a shop with the five actors: the buyer is bound under the
// upline; the other buyer is unrelated.
type matrixShop struct {
	*shopEnv
	ids    map[string]string // actor → user id
	tokens map[string]string // actor → token
}

func newMatrixShop(t *testing.T) *matrixShop {
	// the console's routes (reports, exports, staff) are in the matrix too
	e := newShopWith(t, func(app core.App) { backoffice.MustRegister(app, backoffice.Config{}) })
	m := &matrixShop{shopEnv: e, ids: map[string]string{}, tokens: map[string]string{"guest": "", "superuser": e.admin}}
	up := e.buyer("upline@test.local", 0, map[string]any{"nickname": "上级"})
	b := e.buyer("buyer@test.local", 0, map[string]any{"nickname": "买家"})
	if err := accounts.BindUpline(e.app, b.user.Id, mustInvite(t, e, up.user.Id), "link", "", "user:"+b.user.Id); err != nil {
		t.Fatal(err)
	}
	o := e.buyer("other@test.local", 0, map[string]any{"nickname": "路人"})
	for actor, u := range map[string]*buyer{"upline": up, "buyer": b, "other": o} {
		m.ids[actor], m.tokens[actor] = u.user.Id, u.token
	}
	return m
}

func mustInvite(t *testing.T, e *shopEnv, userId string) string {
	t.Helper()
	u, err := e.app.FindRecordById("users", userId)
	if err != nil || u.GetString("invite_code") == "" {
		t.Fatalf("invite code of %s: %v", userId, err)
	}
	return u.GetString("invite_code")
}

// testRow (re)writes the collection's test row straight into its table
// and returns its id: the record API is what is under test, not the hooks.
func (m *matrixShop) testRow(t *testing.T, name string, a collectionAccess) string {
	t.Helper()
	if name == "users" {
		return m.ids["buyer"]
	}
	id := "mx" + fmt.Sprintf("%013d", len(name)*1000+int(name[0])*7+int(name[len(name)-1]))
	if n, _ := m.app.CountRecords(name, dbx.HashExp{"id": id}); n > 0 {
		return id
	}
	row := dbx.Params{"id": id}
	if a.owner != "" {
		row[a.owner] = m.ids["buyer"]
	}
	for k, v := range a.row {
		switch v {
		case "@product":
			v = m.testRow(t, "products", collectionMatrix["products"])
		case "@withdrawal":
			v = m.testRow(t, "withdrawals", collectionMatrix["withdrawals"])
		case "@flash_session":
			v = m.testRow(t, "flash_sessions", collectionMatrix["flash_sessions"])
		}
		row[k] = v
	}
	if _, err := m.app.DB().Insert(name, row).Execute(); err != nil {
		t.Fatalf("test row of %s: %v", name, err)
	}
	return id
}

// TestAuthorizationMatrixCollections tries list, view, create, update and
// delete on every collection as guest, another buyer, the buyer's upline,
// the buyer and a superuser, and compares with collectionMatrix. The
// collections come from the database, so a new one without a row fails.
func TestAuthorizationMatrixCollections(t *testing.T) {
	m := newMatrixShop(t)
	// superusers create a bare row in every collection here (a level-0
	// commission, an empty withdrawal...), so the audit at cleanup is off
	tests.SkipAudit(t)
	cols, err := m.app.FindAllCollections()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cols {
		if c.System || c.IsView() {
			continue // PocketBase's own (_superusers, _mfas, ...): PocketBase's rules
		}
		a, ok := collectionMatrix[c.Name]
		if !ok {
			t.Errorf("collection %q has no row in collectionMatrix (suite/authz_test.go): add who may list/view, create, update and delete it", c.Name)
			continue
		}
		base := "/api/collections/" + c.Name + "/records"
		for _, actor := range actors {
			token := m.tokens[actor]
			id := m.testRow(t, c.Name, a)
			res := m.c.Do(http.MethodGet, base+"?filter="+urlQuery("id='"+id+"'"), nil, token)
			listed := res.Status == http.StatusOK && res.Body["totalItems"] != nil && res.Body["totalItems"].(float64) >= 1
			m.check(t, c.Name, "list", actor, may(a.read, actor), listed, res)

			res = m.c.Do(http.MethodGet, base+"/"+id, nil, token)
			m.check(t, c.Name, "view", actor, may(a.read, actor), res.Status == http.StatusOK, res)

			res = m.c.Do(http.MethodPost, base, m.createBody(c.Name, actor), token)
			wantCreate := may(a.create, actor)
			if a.createdBy != nil {
				wantCreate = slices.Contains(a.createdBy, actor)
			}
			m.check(t, c.Name, "create", actor, wantCreate, m.created(actor, res), res)

			res = m.c.Do(http.MethodPatch, base+"/"+id, map[string]any{}, token)
			m.check(t, c.Name, "update", actor, may(a.update, actor), m.passed(actor, res), res)

			res = m.c.Do(http.MethodDelete, base+"/"+id, nil, token)
			m.check(t, c.Name, "delete", actor, may(a.delete, actor), m.passed(actor, res), res)
		}
	}
	for name := range collectionMatrix {
		if _, err := m.app.FindCollectionByNameOrId(name); err != nil {
			t.Errorf("collectionMatrix has a row for %q, which the database does not have", name)
		}
	}
}

// passed tells whether the rules let an update or delete through: PocketBase
// answers 403 for a superusers-only action, 404 for a row the rule hides,
// and the shop core 403 with a code for what nobody may do; anything else
// (success, or a validation error on the bare test row) got past them.
func (m *matrixShop) passed(_ string, res *tests.Response) bool {
	return !slices.Contains([]int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound}, res.Status)
}

// created tells whether a create got through: a shopper's must succeed
// (PocketBase answers a failed create rule with 400, like a validation
// error); a superuser's passes unless refused with 401/403.
func (m *matrixShop) created(actor string, res *tests.Response) bool {
	if actor == "superuser" {
		return m.passed(actor, res)
	}
	return res.Status/100 == 2
}

func (m *matrixShop) createBody(collection, actor string) map[string]any {
	switch collection {
	case "users":
		email := fmt.Sprintf("new-%s-%s@test.local", actor, strings.ToLower(collection))
		return map[string]any{"email": email, "password": "12345678901", "passwordConfirm": "12345678901"}
	case "addresses":
		return map[string]any{"user": m.ids[actor], "name": "张三", "phone": "13800000000", "province": "浙江省", "detail": "文三路1号"}
	case "notification_prefs":
		// a user may create their own preferences row, once
		return map[string]any{"user": m.ids[actor]}
	}
	return map[string]any{}
}

func (m *matrixShop) check(t *testing.T, collection, op, actor string, want, got bool, res *tests.Response) {
	t.Helper()
	if want != got {
		verb := "was refused"
		if got {
			verb = "was let through"
		}
		t.Errorf("%s %s as %s %s: %d %s", op, collection, actor, verb, res.Status, truncated(res.Raw))
	}
}

func truncated(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}

func urlQuery(s string) string {
	return strings.NewReplacer(" ", "%20", "'", "%27", "=", "%3D").Replace(s)
}
