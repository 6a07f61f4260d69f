package wechatpay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pocketbase/pocketbase/core"
	wxcore "github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/core/notify"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments/jsapi"
	"github.com/wechatpay-apiv3/wechatpay-go/services/refunddomestic"

	"fenxiao/hooks/shop"
)

// OpenIdField is the hidden field of the buyer (users) record that holds
// the buyer's openid for [Config.AppID].
const OpenIdField = "wx_openid"

// maxNotificationSize bounds the notification body we are willing to read.
const maxNotificationSize = 1 << 20

// Start implements [shop.PaymentProvider]. The request's channel picks the
// kind of WeChat Pay order (see [ChannelJSAPI], [ChannelH5], [ChannelNative]);
// the default, JSAPI, returns the parameters of wx.requestPayment
// (appId, timeStamp, nonceStr, package, signType, paySign).
func (p *Provider) Start(ctx context.Context, _ core.App, req shop.PayRequest) (*shop.PayStart, error) {
	if req.Amount <= 0 {
		return nil, shop.Fail(http.StatusBadRequest, "invalid_amount", "支付金额必须大于 0")
	}
	if req.OrderNo == "" {
		return nil, shop.Fail(http.StatusBadRequest, "invalid_order_no", "缺少订单号")
	}
	switch req.Channel {
	case "", ChannelJSAPI:
		return p.startJSAPI(ctx, req)
	case ChannelH5:
		return p.startH5(ctx, req)
	case ChannelNative:
		return p.startNative(ctx, req)
	}
	return nil, shop.FieldFail("channel", "pay_channel_invalid", "不支持的支付渠道 / channel must be jsapi, h5 or native")
}

// startJSAPI places a JSAPI (mini-program) prepay order.
func (p *Provider) startJSAPI(ctx context.Context, req shop.PayRequest) (*shop.PayStart, error) {
	var openid string
	if req.Buyer != nil {
		openid = req.Buyer.GetString(OpenIdField)
	}
	if openid == "" {
		return nil, shop.Fail(http.StatusBadRequest, "wechat_openid_missing", "请先使用微信登录后再支付")
	}

	prepay := jsapi.PrepayRequest{
		Appid:       wxcore.String(p.config.AppID),
		Mchid:       wxcore.String(p.config.MchID),
		Description: wxcore.String(description(req)),
		OutTradeNo:  wxcore.String(req.OrderNo),
		NotifyUrl:   wxcore.String(p.config.NotifyURL),
		Amount:      &jsapi.Amount{Total: wxcore.Int64(req.Amount), Currency: wxcore.String("CNY")},
		Payer:       &jsapi.Payer{Openid: wxcore.String(openid)},
	}
	if req.OrderId != "" {
		prepay.Attach = wxcore.String(truncateBytes(req.OrderId, 128))
	}
	if !req.ExpiresAt.IsZero() {
		prepay.TimeExpire = wxcore.Time(req.ExpiresAt)
	}
	if req.ClientIP != "" {
		prepay.SceneInfo = &jsapi.SceneInfo{PayerClientIp: wxcore.String(req.ClientIP)}
	}

	resp, _, err := p.jsapi.PrepayWithRequestPayment(ctx, prepay)
	if err != nil {
		return nil, p.apiFailure("prepay "+req.OrderNo, err)
	}

	return &shop.PayStart{
		Params: map[string]any{
			"appId":     deref(resp.Appid),
			"timeStamp": deref(resp.TimeStamp),
			"nonceStr":  deref(resp.NonceStr),
			"package":   deref(resp.Package),
			"signType":  deref(resp.SignType),
			"paySign":   deref(resp.PaySign),
		},
	}, nil
}

