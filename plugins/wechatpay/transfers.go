package wechatpay

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	wxcore "github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/core/consts"

	"fenxiao/hooks/shop"
)

// transferBillsPath is the 商家转账 (merchant transfer, user-confirmation
// mode) endpoint. It is not wrapped by wechatpay-go v0.2.20, so it is called
// through the SDK client's generic Request, which signs the request and
// verifies the response like any SDK call.
const transferBillsPath = "/v3/fund-app/mch-transfer/transfer-bills"

// transferBillRequest is the body of POST /v3/fund-app/mch-transfer/transfer-bills.
type transferBillRequest struct {
	Appid           string `json:"appid"`
	OutBillNo       string `json:"out_bill_no"`
	TransferSceneId string `json:"transfer_scene_id"`
	Openid          string `json:"openid"`
	// UserName is RSA-OAEP encrypted in place with the WeChat Pay public key
	// (or newest platform certificate) by the SDK's cipher.
	UserName                 *string                   `json:"user_name,omitempty" encryption:"EM_APIV3"`
	TransferAmount           int64                     `json:"transfer_amount"`
	TransferRemark           string                    `json:"transfer_remark"`
	NotifyUrl                string                    `json:"notify_url,omitempty"`
	UserRecvPerception       string                    `json:"user_recv_perception,omitempty"`
	TransferSceneReportInfos []TransferSceneReportInfo `json:"transfer_scene_report_infos,omitempty"`
}

// transferBill is the transfer bill as the create and query endpoints
// and the MCHTRANSFER.BILL.FINISHED notification report it.
type transferBill struct {
	MchId          string `json:"mch_id"`
	Appid          string `json:"appid"`
	OutBillNo      string `json:"out_bill_no"`
	TransferBillNo string `json:"transfer_bill_no"`
	State          string `json:"state"`
	TransferAmount int64  `json:"transfer_amount"`
	PackageInfo    string `json:"package_info"`
	FailReason     string `json:"fail_reason"`
	Openid         string `json:"openid"`
	CreateTime     string `json:"create_time"`
	UpdateTime     string `json:"update_time"`
}

// transferStates maps WeChat Pay bill states to [shop.TransferResult] states.
var transferStates = map[string]string{
	"ACCEPTED":          "accepted",
	"PROCESSING":        "processing",
	"TRANSFERING":       "processing", //nolint:misspell // WeChat Pay's own spelling of the state
	"CANCELING":         "processing",
	"WAIT_USER_CONFIRM": "wait_user_confirm",
	"SUCCESS":           "success",
	"FAIL":              "failed",
	"CANCELLED":         "cancelled",
}

// transferState maps a WeChat Pay bill state; an unknown state is treated
// as "processing" (not final) so that reconciliation keeps asking.
func transferState(s string) string {
	if v, ok := transferStates[s]; ok {
		return v
	}
	return "processing"
}

// Transfer implements [shop.PayoutProvider]: it creates a transfer bill
// with out_bill_no = BillNo. WeChat Pay answers a repeated out_bill_no with
// the existing bill, so retrying after a timeout never pays twice.
//
// The usual result is "wait_user_confirm" with PackageInfo, which the
// mini-program passes to wx.requestMerchantTransfer.
func (p *Provider) Transfer(ctx context.Context, req shop.TransferRequest) (*shop.TransferResult, error) {
	if req.BillNo == "" {
		return nil, shop.Fail(http.StatusBadRequest, "invalid_bill_no", "缺少转账单号")
	}
	if req.OpenId == "" {
		return nil, shop.Fail(http.StatusBadRequest, "wechat_openid_missing", "收款用户未绑定微信")
	}
	if req.Amount <= 0 {
		return nil, shop.Fail(http.StatusBadRequest, "invalid_amount", "转账金额必须大于 0")
	}

	remark := req.Remark
	if remark == "" {
		remark = p.config.TransferRemark
	}
	body := &transferBillRequest{
		Appid:                    p.config.AppID,
		OutBillNo:                req.BillNo,
		TransferSceneId:          p.config.TransferSceneID,
		Openid:                   req.OpenId,
		TransferAmount:           req.Amount,
		TransferRemark:           truncateRunes(remark, 32),
		NotifyUrl:                p.config.TransferNotifyURL,
		UserRecvPerception:       p.config.UserRecvPerception,
		TransferSceneReportInfos: p.config.TransferSceneReportInfos,
	}
	if req.UserName != "" {
		body.UserName = wxcore.String(req.UserName)
	}

	serial, err := p.client.EncryptRequest(ctx, body)
	if err != nil {
		return nil, fmt.Errorf("wechatpay: transfer %s: encrypt user_name: %w", req.BillNo, err)
	}
	header := http.Header{}
	if serial != "" {
		header.Set(consts.WechatPaySerial, serial)
	}

	result, err := p.client.Request(ctx, http.MethodPost, consts.WechatPayAPIServer+transferBillsPath,
		header, nil, body, consts.ApplicationJSON)
	if err != nil {
		return nil, p.apiFailure("transfer "+req.BillNo, err)
	}
	return p.transferResult(result, req.BillNo)
}

