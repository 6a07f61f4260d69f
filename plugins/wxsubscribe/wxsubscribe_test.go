package wxsubscribe_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/plugins/wxsubscribe"
	"fenxiao/plugins/wxsubscribe/subscribefake"
	"fenxiao/tests"
)

func TestMain(m *testing.M) { tests.Main(m) }

// tokens caches the fake's token like the wechat plugin's client does.
type tokens struct {
	fake    *subscribefake.Fake
	mu      sync.Mutex
	token   string
	fetched int
}

func (t *tokens) AccessToken(context.Context) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.token == "" {
		t.token = t.fake.IssueToken()
		t.fetched++
	}
	return t.token, nil
}

func (t *tokens) ForgetToken(token string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.token == token {
		t.token = ""
	}
}

func setup(t *testing.T) (*subscribefake.Fake, *tokens, core.App, *shop.Shop, *tests.Client) {
	f := subscribefake.New(map[string][]string{
		"tmplShip": {"character_string1", "thing2"},
		"tmplComm": {"amount1", "thing2"},
	})
	t.Cleanup(f.Close)
	tk := &tokens{fake: f}
	app, s := tests.NewShopApp(t)
	wxsubscribe.MustRegister(app, wxsubscribe.Config{
		Tokens: tk,
		Templates: map[string]wxsubscribe.Template{
			shop.KindOrderShipped: {Id: "tmplShip", Page: "pages/order/detail",
				Fields: map[string]string{"character_string1": "order_no", "thing2": "company"}},
			shop.KindCommission: {Id: "tmplComm", Fields: map[string]string{"amount1": "amount", "thing2": "buyer"}},
		},
		BaseURL: f.URL,
	})
	return f, tk, app, s, tests.NewClient(t, app)
}

func count(t *testing.T, app core.App, user, tmpl string) int {
	t.Helper()
	n := 0
	_ = app.DB().Select("count").From("wx_subscriptions").Where(dbx.HashExp{"user": user, "template_id": tmpl}).Row(&n)
	return n
}

func TestTemplatesAndAcceptedRoutes(t *testing.T) {
	_, _, app, _, c := setup(t)
	u, tok := tests.User(t, app, "u@test.local", map[string]any{"wx_openid": "oU1"})

	res := c.Do(http.MethodGet, "/api/shop/wx-subscribe/templates?scene=checkout", nil, "")
	if ids, _ := res.Body["template_ids"].([]any); res.Status != 200 || len(ids) != 1 || ids[0] != "tmplShip" {
		t.Fatalf("checkout templates: %d %s", res.Status, res.Raw)
	}
	res = c.Do(http.MethodGet, "/api/shop/wx-subscribe/templates?scene=distributor", nil, "")
	if ids, _ := res.Body["template_ids"].([]any); len(ids) != 1 || ids[0] != "tmplComm" {
		t.Fatalf("distributor templates: %s", res.Raw)
	}
	if res = c.Do(http.MethodPost, "/api/shop/wx-subscribe/accepted", map[string]any{"template_ids": []string{"tmplShip"}}, ""); res.Status != 401 {
		t.Fatalf("guest: %d", res.Status)
	}
	for i := 0; i < 2; i++ {
		res = c.Do(http.MethodPost, "/api/shop/wx-subscribe/accepted", map[string]any{"template_ids": []string{"tmplShip", "bogus"}}, tok)
	}
	if counts, _ := res.Body["counts"].(map[string]any); res.Status != 200 || counts["tmplShip"] != float64(2) || len(counts) != 1 {
		t.Fatalf("accepted: %d %s", res.Status, res.Raw)
	}
	if count(t, app, u.Id, "tmplShip") != 2 {
		t.Fatal("count not stored")
	}
}

