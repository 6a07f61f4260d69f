package wxpayfake

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// mwebPath is where h5_url points, as on wx.tenpay.com.
const mwebPath = "/cgi-bin/mmpayweb-bin/checkmweb"

// The buyer's side of H5 and Native payments: what WeChat shows the
// phone that opens h5_url, and what happens when WeChat scans a code_url.
// These endpoints are not signed (a browser or the WeChat app calls them,
// not the merchant); a payment made here is notified to the merchant like
// any other, when [Fake.SetNotifyBase] says where the shop listens.
//
//	GET  /cgi-bin/mmpayweb-bin/checkmweb?prepay_id=…[&redirect_url=…]  the H5 cashier page
//	POST /cgi-bin/mmpayweb-bin/checkmweb/pay  prepay_id, redirect_url   pays, notifies, goes back
//	POST /fake/scan  {"code_url": "weixin://wxpay/bizpayurl?pr=…"}       pays a Native order
func (f *Fake) buyerRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+mwebPath, f.mwebPage)
	mux.HandleFunc("POST "+mwebPath+"/pay", f.mwebPay)
	mux.HandleFunc("POST /fake/scan", f.scan)
}

// SetNotifyBase makes payments made on the buyer's side send their
// notification to base + the path of the order's notify_url (the shop under
// test listens on 127.0.0.1, not on the public notify URL). Unset, the
// order is only marked paid, like a notification that got lost.
func (f *Fake) SetNotifyBase(base string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.notifyBase = strings.TrimRight(base, "/")
}

// ScanCode pays the Native order whose QR code says codeURL, as the buyer's
// WeChat does after scanning it, and delivers the notification (see
// [Fake.SetNotifyBase]). It returns the paid order.
func (f *Fake) ScanCode(ctx context.Context, codeURL string) (Order, error) {
	f.mu.Lock()
	var no string
	for _, o := range f.orders {
		if o.TradeType == "NATIVE" && o.CodeURL == codeURL {
			no = o.OutTradeNo
		}
	}
	f.mu.Unlock()
	if no == "" {
		return Order{}, fmt.Errorf("wxpayfake: no Native order for %q", codeURL)
	}
	return f.payAndNotify(ctx, no)
}

// payAndNotify pays the order and delivers its notification.
func (f *Fake) payAndNotify(ctx context.Context, orderNo string) (Order, error) {
	o, ok := f.Order(orderNo)
	if !ok {
		return Order{}, fmt.Errorf("wxpayfake: order %q not found", orderNo)
	}
	if !o.TimeExpire.IsZero() && time.Now().After(o.TimeExpire) {
		return o, fmt.Errorf("wxpayfake: order %q expired", orderNo)
	}
	n, err := f.PaymentNotification(orderNo)
	if err != nil {
		return o, err
	}
	f.mu.Lock()
	base := f.notifyBase
	f.mu.Unlock()
	if base != "" {
		target := base
		if u, err := url.Parse(o.NotifyURL); err == nil {
			target += u.Path
		}
		res, err := n.Post(ctx, target)
		if err != nil {
			return o, fmt.Errorf("wxpayfake: deliver notification: %w", err)
		}
		_ = res.Body.Close()
		if res.StatusCode >= 300 {
			return o, fmt.Errorf("wxpayfake: the shop answered the notification with %d", res.StatusCode)
		}
	}
	o, _ = f.Order(orderNo)
	return o, nil
}

func (f *Fake) orderByPrepayID(prepayID string) (Order, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, o := range f.orders {
		if o.PrepayID == prepayID && o.TradeType == "MWEB" {
			return *o, true
		}
	}
	return Order{}, false
}

var mwebTmpl = template.Must(template.New("mweb").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>微信支付</title>
<style>body{font-family:sans-serif;margin:0;background:#ededed;text-align:center}
.box{background:#fff;margin:16px;padding:32px 16px;border-radius:8px}.amt{font-size:40px;font-weight:bold;margin:12px 0}
button{background:#07c160;color:#fff;border:0;border-radius:6px;font-size:18px;padding:12px;width:100%}
.muted{color:#888;font-size:13px}</style></head>
<body><div class="box"><div class="muted">微信支付（测试服务器）</div><div>{{.Description}}</div>
<div class="amt">¥{{.Yuan}}</div>
{{if .Paid}}<p>该订单已支付</p>{{else}}<form method="post" action="{{.Action}}">
<input type="hidden" name="prepay_id" value="{{.PrepayID}}"><input type="hidden" name="redirect_url" value="{{.Redirect}}">
<button id="confirm">确认支付</button></form>{{end}}
<p class="muted">商户订单号 {{.OutTradeNo}}</p></div></body></html>`))

// mwebPage is the cashier WeChat shows after the phone opened h5_url.
func (f *Fake) mwebPage(w http.ResponseWriter, r *http.Request) {
	o, ok := f.orderByPrepayID(r.URL.Query().Get("prepay_id"))
	if !ok {
		http.Error(w, "商家参数格式有误，请联系商家解决", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = mwebTmpl.Execute(w, map[string]any{
		"Description": o.Description,
		"Yuan":        fmt.Sprintf("%d.%02d", o.Amount/100, o.Amount%100),
		"Paid":        o.TradeState == "SUCCESS" || o.TradeState == "REFUND",
		"Action":      mwebPath + "/pay",
		"PrepayID":    o.PrepayID,
		"Redirect":    r.URL.Query().Get("redirect_url"),
		"OutTradeNo":  o.OutTradeNo,
	})
}

// mwebPay pays from the cashier page and sends the buyer back to
// redirect_url, as WeChat does once the payment finished.
func (f *Fake) mwebPay(w http.ResponseWriter, r *http.Request) {
	o, ok := f.orderByPrepayID(r.FormValue("prepay_id"))
	if !ok {
		http.Error(w, "订单不存在", http.StatusNotFound)
		return
	}
	if _, err := f.payAndNotify(r.Context(), o.OutTradeNo); err != nil {
		http.Error(w, err.Error(), http.StatusConflict)
		return
	}
	if back := r.FormValue("redirect_url"); strings.HasPrefix(back, "http://") || strings.HasPrefix(back, "https://") {
		http.Redirect(w, r, back, http.StatusFound)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(`<!doctype html><meta charset="utf-8"><p>支付完成</p>`))
}

// scan pays a Native order by its code_url.
func (f *Fake) scan(w http.ResponseWriter, r *http.Request) {
	var in struct {
		CodeURL string `json:"code_url"`
	}
	_ = json.NewDecoder(r.Body).Decode(&in)
	w.Header().Set("Content-Type", "application/json")
	o, err := f.ScanCode(r.Context(), in.CodeURL)
	if err != nil {
		w.WriteHeader(http.StatusConflict)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]string{"out_trade_no": o.OutTradeNo, "trade_state": o.TradeState})
}
