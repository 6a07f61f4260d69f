// Package sandboxpay is a payment provider that pays instantly, for demos,
// tests and load runs. Orders paid with it are marked sandbox=true and the
// pay answer carries "sandbox": true; no money moves anywhere.
//
// NB! Register it only when asked for (main does so with
// FENXIAO_SANDBOX_PAY=1); never in a shop taking real orders.
//
// Example usage:
//
//	hooks.MustRegister(app, hooks.Config{})
//	if os.Getenv("FENXIAO_SANDBOX_PAY") == "1" {
//		sandboxpay.MustRegister(app, sandboxpay.Config{})
//	}
package sandboxpay

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
)

// Name is the payment method clients send.
const Name = "sandbox"

// Config configures the sandbox provider.
type Config struct{}

// MustRegister registers the provider and panics on error.
func MustRegister(app core.App, config Config) {
	if err := Register(app, config); err != nil {
		panic(err)
	}
}

// Register adds the "sandbox" payment method to the shop attached to app.
func Register(app core.App, config Config) error {
	s := shop.Get(app)
	if s == nil {
		return errors.New("sandboxpay: the shop core must be registered before the plugin")
	}
	app.Logger().Warn("sandbox payments are enabled: orders can be paid without money (demo/test mode)")
	s.RegisterPaymentProvider(New())
	return nil
}

// Provider pays every order at once. It implements [shop.PaymentProvider].
type Provider struct {
	mu   sync.Mutex
	paid map[string]*shop.PaymentNotice
}

// New returns a sandbox provider.
func New() *Provider {
	return &Provider{paid: map[string]*shop.PaymentNotice{}}
}

// Name implements [shop.PaymentProvider].
func (p *Provider) Name() string { return Name }

// Sandbox marks the provider's payments as not real money.
func (p *Provider) Sandbox() bool { return true }

// Start implements [shop.PaymentProvider]: the order is paid right away.
func (p *Provider) Start(_ context.Context, _ core.App, req shop.PayRequest) (*shop.PayStart, error) {
	if req.Amount <= 0 || req.OrderNo == "" {
		return nil, shop.Fail(http.StatusBadRequest, "invalid_amount", "支付金额必须大于 0 / the amount must be positive")
	}
	notice := &shop.PaymentNotice{
		Provider:      Name,
		OrderNo:       req.OrderNo,
		TransactionId: "SANDBOX" + req.OrderNo,
		Amount:        req.Amount,
		PaidAt:        time.Now(),
		Raw:           `{"sandbox":true}`,
		// no money exists: a payment that loses a race with a cancel must
		// leave no unmatched row
		Instant: true,
	}
	p.mu.Lock()
	p.paid[req.OrderNo] = notice
	p.mu.Unlock()
	return &shop.PayStart{
		Params: map[string]any{"sandbox": true, "message": "沙箱支付：未发生真实扣款 / sandbox payment: no money moved"},
		Paid:   true,
		Notice: notice,
	}, nil
}

// Query implements [shop.PaymentProvider].
func (p *Provider) Query(_ context.Context, orderNo string) (*shop.PaymentQuery, error) {
	p.mu.Lock()
	n := p.paid[orderNo]
	p.mu.Unlock()
	if n == nil {
		return &shop.PaymentQuery{}, nil
	}
	c := *n
	return &shop.PaymentQuery{Paid: true, Notice: &c}, nil
}

// Refund implements [shop.PaymentProvider]: every refund succeeds at once.
func (p *Provider) Refund(_ context.Context, req shop.RefundRequest) (*shop.RefundResult, error) {
	if req.Amount <= 0 || req.Amount > req.Total {
		return &shop.RefundResult{Status: "failed", Raw: `{"sandbox":true,"error":"invalid amount"}`}, nil
	}
	return &shop.RefundResult{Status: "success", RefundId: "SANDBOX" + req.RefundNo, Raw: `{"sandbox":true}`}, nil
}
