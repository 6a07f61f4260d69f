package shop

import (
	"context"
	"time"
)

// ---------------------------------------------------------------
// mini-program
// ---------------------------------------------------------------

// ShippingInfo is one parcel reported to WeChat's 发货信息管理
// (upload_shipping_info) for an order paid with WeChat Pay. It is sent as an
// express delivery (logistics_type 1) of the whole order in one parcel
// (delivery_mode 1).
type ShippingInfo struct {
	// TransactionId is WeChat Pay's transaction id of the payment; when set
	// the order is identified by it (order_number_type 2).
	TransactionId string

	// MchID and OutTradeNo identify the order when TransactionId is empty
	// (order_number_type 1): the merchant id and the shop's out_trade_no.
	MchID      string
	OutTradeNo string

	// PayerOpenId is the openid of the buyer who paid (required).
	PayerOpenId string

	// TrackingNo is the parcel's tracking number (required).
	TrackingNo string

	// ExpressCompany is WeChat's delivery_id of the carrier, e.g. "SF",
	// "ZTO", "YTO" (required; see get_delivery_list).
	ExpressCompany string

	// ItemDesc describes the goods (required); the client cuts it to wechat.MaxItemDesc
	// characters.
	ItemDesc string

	// ReceiverContact is the receiver's phone number; it is always sent
	// masked (see wechat.MaskPhone). WeChat requires it for SF Express (顺丰).
	ReceiverContact string

	// UploadTime is the shipping time reported (default: now).
	UploadTime time.Time
}

// MiniProgramShipping reports shipments to the mini-program's 发货信息管理;
// the wechat plugin's client implements it, and plugins take it as a
// Config field instead of importing that plugin.
type MiniProgramShipping interface {
	// UploadShippingInfo reports one parcel of an order paid with WeChat Pay.
	UploadShippingInfo(ctx context.Context, info ShippingInfo) error
}