// ParseNotification implements [shop.PaymentProvider].
//
// It verifies the WeChat Pay signature and timestamp, decrypts the resource
// with the APIv3 key and checks that mchid and appid are ours. A
// TRANSACTION.SUCCESS event with trade_state SUCCESS becomes a
// [shop.PaymentNotice]; other genuine events (refunds, ...) give (nil, nil).
// Every rejection wraps [ErrInvalidNotification].
func (p *Provider) ParseNotification(ctx context.Context, r *http.Request) (*shop.PaymentNotice, error) {
	event, plaintext, err := p.parseNotify(ctx, r)
	if err != nil {
		return nil, err
	}
	if event.EventType != "TRANSACTION.SUCCESS" {
		return nil, nil
	}

	var tx payments.Transaction
	if err := json.Unmarshal([]byte(plaintext), &tx); err != nil {
		return nil, invalidNotification("decode transaction: %v", err)
	}
	if deref(tx.TradeState) != "SUCCESS" {
		return nil, nil
	}

	notice, err := p.transactionNotice(&tx, plaintext)
	if err != nil {
		return nil, invalidNotification("%v", err)
	}
	return notice, nil
}

// AckNotification implements [shop.PaymentProvider]: 204 when the
// notification was handled, otherwise a 4xx/5xx with
// {"code":"FAIL","message":"..."} so that WeChat Pay sends it again.
//
// Rejected notifications ([ErrInvalidNotification]) get 401, shop errors
// their own status, anything else 500.
func (p *Provider) AckNotification(w http.ResponseWriter, err error) {
	if err == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}

	status := http.StatusInternalServerError
	message := "处理失败，请稍后重试"
	var shopErr *shop.Error
	switch {
	case errors.Is(err, ErrInvalidNotification):
		status = http.StatusUnauthorized
		message = "签名或内容校验失败"
	case errors.As(err, &shopErr):
		status = shopErr.Status
		message = shopErr.Message
	}
	if status < 400 {
		status = http.StatusInternalServerError
	}

	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"code": "FAIL", "message": message})
}

// Query implements [shop.PaymentProvider]: it asks WeChat Pay about the
// order by out_trade_no. SUCCESS (and REFUND, a paid order refunded since)
// is Paid with a Notice; CLOSED, REVOKED and PAYERROR are Closed; an order
// WeChat Pay does not know is neither.
func (p *Provider) Query(ctx context.Context, orderNo string) (*shop.PaymentQuery, error) {
	tx, result, err := p.jsapi.QueryOrderByOutTradeNo(ctx, jsapi.QueryOrderByOutTradeNoRequest{
		OutTradeNo: wxcore.String(orderNo),
		Mchid:      wxcore.String(p.config.MchID),
	})
	if err != nil {
		err = p.apiFailure("query "+orderNo, err)
		if errors.Is(err, ErrNotFound) {
			return &shop.PaymentQuery{}, nil
		}
		return nil, err
	}

	switch deref(tx.TradeState) {
	case "SUCCESS", "REFUND":
		raw, _ := responseBody(result)
		notice, err := p.transactionNotice(tx, raw)
		if err != nil {
			return nil, fmt.Errorf("wechatpay: query %s: %w", orderNo, err)
		}
		return &shop.PaymentQuery{Paid: true, Notice: notice}, nil
	case "CLOSED", "REVOKED", "PAYERROR":
		return &shop.PaymentQuery{Closed: true}, nil
	default: // NOTPAY, USERPAYING
		return &shop.PaymentQuery{}, nil
	}
}

// Close closes an unpaid order at WeChat Pay so that it can no longer be
// paid (call it before cancelling the order). Closing an order WeChat Pay
// never saw is not an error; closing a paid one is (code wechatpay_orderpaid).
func (p *Provider) Close(ctx context.Context, orderNo string) error {
	_, err := p.jsapi.CloseOrder(ctx, jsapi.CloseOrderRequest{
		OutTradeNo: wxcore.String(orderNo),
		Mchid:      wxcore.String(p.config.MchID),
	})
	if err != nil {
		err = p.apiFailure("close "+orderNo, err)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		return err
	}
	return nil
}

