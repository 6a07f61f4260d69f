package wechatpay_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	wxcore "github.com/wechatpay-apiv3/wechatpay-go/core"

	"fenxiao/hooks/shop"
	"fenxiao/plugins/wechatpay"
	"fenxiao/plugins/wechatpay/wxpayfake"
)

// setup starts a fake and a provider configured for it.
func setup(t *testing.T, opts wxpayfake.Options) (*wxpayfake.Fake, *wechatpay.Provider) {
	t.Helper()
	fake, err := wxpayfake.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)

	p, err := wechatpay.New(fake.PluginConfig())
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(p.Stop)
	return fake, p
}

// buyer is a users record with the hidden wx_openid field.
func buyer(openid string) *core.Record {
	users := core.NewAuthCollection("users")
	users.Fields.Add(&core.TextField{Name: wechatpay.OpenIdField, Hidden: true})
	r := core.NewRecord(users)
	r.Set(wechatpay.OpenIdField, openid)
	return r
}

// prepay starts paying orderNo and fails the test on error.
func prepay(t *testing.T, p *wechatpay.Provider, orderNo string, amount int64) *shop.PayStart {
	t.Helper()
	start, err := p.Start(context.Background(), nil, shop.PayRequest{
		OrderId:     "ord" + orderNo,
		OrderNo:     orderNo,
		Description: "有机红枣礼盒 500g",
		Amount:      amount,
		Buyer:       buyer("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"),
		ClientIP:    "127.0.0.1",
		ExpiresAt:   time.Now().Add(30 * time.Minute),
	})
	if err != nil {
		t.Fatalf("Start %s: %v", orderNo, err)
	}
	return start
}

func shopCode(err error) string {
	var e *shop.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func TestPrepayReturnsVerifiableRequestPayment(t *testing.T) {
	t.Parallel()
	fake, p := setup(t, wxpayfake.Options{})

	start := prepay(t, p, "FX20251124000001", 12345)
	if start.Paid || start.Notice != nil {
		t.Fatalf("a prepay must not be paid: %+v", start)
	}

	order, ok := fake.Order("FX20251124000001")
	if !ok {
		t.Fatal("the fake has no order")
	}
	if order.Amount != 12345 || order.OpenID != "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o" || order.TradeState != "NOTPAY" {
		t.Fatalf("unexpected order at WeChat Pay: %+v", order)
	}
	if order.TimeExpire.IsZero() || order.Attach != "ordFX20251124000001" || order.NotifyURL != wxpayfake.DefaultNotifyURL {
		t.Fatalf("time_expire/attach/notify_url not sent: %+v", order)
	}

	params := start.Params
	for _, k := range []string{"appId", "timeStamp", "nonceStr", "package", "signType", "paySign"} {
		if s, _ := params[k].(string); s == "" {
			t.Fatalf("missing %s in %v", k, params)
		}
	}
	if params["appId"] != fake.AppID || params["signType"] != "RSA" || params["package"] != "prepay_id="+order.PrepayID {
		t.Fatalf("unexpected params %v", params)
	}

	// paySign is RSA-SHA256 by the merchant key over appId, timeStamp, nonceStr, package
	message := strings.Join([]string{
		params["appId"].(string), params["timeStamp"].(string), params["nonceStr"].(string), params["package"].(string),
	}, "\n") + "\n"
	sig, err := base64.StdEncoding.DecodeString(params["paySign"].(string))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(message))
	if err := rsa.VerifyPKCS1v15(fake.MerchantPublicKey(), crypto.SHA256, sum[:], sig); err != nil {
		t.Fatalf("paySign does not verify: %v", err)
	}

	// the same order again (the buyer closed the payment sheet) is accepted
	again := prepay(t, p, "FX20251124000001", 12345)
	if again.Params["package"] != params["package"] {
		t.Fatalf("expected the same prepay_id, got %v", again.Params["package"])
	}
}

