package wechat_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"fenxiao/plugins/wechat"
	"fenxiao/plugins/wechat/wxfake"
)

func TestUploadShippingInfo(t *testing.T) {
	f := wxfake.New(t, "wx-app", "wx-secret")
	c, err := wechat.NewClient(wechat.Config{AppID: "wx-app", Secret: "wx-secret", BaseURL: f.URL()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	shipped := time.Date(2026, 11, 24, 2, 30, 0, 0, time.UTC) // 10:30 in Shanghai
	desc := strings.Repeat("有机红枣礼盒", 30)                      // 180 characters

	err = c.UploadShippingInfo(ctx, wechat.ShippingInfo{
		TransactionId:   "4200001234202611240000000001",
		PayerOpenId:     "oBUYER",
		TrackingNo:      " SF1234567890 ",
		ExpressCompany:  "SF",
		ItemDesc:        desc,
		ReceiverContact: "13800001234",
		UploadTime:      shipped,
	})
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	ups := f.Uploads()
	if len(ups) != 1 {
		t.Fatalf("%d uploads", len(ups))
	}
	u := ups[0]
	if u.OrderKey.OrderNumberType != 2 || u.OrderKey.TransactionId != "4200001234202611240000000001" || u.OrderKey.MchID != "" {
		t.Fatalf("order_key: %+v", u.OrderKey)
	}
	if u.LogisticsType != 1 || u.DeliveryMode != 1 || u.Payer.OpenId != "oBUYER" {
		t.Fatalf("upload: %+v", u)
	}
	if u.UploadTime != "2026-11-24T10:30:00+08:00" {
		t.Fatalf("upload_time %q", u.UploadTime)
	}
	s := u.ShippingList[0]
	if len(u.ShippingList) != 1 || s.TrackingNo != "SF1234567890" || s.ExpressCompany != "SF" ||
		s.ItemDesc != string([]rune(desc)[:120]) || s.Contact == nil || s.Contact.ReceiverContact != "138****1234" {
		t.Fatalf("shipping_list: %+v", u.ShippingList)
	}
	if _, ok := u.Raw["is_all_delivered"]; ok {
		t.Fatalf("unexpected fields: %v", u.Raw)
	}

	// by merchant id and out_trade_no, no contact: none sent; the token is
	// cached; the time defaults to now, in +08:00
	err = c.UploadShippingInfo(ctx, wechat.ShippingInfo{
		MchID: "1900000109", OutTradeNo: "FX20261124000001",
		PayerOpenId: "oBUYER", TrackingNo: "YT1", ExpressCompany: "YTO", ItemDesc: "保温杯 x1",
	})
	if err != nil {
		t.Fatalf("upload by out_trade_no: %v", err)
	}
	u = f.Uploads()[1]
	if u.OrderKey.OrderNumberType != 1 || u.OrderKey.MchID != "1900000109" || u.OrderKey.OutTradeNo != "FX20261124000001" || u.OrderKey.TransactionId != "" {
		t.Fatalf("order_key: %+v", u.OrderKey)
	}
	if _, ok := u.Raw["shipping_list"].([]any)[0].(map[string]any)["contact"]; ok {
		t.Fatalf("empty contact sent: %v", u.Raw)
	}
	at, err := time.Parse(time.RFC3339, u.UploadTime)
	if err != nil || !strings.HasSuffix(u.UploadTime, "+08:00") || time.Since(at) > time.Minute {
		t.Fatalf("default upload_time %q: %v", u.UploadTime, err)
	}
	if f.TokenCalls() != 1 {
		t.Fatalf("token fetched %d times, want 1", f.TokenCalls())
	}

	// a voided token is replaced and the call retried once
	f.RevokeToken()
	if err := c.UploadShippingInfo(ctx, wechat.ShippingInfo{TransactionId: "42000003", PayerOpenId: "o", TrackingNo: "ZT1",
		ExpressCompany: "ZTO", ItemDesc: "x"}); err != nil {
		t.Fatalf("after revocation: %v", err)
	}
	if f.TokenCalls() != 2 || f.UploadCalls() != 4 || len(f.Uploads()) != 3 {
		t.Fatalf("token calls %d, upload calls %d, uploads %d; want 2, 4, 3", f.TokenCalls(), f.UploadCalls(), len(f.Uploads()))
	}
}

func TestUploadShippingInfoErrors(t *testing.T) {
	f := wxfake.New(t, "wx-app", "wx-secret")
	c, _ := wechat.NewClient(wechat.Config{AppID: "wx-app", Secret: "wx-secret", BaseURL: f.URL()})
	ctx := context.Background()
	ok := wechat.ShippingInfo{TransactionId: "42000001", PayerOpenId: "o", TrackingNo: "YT1", ExpressCompany: "YTO", ItemDesc: "x"}

	// WeChat's refusal is an *APIError with its code, and is not retried
	f.FailNextUpload(10060001, "支付单不存在")
	err := c.UploadShippingInfo(ctx, ok)
	var apiErr *wechat.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != 10060001 || !strings.Contains(err.Error(), "10060001") {
		t.Fatalf("refusal: %v", err)
	}
	if f.UploadCalls() != 1 {
		t.Fatalf("refusal retried: %d calls", f.UploadCalls())
	}

	// a token refused twice is not retried forever
	f.FailNextUpload(40001, "invalid credential")
	f.FailNextUpload(40001, "invalid credential")
	err = c.UploadShippingInfo(ctx, ok)
	if !errors.As(err, &apiErr) || apiErr.Code != 40001 || f.UploadCalls() != 3 || f.TokenCalls() != 2 {
		t.Fatalf("token refused twice: %v, %d upload calls, %d token calls", err, f.UploadCalls(), f.TokenCalls())
	}

	// incomplete info never reaches WeChat
	calls := f.UploadCalls()
	for name, info := range map[string]wechat.ShippingInfo{
		"no order key":   {PayerOpenId: "o", TrackingNo: "YT1", ExpressCompany: "YTO", ItemDesc: "x"},
		"mchid only":     {MchID: "1900000109", PayerOpenId: "o", TrackingNo: "YT1", ExpressCompany: "YTO", ItemDesc: "x"},
		"no openid":      {TransactionId: "4200", TrackingNo: "YT1", ExpressCompany: "YTO", ItemDesc: "x"},
		"no tracking":    {TransactionId: "4200", PayerOpenId: "o", TrackingNo: "  ", ExpressCompany: "YTO", ItemDesc: "x"},
		"no company":     {TransactionId: "4200", PayerOpenId: "o", TrackingNo: "YT1", ItemDesc: "x"},
		"no description": {TransactionId: "4200", PayerOpenId: "o", TrackingNo: "YT1", ExpressCompany: "YTO"},
	} {
		if err := c.UploadShippingInfo(ctx, info); !errors.Is(err, wechat.ErrInvalidShippingInfo) {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if f.UploadCalls() != calls {
		t.Fatal("invalid info reached WeChat")
	}

	// a wrong secret fails at the token, without the secret in the error
	bad, _ := wechat.NewClient(wechat.Config{AppID: "wx-app", Secret: "s3cr3t-wrong", BaseURL: f.URL()})
	err = bad.UploadShippingInfo(ctx, ok)
	if err == nil || !strings.Contains(err.Error(), "40125") || strings.Contains(err.Error(), "s3cr3t") {
		t.Fatalf("wrong secret: %v", err)
	}

	// an unreachable WeChat: the error carries neither token nor secret
	f.Close()
	err = c.UploadShippingInfo(ctx, ok)
	if err == nil || strings.Contains(err.Error(), "TOKEN-") || strings.Contains(err.Error(), "wx-secret") {
		t.Fatalf("outage: %v", err)
	}
}

func TestMaskPhone(t *testing.T) {
	for in, want := range map[string]string{
		"13800001234":      "138****1234",
		" 138 0000 1234 ":  "138****1234",
		"+86 13800001234":  "138****1234",
		"0571-88001234":    "057****1234",
		"123456":           "****3456",
		"12":               "****",
		"":                 "",
		"138****1234":      "138****1234",
		"  139****0000   ": "139****0000",
	} {
		if got := wechat.MaskPhone(in); got != want {
			t.Errorf("MaskPhone(%q) = %q, want %q", in, got, want)
		}
	}
}
