package backoffice

import (
	"net/http"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	pbtests "github.com/pocketbase/pocketbase/tests"

	"fenxiao/hooks/shop"
	"fenxiao/tests"
)

func TestMain(m *testing.M) { tests.Main(m) }

// shanghai returns a Shanghai wall-clock time as PocketBase stores it.
func shanghai(s string) string {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, shop.ShopTimeZone)
	if err != nil {
		panic(err)
	}
	return dbTime(t)
}

// setClock fixes the reports' "now" for one test.
func setClock(t *testing.T, s string) {
	t.Helper()
	at, err := time.ParseInLocation("2006-01-02 15:04", s, shop.ShopTimeZone)
	if err != nil {
		t.Fatal(err)
	}
	old := now
	now = func() time.Time { return at }
	t.Cleanup(func() { now = old })
}

// sqlExec writes fixture rows straight into the tables, without the
// payments and ledger entries behind them, so the audit at cleanup is off.
func sqlExec(t *testing.T, app core.App, sql string, params dbx.Params) {
	t.Helper()
	tests.SkipAudit(t)
	if _, err := app.DB().NewQuery(sql).Bind(params).Execute(); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// newApp is a shop with the back office registered and a client for it.
func newApp(t testing.TB) (*pbtests.TestApp, *tests.Client) {
	t.Helper()
	app, _ := tests.NewShopApp(t)
	MustRegister(app, Config{})
	return app, tests.NewClient(t, app)
}

// staff creates an active staff member with role (and custom permissions)
// and returns it with a token.
func staff(t *testing.T, app core.App, email, role string, perms ...string) (*core.Record, string) {
	t.Helper()
	c, err := app.FindCollectionByNameOrId(shop.StaffCollection)
	if err != nil {
		t.Fatal(err)
	}
	r := core.NewRecord(c)
	r.SetEmail(email)
	r.SetPassword("1234567890")
	r.Set("name", role+" clerk")
	r.Set("role", role)
	r.Set("permissions", perms)
	r.Set("active", true)
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
	token, err := r.NewAuthToken()
	if err != nil {
		t.Fatal(err)
	}
	return r, token
}

// order inserts an order row as the core would leave it.
func order(t *testing.T, app core.App, id, no, buyer, status string, payable int64, paidAt, created string, extra map[string]any) {
	t.Helper()
	p := dbx.Params{"id": id, "no": no, "buyer": buyer, "status": status, "payable": payable, "paid": paidAt, "created": created,
		"address": `{"name":"收件人` + no + `","phone":"13800000000","province":"浙江省","city":"杭州市","district":"西湖区","detail":"文三路 1 号"}`,
		"method":  "", "qty": 1}
	for k, v := range extra {
		p[k] = v
	}
	sqlExec(t, app, "INSERT INTO orders (id, order_no, buyer, status, payable, goods_amount, paid_at, created, updated, address, pay_method, quantity) "+
		"VALUES ({:id}, {:no}, {:buyer}, {:status}, {:payable}, {:payable}, {:paid}, {:created}, {:created}, {:address}, {:method}, {:qty})", p)
	sqlExec(t, app, "INSERT INTO order_items (id, [order], buyer, product, sku, title, spec_text, unit_price, quantity, line_amount, paid_amount, created, updated) "+
		"VALUES ({:iid}, {:id}, {:buyer}, 'prod1', 'sku1', '龙井茶', '250g', {:payable}, {:qty}, {:payable}, {:payable}, {:created}, {:created})",
		dbx.Params{"iid": "i" + id, "id": id, "buyer": buyer, "payable": payable, "qty": p["qty"], "created": created})
}

func mustStatus(t *testing.T, res *tests.Response, want int) {
	t.Helper()
	if res.Status != want {
		t.Fatalf("status %d, want %d: %s", res.Status, want, res.Raw)
	}
}

var _ = http.StatusOK
