package main

import (
	"context"
	"fmt"
	"net/url"
	"os/exec"
	"sort"
	"strings"
	"time"
)

// listAll reads every record of a collection as the superuser, page by
// page, decoding each page's items with add.
func listAll[T any](ctx context.Context, c *client, token, collection, fields string) ([]T, error) {
	var all []T
	for page := 1; ; page++ {
		var res struct {
			Items []T `json:"items"`
		}
		path := fmt.Sprintf("/api/collections/%s/records?perPage=1000&page=%d&skipTotal=1&sort=id&fields=%s",
			collection, page, url.QueryEscape(fields))
		if err := c.do(ctx, "", "GET", path, token, nil, &res); err != nil {
			return nil, err
		}
		all = append(all, res.Items...)
		if len(res.Items) < 1000 {
			return all, nil
		}
	}
}

type dbOrder struct {
	Id       string `json:"id"`
	Buyer    string `json:"buyer"`
	Status   string `json:"status"`
	Payable  int64  `json:"payable"`
	Refunded int64  `json:"refunded_amount"`
	NoComm   bool   `json:"no_commission"`
}

type dbItem struct {
	Order    string `json:"order"`
	Sku      string `json:"sku"`
	Quantity int    `json:"quantity"`
	Returned int    `json:"returned_quantity"`
	Paid     int64  `json:"paid_amount"`
}

type dbPayment struct {
	Id     string `json:"id"`
	Order  string `json:"order"`
	Status string `json:"status"`
	Amount int64  `json:"amount"`
}

type dbCommission struct {
	Order string `json:"order"`
}

type dbSku struct {
	Id    string `json:"id"`
	Stock int    `json:"stock"`
}

