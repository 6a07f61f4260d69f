package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"sync"
	"sync/atomic"
)

// ackOrder is what a buyer was told about one order: the lines of the
// priced cart it checked out, the payable the checkout answered, and which
// later steps the shop acknowledged.
type ackOrder struct {
	buyer   string
	lines   map[string]int // sku -> quantity
	payable int64

	paid      bool // pay answered paid: true
	completed bool // shipped and confirmed
	refunded  bool // refunded in full
	// a request about this order got no answer: the shop may or may not
	// have carried it out
	unsure bool
}

// ledger is the client's record of everything acknowledged.
type ledger struct {
	mu     sync.Mutex
	orders map[string]*ackOrder
	// checkouts without an answer: each may have made an order nobody saw
	lostCheckouts int
}

func newLedger() *ledger { return &ledger{orders: map[string]*ackOrder{}} }

func (l *ledger) update(id string, fn func(o *ackOrder)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fn(l.orders[id])
}

// cartView is the part of GET /api/shop/cart the buyer needs.
type cartView struct {
	Lines []struct {
		Sku      string `json:"sku"`
		Quantity int    `json:"quantity"`
		Selected bool   `json:"selected"`
		InTotal  bool   `json:"in_total"`
	} `json:"lines"`
	Total int64 `json:"total"`
}

type orderAnswer struct {
	Id      string `json:"id"`
	Status  string `json:"status"`
	Payable int64  `json:"payable"`
}

// runBuyer buys until runCtx ends or the shop has enough paid orders. The
// requests themselves run under ctx: the order begun when the time is up is
// finished, so that the final check sees no request still in flight.
func runBuyer(ctx, runCtx context.Context, c *client, cfg Config, s *shop, b *buyer, led *ledger, iter *atomic.Int64, st *stats) {
	for runCtx.Err() == nil && ctx.Err() == nil {
		n := iter.Add(1)
		if cfg.Orders > 0 && n > int64(cfg.Orders) {
			return
		}
		buyOnce(ctx, c, cfg, s, b, led, n, st)
	}
}

// buyOnce is one order: optional search, add to cart, priced cart,
// checkout, pay, then for some orders shipping + confirmation or a refund.
// A refused or failed request ends the attempt (it is counted by code).
func buyOnce(ctx context.Context, c *client, cfg Config, s *shop, b *buyer, led *ledger, n int64, st *stats) {
	if cfg.SearchEvery > 0 && n%int64(cfg.SearchEvery) == 0 {
		q := url.QueryEscape(nouns[rand.IntN(len(nouns))])
		if c.do(ctx, "search", "GET", "/api/shop/products/search?q="+q+"&perPage=20", b.token, nil, nil) != nil {
			return
		}
	}
	sku := s.skus[rand.IntN(len(s.skus))]
	if c.do(ctx, "cart_add", "POST", "/api/shop/cart/items", b.token,
		map[string]any{"sku": sku, "quantity": 1 + rand.IntN(2)}, nil) != nil {
		return
	}
	var cart cartView
	if c.do(ctx, "cart", "GET", "/api/shop/cart?address="+b.address, b.token, nil, &cart) != nil {
		return
	}
	lines := map[string]int{}
	for _, l := range cart.Lines {
		if l.Selected && l.InTotal {
			lines[l.Sku] += l.Quantity
		}
	}

	var order struct {
		orderAnswer
		Payment *struct {
			Paid  bool `json:"paid"`
			Error *struct {
				Code string `json:"code"`
			} `json:"error"`
		} `json:"payment"`
	}
	form := map[string]any{"address": b.address, "note": "压测"}
	if cfg.PayAtCheckout {
		form["pay"] = map[string]any{"method": cfg.Pay}
	}
	err := c.do(ctx, "checkout", "POST", "/api/shop/checkout", b.token, form, &order)
	if err != nil {
		if unknown(err) {
			led.mu.Lock()
			led.lostCheckouts++
			led.mu.Unlock()
		}
		return
	}
	if order.Payable != cart.Total {
		st.fail("checkout", &apiError{Status: 200, Code: "payable_differs_from_cart"})
	}
	led.mu.Lock()
	led.orders[order.Id] = &ackOrder{buyer: b.id, lines: lines, payable: order.Payable}
	led.mu.Unlock()

	if cfg.PayAtCheckout {
		switch {
		case order.Payment == nil:
			st.fail("checkout", &apiError{Status: 200, Code: "no_payment_answered"})
			return
		case order.Payment.Error != nil:
			st.fail("checkout", &apiError{Status: 200, Code: "payment_" + order.Payment.Error.Code})
			return
		case !order.Payment.Paid || order.Status != "paid":
			st.fail("checkout", &apiError{Status: 200, Code: "not_paid_" + order.Status})
			return
		}
		led.update(order.Id, func(o *ackOrder) { o.paid = true })
		st.paid()
		afterPaid(ctx, c, cfg, s, b, led, n, order.Id)
		return
	}

	var paid struct {
		Paid  bool        `json:"paid"`
		Order orderAnswer `json:"order"`
	}
	err = c.do(ctx, "pay", "POST", "/api/shop/orders/"+order.Id+"/pay", b.token, map[string]any{"method": cfg.Pay}, &paid)
	if err != nil {
		if unknown(err) {
			led.update(order.Id, func(o *ackOrder) { o.unsure = true })
		}
		return
	}
	if !paid.Paid {
		st.fail("pay", &apiError{Status: 200, Code: "not_paid_" + paid.Order.Status})
		return
	}
	led.update(order.Id, func(o *ackOrder) { o.paid = true })
	st.paid()
	afterPaid(ctx, c, cfg, s, b, led, n, order.Id)
}

