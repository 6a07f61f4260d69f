package alipay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	sdk "github.com/smartwalle/alipay/v3"

	"fenxiao/hooks/shop"
	"fenxiao/internal/money"
)

// Alipay business error codes (sub_code) this plugin acts on.
const (
	subCodeTradeNotExist    = "ACQ.TRADE_NOT_EXIST"
	subCodeSystemError      = "ACQ.SYSTEM_ERROR"
	subCodeTradeStatusError = "ACQ.TRADE_STATUS_ERROR"
)

// Refund statuses of [shop.RefundResult].
const (
	refundSuccess    = "success"
	refundProcessing = "processing"
	refundFailed     = "failed"
)

// Query implements [shop.PaymentProvider] with alipay.trade.query.
//
// A trade Alipay does not know yet (the buyer never opened the cashier) and
// a WAIT_BUYER_PAY trade are unpaid; TRADE_CLOSED is closed.
//
// NB! Alipay also reports a paid trade that was refunded in full as
// TRADE_CLOSED; reconciliation only asks about orders it thinks unpaid.
func (p *Provider) Query(ctx context.Context, orderNo string) (*shop.PaymentQuery, error) {
	if orderNo == "" {
		return nil, errors.New("alipay: query: missing order number")
	}

	rsp, err := p.client.TradeQuery(ctx, sdk.TradeQuery{OutTradeNo: orderNo})
	if err != nil {
		return nil, fmt.Errorf("alipay: query order %s: %w", orderNo, err)
	}
	if rsp.IsFailure() {
		if rsp.SubCode == subCodeTradeNotExist {
			return &shop.PaymentQuery{}, nil
		}
		return nil, fmt.Errorf("alipay: query order %s: %s", orderNo, describe(rsp.Error))
	}
	if rsp.OutTradeNo != "" && rsp.OutTradeNo != orderNo {
		return nil, fmt.Errorf("alipay: query order %s: answer is about order %s", orderNo, rsp.OutTradeNo)
	}

	switch rsp.TradeStatus {
	case sdk.TradeStatusSuccess, sdk.TradeStatusFinished:
		amount, err := ParseYuan(rsp.TotalAmount)
		if err != nil {
			return nil, fmt.Errorf("alipay: query order %s: total_amount: %w", orderNo, err)
		}
		raw, _ := json.Marshal(rsp)
		return &shop.PaymentQuery{
			Paid: true,
			Notice: &shop.PaymentNotice{
				Provider:      Name,
				OrderNo:       orderNo,
				TransactionId: rsp.TradeNo,
				Amount:        amount,
				// note: the answer is signed by Alipay for a request signed
				// with this app's key, so it concerns this app
				MerchantId: p.config.AppID,
				PaidAt:     parseTime(rsp.SendPayDate),
				Raw:        string(raw),
			},
		}, nil
	case sdk.TradeStatusClosed:
		return &shop.PaymentQuery{Closed: true}, nil
	default: // WAIT_BUYER_PAY
		return &shop.PaymentQuery{}, nil
	}
}

// Refund implements [shop.PaymentProvider] with alipay.trade.refund.
//
// RefundNo is sent as out_request_no, so several partial refunds of one
// order are possible and a retried request with the same RefundNo refunds
// once. Alipay refunds synchronously: the result is "success" or "failed"
// (Raw then carries Alipay's reason), or "processing" when Alipay reported a
// system error and the outcome is unknown: retry with the same RefundNo.
// RefundId is the out_request_no, which together with the trade identifies
// the refund at Alipay.
func (p *Provider) Refund(ctx context.Context, req shop.RefundRequest) (*shop.RefundResult, error) {
	switch {
	case req.OrderNo == "" && req.TransactionId == "":
		return nil, errors.New("alipay: refund: missing order number")
	case req.RefundNo == "":
		return nil, fmt.Errorf("alipay: refund of order %s: missing refund number", req.OrderNo)
	case req.Amount <= 0:
		return nil, fmt.Errorf("alipay: refund of order %s: non-positive amount %d", req.OrderNo, req.Amount)
	case req.Total > 0 && req.Amount > req.Total:
		return nil, fmt.Errorf("alipay: refund of order %s: amount %d above the paid total %d", req.OrderNo, req.Amount, req.Total)
	}

	param := sdk.TradeRefund{
		OutTradeNo:   req.OrderNo,
		TradeNo:      req.TransactionId,
		RefundAmount: money.Yuan(req.Amount),
		RefundReason: truncate(req.Reason, 256),
		OutRequestNo: req.RefundNo,
	}
	rsp, err := p.client.TradeRefund(ctx, param)
	if err != nil {
		return nil, fmt.Errorf("alipay: refund %s of order %s: %w", req.RefundNo, req.OrderNo, err)
	}

	raw, _ := json.Marshal(rsp)
	result := &shop.RefundResult{RefundId: req.RefundNo, Raw: string(raw)}
	switch {
	case rsp.IsSuccess():
		result.Status = refundSuccess
	case rsp.Code == sdk.CodeUnknowError || rsp.SubCode == subCodeSystemError:
		result.Status = refundProcessing
	default:
		result.Status = refundFailed
	}
	return result, nil
}

// Close implements [shop.Closer] with alipay.trade.close: an unpaid trade
// can no longer be paid. A trade Alipay never saw (the buyer never opened
// the cashier) and a trade already closed are not errors; a paid one is.
func (p *Provider) Close(ctx context.Context, orderNo string) error {
	if orderNo == "" {
		return errors.New("alipay: close: missing order number")
	}
	rsp, err := p.client.TradeClose(ctx, sdk.TradeClose{OutTradeNo: orderNo})
	if err != nil {
		return fmt.Errorf("alipay: close order %s: %w", orderNo, err)
	}
	if rsp.IsSuccess() || rsp.SubCode == subCodeTradeNotExist {
		return nil
	}
	if rsp.SubCode == subCodeTradeStatusError {
		// note: closed before (timeout) or paid; only the latter matters
		if q, err := p.Query(ctx, orderNo); err == nil && q.Closed {
			return nil
		}
	}
	return fmt.Errorf("alipay: close order %s: %s", orderNo, describe(rsp.Error))
}

// describe formats an Alipay business error for logs and error messages.
func describe(e sdk.Error) string {
	if e.SubCode == "" {
		return fmt.Sprintf("%s %s", e.Code, e.Msg)
	}
	return fmt.Sprintf("%s %s (%s: %s)", e.Code, e.Msg, e.SubCode, e.SubMsg)
}
