package wxpayfake

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"fenxiao/plugins/wechatpay"
)

// apiError is a WeChat Pay error answer.
type apiError struct {
	status  int
	Code    string `json:"code"`
	Message string `json:"message"`
}

func fail(status int, code, message string) *apiError {
	return &apiError{status: status, Code: code, Message: message}
}

// route is a fake endpoint: it gets the verified request and its body and
// returns the status and JSON body to answer (nil body: empty).
type route func(r *http.Request, body []byte) (int, any, *apiError)

func (f *Fake) handler() http.Handler {
	mux := http.NewServeMux()
	handle := func(pattern string, fn route) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			f.serve(w, r, fn)
		})
	}
	handle("POST /v3/pay/transactions/jsapi", f.prepayOf("JSAPI"))
	handle("POST /v3/pay/transactions/h5", f.prepayOf("MWEB"))
	handle("POST /v3/pay/transactions/native", f.prepayOf("NATIVE"))
	handle("GET /v3/pay/transactions/out-trade-no/{no}", f.queryOrder)
	handle("POST /v3/pay/transactions/out-trade-no/{no}/close", f.closeOrder)
	handle("POST /v3/refund/domestic/refunds", f.createRefund)
	handle("GET /v3/refund/domestic/refunds/{no}", f.queryRefund)
	mux.HandleFunc("POST /v3/fund-app/mch-transfer/transfer-bills", f.serveCreateBill)
	handle("GET /v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{no}", f.queryBill)
	handle("POST /v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{no}/cancel", f.cancelBill)
	handle("GET /v3/certificates", f.certificates)
	f.buyerRoutes(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		f.writeSigned(w, r, http.StatusNotFound, fail(http.StatusNotFound, "NOT_FOUND", "无此接口"))
	})
	return mux
}

// serve verifies the merchant signature, runs fn and signs the answer.
func (f *Fake) serve(w http.ResponseWriter, r *http.Request, fn route) {
	body, ok := f.authenticate(w, r)
	if !ok {
		return
	}
	status, out, apiErr := fn(r, body)
	f.respond(w, r, status, out, apiErr)
}

// serveCreateBill is serve for POST transfer-bills, which may time out.
func (f *Fake) serveCreateBill(w http.ResponseWriter, r *http.Request) {
	body, ok := f.authenticate(w, r)
	if !ok {
		return
	}
	status, out, apiErr, timeout := f.createBill(r, body)
	if timeout {
		f.dropResponse(w, r)
		return
	}
	f.respond(w, r, status, out, apiErr)
}

// authenticate reads the body and checks the Authorization header,
// answering 401 SIGN_ERROR when it is wrong.
func (f *Fake) authenticate(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		f.respond(w, r, 0, nil, fail(http.StatusBadRequest, "PARAM_ERROR", "读取请求失败"))
		return nil, false
	}
	if err := f.verifyAuthorization(r, body); err != nil {
		f.respond(w, r, 0, nil, fail(http.StatusUnauthorized, "SIGN_ERROR", "签名错误："+err.Error()))
		return nil, false
	}
	f.mu.Lock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path)
	f.mu.Unlock()
	return body, true
}

func (f *Fake) respond(w http.ResponseWriter, r *http.Request, status int, out any, apiErr *apiError) {
	if apiErr != nil {
		f.writeSigned(w, r, apiErr.status, apiErr)
		return
	}
	f.writeSigned(w, r, status, out)
}

// dropResponse never answers: it waits for the client to give up, then
// closes the connection without a response.
func (f *Fake) dropResponse(w http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(30 * time.Second):
	}
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
		}
	}
}

var authRe = regexp.MustCompile(`(\w+)="([^"]*)"`)