// afterPaid ships and confirms, or refunds, some of the paid orders.
func afterPaid(ctx context.Context, c *client, cfg Config, s *shop, b *buyer, led *ledger, n int64, orderId string) {
	switch {
	case cfg.RefundEvery > 0 && n%int64(cfg.RefundEvery) == 0:
		refund(ctx, c, s, b, led, orderId)
	case cfg.ConfirmEvery > 0 && n%int64(cfg.ConfirmEvery) == 0:
		shipAndConfirm(ctx, c, s, b, led, orderId)
	}
}

// refund asks for a refund of every line and has the admin approve it (a
// refund-only after-sale is refunded at approval).
func refund(ctx context.Context, c *client, s *shop, b *buyer, led *ledger, orderId string) {
	var items struct {
		Items []struct {
			Id       string `json:"id"`
			Quantity int    `json:"quantity"`
		} `json:"items"`
	}
	filter := url.QueryEscape(fmt.Sprintf("order='%s'", orderId))
	if c.do(ctx, "order_items", "GET", "/api/collections/order_items/records?perPage=100&skipTotal=1&filter="+filter,
		b.token, nil, &items) != nil {
		return
	}
	lines := []map[string]any{}
	for _, it := range items.Items {
		lines = append(lines, map[string]any{"order_item": it.Id, "quantity": it.Quantity})
	}
	var as record
	err := c.do(ctx, "aftersale", "POST", "/api/shop/aftersales", b.token,
		map[string]any{"order": orderId, "type": "refund", "items": lines, "reason": "压测退款"}, &as)
	if err != nil {
		if unknown(err) {
			led.update(orderId, func(o *ackOrder) { o.unsure = true })
		}
		return
	}
	err = c.do(ctx, "refund", "POST", "/api/shop/admin/aftersales/"+as.Id+"/approve", s.adminToken,
		map[string]any{"note": "压测"}, nil)
	led.update(orderId, func(o *ackOrder) {
		if err == nil {
			o.refunded = true
		} else if unknown(err) {
			o.unsure = true
		}
	})
}

// shipAndConfirm ships the order as the admin and confirms receipt as the
// buyer.
func shipAndConfirm(ctx context.Context, c *client, s *shop, b *buyer, led *ledger, orderId string) {
	err := c.do(ctx, "ship", "POST", "/api/shop/admin/orders/"+orderId+"/ship", s.adminToken,
		map[string]any{"tracking_company": "yuantong", "tracking_no": "YT" + orderId}, nil)
	if err == nil {
		err = c.do(ctx, "confirm", "POST", "/api/shop/orders/"+orderId+"/confirm", b.token, nil, nil)
	}
	led.update(orderId, func(o *ackOrder) {
		if err == nil {
			o.completed = true
		} else if unknown(err) {
			o.unsure = true
		}
	})
}