func TestPrepayRefusals(t *testing.T) {
	t.Parallel()
	fake, p := setup(t, wxpayfake.Options{})
	ctx := context.Background()

	req := shop.PayRequest{OrderNo: "FX20251124000002", Description: "x", Amount: 100}
	for name, b := range map[string]*core.Record{"nil buyer": nil, "no openid": buyer("")} {
		req.Buyer = b
		_, err := p.Start(ctx, nil, req)
		if shopCode(err) != "wechat_openid_missing" {
			t.Fatalf("%s: expected wechat_openid_missing, got %v", name, err)
		}
	}
	if _, ok := fake.Order(req.OrderNo); ok {
		t.Fatal("nothing should reach WeChat Pay without an openid")
	}

	req.Buyer = buyer("o1")
	req.Amount = 0
	if _, err := p.Start(ctx, nil, req); shopCode(err) != "invalid_amount" {
		t.Fatalf("expected invalid_amount, got %v", err)
	}

	// same out_trade_no with another amount: WeChat Pay refuses
	prepay(t, p, "FX20251124000003", 500)
	req.OrderNo, req.Amount = "FX20251124000003", 600
	if _, err := p.Start(ctx, nil, req); shopCode(err) != "wechatpay_invalid_request" {
		t.Fatalf("expected wechatpay_invalid_request, got %v", err)
	}
}

func TestPaymentNotification(t *testing.T) {
	t.Parallel()
	fake, p := setup(t, wxpayfake.Options{})
	ctx := context.Background()

	prepay(t, p, "FX20251124000010", 9900)
	n, err := fake.PaymentNotification("FX20251124000010")
	if err != nil {
		t.Fatal(err)
	}
	order, _ := fake.Order("FX20251124000010")

	notice, err := p.ParseNotification(ctx, n.Request("/api/shop/pay/wechatpay/notify"))
	if err != nil {
		t.Fatalf("ParseNotification: %v", err)
	}
	if notice == nil {
		t.Fatal("expected a notice")
	}
	if notice.Provider != "wechatpay" || notice.OrderNo != "FX20251124000010" || notice.Amount != 9900 ||
		notice.TransactionId != order.TransactionID || notice.MerchantId != fake.MchID ||
		!notice.PaidAt.Equal(order.PaidAt) || notice.Raw != n.Plaintext {
		t.Fatalf("unexpected notice %+v (order %+v)", notice, order)
	}

	// WeChat Pay repeats notifications: the replay parses to the same notice
	again, err := p.ParseNotification(ctx, n.Request("/api/shop/pay/wechatpay/notify"))
	if err != nil {
		t.Fatalf("replay: %v", err)
	}
	if *again != *notice {
		t.Fatalf("replay differs:\n%+v\n%+v", again, notice)
	}

	// acknowledged with 2xx and no body
	rec := httptest.NewRecorder()
	p.AckNotification(rec, nil)
	if rec.Code != http.StatusNoContent || rec.Body.Len() != 0 {
		t.Fatalf("ack: %d %q", rec.Code, rec.Body.String())
	}
}

func TestPaymentNotificationRejected(t *testing.T) {
	t.Parallel()
	fake, p := setup(t, wxpayfake.Options{})
	ctx := context.Background()
	prepay(t, p, "FX20251124000020", 100)

	scenarios := map[string][]wxpayfake.NotifyOption{
		"forged signature":    {wxpayfake.ForgedSignature()},
		"body changed":        {wxpayfake.TamperedBody()},
		"ciphertext tampered": {wxpayfake.TamperedCiphertext()},
		"expired timestamp":   {wxpayfake.WithTimestamp(time.Now().Add(-10 * time.Minute))},
		"future timestamp":    {wxpayfake.WithTimestamp(time.Now().Add(10 * time.Minute))},
		"wrong mchid":         {wxpayfake.WithMchID("1900000999")},
		"wrong appid":         {wxpayfake.WithAppID("wx0000000000000bad")},
		"unknown key id":      {wxpayfake.WithSerial("PUB_KEY_ID_0000000000000000000000000000000000")},
		"wrong APIv3 key":     {wxpayfake.WithAPIv3Key("0123456789abcdef0123456789abcdef")},
		"no resource":         {wxpayfake.WithoutResource()},
		"zero amount":         {wxpayfake.WithAmount(0)},
		"signature probe":     {wxpayfake.ForgedSignature(), wxpayfake.WithEventType("WECHATPAY/SIGNTEST")},
	}
	for name, opts := range scenarios {
		t.Run(name, func(t *testing.T) {
			n, err := fake.PaymentNotification("FX20251124000020", opts...)
			if err != nil {
				t.Fatal(err)
			}
			notice, err := p.ParseNotification(ctx, n.Request("/notify"))
			if err == nil || notice != nil {
				t.Fatalf("expected a rejection, got %+v, %v", notice, err)
			}
			if !errors.Is(err, wechatpay.ErrInvalidNotification) {
				t.Fatalf("expected ErrInvalidNotification, got %v", err)
			}

			rec := httptest.NewRecorder()
			p.AckNotification(rec, err)
			if rec.Code < 400 || !strings.Contains(rec.Body.String(), `"code":"FAIL"`) {
				t.Fatalf("ack of a rejection: %d %s", rec.Code, rec.Body.String())
			}
		})
	}

	t.Run("headers missing", func(t *testing.T) {
		n, _ := fake.PaymentNotification("FX20251124000020")
		r := n.Request("/notify")
		r.Header.Del("Wechatpay-Signature")
		if _, err := p.ParseNotification(ctx, r); !errors.Is(err, wechatpay.ErrInvalidNotification) {
			t.Fatalf("expected ErrInvalidNotification, got %v", err)
		}
	})

	t.Run("core failure is a 500", func(t *testing.T) {
		rec := httptest.NewRecorder()
		p.AckNotification(rec, errors.New("database is locked"))
		if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), `"FAIL"`) {
			t.Fatalf("ack: %d %s", rec.Code, rec.Body.String())
		}
	})
}

