package alipay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	sdk "github.com/smartwalle/alipay/v3"

	"fenxiao/hooks/shop"
)

// maxNotificationSize bounds the body of a notification request.
const maxNotificationSize = 64 << 10

// ErrForgedNotification reports a notification whose signature does not
// verify with the Alipay public key.
var ErrForgedNotification = errors.New("alipay: notification signature does not verify")

// ParseNotification implements [shop.PaymentProvider].
//
// It verifies the RSA2 signature of the form-encoded notification with the
// Alipay public key, then checks that it is meant for this application
// (app_id) and, when configured, this seller (seller_id).
//
// A TRADE_SUCCESS or TRADE_FINISHED notification becomes a
// [shop.PaymentNotice]. Other statuses (WAIT_BUYER_PAY, TRADE_CLOSED) and
// the notifications Alipay sends about refunds return (nil, nil).
func (p *Provider) ParseNotification(ctx context.Context, r *http.Request) (*shop.PaymentNotice, error) {
	if r.Method != http.MethodPost {
		return nil, fmt.Errorf("alipay: notification: unexpected method %s", r.Method)
	}
	if r.Body != nil {
		r.Body = http.MaxBytesReader(nil, r.Body, maxNotificationSize)
	}
	if err := r.ParseForm(); err != nil {
		return nil, fmt.Errorf("alipay: notification: read the form: %w", err)
	}
	// note: the body only; query parameters are not part of what Alipay signed
	form := r.PostForm
	if len(form) == 0 {
		return nil, errors.New("alipay: notification: empty form")
	}

	return p.parseNotificationForm(ctx, form)
}

func (p *Provider) parseNotificationForm(ctx context.Context, form url.Values) (*shop.PaymentNotice, error) {
	if st := form.Get("sign_type"); st != "" && st != "RSA2" {
		return nil, fmt.Errorf("alipay: notification: unsupported sign_type %q", st)
	}

	// note: alipay_cert_sn is not signed and, in production mode, an unknown
	// serial number would make the SDK download a certificate; this plugin is
	// in public-key mode, so the field is never needed
	values := make(url.Values, len(form))
	for k, v := range form {
		if k != "alipay_cert_sn" {
			values[k] = v
		}
	}

	n, err := p.client.DecodeNotification(ctx, values)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrForgedNotification, err)
	}

	if n.AppId != p.config.AppID {
		return nil, fmt.Errorf("alipay: notification for app_id %q, want %q", n.AppId, p.config.AppID)
	}
	if p.config.SellerId != "" && n.SellerId != p.config.SellerId {
		return nil, fmt.Errorf("alipay: notification for seller_id %q, want %q", n.SellerId, p.config.SellerId)
	}

	switch n.TradeStatus {
	case sdk.TradeStatusSuccess, sdk.TradeStatusFinished:
	default:
		return nil, nil
	}
	// a partial refund is announced with trade_status still TRADE_SUCCESS
	if n.GmtRefund != "" || n.RefundFee != "" || n.OutBizNo != "" {
		return nil, nil
	}

	if n.OutTradeNo == "" || n.TradeNo == "" {
		return nil, errors.New("alipay: notification without out_trade_no or trade_no")
	}
	amount, err := ParseYuan(n.TotalAmount)
	if err != nil {
		return nil, fmt.Errorf("alipay: notification for order %s: total_amount: %w", n.OutTradeNo, err)
	}
	if amount <= 0 {
		return nil, fmt.Errorf("alipay: notification for order %s: non-positive total_amount %q", n.OutTradeNo, n.TotalAmount)
	}

	paidAt := parseTime(n.GmtPayment)
	if paidAt.IsZero() {
		paidAt = parseTime(n.NotifyTime)
	}

	return &shop.PaymentNotice{
		Provider:      Name,
		OrderNo:       n.OutTradeNo,
		TransactionId: n.TradeNo,
		Amount:        amount,
		MerchantId:    n.AppId,
		PaidAt:        paidAt,
		Raw:           form.Encode(),
	}, nil
}

// AckNotification implements [shop.PaymentProvider].
//
// Alipay reads the plain text body: "success" stops its retries, anything
// else ("fail") makes it post the notification again later.
func (p *Provider) AckNotification(w http.ResponseWriter, err error) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	if err != nil {
		_, _ = io.WriteString(w, "fail")
		return
	}
	_, _ = io.WriteString(w, "success")
}
