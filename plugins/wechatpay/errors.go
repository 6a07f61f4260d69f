package wechatpay

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	wxcore "github.com/wechatpay-apiv3/wechatpay-go/core"

	"fenxiao/hooks/shop"
)

// ErrInvalidNotification is wrapped by every error that rejects a
// notification as forged, tampered with, stale or meant for another merchant.
var ErrInvalidNotification = errors.New("wechatpay: invalid notification")

// ErrNotFound is wrapped when WeChat Pay answers that the order, refund or
// transfer bill does not exist.
var ErrNotFound = errors.New("wechatpay: not found")

// transientCodes are WeChat Pay error codes after which the same request
// may be retried unchanged (same out_trade_no / out_refund_no / out_bill_no).
var transientCodes = map[string]bool{
	"SYSTEM_ERROR":           true,
	"SYSTEMERROR":            true,
	"FREQUENCY_LIMITED":      true,
	"FREQUENCY_LIMIT_EXCEED": true,
	"RATELIMIT_EXCEEDED":     true,
	"BANKERROR":              true,
}

// apiFailure turns an SDK error into an error for the core:
//
//   - a definitive refusal by WeChat Pay (4xx with a business code) becomes a
//     [shop.Error] with status 409 (or 400 for PARAM_ERROR) and the code
//     "wechatpay_<lower(code)>";
//   - a "does not exist" answer (404, ORDER_NOT_EXIST, RESOURCE_NOT_EXISTS,
//     NOT_FOUND) wraps [ErrNotFound] and a 404 "wechatpay_not_found" [shop.Error];
//   - anything else (network, timeout, 5xx, SYSTEM_ERROR, bad response
//     signature) becomes a 502 "wechatpay_unavailable" [shop.Error]: the
//     outcome is unknown and the same request may be retried.
//
// The original error stays in the chain for errors.As / errors.Is.
//
// NB! The SDK verifies the signature of 2xx answers only. An error answer
// is trusted here only when its signature verifies too; otherwise it is
// treated as an unknown outcome, so a forged "refused" or "not found"
// can never settle anything.
func (p *Provider) apiFailure(op string, err error) error {
	var apiErr *wxcore.APIError
	if errors.As(err, &apiErr) && p.verifyErrorAnswer(apiErr) == nil {
		if apiErr.StatusCode == http.StatusNotFound ||
			apiErr.Code == "ORDER_NOT_EXIST" || apiErr.Code == "ORDERNOTEXIST" ||
			apiErr.Code == "RESOURCE_NOT_EXISTS" || apiErr.Code == "NOT_FOUND" {
			return fmt.Errorf("wechatpay: %s: %w: %w: %w", op, ErrNotFound,
				shop.Fail(http.StatusNotFound, "wechatpay_not_found", "微信支付无此记录"), err)
		}
		if apiErr.StatusCode >= 400 && apiErr.StatusCode < 500 &&
			apiErr.StatusCode != http.StatusTooManyRequests && !transientCodes[apiErr.Code] {
			status := http.StatusConflict
			if apiErr.Code == "PARAM_ERROR" {
				status = http.StatusBadRequest
			}
			msg := apiErr.Message
			if msg == "" {
				msg = apiErr.Code
			}
			code := "wechatpay_" + strings.ToLower(apiErr.Code)
			if apiErr.Code == "" {
				code = "wechatpay_rejected"
			}
			return fmt.Errorf("wechatpay: %s: %w: %w", op, shop.Fail(status, code, "微信支付拒绝请求："+msg), err)
		}
	}
	return fmt.Errorf("wechatpay: %s: %w: %w", op,
		shop.Fail(http.StatusBadGateway, "wechatpay_unavailable", "微信支付暂时不可用，请稍后重试"), err)
}

// verifyErrorAnswer checks the WeChat Pay signature of a non-2xx answer.
func (p *Provider) verifyErrorAnswer(apiErr *wxcore.APIError) error {
	h := apiErr.Header
	serial, signature := h.Get("Wechatpay-Serial"), h.Get("Wechatpay-Signature")
	ts, nonce := h.Get("Wechatpay-Timestamp"), h.Get("Wechatpay-Nonce")
	if serial == "" || signature == "" || ts == "" || nonce == "" {
		return errors.New("unsigned answer")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || math.Abs(float64(time.Now().Unix()-sec)) >= 300 {
		return errors.New("stale answer")
	}
	return p.verifier.Verify(context.Background(), serial, ts+"\n"+nonce+"\n"+apiErr.Body+"\n", signature)
}

// invalidNotification wraps err with [ErrInvalidNotification].
func invalidNotification(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidNotification, fmt.Sprintf(format, args...))
}

// errNoURL is a prepay answer without the h5_url or code_url it must carry:
// nothing the buyer could pay with, so the outcome counts as unknown.
var errNoURL = errors.New("wechatpay: prepay answer without a pay URL")