func TestNotificationsWithNothingToApply(t *testing.T) {
	t.Parallel()
	fake, p := setup(t, wxpayfake.Options{})
	ctx := context.Background()

	prepay(t, p, "FX20251124000030", 1000)
	if _, err := fake.MarkPaid("FX20251124000030"); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Refund(ctx, shop.RefundRequest{OrderNo: "FX20251124000030", RefundNo: "RF20251124000030", Amount: 100, Total: 1000}); err != nil {
		t.Fatal(err)
	}

	refundNote, err := fake.RefundNotification("RF20251124000030")
	if err != nil {
		t.Fatal(err)
	}
	notice, err := p.ParseNotification(ctx, refundNote.Request("/notify"))
	if notice != nil || err != nil {
		t.Fatalf("a refund notification carries no payment: %+v, %v", notice, err)
	}

	// a genuine transaction notification whose trade_state is not SUCCESS
	n, _ := fake.PaymentNotification("FX20251124000030", wxpayfake.WithField("trade_state", "PAYERROR"))
	notice, err = p.ParseNotification(ctx, n.Request("/notify"))
	if notice != nil || err != nil {
		t.Fatalf("expected (nil, nil), got %+v, %v", notice, err)
	}

	// a transfer notification is not a payment either
	transfer, err := p.ParseTransferNotification(ctx, refundNote.Request("/notify"))
	if transfer != nil || err != nil {
		t.Fatalf("expected (nil, nil), got %+v, %v", transfer, err)
	}
}

func TestQuery(t *testing.T) {
	t.Parallel()
	fake, p := setup(t, wxpayfake.Options{})
	ctx := context.Background()

	q, err := p.Query(ctx, "FX20251124000040")
	if err != nil || q.Paid || q.Closed {
		t.Fatalf("unknown order: %+v, %v", q, err)
	}

	prepay(t, p, "FX20251124000040", 2500)
	q, err = p.Query(ctx, "FX20251124000040")
	if err != nil || q.Paid || q.Closed || q.Notice != nil {
		t.Fatalf("unpaid order: %+v, %v", q, err)
	}

	// paid, but the notification got lost
	order, err := fake.MarkPaid("FX20251124000040")
	if err != nil {
		t.Fatal(err)
	}
	q, err = p.Query(ctx, "FX20251124000040")
	if err != nil || !q.Paid || q.Closed || q.Notice == nil {
		t.Fatalf("paid order: %+v, %v", q, err)
	}
	if q.Notice.OrderNo != "FX20251124000040" || q.Notice.Amount != 2500 ||
		q.Notice.TransactionId != order.TransactionID || !q.Notice.PaidAt.Equal(order.PaidAt) || q.Notice.Raw == "" {
		t.Fatalf("unexpected notice %+v", q.Notice)
	}

	// the query and the notification report the same facts
	n, _ := fake.PaymentNotification("FX20251124000040")
	notice, err := p.ParseNotification(ctx, n.Request("/notify"))
	if err != nil {
		t.Fatal(err)
	}
	if notice.TransactionId != q.Notice.TransactionId || notice.Amount != q.Notice.Amount || !notice.PaidAt.Equal(q.Notice.PaidAt) {
		t.Fatalf("query %+v and notification %+v disagree", q.Notice, notice)
	}

	// closed
	prepay(t, p, "FX20251124000041", 300)
	if err := p.Close(ctx, "FX20251124000041"); err != nil {
		t.Fatalf("Close: %v", err)
	}
	q, err = p.Query(ctx, "FX20251124000041")
	if err != nil || q.Paid || !q.Closed {
		t.Fatalf("closed order: %+v, %v", q, err)
	}

	// payment failed
	prepay(t, p, "FX20251124000042", 300)
	if err := fake.SetTradeState("FX20251124000042", "PAYERROR"); err != nil {
		t.Fatal(err)
	}
	q, err = p.Query(ctx, "FX20251124000042")
	if err != nil || q.Paid || !q.Closed {
		t.Fatalf("PAYERROR order: %+v, %v", q, err)
	}
}

