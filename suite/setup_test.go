package suite

import (
	"net/http"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	pbtests "github.com/pocketbase/pocketbase/tests"

	"fenxiao/hooks/shop"
	"fenxiao/hooks/wallet"
	"fenxiao/internal/ledger"
	"fenxiao/plugins/balancepay"
	"fenxiao/plugins/distribution"
	"fenxiao/plugins/promotion"
	"fenxiao/plugins/sandboxpay"
	"fenxiao/plugins/sharing"
	"fenxiao/plugins/withdrawal"
	"fenxiao/tests"
)

func TestMain(m *testing.M) { tests.Main(m) }

// shopEnv is a test shop with the plugins a default `serve` registers
// without third-party keys (sandbox payments on).
type shopEnv struct {
	t    testing.TB
	app  *pbtests.TestApp
	shop *shop.Shop
	c    *tests.Client

	admin string // superuser token
	sku   *core.Record
}

func newShop(t testing.TB) *shopEnv {
	t.Helper()
	return newShopWith(t, nil)
}

// newShopWith is newShop with more plugins registered by more before the
// routes are built.
func newShopWith(t testing.TB, more func(app core.App)) *shopEnv {
	t.Helper()
	app, s := tests.NewShopApp(t)
	distribution.MustRegister(app, distribution.Config{})
	sandboxpay.MustRegister(app, sandboxpay.Config{})
	balancepay.MustRegister(app, balancepay.Config{})
	withdrawal.MustRegister(app, withdrawal.Config{})
	promotion.MustRegister(app, promotion.Config{})
	sharing.MustRegister(app, sharing.Config{})
	if more != nil {
		more(app)
	}
	e := &shopEnv{t: t, app: app, shop: s}
	e.c = tests.NewClient(t, app)
	_, e.admin = tests.Superuser(t, app)
	product := tests.Save(t, app, "products", map[string]any{"title": "保温杯", "status": "on"})
	e.sku = tests.Save(t, app, "skus", map[string]any{"product": product.Id, "price": 5000, "stock": 100000, "spec_text": "红"})
	return e
}

// buyer is a signed-in user with an address and funds on their wallet.
type buyer struct {
	user    *core.Record
	token   string
	address string
}

func (e *shopEnv) buyer(email string, funds int64, fields map[string]any) *buyer {
	e.t.Helper()
	u, tok := tests.User(e.t, e.app, email, fields)
	addr := tests.Save(e.t, e.app, "addresses", map[string]any{"user": u.Id, "name": "张三", "phone": "13800000000",
		"province": "浙江省", "city": "杭州市", "district": "西湖区", "detail": "文三路1号", "is_default": true})
	if funds != 0 {
		e.fund(u.Id, funds)
	}
	return &buyer{user: u, token: tok, address: addr.Id}
}

func (e *shopEnv) fund(userId string, amount int64) {
	e.t.Helper()
	err := e.app.RunInTransaction(func(txApp core.App) error {
		_, err := wallet.Post(txApp, wallet.Posting{UserId: userId, Kind: ledger.KindReward, Amount: amount, RefType: "test", RefId: "seed-" + core.GenerateDefaultRandomId(), Actor: "system:test"})
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *shopEnv) available(userId string) int64 {
	e.t.Helper()
	a, _, err := wallet.Balance(e.app, userId)
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

// checkout places a one-line order and returns its id and payable amount.
func (e *shopEnv) checkout(b *buyer) (string, int64) {
	e.t.Helper()
	res := e.c.Do(http.MethodPost, "/api/shop/checkout", map[string]any{
		"items": []map[string]any{{"sku": e.sku.Id, "quantity": 1}}, "address": b.address}, b.token)
	if res.Status != http.StatusOK {
		e.t.Fatalf("checkout: %d %s", res.Status, res.Raw)
	}
	return res.Body["id"].(string), int64(res.Body["payable"].(float64))
}

func (e *shopEnv) pay(b *buyer, orderId, method string) *tests.Response {
	return e.c.Do(http.MethodPost, "/api/shop/orders/"+orderId+"/pay", map[string]any{"method": method}, b.token)
}
