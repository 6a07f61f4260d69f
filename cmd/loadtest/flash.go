package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"runtime"
	"sort"
	"sync"
	"time"
)

// The flash scenario (--scenario flash) is a 秒杀 burst seen from outside:
// it seeds one product with one SKU, a live flash-sale slot selling
// cfg.Stock units of it at a flash price (one per buyer) and cfg.Buyers
// buyers, then lets every buyer check out one unit at the same instant
// (each on its own connection) and pay at once when the checkout made an
// order. It reports throughput, latency percentiles of every request
// (refusals included) and the outcomes by code, then proves from the
// shop's records that exactly cfg.Stock units were sold, every one of them
// to an order that was paid once, that no wallet lost money without a
// paid order, and that the audit is clean.

// flashTopUp is what each buyer gets in the wallet for balance pay.
const flashTopUp = 1_000_000

// flashPrice is the slot's price of the SKU (normal price 19,900).
const flashPrice = 9_900

type flashShop struct {
	shop
	product, sku, item string
	skuInitial         int // the SKU's stock before the slot reserved its units
}

// outcome is the answer to one request of the burst.
type outcome struct {
	code string // "ok" or the shop's error code ("transport" when none)
	took time.Duration
}

func runFlash(ctx context.Context, cfg Config, c, checker *client, adminToken string, out io.Writer) (*result, []string, error) {
	if cfg.Stock < 1 || cfg.Stock > cfg.Buyers {
		return nil, nil, errors.New("--scenario flash needs 1 ≤ --stock ≤ --buyers")
	}
	seedStart := time.Now()
	fs, err := seedFlash(ctx, c, cfg, adminToken)
	if err != nil {
		return nil, nil, err
	}
	fmt.Fprintf(out, "seeded in %.1f s: 1 SKU with %d flash units (one per buyer), %d buyers with address%s, pay %s\n",
		time.Since(seedStart).Seconds(), cfg.Stock, cfg.Buyers,
		map[bool]string{true: " and wallet top-up", false: ""}[cfg.Pay == "balance"], cfg.Pay)

	led := newLedger()
	var mu sync.Mutex
	checkouts, pays := []outcome{}, []outcome{}
	timed := func(step, method, path, token string, body, into any) outcome {
		start := time.Now()
		err := c.do(ctx, "", method, path, token, body, into)
		o := outcome{code: "ok", took: time.Since(start)}
		if err != nil {
			o.code = "transport"
			var ae *apiError
			if errors.As(err, &ae) && ae.Status != 0 {
				o.code = fmt.Sprintf("%d %s", ae.Status, ae.Code)
			}
		}
		mu.Lock()
		if step == "checkout" {
			checkouts = append(checkouts, o)
		} else {
			pays = append(pays, o)
		}
		mu.Unlock()
		return o
	}

	cpu0 := cpuTime(cfg.Pid)
	gun := make(chan struct{})
	var ready, wg sync.WaitGroup
	for _, b := range fs.buyers {
		ready.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			ready.Done()
			<-gun
			var order orderAnswer
			o := timed("checkout", "POST", "/api/shop/checkout", b.token, map[string]any{
				"address": b.address, "offer": fs.item, "items": []map[string]any{{"sku": fs.sku, "quantity": 1}},
			}, &order)
			switch {
			case o.code == "transport" || o.code[0] == '5':
				led.mu.Lock()
				led.lostCheckouts++
				led.mu.Unlock()
				return
			case o.code != "ok":
				return
			}
			led.mu.Lock()
			led.orders[order.Id] = &ackOrder{buyer: b.id, lines: map[string]int{fs.sku: 1}, payable: order.Payable}
			led.mu.Unlock()
			var paid struct {
				Paid bool `json:"paid"`
			}
			o = timed("pay", "POST", "/api/shop/orders/"+order.Id+"/pay", b.token, map[string]any{"method": cfg.Pay}, &paid)
			led.update(order.Id, func(a *ackOrder) {
				switch {
				case o.code == "ok" && paid.Paid:
					a.paid = true
				case o.code == "transport" || o.code[0] == '5':
					a.unsure = true
				}
			})
		}()
	}
	ready.Wait()
	started := time.Now()
	close(gun)
	wg.Wait()
	elapsed := time.Since(started)
	cpu := cpuTime(cfg.Pid) - cpu0

	var failures []string
	fmt.Fprintf(out, "\nburst: %d buyers at once on 1 SKU with %d units, %.2f s, Go %s on %d CPUs\n",
		cfg.Buyers, cfg.Stock, elapsed.Seconds(), runtime.Version(), runtime.NumCPU())
	all := append(append([]outcome{}, checkouts...), pays...)
	fmt.Fprintf(out, "%-10s %8s %9s %8s %8s %8s\n", "step", "count", "req/s", "p50 ms", "p99 ms", "max ms")
	for _, row := range []struct {
		name string
		list []outcome
	}{{"checkout", checkouts}, {"pay", pays}, {"all", all}} {
		l := durations(row.list)
		if len(l) == 0 {
			continue
		}
		fmt.Fprintf(out, "%-10s %8d %9.1f %8.2f %8.2f %8.2f\n", row.name, len(l), float64(len(l))/elapsed.Seconds(),
			ms(pct(l, 0.50)), ms(pct(l, 0.99)), ms(l[len(l)-1]))
	}
	counts := func(name string, list []outcome, want map[string]bool) {
		by := map[string]int{}
		for _, o := range list {
			by[o.code]++
		}
		keys := make([]string, 0, len(by))
		for k := range by {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		fmt.Fprintf(out, "%s outcomes:", name)
		for _, k := range keys {
			fmt.Fprintf(out, "  %s ×%d", k, by[k])
			if !want[k] {
				failures = append(failures, fmt.Sprintf("%s answered %s ×%d", name, k, by[k]))
			}
		}
		fmt.Fprintln(out)
	}
	counts("checkout", checkouts, map[string]bool{"ok": true, "409 flash_sold_out": true})
	counts("pay", pays, map[string]bool{"ok": true})
	okCheckouts := 0
	for _, o := range checkouts {
		if o.code == "ok" {
			okCheckouts++
		}
	}
	fmt.Fprintf(out, "orders: %d in %.2f s = %.1f orders/s; shop CPU %.2f s over the burst\n",
		okCheckouts, elapsed.Seconds(), float64(okCheckouts)/elapsed.Seconds(), cpu.Seconds())
	if okCheckouts != cfg.Stock {
		failures = append(failures, fmt.Sprintf("%d checkouts made an order, %d units were on sale", okCheckouts, cfg.Stock))
	}

	problems, summary, err := check(ctx, checker, &fs.shop, led)
	if err != nil {
		return nil, nil, fmt.Errorf("check could not read the shop: %w", err)
	}
	more, flashSummary, err := checkFlash(ctx, checker, fs, cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("check could not read the shop: %w", err)
	}
	problems = append(problems, more...)
	fmt.Fprintf(out, "check: %s; %s; %d problems\n", summary, flashSummary, len(problems))
	for _, p := range problems {
		failures = append(failures, "check: "+p)
	}
	return &result{shop: &fs.shop, ledger: led, checker: checker, flash: fs}, failures, nil
}