// Refund implements [shop.PaymentProvider]. RefundNo is the out_refund_no,
// so repeating a refund with the same RefundNo refunds once. WeChat Pay's
// SUCCESS is "success", PROCESSING "processing", CLOSED and ABNORMAL
// "failed". A refusal (e.g. more than the paid amount) is a [shop.Error].
func (p *Provider) Refund(ctx context.Context, req shop.RefundRequest) (*shop.RefundResult, error) {
	if req.RefundNo == "" {
		return nil, shop.Fail(http.StatusBadRequest, "invalid_refund_no", "缺少退款单号")
	}
	if req.Amount <= 0 || req.Total <= 0 || req.Amount > req.Total {
		return nil, shop.Fail(http.StatusBadRequest, "invalid_refund_amount", "退款金额无效")
	}

	create := refunddomestic.CreateRequest{
		OutRefundNo: wxcore.String(req.RefundNo),
		Amount: &refunddomestic.AmountReq{
			Refund:   wxcore.Int64(req.Amount),
			Total:    wxcore.Int64(req.Total),
			Currency: wxcore.String("CNY"),
		},
	}
	if req.TransactionId != "" {
		create.TransactionId = wxcore.String(req.TransactionId)
	} else {
		create.OutTradeNo = wxcore.String(req.OrderNo)
	}
	if req.Reason != "" {
		create.Reason = wxcore.String(truncateRunes(req.Reason, 80))
	}
	if p.config.RefundNotifyURL != "" {
		create.NotifyUrl = wxcore.String(p.config.RefundNotifyURL)
	}

	refund, result, err := p.refunds.Create(ctx, create)
	if err != nil {
		return nil, p.apiFailure("refund "+req.RefundNo, err)
	}
	raw, _ := responseBody(result)
	return refundResult(refund, raw), nil
}

// QueryRefund asks WeChat Pay about a refund by its out_refund_no
// (reconciliation of "processing" refunds).
func (p *Provider) QueryRefund(ctx context.Context, refundNo string) (*shop.RefundResult, error) {
	refund, result, err := p.refunds.QueryByOutRefundNo(ctx, refunddomestic.QueryByOutRefundNoRequest{
		OutRefundNo: wxcore.String(refundNo),
	})
	if err != nil {
		return nil, p.apiFailure("query refund "+refundNo, err)
	}
	raw, _ := responseBody(result)
	return refundResult(refund, raw), nil
}

func refundResult(refund *refunddomestic.Refund, raw string) *shop.RefundResult {
	status := "processing"
	if refund.Status != nil {
		switch *refund.Status {
		case refunddomestic.STATUS_SUCCESS:
			status = "success"
		case refunddomestic.STATUS_CLOSED, refunddomestic.STATUS_ABNORMAL:
			status = "failed"
		}
	}
	out := &shop.RefundResult{Status: status, RefundId: deref(refund.RefundId), Raw: raw}
	if refund.Amount != nil && refund.Amount.Refund != nil {
		out.Amount = *refund.Amount.Refund
	}
	return out
}

// ParseRefundNotification implements [shop.RefundNotificationParser].
//
// It verifies and decrypts the notification like [Provider.ParseNotification]
// and checks that mchid is ours. REFUND.SUCCESS is "success", REFUND.ABNORMAL
// and REFUND.CLOSED are "failed"; other genuine events give (nil, nil).
// Every rejection wraps [ErrInvalidNotification]. r.Body stays readable.
func (p *Provider) ParseRefundNotification(ctx context.Context, r *http.Request) (*shop.RefundNotice, error) {
	event, plaintext, err := p.parseNotify(ctx, r)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(event.EventType, "REFUND.") {
		return nil, nil
	}
	var n struct {
		Mchid        string `json:"mchid"`
		OutRefundNo  string `json:"out_refund_no"`
		RefundId     string `json:"refund_id"`
		RefundStatus string `json:"refund_status"`
		Amount       struct {
			Refund int64 `json:"refund"`
		} `json:"amount"`
	}
	if err := json.Unmarshal([]byte(plaintext), &n); err != nil {
		return nil, invalidNotification("decode refund: %v", err)
	}
	if n.Mchid != p.config.MchID {
		return nil, invalidNotification("mchid %q is not ours", n.Mchid)
	}
	if n.OutRefundNo == "" || n.Amount.Refund <= 0 {
		return nil, invalidNotification("out_refund_no or amount.refund missing")
	}
	status := ""
	switch n.RefundStatus {
	case "SUCCESS":
		status = "success"
	case "ABNORMAL", "CLOSED":
		status = "failed"
	default:
		return nil, nil
	}
	return &shop.RefundNotice{
		RefundNo: n.OutRefundNo,
		RefundResult: shop.RefundResult{
			Status:   status,
			RefundId: n.RefundId,
			Amount:   n.Amount.Refund,
			Raw:      plaintext,
		},
	}, nil
}