// QueryTransfer implements [shop.PayoutProvider]: it queries the bill by
// out_bill_no. A bill WeChat Pay does not know gives an error wrapping
// [ErrNotFound] (the transfer was never created and may be retried).
func (p *Provider) QueryTransfer(ctx context.Context, billNo string) (*shop.TransferResult, error) {
	result, err := p.client.Get(ctx, consts.WechatPayAPIServer+transferBillsPath+"/out-bill-no/"+url.PathEscape(billNo))
	if err != nil {
		return nil, p.apiFailure("query transfer "+billNo, err)
	}
	return p.transferResult(result, billNo)
}

// CancelTransfer asks WeChat Pay to cancel a bill the user has not
// confirmed yet. The result is usually "processing" (CANCELING) and the
// final "cancelled" state arrives by query or notification.
func (p *Provider) CancelTransfer(ctx context.Context, billNo string) (*shop.TransferResult, error) {
	result, err := p.client.Request(ctx, http.MethodPost,
		consts.WechatPayAPIServer+transferBillsPath+"/out-bill-no/"+url.PathEscape(billNo)+"/cancel",
		nil, nil, nil, consts.ApplicationJSON)
	if err != nil {
		return nil, p.apiFailure("cancel transfer "+billNo, err)
	}
	return p.transferResult(result, billNo)
}

// ParseTransferNotification implements [shop.PayoutProvider]: it verifies
// and decrypts a MCHTRANSFER.BILL.FINISHED notification. Other genuine
// events give (nil, nil); every rejection wraps [ErrInvalidNotification].
func (p *Provider) ParseTransferNotification(ctx context.Context, r *http.Request) (*shop.TransferNotice, error) {
	event, plaintext, err := p.parseNotify(ctx, r)
	if err != nil {
		return nil, err
	}
	if event.EventType != "MCHTRANSFER.BILL.FINISHED" {
		return nil, nil
	}

	var bill transferBill
	if err := json.Unmarshal([]byte(plaintext), &bill); err != nil {
		return nil, invalidNotification("decode transfer bill: %v", err)
	}
	if bill.MchId != p.config.MchID {
		return nil, invalidNotification("mch_id %q is not ours", bill.MchId)
	}
	if bill.OutBillNo == "" || bill.State == "" {
		return nil, invalidNotification("out_bill_no or state missing")
	}

	notice := &shop.TransferNotice{
		BillNo:     bill.OutBillNo,
		TransferId: bill.TransferBillNo,
		State:      transferState(bill.State),
		Amount:     bill.TransferAmount,
		FailReason: bill.FailReason,
		Raw:        plaintext,
	}
	if bill.UpdateTime != "" {
		if at, err := time.Parse(time.RFC3339, bill.UpdateTime); err == nil {
			notice.At = at
		}
	}
	if notice.At.IsZero() && event.CreateTime != nil {
		notice.At = *event.CreateTime
	}
	return notice, nil
}

func (p *Provider) transferResult(result *wxcore.APIResult, billNo string) (*shop.TransferResult, error) {
	raw, err := responseBody(result)
	if err != nil {
		return nil, fmt.Errorf("wechatpay: transfer %s: read response: %w", billNo, err)
	}
	var bill transferBill
	if err := json.Unmarshal([]byte(raw), &bill); err != nil {
		return nil, fmt.Errorf("wechatpay: transfer %s: decode response: %w", billNo, err)
	}
	if bill.OutBillNo != "" && bill.OutBillNo != billNo {
		return nil, fmt.Errorf("wechatpay: transfer %s: response is for bill %q", billNo, bill.OutBillNo)
	}
	if bill.MchId != "" && bill.MchId != p.config.MchID {
		return nil, fmt.Errorf("wechatpay: transfer %s: response is for merchant %q", billNo, bill.MchId)
	}
	return &shop.TransferResult{
		State:       transferState(bill.State),
		TransferId:  bill.TransferBillNo,
		PackageInfo: bill.PackageInfo,
		FailReason:  bill.FailReason,
		Raw:         raw,
	}, nil
}
