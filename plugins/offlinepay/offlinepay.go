// Package offlinepay adds bank transfer (线下转账) as a payment method: the
// buyer is shown the merchant's bank details and pays with the order number
// as reference; a superuser confirms the money arrived with
//
//	POST /api/shop/admin/orders/{id}/confirm-offline {"reference": "bank slip no."}
//
// which applies a payment notice through the same path as online payments
// ([shop.ApplyPayment]: amount checked, idempotent per reference).
// Refunds of offline payments are made by hand by the merchant; the provider
// records them as done when the after-sale is refunded.
//
// Example usage:
//
//	offlinepay.MustRegister(app, offlinepay.Config{
//		AccountName: "杭州某某商贸有限公司",
//		BankName:    "招商银行杭州分行",
//		AccountNo:   "5719 0000 0000 000",
//	})
package offlinepay

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/internal/roles"
)

// Name is the payment method clients send.
const Name = "offline"

// Config holds the merchant's bank details shown to buyers.
type Config struct {
	AccountName string
	BankName    string
	AccountNo   string

	// Note is extra guidance shown with the details
	// (default: pay the exact amount with the order number as reference).
	Note string
}

// MustRegister registers the provider and panics on error.
func MustRegister(app core.App, config Config) {
	if err := Register(app, config); err != nil {
		panic(err)
	}
}

// Register adds the "offline" payment method and its confirmation route.
func Register(app core.App, config Config) error {
	s := shop.Get(app)
	if s == nil {
		return errors.New("offlinepay: the shop core must be registered before the plugin")
	}
	if config.AccountName == "" || config.AccountNo == "" {
		return errors.New("offlinepay: AccountName and AccountNo are required")
	}
	if config.Note == "" {
		config.Note = "请按应付金额转账，并在附言中填写订单号 / transfer the exact amount with the order number as reference"
	}
	s.RegisterPaymentProvider(&Provider{config: config})

	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.POST("/api/shop/admin/orders/{id}/confirm-offline", confirmOffline).
			Bind(shop.RequirePermission(roles.PaymentsConfirm))
		return se.Next()
	})
	return nil
}

// confirmOffline handles POST /api/shop/admin/orders/{id}/confirm-offline {reference}.
func confirmOffline(e *core.RequestEvent) error {
	form := struct {
		Reference string `json:"reference"`
	}{}
	if err := shop.BindBody(e, &form); err != nil {
		return err
	}
	form.Reference = strings.TrimSpace(form.Reference)
	if form.Reference == "" || len(form.Reference) > 100 {
		return shop.FieldFail("reference", "reference_required", "请填写银行流水号 / the bank reference is required")
	}
	id, err := shop.PathId(e, "id")
	if err != nil {
		return err
	}
	order, err := e.App.FindRecordById(shop.OrdersCollection, id)
	if err != nil {
		return shop.Fail(http.StatusNotFound, "order_not_found", "订单不存在 / order not found")
	}
	if order.GetString("status") != shop.OrderPendingPayment {
		return shop.Fail(http.StatusConflict, "order_not_payable", "订单不是待支付状态 / the order is not awaiting payment")
	}
	res, err := shop.ApplyPayment(e.App, &shop.PaymentNotice{
		Provider:      Name,
		OrderNo:       order.GetString("order_no"),
		TransactionId: form.Reference,
		Amount:        shop.AsOrder(order).Payable(),
		PaidAt:        time.Now(),
		Raw:           `{"confirmed_by":"` + shop.Actor(e) + `"}`,
	})
	if err != nil {
		return err
	}
	if res.Replayed && res.Payment.GetString("order") != order.Id {
		return shop.FieldFail("reference", "reference_used",
			"该银行流水号已用于其他订单 / the bank reference was used for another order")
	}
	return e.JSON(http.StatusOK, map[string]any{
		"order_id": res.Order.Id,
		"status":   res.Order.GetString("status"),
		"replayed": res.Replayed,
	})
}

// Provider is the bank transfer method. It implements [shop.PaymentProvider].
type Provider struct {
	config Config
}

// Name implements [shop.PaymentProvider].
func (p *Provider) Name() string { return Name }

// Start implements [shop.PaymentProvider]: it returns the bank details.
func (p *Provider) Start(_ context.Context, _ core.App, req shop.PayRequest) (*shop.PayStart, error) {
	return &shop.PayStart{Params: map[string]any{
		"account_name": p.config.AccountName,
		"bank_name":    p.config.BankName,
		"account_no":   p.config.AccountNo,
		"amount":       req.Amount,
		"reference":    req.OrderNo,
		"note":         p.config.Note,
	}}, nil
}

// Query implements [shop.PaymentProvider]: only a superuser knows; never paid.
func (p *Provider) Query(context.Context, string) (*shop.PaymentQuery, error) {
	return &shop.PaymentQuery{}, nil
}

// Refund implements [shop.PaymentProvider]: the merchant transfers the
// money back by hand; the refund is recorded as done.
func (p *Provider) Refund(_ context.Context, req shop.RefundRequest) (*shop.RefundResult, error) {
	return &shop.RefundResult{Status: "success", RefundId: "MANUAL" + req.RefundNo,
		Raw: `{"manual":true,"note":"refunded by bank transfer by the merchant"}`}, nil
}