func TestSubscribeMessagesAreSentAndSpent(t *testing.T) {
	f, tk, app, s, c := setup(t)
	u, tok := tests.User(t, app, "u@test.local", map[string]any{"wx_openid": "oU1"})
	nowx, _ := tests.User(t, app, "n@test.local", nil)
	ctx := context.Background()
	pass := func() {
		t.Helper()
		if _, err := s.DeliverDue(ctx, app); err != nil {
			t.Fatal(err)
		}
	}
	statuses := func() map[string]int {
		got := map[string]int{}
		list, _ := app.FindAllRecords("notification_deliveries")
		for _, d := range list {
			got[d.GetString("status")]++
		}
		return got
	}
	notify := func(user string, kind string, data map[string]string) {
		t.Helper()
		if err := shop.Notify(app, shop.Notification{UserId: user, Kind: kind, Title: kind, RefId: "o1", Data: data}); err != nil {
			t.Fatal(err)
		}
	}

	// accepted once in the mini-program, and reported to the shop
	f.Accept("oU1", "tmplShip")
	c.Do(http.MethodPost, "/api/shop/wx-subscribe/accepted", map[string]any{"template_ids": []string{"tmplShip"}}, tok)

	notify(u.Id, shop.KindOrderShipped, map[string]string{"order_no": "A1", "company": "顺丰速运"})
	pass()
	msgs := f.Messages()
	if len(msgs) != 1 || msgs[0].ToUser != "oU1" || msgs[0].Data["character_string1"] != "A1" ||
		msgs[0].Data["thing2"] != "顺丰速运" || msgs[0].Page != "pages/order/detail?id=o1" {
		t.Fatalf("messages %+v", msgs)
	}
	if count(t, app, u.Id, "tmplShip") != 0 {
		t.Fatal("the subscription was not spent")
	}

	// spent: the next one is skipped without calling WeChat
	calls := f.Calls()
	notify(u.Id, shop.KindOrderShipped, map[string]string{"order_no": "A2", "company": "顺丰"})
	// no openid: skipped
	notify(nowx.Id, shop.KindOrderShipped, nil)
	pass()
	if f.Calls() != calls || statuses()["skipped"] != 2 {
		t.Fatalf("spent subscription: %d calls, statuses %v", f.Calls()-calls, statuses())
	}

	// a revoked token is replaced once; the daily limit retries an hour later
	f.Accept("oU1", "tmplComm")
	c.Do(http.MethodPost, "/api/shop/wx-subscribe/accepted", map[string]any{"template_ids": []string{"tmplComm"}}, tok)
	f.IssueToken() // WeChat voided the cached token
	notify(u.Id, shop.KindCommission, map[string]string{"amount": "12.50", "buyer": "李**"})
	pass()
	if tk.fetched != 2 || len(f.Messages()) != 2 || f.Messages()[1].Data["amount1"] != "12.50" {
		t.Fatalf("after a revoked token: %d fetches, messages %+v", tk.fetched, f.Messages())
	}
	f.Accept("oU1", "tmplComm")
	c.Do(http.MethodPost, "/api/shop/wx-subscribe/accepted", map[string]any{"template_ids": []string{"tmplComm"}}, tok)
	f.FailNext(45009)
	notify(u.Id, shop.KindCommission, map[string]string{"amount": "1.00", "buyer": "李**"})
	pass()
	d, _ := app.FindFirstRecordByFilter("notification_deliveries", "status = 'pending'")
	if d == nil || time.Until(d.GetDateTime("next_at").Time()) < 59*time.Minute {
		t.Fatalf("API limit: statuses %v", statuses())
	}

	// the user muted WeChat for shipments: no delivery is queued
	tests.Save(t, app, "notification_prefs", map[string]any{"user": u.Id,
		"muted": map[string][]string{shop.KindOrderShipped: {"wechat_subscribe"}}})
	before, _ := app.CountRecords("notification_deliveries")
	notify(u.Id, shop.KindOrderShipped, map[string]string{"order_no": "A3"})
	if after, _ := app.CountRecords("notification_deliveries"); after != before {
		t.Fatal("a muted channel got a delivery")
	}
}