// verifyAuthorization checks the WECHATPAY2-SHA256-RSA2048 Authorization
// header against the merchant public key, as WeChat Pay does.
func (f *Fake) verifyAuthorization(r *http.Request, body []byte) error {
	h := r.Header.Get("Authorization")
	scheme, params, ok := strings.Cut(h, " ")
	if !ok || scheme != "WECHATPAY2-SHA256-RSA2048" {
		return fmt.Errorf("unsupported authorization scheme")
	}
	fields := map[string]string{}
	for _, m := range authRe.FindAllStringSubmatch(params, -1) {
		fields[m[1]] = m[2]
	}
	if fields["mchid"] != f.MchID {
		return fmt.Errorf("商户号 %q 不匹配", fields["mchid"])
	}
	if fields["serial_no"] != f.MchCertSerialNo {
		return fmt.Errorf("商户证书序列号 %q 不匹配", fields["serial_no"])
	}
	ts, err := strconv.ParseInt(fields["timestamp"], 10, 64)
	if err != nil || math.Abs(float64(time.Now().Unix()-ts)) >= 300 {
		return fmt.Errorf("时间戳 %q 无效或已过期", fields["timestamp"])
	}
	if fields["nonce_str"] == "" {
		return fmt.Errorf("缺少 nonce_str")
	}
	sig, err := base64.StdEncoding.DecodeString(fields["signature"])
	if err != nil {
		return fmt.Errorf("signature 不是 base64")
	}
	message := r.Method + "\n" + r.RequestURI + "\n" + fields["timestamp"] + "\n" + fields["nonce_str"] + "\n" + string(body) + "\n"
	sum := sha256.Sum256([]byte(message))
	if err := rsa.VerifyPKCS1v15(&f.keys.mch.PublicKey, crypto.SHA256, sum[:], sig); err != nil {
		return fmt.Errorf("验签失败")
	}
	return nil
}

// serialFor picks the serial (and so the key) WeChat Pay answers with: the
// one the caller accepts (Wechatpay-Serial request header), else the
// fake's mode default.
func (f *Fake) serialFor(r *http.Request) string {
	switch s := r.Header.Get("Wechatpay-Serial"); s {
	case f.PublicKeyID, f.CertSerialNo:
		return s
	}
	return f.defaultSerial()
}

func (f *Fake) defaultSerial() string {
	if f.opts.PlatformCertMode {
		return f.CertSerialNo
	}
	return f.PublicKeyID
}

