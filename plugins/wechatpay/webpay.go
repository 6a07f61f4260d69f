package wechatpay

import (
	"bytes"
	"context"
	"encoding/base64"
	"image/png"
	"net/http"

	"github.com/skip2/go-qrcode"
	wxcore "github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments/h5"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments/native"

	"fenxiao/hooks/shop"
)

// The channels a client may ask for in the pay request. The order number,
// notification, query, close and refund are the same for all three, so an
// order paid by any of them is applied, reconciled and refunded alike.
const (
	// ChannelJSAPI pays inside WeChat (mini-program): wx.requestPayment.
	ChannelJSAPI = "jsapi"
	// ChannelH5 pays from a phone browser outside WeChat (MWEB): the client
	// goes to params.h5_url, WeChat opens, and the buyer comes back.
	ChannelH5 = "h5"
	// ChannelNative pays by scanning a QR code (a desktop browser): the
	// client shows params.qr_image, the picture of params.code_url.
	ChannelNative = "native"
)

// qrSize is the side in pixels of the Native QR picture: sharp on a
// high-density screen shown at 200 CSS pixels, still a few KB as PNG.
const qrSize = 400

// startH5 places an H5 (MWEB) order. WeChat Pay wants the payer's IP:
// it pays only when the phone that opens h5_url has the same one.
func (p *Provider) startH5(ctx context.Context, req shop.PayRequest) (*shop.PayStart, error) {
	if req.ClientIP == "" {
		return nil, shop.Fail(http.StatusBadRequest, "pay_client_ip_missing", "无法识别您的网络地址，请换用其他支付方式")
	}
	prepay := h5.PrepayRequest{
		Appid:       wxcore.String(p.config.WebAppID),
		Mchid:       wxcore.String(p.config.MchID),
		Description: wxcore.String(description(req)),
		OutTradeNo:  wxcore.String(req.OrderNo),
		NotifyUrl:   wxcore.String(p.config.NotifyURL),
		Amount:      &h5.Amount{Total: wxcore.Int64(req.Amount), Currency: wxcore.String("CNY")},
		SceneInfo: &h5.SceneInfo{
			PayerClientIp: wxcore.String(req.ClientIP),
			H5Info:        &h5.H5Info{Type: wxcore.String("Wap")},
		},
	}
	if req.OrderId != "" {
		prepay.Attach = wxcore.String(truncateBytes(req.OrderId, 128))
	}
	if !req.ExpiresAt.IsZero() {
		prepay.TimeExpire = wxcore.Time(req.ExpiresAt)
	}

	resp, _, err := p.h5.Prepay(ctx, prepay)
	if err != nil {
		return nil, p.apiFailure("h5 prepay "+req.OrderNo, err)
	}
	if deref(resp.H5Url) == "" {
		return nil, p.apiFailure("h5 prepay "+req.OrderNo, errNoURL)
	}
	return &shop.PayStart{Params: map[string]any{
		"channel": ChannelH5,
		"h5_url":  *resp.H5Url,
	}}, nil
}

// startNative places a Native order and draws its code_url as a QR code,
// so that clients need no QR library of their own.
func (p *Provider) startNative(ctx context.Context, req shop.PayRequest) (*shop.PayStart, error) {
	prepay := native.PrepayRequest{
		Appid:       wxcore.String(p.config.WebAppID),
		Mchid:       wxcore.String(p.config.MchID),
		Description: wxcore.String(description(req)),
		OutTradeNo:  wxcore.String(req.OrderNo),
		NotifyUrl:   wxcore.String(p.config.NotifyURL),
		Amount:      &native.Amount{Total: wxcore.Int64(req.Amount), Currency: wxcore.String("CNY")},
	}
	if req.OrderId != "" {
		prepay.Attach = wxcore.String(truncateBytes(req.OrderId, 128))
	}
	if !req.ExpiresAt.IsZero() {
		prepay.TimeExpire = wxcore.Time(req.ExpiresAt)
	}
	if req.ClientIP != "" {
		prepay.SceneInfo = &native.SceneInfo{PayerClientIp: wxcore.String(req.ClientIP)}
	}

	resp, _, err := p.native.Prepay(ctx, prepay)
	if err != nil {
		return nil, p.apiFailure("native prepay "+req.OrderNo, err)
	}
	codeURL := deref(resp.CodeUrl)
	if codeURL == "" {
		return nil, p.apiFailure("native prepay "+req.OrderNo, errNoURL)
	}
	img, err := qrDataURL(codeURL)
	if err != nil {
		return nil, err
	}
	return &shop.PayStart{Params: map[string]any{
		"channel":  ChannelNative,
		"code_url": codeURL,
		"qr_image": img,
	}}, nil
}

// qrDataURL draws text as a QR code and returns it as a PNG data URL.
func qrDataURL(text string) (string, error) {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, q.Image(qrSize)); err != nil {
		return "", err
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}