func durations(list []outcome) []time.Duration {
	l := make([]time.Duration, len(list))
	for i, o := range list {
		l[i] = o.took
	}
	sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	return l
}

// seedFlash makes the product, its SKU (twice the flash units in normal
// stock, so the product stays on the shelf while the slot holds its
// units), the live slot with its item, and the buyers.
//
// A thousand buyers are a thousand password hashes (bcrypt, by design
// slow): sign-up is the only one. Their tokens come from the superuser's
// impersonation endpoint instead of a second hash at sign-in, and their
// addresses and top-ups are written by the superuser.
func seedFlash(ctx context.Context, c *client, cfg Config, adminToken string) (*flashShop, error) {
	fs := &flashShop{shop: shop{adminToken: adminToken, initial: map[string]int{}}}
	run := fmt.Sprintf("%06x", time.Now().UnixNano()&0xffffff)
	var p, sku record
	if err := c.do(ctx, "", "POST", "/api/collections/products/records", adminToken,
		map[string]any{"title": "秒杀压测 特级绿茶 " + run, "status": "on", "subtitle": "压测商品"}, &p); err != nil {
		return nil, fmt.Errorf("seeding the product: %w", err)
	}
	fs.product, fs.skuInitial = p.Id, 2*cfg.Stock
	if err := c.do(ctx, "", "POST", "/api/collections/skus/records", adminToken, map[string]any{
		"product": p.Id, "spec_text": "标准", "price": 19_900, "stock": fs.skuInitial,
	}, &sku); err != nil {
		return nil, fmt.Errorf("seeding the SKU: %w", err)
	}
	fs.sku = sku.Id

	const layout = "2006-01-02 15:04:05.000Z"
	now := time.Now().UTC()
	var session, item record
	if err := c.do(ctx, "", "POST", "/api/collections/flash_sessions/records", adminToken, map[string]any{
		"name": "压测场 " + run, "active": true,
		"starts_at": now.Add(-time.Minute).Format(layout), "ends_at": now.Add(time.Hour).Format(layout),
	}, &session); err != nil {
		return nil, fmt.Errorf("seeding the flash slot: %w", err)
	}
	if err := c.do(ctx, "", "POST", "/api/collections/flash_items/records", adminToken, map[string]any{
		"session": session.Id, "sku": sku.Id, "flash_price": flashPrice, "stock": cfg.Stock, "per_user_limit": 1,
	}, &item); err != nil {
		return nil, fmt.Errorf("seeding the flash item: %w", err)
	}
	fs.item = item.Id

	fs.buyers = make([]*buyer, cfg.Buyers)
	// hashing is CPU-bound in the shop: more workers than its cores only
	// queue (the shop is usually on this machine)
	workers := max(2, runtime.NumCPU())
	err := parallel(ctx, workers, cfg.Buyers, func(i int) error {
		email := fmt.Sprintf("flash%d-%s@load.test", i, run)
		var u record
		if err := c.do(ctx, "", "POST", "/api/collections/users/records", adminToken, map[string]any{
			"email": email, "password": userPassword, "passwordConfirm": userPassword, "nickname": fmt.Sprintf("抢购%d", i),
		}, &u); err != nil {
			return err
		}
		b := &buyer{id: u.Id, email: email}
		var auth struct {
			Token string `json:"token"`
		}
		if err := c.do(ctx, "", "POST", "/api/collections/users/impersonate/"+u.Id, adminToken,
			map[string]any{"duration": 3600}, &auth); err != nil {
			return fmt.Errorf("impersonating a buyer: %w", err)
		}
		b.token = auth.Token
		var a record
		if err := c.do(ctx, "", "POST", "/api/collections/addresses/records", adminToken, map[string]any{
			"user": b.id, "name": "抢购买家", "phone": "13800000000", "province": "浙江省", "city": "杭州市",
			"district": "西湖区", "detail": fmt.Sprintf("文三路%d号", i+1), "is_default": true,
		}, &a); err != nil {
			return err
		}
		b.address = a.Id
		if cfg.Pay == "balance" {
			if err := c.do(ctx, "", "POST", "/api/shop/admin/wallets/"+b.id+"/adjust", adminToken, map[string]any{
				"amount": flashTopUp, "note": "压测充值 / load test top-up", "ref": "loadtest-" + b.id,
			}, nil); err != nil {
				return err
			}
		}
		fs.buyers[i] = b
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("seeding buyers: %w", err)
	}
	return fs, nil
}

// checkFlash reads the slot's outcome back: the item sold exactly its
// units; the orders at the slot's offer are those units, each paid; the
// SKU's stock, the item's unsold units and the units in orders add up to
// the SKU's stock before the slot; and (balance pay) every buyer's wallet
// holds the top-up less what their paid orders cost, so nobody was charged
// without an order.
func checkFlash(ctx context.Context, c *client, fs *flashShop, cfg Config) (problems []string, summary string, err error) {
	tok := fs.adminToken
	var item struct {
		Stock int `json:"stock"`
		Sold  int `json:"sold"`
	}
	if err := c.do(ctx, "", "GET", "/api/collections/flash_items/records/"+fs.item, tok, nil, &item); err != nil {
		return nil, "", err
	}
	var sku dbSku
	if err := c.do(ctx, "", "GET", "/api/collections/skus/records/"+fs.sku, tok, nil, &sku); err != nil {
		return nil, "", err
	}
	type flashOrder struct {
		dbOrder
		Offer string `json:"offer"`
	}
	var res struct {
		Items []flashOrder `json:"items"`
	}
	filter := url.QueryEscape(fmt.Sprintf("offer='%s'", fs.item))
	if err := c.do(ctx, "", "GET", "/api/collections/orders/records?perPage=1000&skipTotal=1&fields=id,buyer,status,payable,offer&filter="+filter,
		tok, nil, &res); err != nil {
		return nil, "", err
	}
	live, paid := 0, 0
	spent := map[string]int64{}
	for _, o := range res.Items {
		if o.Status == "cancelled" {
			continue
		}
		live++
		if o.Status == "paid" {
			paid++
			spent[o.Buyer] += o.Payable
		}
		if o.Payable != flashPrice {
			problems = append(problems, fmt.Sprintf("order %s payable %d, flash price %d", o.Id, o.Payable, flashPrice))
		}
	}
	if item.Sold != cfg.Stock || item.Stock != cfg.Stock {
		problems = append(problems, fmt.Sprintf("flash item sold %d of %d, want all %d", item.Sold, item.Stock, cfg.Stock))
	}
	if live != cfg.Stock || paid != cfg.Stock {
		problems = append(problems, fmt.Sprintf("%d live orders at the flash price (%d paid), want %d paid", live, paid, cfg.Stock))
	}
	if got := sku.Stock + (item.Stock - item.Sold) + live; got != fs.skuInitial {
		problems = append(problems, fmt.Sprintf("SKU stock %d + unsold flash %d + sold %d != %d before the slot",
			sku.Stock, item.Stock-item.Sold, live, fs.skuInitial))
	}

	charged := 0
	if cfg.Pay == "balance" {
		type wallet struct {
			User      string `json:"user"`
			Available int64  `json:"available"`
		}
		wallets, err := listAll[wallet](ctx, c, tok, "wallets", "user,available")
		if err != nil {
			return nil, "", err
		}
		byUser := map[string]int64{}
		for _, w := range wallets {
			byUser[w.User] = w.Available
		}
		for _, b := range fs.buyers {
			if byUser[b.id] < flashTopUp {
				charged++
			}
			if want := flashTopUp - spent[b.id]; byUser[b.id] != want && len(problems) < 50 {
				problems = append(problems, fmt.Sprintf("buyer %s holds %d in the wallet, want %d (top-up less paid orders)", b.id, byUser[b.id], want))
			}
		}
	}
	summary = fmt.Sprintf("flash item sold %d/%d, %d paid orders at the flash price, %d wallets charged, SKU stock %d",
		item.Sold, item.Stock, paid, charged, sku.Stock)
	return problems, summary, nil
}