func TestClose(t *testing.T) {
	t.Parallel()
	fake, p := setup(t, wxpayfake.Options{})
	ctx := context.Background()

	prepay(t, p, "FX20251124000050", 800)
	if err := p.Close(ctx, "FX20251124000050"); err != nil {
		t.Fatal(err)
	}
	if o, _ := fake.Order("FX20251124000050"); o.TradeState != "CLOSED" {
		t.Fatalf("expected CLOSED, got %s", o.TradeState)
	}
	// a closed order can no longer be paid
	_, err := p.Start(ctx, nil, shop.PayRequest{OrderNo: "FX20251124000050", Description: "x", Amount: 800, Buyer: buyer("o1")})
	if shopCode(err) != "wechatpay_orderclosed" {
		t.Fatalf("expected wechatpay_orderclosed, got %v", err)
	}

	// never prepaid: nothing to close
	if err := p.Close(ctx, "FX20251124000051"); err != nil {
		t.Fatalf("closing an unknown order: %v", err)
	}

	// paid: must not be closed
	prepay(t, p, "FX20251124000052", 800)
	_, _ = fake.MarkPaid("FX20251124000052")
	if err := p.Close(ctx, "FX20251124000052"); shopCode(err) != "wechatpay_orderpaid" {
		t.Fatalf("expected wechatpay_orderpaid, got %v", err)
	}
}

func TestRefund(t *testing.T) {
	t.Parallel()
	fake, p := setup(t, wxpayfake.Options{})
	ctx := context.Background()

	prepay(t, p, "FX20251124000060", 10000)
	order, _ := fake.MarkPaid("FX20251124000060")

	first := shop.RefundRequest{OrderNo: "FX20251124000060", TransactionId: order.TransactionID, RefundNo: "RF20251124000061", Amount: 3000, Total: 10000, Reason: "七天无理由"}
	res, err := p.Refund(ctx, first)
	if err != nil {
		t.Fatalf("partial refund: %v", err)
	}
	if res.Status != "success" || res.RefundId == "" || res.Raw == "" {
		t.Fatalf("unexpected result %+v", res)
	}

	// retry with the same RefundNo: refunded once
	again, err := p.Refund(ctx, first)
	if err != nil || again.RefundId != res.RefundId {
		t.Fatalf("retry: %+v, %v", again, err)
	}
	if o, _ := fake.Order("FX20251124000060"); o.Refunded != 3000 || o.TradeState != "REFUND" {
		t.Fatalf("expected 3000 refunded once, got %+v", o)
	}

	// more than what is left is refused, and nothing moves
	_, err = p.Refund(ctx, shop.RefundRequest{OrderNo: "FX20251124000060", RefundNo: "RF20251124000062", Amount: 7001, Total: 10000})
	var shopErr *shop.Error
	if !errors.As(err, &shopErr) || shopErr.Code != "wechatpay_invalid_request" || shopErr.Status != http.StatusConflict {
		t.Fatalf("expected a refusal, got %v", err)
	}
	var apiErr *wxcore.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 {
		t.Fatalf("the WeChat Pay error should stay in the chain: %v", err)
	}
	if o, _ := fake.Order("FX20251124000060"); o.Refunded != 3000 {
		t.Fatalf("over-refund moved money: %+v", o)
	}

	// refunding exactly the rest is fine (by out_trade_no this time)
	res, err = p.Refund(ctx, shop.RefundRequest{OrderNo: "FX20251124000060", RefundNo: "RF20251124000063", Amount: 7000, Total: 10000})
	if err != nil || res.Status != "success" {
		t.Fatalf("rest: %+v, %v", res, err)
	}
	if o, _ := fake.Order("FX20251124000060"); o.Refunded != 10000 {
		t.Fatalf("expected everything refunded, got %+v", o)
	}

	// more than the order locally is refused before calling WeChat Pay
	if _, err := p.Refund(ctx, shop.RefundRequest{OrderNo: "FX20251124000060", RefundNo: "RF20251124000064", Amount: 10001, Total: 10000}); shopCode(err) != "invalid_refund_amount" {
		t.Fatalf("expected invalid_refund_amount, got %v", err)
	}

	// an unpaid order cannot be refunded
	prepay(t, p, "FX20251124000065", 500)
	_, err = p.Refund(ctx, shop.RefundRequest{OrderNo: "FX20251124000065", RefundNo: "RF20251124000065", Amount: 500, Total: 500})
	if !errors.Is(err, wechatpay.ErrNotFound) {
		t.Fatalf("expected ErrNotFound, got %v", err)
	}
}