// check reads the shop back through the API and compares it with what the
// buyers were told. It answers the problems found (none: all held) and a
// one-line summary.
//
//   - every acknowledged order exists with the buyer, payable and lines of
//     the priced cart it came from; acknowledged payments, confirmations and
//     refunds are there (an order whose last request got no answer may be
//     in either state);
//   - no order of the run's buyers without lines, more orders than were
//     acknowledged plus checkouts left without an answer, a paid order
//     without exactly one payment of its payable, a payment without its
//     order, or an unmatched payment;
//   - for every seeded SKU, stock + units sold (lines of orders not
//     cancelled, less units returned to stock) = the initial stock;
//   - with uplines, every paid order has a commission per line and level
//     within 10 s (they are booked a moment after the payment).
func check(ctx context.Context, c *client, s *shop, led *ledger) (problems []string, summary string, err error) {
	tok := s.adminToken
	orders, err := listAll[dbOrder](ctx, c, tok, "orders", "id,buyer,status,payable,refunded_amount,no_commission")
	if err != nil {
		return nil, "", err
	}
	items, err := listAll[dbItem](ctx, c, tok, "order_items", "order,sku,quantity,returned_quantity,paid_amount")
	if err != nil {
		return nil, "", err
	}
	payments, err := listAll[dbPayment](ctx, c, tok, "payments", "id,order,status,amount")
	if err != nil {
		return nil, "", err
	}
	skus, err := listAll[dbSku](ctx, c, tok, "skus", "id,stock")
	if err != nil {
		return nil, "", err
	}

	led.mu.Lock()
	defer led.mu.Unlock()
	add := func(format string, args ...any) {
		if len(problems) < 50 {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}
	mine := map[string]bool{}
	for _, b := range s.buyers {
		mine[b.id] = true
	}
	byId := map[string]dbOrder{}
	ours := 0
	for _, o := range orders {
		byId[o.Id] = o
		if mine[o.Buyer] {
			ours++
		}
	}
	lines := map[string]map[string]int{}
	for _, it := range items {
		if lines[it.Order] == nil {
			lines[it.Order] = map[string]int{}
		}
		lines[it.Order][it.Sku] += it.Quantity
	}
	paidPayments := map[string][]dbPayment{}
	for _, p := range payments {
		o, ok := byId[p.Order]
		if !ok {
			add("payment %s without its order %s", p.Id, p.Order)
			continue
		}
		if !mine[o.Buyer] {
			continue
		}
		switch p.Status {
		case "paid":
			paidPayments[p.Order] = append(paidPayments[p.Order], p)
		default:
			add("payment %s of order %s is %s", p.Id, p.Order, p.Status)
		}
	}

	paidStates := map[string]bool{"paid": true, "shipped": true, "completed": true, "refunded": true}
	acked, ackedPaid := 0, 0
	for id, a := range led.orders {
		acked++
		o, ok := byId[id]
		if !ok {
			add("acknowledged order %s is missing", id)
			continue
		}
		if o.Buyer != a.buyer || o.Payable != a.payable {
			add("order %s: buyer %s payable %d, acknowledged %s %d", id, o.Buyer, o.Payable, a.buyer, a.payable)
		}
		if !sameLines(lines[id], a.lines) {
			add("order %s has lines %v, the priced cart had %v", id, lines[id], a.lines)
		}
		if a.paid {
			ackedPaid++
		}
		if a.unsure {
			continue
		}
		want := "pending_payment"
		switch {
		case a.refunded:
			want = "refunded"
		case a.completed:
			want = "completed"
		case a.paid:
			want = "paid"
		}
		if o.Status != want && !(want == "pending_payment" && o.Status == "cancelled") {
			add("order %s is %s, acknowledged %s", id, o.Status, want)
		}
		if a.refunded && o.Refunded != o.Payable {
			add("refunded order %s: %d of %d refunded", id, o.Refunded, o.Payable)
		}
	}
	for _, o := range orders {
		if !mine[o.Buyer] {
			continue
		}
		if len(lines[o.Id]) == 0 {
			add("order %s has no lines", o.Id)
		}
		pp := paidPayments[o.Id]
		switch {
		case paidStates[o.Status] && len(pp) != 1:
			add("%s order %s has %d payments", o.Status, o.Id, len(pp))
		case paidStates[o.Status] && pp[0].Amount != o.Payable:
			add("order %s: payment of %d for payable %d", o.Id, pp[0].Amount, o.Payable)
		case !paidStates[o.Status] && len(pp) > 0:
			add("%s order %s has a paid payment", o.Status, o.Id)
		}
	}
	if extra := ours - acked; extra > led.lostCheckouts {
		add("%d orders in the shop, %d acknowledged and %d checkouts unanswered: duplicates", ours, acked, led.lostCheckouts)
	}

	// stock: what is on the shelf plus what was sold is what was seeded
	sold := map[string]int{}
	for _, it := range items {
		if o, ok := byId[it.Order]; ok && o.Status != "cancelled" {
			sold[it.Sku] += it.Quantity - it.Returned
		}
	}
	stock := map[string]int{}
	for _, k := range skus {
		stock[k.Id] = k.Stock
	}
	var skuIds []string
	for id := range s.initial {
		skuIds = append(skuIds, id)
	}
	sort.Strings(skuIds)
	totalSold := 0
	for _, id := range skuIds {
		totalSold += sold[id]
		if stock[id]+sold[id] != s.initial[id] {
			add("sku %s: stock %d + sold %d != initial %d", id, stock[id], sold[id], s.initial[id])
		}
	}
	summary = fmt.Sprintf("%d orders acknowledged (%d paid), %d in the shop, %d checkouts unanswered, %d units sold",
		acked, ackedPaid, ours, led.lostCheckouts, totalSold)

	// commissions: every paid order of a buyer with uplines has at least
	// one per line and seeded level (more when the random tree adds
	// uplines above the chain). They may be booked a moment after the
	// payment, and after a kill by the restarted shop: wait for them.
	if s.levels > 0 {
		itemsOf := map[string]int{}
		for _, it := range items {
			itemsOf[it.Order]++
		}
		want := map[string]int{}
		for _, o := range orders {
			if mine[o.Buyer] && paidStates[o.Status] && !o.NoComm {
				want[o.Id] = itemsOf[o.Id] * s.levels
			}
		}
		var short []string
		for wait := time.Duration(0); ; wait += 100 * time.Millisecond {
			list, err := listAll[dbCommission](ctx, c, tok, "commissions", "order")
			if err != nil {
				return nil, "", err
			}
			got := map[string]int{}
			for _, cm := range list {
				got[cm.Order]++
			}
			short = short[:0]
			for id, n := range want {
				if got[id] < n {
					short = append(short, fmt.Sprintf("%s has %d of %d", id, got[id], n))
				}
			}
			if len(short) == 0 || wait >= 10*time.Second {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		sort.Strings(short)
		for _, m := range short {
			add("paid order without its commissions after 10 s: %s", m)
		}
		summary += fmt.Sprintf(", commissions of %d paid orders", len(want))
	}
	return problems, summary, nil
}

func sameLines(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// audit runs `fenxiao audit` on the data dir (it may run beside serve).
func audit(ctx context.Context, bin, dir string) (string, error) {
	out, err := exec.CommandContext(ctx, bin, "audit", "--dir", dir).CombinedOutput()
	text := strings.TrimSpace(string(out))
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 1 {
			return text, fmt.Errorf("audit found a mismatch")
		}
		return text, fmt.Errorf("audit could not run: %v", err)
	}
	return text, nil
}
