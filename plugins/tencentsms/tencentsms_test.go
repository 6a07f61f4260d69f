package tencentsms_test

import (
	"context"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/plugins/tencentsms"
	"fenxiao/plugins/tencentsms/tencentfake"
	"fenxiao/tests"
)

func TestMain(m *testing.M) { tests.Main(m) }

func config(f *tencentfake.Fake, key string) tencentsms.Config {
	return tencentsms.Config{
		SecretId: f.SecretId, SecretKey: key, SdkAppId: f.SdkAppId, SignName: f.SignName,
		CodeTemplate: "100", CodeMinutes: 5,
		Templates: map[string]tencentsms.Template{
			shop.KindOrderShipped: {Id: "200", Params: []string{"order_no", "company"}},
			shop.KindRefund:       {Id: "300", Params: []string{"amount"}},
			shop.KindOrderPaid:    {Id: "999", Params: []string{"amount"}},
		},
		Endpoint: f.URL,
	}
}

func TestSignInCodeBySMS(t *testing.T) {
	f := tencentfake.New("AKIDtest", "k3y", "1400000001", "小店", "100")
	defer f.Close()
	app, _ := tests.NewShopApp(t)
	tencentsms.MustRegister(app, config(f, "k3y"))
	c := tests.NewClient(t, app)
	if res := c.Do(http.MethodPost, "/api/shop/auth/sms/send", map[string]any{"phone": "13800138000"}, ""); res.Status != 200 {
		t.Fatalf("send: %d %s", res.Status, res.Raw)
	}
	msgs := f.Messages()
	if len(msgs) != 1 || msgs[0].Phone != "+8613800138000" || msgs[0].Template != "100" || len(msgs[0].Params) != 2 ||
		!regexp.MustCompile(`^\d{6}$`).MatchString(msgs[0].Params[0]) || msgs[0].Params[1] != "5" {
		t.Fatalf("messages %+v", msgs)
	}
	res := c.Do(http.MethodPost, "/api/shop/auth/sms/verify", map[string]any{"phone": "13800138000", "code": msgs[0].Params[0]}, "")
	if res.Status != 200 || res.Body["token"] == nil {
		t.Fatalf("verify: %d %s", res.Status, res.Raw)
	}

	// a wrong key fails the signature check: the route answers 503
	f2 := tencentfake.New("AKIDtest", "k3y", "1400000001", "小店", "100")
	defer f2.Close()
	app2, _ := tests.NewShopApp(t)
	tencentsms.MustRegister(app2, config(f2, "wrong"))
	res = tests.NewClient(t, app2).Do(http.MethodPost, "/api/shop/auth/sms/send", map[string]any{"phone": "13800138000"}, "")
	if res.Status != http.StatusServiceUnavailable || f2.Requests() != 1 || len(f2.Messages()) != 0 {
		t.Fatalf("wrong key: %d %s", res.Status, res.Raw)
	}
}

func notify(t *testing.T, app core.App, user, kind string, data map[string]string) *core.Record {
	t.Helper()
	if err := shop.Notify(app, shop.Notification{UserId: user, Kind: kind, Title: kind, Data: data}); err != nil {
		t.Fatal(err)
	}
	n, err := app.FindFirstRecordByFilter("notifications", "user = {:u} && kind = {:k}", dbx.Params{"u": user, "k": kind})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func delivery(t *testing.T, app core.App, n *core.Record) *core.Record {
	t.Helper()
	d, err := app.FindFirstRecordByFilter("notification_deliveries", "notification = {:n}", dbx.Params{"n": n.Id})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestOrderEventsBySMS(t *testing.T) {
	f := tencentfake.New("AKIDtest", "k3y", "1400000001", "小店", "100", "200", "300")
	defer f.Close()
	app, s := tests.NewShopApp(t)
	tencentsms.MustRegister(app, config(f, "k3y"))
	buyer, _ := tests.User(t, app, "b@test.local", map[string]any{"phone": "13900139000"})
	ctx := context.Background()
	pass := func() {
		t.Helper()
		if _, err := s.DeliverDue(ctx, app); err != nil {
			t.Fatal(err)
		}
	}

	f.FailNext("InternalError")
	shipped := notify(t, app, buyer.Id, shop.KindOrderShipped, map[string]string{"order_no": "A100", "company": "中通"})
	pass()
	if d := delivery(t, app, shipped); d.GetString("status") != "pending" || d.GetInt("attempts") != 1 {
		t.Fatalf("after InternalError: %v", d.FieldsData())
	}
	if _, err := app.DB().Update("notification_deliveries", dbx.Params{"next_at": "2000-01-01 00:00:00.000Z"},
		dbx.HashExp{"status": "pending"}).Execute(); err != nil {
		t.Fatal(err)
	}
	pass()
	d := delivery(t, app, shipped)
	msgs := f.Messages()
	if d.GetString("status") != "sent" || len(msgs) != 1 || msgs[0].Template != "200" ||
		msgs[0].Params[0] != "A100" || msgs[0].Params[1] != "中通" || msgs[0].Session != d.Id {
		t.Fatalf("after the retry: %v, messages %+v", d.FieldsData(), msgs)
	}

	// a second message within 30 s hits the number's limit: retried an hour later
	refund := notify(t, app, buyer.Id, shop.KindRefund, map[string]string{"amount": "9.90"})
	pass()
	d = delivery(t, app, refund)
	if wait := time.Until(d.GetDateTime("next_at").Time()); d.GetString("status") != "pending" || wait < 59*time.Minute {
		t.Fatalf("rate limited: %v (next in %s)", d.FieldsData(), wait)
	}

	// an unapproved template fails for good
	paid := notify(t, app, buyer.Id, shop.KindOrderPaid, map[string]string{"amount": "9.90"})
	pass()
	if d = delivery(t, app, paid); d.GetString("status") != "failed" {
		t.Fatalf("unapproved template: %v", d.FieldsData())
	}
}