func TestRefundProcessing(t *testing.T) {
	t.Parallel()
	fake, p := setup(t, wxpayfake.Options{RefundStatus: "PROCESSING"})
	ctx := context.Background()

	prepay(t, p, "FX20251124000070", 1000)
	_, _ = fake.MarkPaid("FX20251124000070")

	res, err := p.Refund(ctx, shop.RefundRequest{OrderNo: "FX20251124000070", RefundNo: "RF20251124000070", Amount: 1000, Total: 1000})
	if err != nil || res.Status != "processing" {
		t.Fatalf("expected processing: %+v, %v", res, err)
	}
	if err := fake.CompleteRefund("RF20251124000070"); err != nil {
		t.Fatal(err)
	}
	res, err = p.QueryRefund(ctx, "RF20251124000070")
	if err != nil || res.Status != "success" || res.Amount != 1000 {
		t.Fatalf("expected success of 1000: %+v, %v", res, err)
	}
}

func TestRefundNotification(t *testing.T) {
	t.Parallel()
	fake, p := setup(t, wxpayfake.Options{RefundStatus: "PROCESSING"})
	ctx := context.Background()

	prepay(t, p, "FX20251124000075", 1000)
	_, _ = fake.MarkPaid("FX20251124000075")
	for _, no := range []string{"RF20251124000075", "RF20251124000076"} {
		if _, err := p.Refund(ctx, shop.RefundRequest{OrderNo: "FX20251124000075", RefundNo: no, Amount: 300, Total: 1000}); err != nil {
			t.Fatal(err)
		}
	}
	if err := fake.CompleteRefund("RF20251124000075"); err != nil {
		t.Fatal(err)
	}
	if err := fake.FailRefund("RF20251124000076", "ABNORMAL"); err != nil {
		t.Fatal(err)
	}

	ok, _ := fake.RefundNotification("RF20251124000075")
	r := ok.Request("/notify")
	n, err := p.ParseRefundNotification(ctx, r)
	if err != nil || n == nil || n.RefundNo != "RF20251124000075" || n.Status != "success" || n.Amount != 300 || n.RefundId == "" || n.Raw == "" {
		t.Fatalf("success notice: %+v, %v", n, err)
	}
	// the body stays readable for the next parser
	if again, err := p.ParseRefundNotification(ctx, r); err != nil || again == nil {
		t.Fatalf("second parse of the same request: %+v, %v", again, err)
	}

	bad, _ := fake.RefundNotification("RF20251124000076")
	if n, err := p.ParseRefundNotification(ctx, bad.Request("/notify")); err != nil || n == nil || n.Status != "failed" {
		t.Fatalf("abnormal notice: %+v, %v", n, err)
	}

	for name, opt := range map[string]wxpayfake.NotifyOption{
		"forged":   wxpayfake.ForgedSignature(),
		"tampered": wxpayfake.TamperedBody(),
		"mchid":    wxpayfake.WithMchID("1900000999"),
	} {
		n, _ := fake.RefundNotification("RF20251124000075", opt)
		if got, err := p.ParseRefundNotification(ctx, n.Request("/notify")); got != nil || !errors.Is(err, wechatpay.ErrInvalidNotification) {
			t.Fatalf("%s: %+v, %v", name, got, err)
		}
	}

	// a payment notification is not a refund
	pay, _ := fake.PaymentNotification("FX20251124000075")
	if got, err := p.ParseRefundNotification(ctx, pay.Request("/notify")); got != nil || err != nil {
		t.Fatalf("payment as refund: %+v, %v", got, err)
	}
}