// writeSigned writes status and the JSON of out (nothing when out is nil),
// signed like WeChat Pay signs its answers.
func (f *Fake) writeSigned(w http.ResponseWriter, r *http.Request, status int, out any) {
	var body []byte
	if out != nil {
		body, _ = json.Marshal(out)
	}
	f.signHeaders(w.Header(), body, f.serialFor(r), time.Now(), f.keys.plat)
	if len(body) > 0 {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (f *Fake) signHeaders(h http.Header, body []byte, serial string, at time.Time, key *rsa.PrivateKey) {
	ts := strconv.FormatInt(at.Unix(), 10)
	nonce := randomString(32)
	sum := sha256.Sum256([]byte(ts + "\n" + nonce + "\n" + string(body) + "\n"))
	sig, _ := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	h.Set("Wechatpay-Timestamp", ts)
	h.Set("Wechatpay-Nonce", nonce)
	h.Set("Wechatpay-Serial", serial)
	h.Set("Wechatpay-Signature", base64.StdEncoding.EncodeToString(sig))
	h.Set("Wechatpay-Signature-Type", "WECHATPAY2-SHA256-RSA2048")
	h.Set("Request-Id", randomString(24))
}

// ---------------------------------------------------------------
// payments
// ---------------------------------------------------------------

var outNoRe = regexp.MustCompile(`^[0-9A-Za-z_\-|*@]{6,32}$`)

type prepayBody struct {
	Appid       string     `json:"appid"`
	Mchid       string     `json:"mchid"`
	Description string     `json:"description"`
	OutTradeNo  string     `json:"out_trade_no"`
	TimeExpire  *time.Time `json:"time_expire"`
	Attach      string     `json:"attach"`
	NotifyUrl   string     `json:"notify_url"`
	Amount      struct {
		Total    *int64 `json:"total"`
		Currency string `json:"currency"`
	} `json:"amount"`
	Payer struct {
		Openid string `json:"openid"`
	} `json:"payer"`
	SceneInfo *struct {
		PayerClientIp string `json:"payer_client_ip"`
		H5Info        *struct {
			Type string `json:"type"`
		} `json:"h5_info"`
	} `json:"scene_info"`
}

// prepayOf is the prepay endpoint of a trade type: JSAPI answers a
// prepay_id, MWEB (H5) an h5_url, NATIVE a code_url.
func (f *Fake) prepayOf(tradeType string) route {
	return func(r *http.Request, body []byte) (int, any, *apiError) {
		return f.prepay(tradeType, body)
	}
}

func (f *Fake) prepay(tradeType string, body []byte) (int, any, *apiError) {
	var in prepayBody
	if err := json.Unmarshal(body, &in); err != nil {
		return 0, nil, fail(400, "PARAM_ERROR", "请求体不是合法的 JSON")
	}
	switch {
	case in.Appid != f.AppID:
		return 0, nil, fail(400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配")
	case in.Mchid != f.MchID:
		return 0, nil, fail(400, "MCH_NOT_EXISTS", "商户号不存在")
	case in.Description == "" || len(in.Description) > 127:
		return 0, nil, fail(400, "PARAM_ERROR", "description 长度应为 1-127 字节")
	case !outNoRe.MatchString(in.OutTradeNo):
		return 0, nil, fail(400, "PARAM_ERROR", "out_trade_no 格式错误")
	case !strings.HasPrefix(in.NotifyUrl, "https://") || strings.Contains(in.NotifyUrl, "?"):
		return 0, nil, fail(400, "PARAM_ERROR", "notify_url 必须为 https 且不能携带参数")
	case in.Amount.Total == nil || *in.Amount.Total <= 0:
		return 0, nil, fail(400, "PARAM_ERROR", "amount.total 必须大于 0")
	case in.Amount.Currency != "" && in.Amount.Currency != "CNY":
		return 0, nil, fail(400, "PARAM_ERROR", "币种仅支持 CNY")
	case tradeType == "JSAPI" && in.Payer.Openid == "":
		return 0, nil, fail(400, "PARAM_ERROR", "payer.openid 不能为空")
	case tradeType == "MWEB" && (in.SceneInfo == nil || in.SceneInfo.PayerClientIp == ""):
		return 0, nil, fail(400, "PARAM_ERROR", "scene_info.payer_client_ip 不能为空")
	case tradeType == "MWEB" && (in.SceneInfo.H5Info == nil || in.SceneInfo.H5Info.Type == ""):
		return 0, nil, fail(400, "PARAM_ERROR", "scene_info.h5_info.type 不能为空")
	case in.TimeExpire != nil && !in.TimeExpire.After(time.Now()):
		return 0, nil, fail(400, "PARAM_ERROR", "time_expire 不能早于当前时间")
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	if o, ok := f.orders[in.OutTradeNo]; ok {
		switch o.TradeState {
		case "SUCCESS", "REFUND":
			return 0, nil, fail(400, "ORDERPAID", "该订单已支付")
		case "CLOSED":
			return 0, nil, fail(400, "ORDERCLOSED", "订单已关闭")
		}
		// an out_trade_no is one order: another trade type or other terms is a new one
		if o.TradeType != tradeType || o.Amount != *in.Amount.Total || o.OpenID != in.Payer.Openid || o.Description != in.Description {
			return 0, nil, fail(400, "INVALID_REQUEST", "201 商户订单号重复")
		}
		return 200, f.prepayAnswer(o), nil
	}

	o := &Order{
		OutTradeNo:  in.OutTradeNo,
		AppID:       in.Appid,
		MchID:       in.Mchid,
		Description: in.Description,
		Attach:      in.Attach,
		OpenID:      in.Payer.Openid,
		NotifyURL:   in.NotifyUrl,
		Amount:      *in.Amount.Total,
		PrepayID:    f.nextID("wx2025112416000000"),
		TradeType:   tradeType,
		TradeState:  "NOTPAY",
	}
	if in.TimeExpire != nil {
		o.TimeExpire = *in.TimeExpire
	}
	if in.SceneInfo != nil {
		o.ClientIP = in.SceneInfo.PayerClientIp
	}
	switch tradeType {
	case "MWEB":
		o.H5URL = f.Server.URL + mwebPath + "?prepay_id=" + o.PrepayID + "&package=" + strconv.FormatInt(2000000000+f.seq, 10)
	case "NATIVE":
		o.CodeURL = "weixin://wxpay/bizpayurl?pr=" + randomString(9)
	}
	f.orders[o.OutTradeNo] = o
	return 200, f.prepayAnswer(o), nil
}

func (f *Fake) prepayAnswer(o *Order) map[string]string {
	switch o.TradeType {
	case "MWEB":
		return map[string]string{"h5_url": o.H5URL}
	case "NATIVE":
		return map[string]string{"code_url": o.CodeURL}
	}
	return map[string]string{"prepay_id": o.PrepayID}
}

func (f *Fake) queryOrder(r *http.Request, _ []byte) (int, any, *apiError) {
	if r.URL.Query().Get("mchid") != f.MchID {
		return 0, nil, fail(400, "PARAM_ERROR", "mchid 不正确")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	o, ok := f.orders[r.PathValue("no")]
	if !ok {
		return 0, nil, fail(404, "ORDER_NOT_EXIST", "订单不存在")
	}
	return 200, transactionJSON(o), nil
}

func (f *Fake) closeOrder(r *http.Request, body []byte) (int, any, *apiError) {
	var in struct {
		Mchid string `json:"mchid"`
	}
	if err := json.Unmarshal(body, &in); err != nil || in.Mchid != f.MchID {
		return 0, nil, fail(400, "PARAM_ERROR", "mchid 不正确")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	o, ok := f.orders[r.PathValue("no")]
	if !ok {
		return 0, nil, fail(404, "ORDER_NOT_EXIST", "订单不存在")
	}
	switch o.TradeState {
	case "SUCCESS", "REFUND":
		return 0, nil, fail(400, "ORDERPAID", "订单已支付")
	}
	o.TradeState = "CLOSED"
	return http.StatusNoContent, nil, nil
}

// transactionJSON is the payments.Transaction WeChat Pay reports for o.
func transactionJSON(o *Order) map[string]any {
	descs := map[string]string{
		"SUCCESS": "支付成功", "REFUND": "转入退款", "NOTPAY": "未支付", "CLOSED": "已关闭",
		"REVOKED": "已撤销", "USERPAYING": "用户支付中", "PAYERROR": "支付失败",
	}
	tx := map[string]any{
		"appid":            o.AppID,
		"mchid":            o.MchID,
		"out_trade_no":     o.OutTradeNo,
		"trade_state":      o.TradeState,
		"trade_state_desc": descs[o.TradeState],
		"attach":           o.Attach,
		"payer":            map[string]string{"openid": o.OpenID},
		"amount":           map[string]any{"total": o.Amount, "currency": "CNY"},
	}
	if o.TransactionID != "" {
		tx["transaction_id"] = o.TransactionID
		tx["trade_type"] = o.TradeType
		tx["bank_type"] = "OTHERS"
		tx["success_time"] = o.PaidAt.Format(time.RFC3339)
		tx["amount"] = map[string]any{"total": o.Amount, "payer_total": o.Amount, "currency": "CNY", "payer_currency": "CNY"}
	}
	return tx
}

// ---------------------------------------------------------------
// refunds
// ---------------------------------------------------------------

type refundBody struct {
	TransactionId string `json:"transaction_id"`
	OutTradeNo    string `json:"out_trade_no"`
	OutRefundNo   string `json:"out_refund_no"`
	Reason        string `json:"reason"`
	NotifyUrl     string `json:"notify_url"`
	Amount        struct {
		Refund   *int64 `json:"refund"`
		Total    *int64 `json:"total"`
		Currency string `json:"currency"`
	} `json:"amount"`
}

func (f *Fake) createRefund(_ *http.Request, body []byte) (int, any, *apiError) {
	var in refundBody
	if err := json.Unmarshal(body, &in); err != nil {
		return 0, nil, fail(400, "PARAM_ERROR", "请求体不是合法的 JSON")
	}
	switch {
	case !outNoRe.MatchString(in.OutRefundNo):
		return 0, nil, fail(400, "PARAM_ERROR", "out_refund_no 格式错误")
	case in.TransactionId == "" && in.OutTradeNo == "":
		return 0, nil, fail(400, "PARAM_ERROR", "transaction_id 与 out_trade_no 必填其一")
	case in.Amount.Refund == nil || *in.Amount.Refund <= 0 || in.Amount.Total == nil:
		return 0, nil, fail(400, "PARAM_ERROR", "amount.refund 必须大于 0")
	case in.Amount.Currency != "CNY":
		return 0, nil, fail(400, "PARAM_ERROR", "币种仅支持 CNY")
	case utf8.RuneCountInString(in.Reason) > 80:
		return 0, nil, fail(400, "PARAM_ERROR", "reason 过长")
	}

	f.mu.Lock()
	defer f.mu.Unlock()

	var o *Order
	if in.TransactionId != "" {
		for _, c := range f.orders {
			if c.TransactionID == in.TransactionId {
				o = c
				break
			}
		}
	} else {
		o = f.orders[in.OutTradeNo]
	}
	if o == nil || (o.TradeState != "SUCCESS" && o.TradeState != "REFUND") {
		return 0, nil, fail(404, "RESOURCE_NOT_EXISTS", "订单不存在或未支付")
	}
	if *in.Amount.Total != o.Amount {
		return 0, nil, fail(400, "PARAM_ERROR", "订单金额与原订单不一致")
	}

	// WeChat Pay's rule: the same out_refund_no refunds once.
	if r, ok := f.refunds[in.OutRefundNo]; ok {
		if r.OutTradeNo != o.OutTradeNo || r.Amount != *in.Amount.Refund {
			return 0, nil, fail(400, "INVALID_REQUEST", "退款单号重复，且参数与原请求不一致")
		}
		return 200, refundJSON(r, o), nil
	}
	if *in.Amount.Refund > o.Amount-o.Refunded {
		return 0, nil, fail(400, "INVALID_REQUEST", "申请退款金额超过订单可退金额")
	}

	r := &Refund{
		OutRefundNo: in.OutRefundNo,
		RefundID:    f.nextID("503000000120251124"),
		OutTradeNo:  o.OutTradeNo,
		Amount:      *in.Amount.Refund,
		Total:       o.Amount,
		Reason:      in.Reason,
		Status:      f.opts.RefundStatus,
		CreatedAt:   now(),
	}
	if r.Status == "SUCCESS" {
		r.SuccessAt = r.CreatedAt
	}
	f.refunds[r.OutRefundNo] = r
	o.Refunded += r.Amount
	o.TradeState = "REFUND"
	return 200, refundJSON(r, o), nil
}

func (f *Fake) queryRefund(r *http.Request, _ []byte) (int, any, *apiError) {
	f.mu.Lock()
	defer f.mu.Unlock()
	rf, ok := f.refunds[r.PathValue("no")]
	if !ok {
		return 0, nil, fail(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
	}
	return 200, refundJSON(rf, f.orders[rf.OutTradeNo]), nil
}

func refundJSON(r *Refund, o *Order) map[string]any {
	out := map[string]any{
		"refund_id":             r.RefundID,
		"out_refund_no":         r.OutRefundNo,
		"transaction_id":        o.TransactionID,
		"out_trade_no":          o.OutTradeNo,
		"channel":               "ORIGINAL",
		"user_received_account": "支付用户零钱",
		"create_time":           r.CreatedAt.Format(time.RFC3339),
		"status":                r.Status,
		"funds_account":         "AVAILABLE",
		"amount": map[string]any{
			"total": r.Total, "refund": r.Amount, "payer_total": r.Total, "payer_refund": r.Amount,
			"settlement_total": r.Total, "settlement_refund": r.Amount, "discount_refund": 0,
			"currency": "CNY", "from": []any{},
		},
		"promotion_detail": []any{},
	}
	if !r.SuccessAt.IsZero() {
		out["success_time"] = r.SuccessAt.Format(time.RFC3339)
	}
	return out
}

// ---------------------------------------------------------------
// merchant transfers (商家转账)
// ---------------------------------------------------------------

type billBody struct {
	Appid                    string                              `json:"appid"`
	OutBillNo                string                              `json:"out_bill_no"`
	TransferSceneId          string                              `json:"transfer_scene_id"`
	Openid                   string                              `json:"openid"`
	UserName                 string                              `json:"user_name"`
	TransferAmount           *int64                              `json:"transfer_amount"`
	TransferRemark           string                              `json:"transfer_remark"`
	NotifyUrl                string                              `json:"notify_url"`
	UserRecvPerception       string                              `json:"user_recv_perception"`
	TransferSceneReportInfos []wechatpay.TransferSceneReportInfo `json:"transfer_scene_report_infos"`
}

var billNoRe = regexp.MustCompile(`^[0-9A-Za-z]{5,32}$`)

// createBill handles POST transfer-bills; timeout reports that the answer
// must be dropped (see TimeoutNextTransfer).
func (f *Fake) createBill(r *http.Request, body []byte) (status int, out any, apiErr *apiError, timeout bool) {
	var in billBody
	if err := json.Unmarshal(body, &in); err != nil {
		return 0, nil, fail(400, "PARAM_ERROR", "请求体不是合法的 JSON"), false
	}
	switch {
	case in.Appid != f.AppID:
		return 0, nil, fail(400, "APPID_MCHID_NOT_MATCH", "appid 与商户号不匹配"), false
	case !billNoRe.MatchString(in.OutBillNo):
		return 0, nil, fail(400, "PARAM_ERROR", "out_bill_no 格式错误"), false
	case in.TransferSceneId == "":
		return 0, nil, fail(400, "PARAM_ERROR", "transfer_scene_id 不能为空"), false
	case in.Openid == "":
		return 0, nil, fail(400, "PARAM_ERROR", "openid 不能为空"), false
	case in.TransferAmount == nil || *in.TransferAmount <= 0:
		return 0, nil, fail(400, "PARAM_ERROR", "transfer_amount 必须大于 0"), false
	case in.TransferRemark == "" || utf8.RuneCountInString(in.TransferRemark) > 32:
		return 0, nil, fail(400, "PARAM_ERROR", "transfer_remark 长度应为 1-32 字"), false
	case len(in.TransferSceneReportInfos) == 0:
		return 0, nil, fail(400, "PARAM_ERROR", "transfer_scene_report_infos 不能为空"), false
	case *in.TransferAmount >= 200000 && in.UserName == "":
		return 0, nil, fail(400, "PARAM_ERROR", "转账金额 >= 2000 元时 user_name 必填"), false
	}

	var userName string
	if in.UserName != "" {
		// the name must be encrypted with the key the Wechatpay-Serial header names
		if s := r.Header.Get("Wechatpay-Serial"); s != f.PublicKeyID && s != f.CertSerialNo {
			return 0, nil, fail(400, "PARAM_ERROR", "Wechatpay-Serial 无效"), false
		}
		ct, err := base64.StdEncoding.DecodeString(in.UserName)
		if err != nil {
			return 0, nil, fail(400, "PARAM_ERROR", "user_name 未加密"), false
		}
		pt, err := rsa.DecryptOAEP(sha1.New(), rand.Reader, f.keys.plat, ct, nil)
		if err != nil {
			return 0, nil, fail(400, "PARAM_ERROR", "user_name 解密失败"), false
		}
		userName = string(pt)
	}

	f.mu.Lock()
	defer f.mu.Unlock()

	// WeChat Pay's rule: the same out_bill_no is the same transfer.
	if b, ok := f.bills[in.OutBillNo]; ok {
		if b.Amount != *in.TransferAmount || b.OpenID != in.Openid {
			return 0, nil, fail(400, "INVALID_REQUEST", "商户单号重复，且参数与原单不一致"), false
		}
		return 200, createdBillJSON(b), nil, false
	}

	b := &Bill{
		OutBillNo:          in.OutBillNo,
		TransferBillNo:     f.nextID("1330000071100999"),
		AppID:              in.Appid,
		OpenID:             in.Openid,
		UserName:           userName,
		Amount:             *in.TransferAmount,
		Remark:             in.TransferRemark,
		SceneID:            in.TransferSceneId,
		ReportInfos:        in.TransferSceneReportInfos,
		UserRecvPerception: in.UserRecvPerception,
		NotifyURL:          in.NotifyUrl,
		State:              "WAIT_USER_CONFIRM",
		PackageInfo:        "ABBQO+oYAAABAAAAAAAAAAAA" + base64.StdEncoding.EncodeToString([]byte(randomString(24))),
		CreatedAt:          now(),
	}
	b.UpdatedAt = b.CreatedAt
	f.bills[b.OutBillNo] = b

	if f.timeoutNextTransfer {
		f.timeoutNextTransfer = false
		return 0, nil, nil, true
	}
	return 200, createdBillJSON(b), nil, false
}

func createdBillJSON(b *Bill) map[string]any {
	out := map[string]any{
		"out_bill_no":      b.OutBillNo,
		"transfer_bill_no": b.TransferBillNo,
		"create_time":      b.CreatedAt.Format(time.RFC3339),
		"state":            b.State,
	}
	if b.State == "WAIT_USER_CONFIRM" {
		out["package_info"] = b.PackageInfo
	}
	if b.FailReason != "" {
		out["fail_reason"] = b.FailReason
	}
	return out
}

func (f *Fake) billJSON(b *Bill) map[string]any {
	out := map[string]any{
		"mch_id":           f.MchID,
		"out_bill_no":      b.OutBillNo,
		"transfer_bill_no": b.TransferBillNo,
		"appid":            b.AppID,
		"state":            b.State,
		"transfer_amount":  b.Amount,
		"transfer_remark":  b.Remark,
		"openid":           b.OpenID,
		"create_time":      b.CreatedAt.Format(time.RFC3339),
		"update_time":      b.UpdatedAt.Format(time.RFC3339),
	}
	if b.FailReason != "" {
		out["fail_reason"] = b.FailReason
	}
	return out
}

func (f *Fake) queryBill(r *http.Request, _ []byte) (int, any, *apiError) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.bills[r.PathValue("no")]
	if !ok {
		return 0, nil, fail(404, "NOT_FOUND", "记录不存在")
	}
	return 200, f.billJSON(b), nil
}

func (f *Fake) cancelBill(r *http.Request, _ []byte) (int, any, *apiError) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.bills[r.PathValue("no")]
	if !ok {
		return 0, nil, fail(404, "NOT_FOUND", "记录不存在")
	}
	switch b.State {
	case "ACCEPTED", "PROCESSING", "WAIT_USER_CONFIRM":
		// note: WeChat Pay goes through CANCELING; the fake finishes at once
		b.State, b.UpdatedAt = "CANCELLED", now()
	case "CANCELLED":
	default:
		return 0, nil, fail(400, "INVALID_REQUEST", "当前状态不允许撤销")
	}
	return 200, map[string]any{
		"out_bill_no":      b.OutBillNo,
		"transfer_bill_no": b.TransferBillNo,
		"state":            b.State,
		"update_time":      b.UpdatedAt.Format(time.RFC3339),
	}, nil
}

// ---------------------------------------------------------------
// platform certificates
// ---------------------------------------------------------------

func (f *Fake) certificates(_ *http.Request, _ []byte) (int, any, *apiError) {
	nonce := randomString(12)
	ct, err := sealAESGCM(f.APIv3Key, nonce, "certificate", []byte(f.keys.certPEM))
	if err != nil {
		return 0, nil, fail(500, "SYSTEM_ERROR", err.Error())
	}
	return 200, map[string]any{"data": []any{map[string]any{
		"serial_no":      f.CertSerialNo,
		"effective_time": f.keys.cert.NotBefore.In(shanghai).Format(time.RFC3339),
		"expire_time":    f.keys.cert.NotAfter.In(shanghai).Format(time.RFC3339),
		"encrypt_certificate": map[string]string{
			"algorithm":       "AEAD_AES_256_GCM",
			"nonce":           nonce,
			"associated_data": "certificate",
			"ciphertext":      ct,
		},
	}}}, nil
}

// sealAESGCM encrypts plaintext with AEAD_AES_256_GCM under key and
// returns base64 ciphertext, as WeChat Pay does for resources.
func sealAESGCM(key, nonce, aad string, plaintext []byte) (string, error) {
	block, err := aes.NewCipher([]byte(key))
	if err != nil {
		return "", err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(gcm.Seal(nil, []byte(nonce), plaintext, []byte(aad))), nil
}

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
