package staffmail_test

import (
	"context"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/plugins/staffmail"
	"fenxiao/tests"
)

func TestMain(m *testing.M) { tests.Main(m) }

func TestStaffNotificationsAreEmailed(t *testing.T) {
	app, s := tests.NewShopApp(t)
	staffmail.MustRegister(app, staffmail.Config{})
	tests.Superuser(t, app)
	buyer, _ := tests.User(t, app, "b@test.local", nil)
	ctx := context.Background()

	notify := func(n shop.Notification) {
		t.Helper()
		if err := shop.Notify(app, n); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DeliverDue(ctx, app); err != nil {
			t.Fatal(err)
		}
	}
	// the status of the newest delivery; by rowid, since two deliveries can
	// be created in the same millisecond
	status := func() string {
		var st string
		if err := app.DB().NewQuery("SELECT status FROM notification_deliveries ORDER BY rowid DESC LIMIT 1").Row(&st); err != nil {
			t.Fatalf("no delivery: %v", err)
		}
		return st
	}

	// SMTP off: skipped, saying why, and nothing is sent through sendmail
	notify(shop.Notification{Kind: shop.KindStaffOrderPaid, Title: "新订单待发货", Body: "订单 A1 已支付 50.00 元"})
	if status() != "skipped" || app.TestMailer.TotalSend() != 0 {
		t.Fatalf("with SMTP off: %s, %d sent", status(), app.TestMailer.TotalSend())
	}

	app.Settings().SMTP.Enabled = true
	app.Settings().SMTP.Host = "smtp.example.com"
	app.Settings().SMTP.Port = 587
	notify(shop.Notification{Kind: shop.KindStaffLowStock, Title: "库存预警", Body: "「保温杯 红」库存仅剩 2 件 <script>"})
	msg := app.TestMailer.LastMessage()
	if status() != "sent" || app.TestMailer.TotalSend() != 1 || len(msg.To) != 1 || msg.To[0].Address != "admin@test.local" ||
		!strings.Contains(msg.Subject, "库存预警") || !strings.Contains(msg.HTML, "&lt;script&gt;") {
		t.Fatalf("e-mail: %s, %+v", status(), msg)
	}

	// buyer notifications are not the staff's business
	before, _ := app.CountRecords("notification_deliveries")
	if err := shop.Notify(app, shop.Notification{UserId: buyer.Id, Kind: shop.KindOrderShipped, Title: "x"}); err != nil {
		t.Fatal(err)
	}
	if after, _ := app.CountRecords("notification_deliveries"); after != before {
		t.Fatal("a buyer notification was queued for e-mail")
	}

	// the recipient lookup can be pointed elsewhere (staff roles)
	s.SetStaffEmails(func(core.App) ([]string, error) { return []string{"ops@test.local", "boss@test.local"}, nil })
	notify(shop.Notification{Kind: shop.KindStaffWithdrawal, Title: "提现申请待审核", Body: "¥100"})
	if msg = app.TestMailer.LastMessage(); len(msg.To) != 2 || msg.To[1].Address != "boss@test.local" {
		t.Fatalf("custom staff: %+v", msg.To)
	}
}