// transactionNotice checks that tx belongs to this merchant and app and
// converts it to a payment notice.
func (p *Provider) transactionNotice(tx *payments.Transaction, raw string) (*shop.PaymentNotice, error) {
	if mchid := deref(tx.Mchid); mchid != p.config.MchID {
		return nil, fmt.Errorf("mchid %q is not ours", mchid)
	}
	if appid := deref(tx.Appid); appid != p.config.AppID && appid != p.config.WebAppID {
		return nil, fmt.Errorf("appid %q is not ours", appid)
	}
	if deref(tx.OutTradeNo) == "" || deref(tx.TransactionId) == "" {
		return nil, errors.New("out_trade_no or transaction_id missing")
	}
	if tx.Amount == nil || tx.Amount.Total == nil || *tx.Amount.Total <= 0 {
		return nil, errors.New("amount.total missing")
	}
	if c := deref(tx.Amount.Currency); c != "" && c != "CNY" {
		return nil, fmt.Errorf("currency %q is not CNY", c)
	}

	notice := &shop.PaymentNotice{
		Provider:      Name,
		OrderNo:       *tx.OutTradeNo,
		TransactionId: *tx.TransactionId,
		Amount:        *tx.Amount.Total,
		MerchantId:    *tx.Mchid,
		Raw:           raw,
	}
	if s := deref(tx.SuccessTime); s != "" {
		paidAt, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return nil, fmt.Errorf("success_time %q: %w", s, err)
		}
		notice.PaidAt = paidAt
	}
	return notice, nil
}

// parseNotify verifies and decrypts a notification of any kind and
// returns the envelope and the decrypted resource.
func (p *Provider) parseNotify(ctx context.Context, r *http.Request) (*notify.Request, string, error) {
	if r == nil || r.Body == nil {
		return nil, "", invalidNotification("empty request")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxNotificationSize+1))
	_ = r.Body.Close()
	if err != nil {
		return nil, "", fmt.Errorf("wechatpay: read notification: %w", err)
	}
	if len(body) > maxNotificationSize {
		return nil, "", invalidNotification("body too large")
	}
	r.Body = io.NopCloser(bytes.NewReader(body))

	// note: the SDK dereferences resource without a nil check once the
	// signature is valid; refuse such bodies before handing them over.
	var envelope struct {
		Resource *json.RawMessage `json:"resource"`
	}
	if err := json.Unmarshal(body, &envelope); err != nil || envelope.Resource == nil {
		return nil, "", invalidNotification("malformed body")
	}

	var content json.RawMessage
	event, err := p.notify.ParseNotifyRequest(ctx, r, &content)
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		// note: the SDK's message embeds the whole request; keep it short
		return nil, "", invalidNotification("%s", sdkMessage(err.Error()))
	}
	return event, event.Resource.Plaintext, nil
}

// description is the order's description as WeChat Pay takes it (1-127 bytes).
func description(req shop.PayRequest) string {
	if d := truncateBytes(req.Description, 127); d != "" {
		return d
	}
	return "订单 " + req.OrderNo
}

// responseBody returns the (already verified) body of an SDK response.
func responseBody(result *wxcore.APIResult) (string, error) {
	if result == nil || result.Response == nil || result.Response.Body == nil {
		return "", nil
	}
	data, err := io.ReadAll(result.Response.Body)
	result.Response.Body = io.NopCloser(bytes.NewReader(data))
	return string(data), err
}

func deref[T any](v *T) T {
	var zero T
	if v == nil {
		return zero
	}
	return *v
}

// truncateBytes cuts s to at most n bytes without splitting a character.
func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// truncateRunes cuts s to at most n characters.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// sdkMessage shortens an SDK error message: the notification errors
// embed the whole request, which does not belong in logs.
func sdkMessage(s string) string {
	if i := strings.Index(s, ", request: "); i >= 0 {
		s = s[:i]
	}
	return truncateBytes(s, 300)
}