func TestTransfer(t *testing.T) {
	t.Parallel()
	fake, p := setup(t, wxpayfake.Options{})
	ctx := context.Background()

	req := shop.TransferRequest{BillNo: "wd20251124000001", OpenId: "oDist0001", UserName: "张三", Amount: 5000, Remark: "佣金提现"}
	res, err := p.Transfer(ctx, req)
	if err != nil {
		t.Fatalf("Transfer: %v", err)
	}
	if res.State != "wait_user_confirm" || res.PackageInfo == "" || res.TransferId == "" {
		t.Fatalf("unexpected result %+v", res)
	}

	bill, ok := fake.Bill("wd20251124000001")
	if !ok {
		t.Fatal("the fake has no bill")
	}
	// the fake could decrypt the name with the WeChat Pay key: it was sent encrypted
	if bill.UserName != "张三" || bill.Amount != 5000 || bill.OpenID != "oDist0001" || bill.SceneID != "1000" ||
		len(bill.ReportInfos) != 2 || bill.UserRecvPerception != "现金奖励" || bill.NotifyURL != wxpayfake.DefaultTransferNotifyURL ||
		bill.PackageInfo != res.PackageInfo || bill.TransferBillNo != res.TransferId {
		t.Fatalf("unexpected bill %+v", bill)
	}

	q, err := p.QueryTransfer(ctx, "wd20251124000001")
	if err != nil || q.State != "wait_user_confirm" || q.TransferId != res.TransferId {
		t.Fatalf("query: %+v, %v", q, err)
	}

	// the distributor confirms in the mini-program
	if err := fake.ConfirmTransfer("wd20251124000001"); err != nil {
		t.Fatal(err)
	}
	q, err = p.QueryTransfer(ctx, "wd20251124000001")
	if err != nil || q.State != "success" {
		t.Fatalf("query after confirmation: %+v, %v", q, err)
	}

	n, err := fake.TransferNotification("wd20251124000001")
	if err != nil {
		t.Fatal(err)
	}
	notice, err := p.ParseTransferNotification(ctx, n.Request("/api/shop/payouts/wechatpay/notify"))
	if err != nil || notice == nil {
		t.Fatalf("ParseTransferNotification: %+v, %v", notice, err)
	}
	if notice.BillNo != "wd20251124000001" || notice.TransferId != res.TransferId || notice.State != "success" ||
		notice.Amount != 5000 || notice.At.IsZero() || notice.Raw != n.Plaintext {
		t.Fatalf("unexpected notice %+v", notice)
	}

	for name, opt := range map[string]wxpayfake.NotifyOption{
		"forged":     wxpayfake.ForgedSignature(),
		"tampered":   wxpayfake.TamperedCiphertext(),
		"wrong mch":  wxpayfake.WithField("mch_id", "1900000999"),
		"stale":      wxpayfake.WithTimestamp(time.Now().Add(-6 * time.Minute)),
		"wrong body": wxpayfake.TamperedBody(),
	} {
		bad, _ := fake.TransferNotification("wd20251124000001", opt)
		if _, err := p.ParseTransferNotification(ctx, bad.Request("/notify")); !errors.Is(err, wechatpay.ErrInvalidNotification) {
			t.Fatalf("%s: expected ErrInvalidNotification, got %v", name, err)
		}
	}

	// a payment notification is not a transfer
	prepay(t, p, "FX20251124000080", 100)
	pn, _ := fake.PaymentNotification("FX20251124000080")
	if tn, err := p.ParseTransferNotification(ctx, pn.Request("/notify")); tn != nil || err != nil {
		t.Fatalf("expected (nil, nil), got %+v, %v", tn, err)
	}

	if _, err := p.QueryTransfer(ctx, "wd20251124009999"); !errors.Is(err, wechatpay.ErrNotFound) {
		t.Fatalf("expected ErrNotFound, got %v", err)
	}
}

