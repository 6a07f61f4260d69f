package aliyunsms_test

import (
	"context"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/plugins/aliyunsms"
	"fenxiao/plugins/aliyunsms/aliyunfake"
	"fenxiao/tests"
)

func TestMain(m *testing.M) { tests.Main(m) }

func config(f *aliyunfake.Fake, secret string) aliyunsms.Config {
	return aliyunsms.Config{
		AccessKeyId:     f.KeyId,
		AccessKeySecret: secret,
		SignName:        f.SignName,
		CodeTemplate:    "SMS_CODE",
		Templates: map[string]aliyunsms.Template{
			shop.KindOrderShipped: {Code: "SMS_SHIP", Params: map[string]string{"order": "order_no", "company": "company"}},
			shop.KindRefund:       {Code: "SMS_GONE", Params: map[string]string{"amount": "amount"}},
		},
		Endpoint: f.URL,
	}
}

func TestSignInCodeBySMS(t *testing.T) {
	f := aliyunfake.New("LTAIkey", "s3cret", "小店", "SMS_CODE", "SMS_SHIP")
	defer f.Close()
	app, _ := tests.NewShopApp(t)
	aliyunsms.MustRegister(app, config(f, "s3cret"))
	c := tests.NewClient(t, app)

	if res := c.Do(http.MethodPost, "/api/shop/auth/sms/send", map[string]any{"phone": "13800138000"}, ""); res.Status != 200 {
		t.Fatalf("send: %d %s", res.Status, res.Raw)
	}
	msgs := f.Messages()
	if len(msgs) != 1 || msgs[0].Phone != "13800138000" || msgs[0].Template != "SMS_CODE" ||
		!regexp.MustCompile(`^\d{6}$`).MatchString(msgs[0].Params["code"]) {
		t.Fatalf("messages %+v", msgs)
	}
	// the code the phone got signs the user in
	res := c.Do(http.MethodPost, "/api/shop/auth/sms/verify", map[string]any{"phone": "13800138000", "code": msgs[0].Params["code"]}, "")
	if res.Status != 200 || res.Body["token"] == nil {
		t.Fatalf("verify: %d %s", res.Status, res.Raw)
	}
}

func TestWrongSecretIsRefusedByTheSignatureCheck(t *testing.T) {
	f := aliyunfake.New("LTAIkey", "s3cret", "小店", "SMS_CODE")
	defer f.Close()
	app, _ := tests.NewShopApp(t)
	aliyunsms.MustRegister(app, config(f, "not-the-secret"))
	res := tests.NewClient(t, app).Do(http.MethodPost, "/api/shop/auth/sms/send", map[string]any{"phone": "13800138000"}, "")
	if res.Status != http.StatusServiceUnavailable || res.Code() != "sms_send_failed" || f.Requests() != 1 || len(f.Messages()) != 0 {
		t.Fatalf("send with a wrong secret: %d %s (fake saw %d requests)", res.Status, res.Raw, f.Requests())
	}
}

func delivery(t *testing.T, app core.App, notificationId string) *core.Record {
	t.Helper()
	d, err := app.FindFirstRecordByFilter("notification_deliveries", "notification = {:n}", dbx.Params{"n": notificationId})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func notify(t *testing.T, app core.App, user, kind string, data map[string]string) string {
	t.Helper()
	if err := shop.Notify(app, shop.Notification{UserId: user, Kind: kind, Title: kind, Data: data}); err != nil {
		t.Fatal(err)
	}
	r, err := app.FindFirstRecordByFilter("notifications", "user = {:u} && kind = {:k}", dbx.Params{"u": user, "k": kind})
	if err != nil {
		t.Fatal(err)
	}
	return r.Id
}

func TestOrderEventsBySMS(t *testing.T) {
	f := aliyunfake.New("LTAIkey", "s3cret", "小店", "SMS_CODE", "SMS_SHIP", "SMS_GONE")
	f.PerPhoneMinute = 1
	defer f.Close()
	app, s := tests.NewShopApp(t)
	aliyunsms.MustRegister(app, config(f, "s3cret"))
	buyer, _ := tests.User(t, app, "b@test.local", map[string]any{"phone": "13900139000"})
	nophone, _ := tests.User(t, app, "n@test.local", nil)
	ctx := context.Background()

	// a provider outage is retried, then the message goes out once
	f.FailNext("ServiceUnavailable")
	shipped := notify(t, app, buyer.Id, shop.KindOrderShipped, map[string]string{"order_no": "202612010001", "company": "顺丰"})
	if _, err := s.DeliverDue(ctx, app); err != nil {
		t.Fatal(err)
	}
	d := delivery(t, app, shipped)
	if d.GetString("status") != "pending" || d.GetInt("attempts") != 1 || d.GetString("last_error") == "" {
		t.Fatalf("after an outage: %v", d.FieldsData())
	}
	if _, err := app.DB().Update("notification_deliveries", dbx.Params{"next_at": "2000-01-01 00:00:00.000Z"},
		dbx.HashExp{"id": d.Id}).Execute(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeliverDue(ctx, app); err != nil {
		t.Fatal(err)
	}
	if d = delivery(t, app, shipped); d.GetString("status") != "sent" {
		t.Fatalf("after the retry: %v", d.FieldsData())
	}
	msgs := f.Messages()
	if len(msgs) != 1 || msgs[0].Template != "SMS_SHIP" || msgs[0].Params["order"] != "202612010001" ||
		msgs[0].Params["company"] != "顺丰" || msgs[0].OutId != d.Id {
		t.Fatalf("messages %+v", msgs)
	}

	// the number's flow control: retried an hour later, not hammered
	refund := notify(t, app, buyer.Id, shop.KindRefund, map[string]string{"amount": "12.50"})
	if _, err := s.DeliverDue(ctx, app); err != nil {
		t.Fatal(err)
	}
	d = delivery(t, app, refund)
	if wait := time.Until(d.GetDateTime("next_at").Time()); d.GetString("status") != "pending" || wait < 59*time.Minute {
		t.Fatalf("rate limited: %v (next in %s)", d.FieldsData(), wait)
	}

	// no phone: skipped; kinds without a template: no delivery at all
	skipped := notify(t, app, nophone.Id, shop.KindOrderShipped, nil)
	notify(t, app, buyer.Id, shop.KindOrderCancelled, nil)
	if _, err := s.DeliverDue(ctx, app); err != nil {
		t.Fatal(err)
	}
	if d = delivery(t, app, skipped); d.GetString("status") != "skipped" {
		t.Fatalf("no phone: %v", d.FieldsData())
	}
	if n, _ := app.CountRecords("notification_deliveries"); n != 3 {
		t.Fatalf("deliveries %d, want 3", n)
	}
}

func TestUnknownTemplateFailsForGood(t *testing.T) {
	f := aliyunfake.New("LTAIkey", "s3cret", "小店", "SMS_CODE")
	defer f.Close()
	app, s := tests.NewShopApp(t)
	aliyunsms.MustRegister(app, config(f, "s3cret"))
	buyer, _ := tests.User(t, app, "b@test.local", map[string]any{"phone": "13900139000"})
	id := notify(t, app, buyer.Id, shop.KindOrderShipped, nil)
	if _, err := s.DeliverDue(context.Background(), app); err != nil {
		t.Fatal(err)
	}
	if d := delivery(t, app, id); d.GetString("status") != "failed" || d.GetInt("attempts") != 1 {
		t.Fatalf("unknown template: %v", d.FieldsData())
	}
}