func TestTransferFailedAndCancelled(t *testing.T) {
	t.Parallel()
	fake, p := setup(t, wxpayfake.Options{})
	ctx := context.Background()

	if _, err := p.Transfer(ctx, shop.TransferRequest{BillNo: "wd20251124000010", OpenId: "oDist0002", Amount: 100}); err != nil {
		t.Fatal(err)
	}
	if err := fake.FailTransfer("wd20251124000010", "ACCOUNT_FROZEN"); err != nil {
		t.Fatal(err)
	}
	n, _ := fake.TransferNotification("wd20251124000010")
	notice, err := p.ParseTransferNotification(ctx, n.Request("/notify"))
	if err != nil || notice.State != "failed" || notice.FailReason != "ACCOUNT_FROZEN" {
		t.Fatalf("failed transfer: %+v, %v", notice, err)
	}

	if _, err := p.Transfer(ctx, shop.TransferRequest{BillNo: "wd20251124000011", OpenId: "oDist0002", Amount: 100}); err != nil {
		t.Fatal(err)
	}
	res, err := p.CancelTransfer(ctx, "wd20251124000011")
	if err != nil || res.State != "cancelled" {
		t.Fatalf("cancel: %+v, %v", res, err)
	}

	// a big transfer without the real name is refused by WeChat Pay
	_, err = p.Transfer(ctx, shop.TransferRequest{BillNo: "wd20251124000012", OpenId: "oDist0002", Amount: 200000})
	if shopCode(err) != "wechatpay_param_error" {
		t.Fatalf("expected wechatpay_param_error, got %v", err)
	}
	if _, ok := fake.Bill("wd20251124000012"); ok {
		t.Fatal("a refused transfer must not create a bill")
	}
}

func TestTransferRetryAfterTimeoutPaysOnce(t *testing.T) {
	t.Parallel()
	fake, p := setup(t, wxpayfake.Options{})

	req := shop.TransferRequest{BillNo: "wd20251124000020", OpenId: "oDist0003", UserName: "李四", Amount: 8800}

	fake.TimeoutNextTransfer()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	_, err := p.Transfer(ctx, req)
	cancel()
	if err == nil {
		t.Fatal("expected the first call to time out")
	}
	if shopCode(err) != "wechatpay_unavailable" {
		t.Fatalf("a timeout is an unknown outcome (wechatpay_unavailable), got %v", err)
	}

	// the withdrawal job retries with the same bill number
	res, err := p.Transfer(context.Background(), req)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	bills := fake.Bills()
	if len(bills) != 1 || bills[0].TransferBillNo != res.TransferId || res.State != "wait_user_confirm" || res.PackageInfo == "" {
		t.Fatalf("expected the one existing bill, got %+v and %+v", bills, res)
	}
	if fake.TransferredTotal() != 8800 {
		t.Fatalf("paid %d, want 8800 once", fake.TransferredTotal())
	}
	calls := 0
	for _, r := range fake.Requests() {
		if r == "POST /v3/fund-app/mch-transfer/transfer-bills" {
			calls++
		}
	}
	if calls != 2 {
		t.Fatalf("expected 2 transfer calls, got %d", calls)
	}
}

func TestFakeRejectsBadMerchantSignature(t *testing.T) {
	t.Parallel()
	fake, _ := setup(t, wxpayfake.Options{})

	config := fake.PluginConfig()
	config.MchPrivateKey = fake.OtherPrivateKeyPEM()
	p, err := wechatpay.New(config)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Start(context.Background(), nil, shop.PayRequest{OrderNo: "FX20251124000090", Description: "x", Amount: 100, Buyer: buyer("o1")})
	var apiErr *wxcore.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized || apiErr.Code != "SIGN_ERROR" {
		t.Fatalf("expected 401 SIGN_ERROR, got %v", err)
	}
	if _, ok := fake.Order("FX20251124000090"); ok {
		t.Fatal("an unsigned request created an order")
	}
}

func TestResponsesSignedByAnotherKeyAreRefused(t *testing.T) {
	t.Parallel()
	fake, _ := setup(t, wxpayfake.Options{})

	// trust a public key that is not the one the fake signs with
	block, _ := pem.Decode([]byte(fake.OtherPrivateKeyPEM()))
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&key.(*rsa.PrivateKey).PublicKey)
	config := fake.PluginConfig()
	config.WechatPayPublicKey = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))

	p, err := wechatpay.New(config)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Start(context.Background(), nil, shop.PayRequest{OrderNo: "FX20251124000091", Description: "x", Amount: 100, Buyer: buyer("o1")})
	if shopCode(err) != "wechatpay_unavailable" {
		t.Fatalf("an unverifiable answer must be an error, got %v", err)
	}

	// error answers are checked too: a "not found" that does not verify
	// is an unknown outcome, not "unpaid"
	_, err = p.Query(context.Background(), "FX20251124000092")
	if shopCode(err) != "wechatpay_unavailable" || errors.Is(err, wechatpay.ErrNotFound) {
		t.Fatalf("an unverifiable error answer must not be trusted, got %v", err)
	}
}

func TestPlatformCertificateMode(t *testing.T) {
	t.Parallel()
	fake, p := setup(t, wxpayfake.Options{PlatformCertMode: true})
	ctx := context.Background()

	if cfg := fake.PluginConfig(); !cfg.PlatformCertMode || cfg.WechatPayPublicKey != "" {
		t.Fatalf("expected a platform-certificate config: %+v", cfg)
	}

	start := prepay(t, p, "FX20251124000100", 4200)
	if start.Params["paySign"] == "" {
		t.Fatalf("no paySign: %v", start.Params)
	}

	n, err := fake.PaymentNotification("FX20251124000100")
	if err != nil {
		t.Fatal(err)
	}
	if n.Headers["Wechatpay-Serial"] != fake.CertSerialNo {
		t.Fatalf("expected the certificate serial, got %s", n.Headers["Wechatpay-Serial"])
	}
	notice, err := p.ParseNotification(ctx, n.Request("/notify"))
	if err != nil || notice == nil || notice.Amount != 4200 || notice.OrderNo != "FX20251124000100" {
		t.Fatalf("notification: %+v, %v", notice, err)
	}

	forged, _ := fake.PaymentNotification("FX20251124000100", wxpayfake.ForgedSignature())
	if _, err := p.ParseNotification(ctx, forged.Request("/notify")); !errors.Is(err, wechatpay.ErrInvalidNotification) {
		t.Fatalf("forged: expected ErrInvalidNotification, got %v", err)
	}
	// a public-key-mode signature is not trusted in certificate mode
	other, _ := fake.PaymentNotification("FX20251124000100", wxpayfake.WithSerial(fake.PublicKeyID))
	if _, err := p.ParseNotification(ctx, other.Request("/notify")); !errors.Is(err, wechatpay.ErrInvalidNotification) {
		t.Fatalf("unknown serial: expected ErrInvalidNotification, got %v", err)
	}

	// the user name is encrypted with the downloaded certificate
	res, err := p.Transfer(ctx, shop.TransferRequest{BillNo: "wd20251124000100", OpenId: "oDist0004", UserName: "王五", Amount: 300})
	if err != nil || res.State != "wait_user_confirm" {
		t.Fatalf("transfer: %+v, %v", res, err)
	}
	if b, _ := fake.Bill("wd20251124000100"); b.UserName != "王五" {
		t.Fatalf("user name not decrypted by the fake: %+v", b)
	}
}

func TestNewValidatesConfig(t *testing.T) {
	t.Parallel()
	fake, _ := setup(t, wxpayfake.Options{})

	if _, err := wechatpay.New(wechatpay.Config{}); err == nil || !strings.Contains(err.Error(), "MchID") {
		t.Fatalf("expected missing fields, got %v", err)
	}

	c := fake.PluginConfig()
	c.APIv3Key = "short"
	if _, err := wechatpay.New(c); err == nil || !strings.Contains(err.Error(), "APIv3Key") {
		t.Fatalf("expected an APIv3Key error, got %v", err)
	}

	c = fake.PluginConfig()
	c.WechatPayPublicKey = ""
	if _, err := wechatpay.New(c); err == nil {
		t.Fatal("public-key mode needs the public key")
	}

	c = fake.PluginConfig()
	c.MchPrivateKey = "not a pem"
	if _, err := wechatpay.New(c); err == nil || !strings.Contains(err.Error(), "private key") {
		t.Fatalf("expected a private key error, got %v", err)
	}
}

func TestRegister(t *testing.T) {
	t.Parallel()
	fake, _ := setup(t, wxpayfake.Options{})

	app := core.NewBaseApp(core.BaseAppConfig{DataDir: t.TempDir()})
	if err := wechatpay.Register(app, fake.PluginConfig()); err == nil {
		t.Fatal("expected an error without the shop core")
	}

	s := shop.New()
	shop.Attach(app, s)
	if err := wechatpay.Register(app, wechatpay.Config{}); err == nil || !strings.HasPrefix(err.Error(), "wechatpay: ") {
		t.Fatalf("expected a wrapped config error, got %v", err)
	}

	wechatpay.MustRegister(app, fake.PluginConfig())
	pay, ok := s.PaymentProvider("wechatpay")
	if !ok {
		t.Fatal("payment provider not registered")
	}
	payout, ok := s.PayoutProvider("wechatpay")
	if !ok || payout != pay.(shop.PayoutProvider) {
		t.Fatal("payout provider not registered as the same provider")
	}
}
