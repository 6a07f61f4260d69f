package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
)

// the catalog's words: titles are made of them, searches look for them
var (
	nouns = []string{"绿茶", "红茶", "蜂蜜", "大米", "坚果", "咖啡", "牛奶", "橄榄油", "面膜", "衬衫",
		"运动鞋", "保温杯", "毛巾", "枕头", "茶具", "月饼"}
	adjectives = []string{"有机", "精选", "特级", "家庭装", "礼盒", "进口", "新鲜", "手工"}
	specs      = []string{"小份", "标准", "大份", "礼盒装", "组合装"}
)

const userPassword = "loadtest-Pass-1"

// shop is what seeding made: the SKUs with their initial stock, and the
// buyers signed in with an address and money in the wallet.
type shop struct {
	adminToken string
	skus       []string
	initial    map[string]int // sku id -> stock at seeding
	buyers     []*buyer
	levels     int // uplines seeded above every buyer
}

type buyer struct {
	id, email, token, address string
}

// record is the part of a PocketBase record answer seeding needs.
type record struct {
	Id         string `json:"id"`
	InviteCode string `json:"invite_code"`
}

// adminSignIn signs in as the superuser.
func adminSignIn(ctx context.Context, c *client, email, password string) (string, error) {
	var auth struct {
		Token string `json:"token"`
	}
	err := c.do(ctx, "", "POST", "/api/collections/_superusers/auth-with-password", "",
		map[string]any{"identity": email, "password": password}, &auth)
	return auth.Token, err
}

// excludeLoopback adds loopback to the rate limiter's excluded IPs through
// the settings API, leaving the limiter and its rules on, and answers how
// many rules are on so the report can say the limiter ran.
func excludeLoopback(ctx context.Context, c *client, token string) (enabled bool, rules int, err error) {
	var s struct {
		RateLimits struct {
			Enabled     bool     `json:"enabled"`
			ExcludedIPs []string `json:"excludedIPs"`
			Rules       []any    `json:"rules"`
		} `json:"rateLimits"`
	}
	if err := c.do(ctx, "", "GET", "/api/settings", token, nil, &s); err != nil {
		return false, 0, err
	}
	ips := s.RateLimits.ExcludedIPs
	for _, ip := range []string{"127.0.0.1", "::1"} {
		if !contains(ips, ip) {
			ips = append(ips, ip)
		}
	}
	if err := c.do(ctx, "", "PATCH", "/api/settings", token,
		map[string]any{"rateLimits": map[string]any{"excludedIPs": ips}}, &s); err != nil {
		return false, 0, err
	}
	return s.RateLimits.Enabled, len(s.RateLimits.Rules), nil
}

// seed fills the shop through its API: products and SKUs, a random
// referral tree, chains of cfg.Levels distributors, and the buyers (dealt
// among the chains), each signed in, with an address and a wallet top-up.
func seed(ctx context.Context, c *client, cfg Config, adminToken string) (*shop, error) {
	s := &shop{adminToken: adminToken, initial: map[string]int{}, levels: cfg.Levels}
	// sign-ups and sign-ins hash passwords (bcrypt): more at once than
	// cores only queues them past the client's timeout
	const workers = 4
	run := fmt.Sprintf("%06x", rand.IntN(1<<24)) // keeps e-mails unique across runs on one shop
	var mu sync.Mutex

	// products and their SKUs
	err := parallel(ctx, workers, cfg.Products, func(i int) error {
		var p record
		title := fmt.Sprintf("%s%s %d号", adjectives[i%len(adjectives)], nouns[i%len(nouns)], i+1)
		if err := c.do(ctx, "", "POST", "/api/collections/products/records", adminToken,
			map[string]any{"title": title, "status": "on", "subtitle": "压测商品"}, &p); err != nil {
			return err
		}
		for j := range cfg.SkusPerProd {
			var sku record
			if err := c.do(ctx, "", "POST", "/api/collections/skus/records", adminToken, map[string]any{
				"product": p.Id, "spec_text": specs[j%len(specs)], "price": 990 + 100*rand.IntN(90), "stock": cfg.Stock,
			}, &sku); err != nil {
				return err
			}
			mu.Lock()
			s.skus = append(s.skus, sku.Id)
			s.initial[sku.Id] = cfg.Stock
			mu.Unlock()
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("seeding products: %w", err)
	}

	newUser := func(name string, inviter string) (record, error) {
		var u record
		body := map[string]any{"email": name + "-" + run + "@load.test", "password": userPassword,
			"passwordConfirm": userPassword, "nickname": name}
		if inviter != "" {
			body["inviter"] = inviter
			body["inviter_source"] = "link"
		}
		if err := c.do(ctx, "", "POST", "/api/collections/users/records", adminToken, body, &u); err != nil {
			return u, err
		}
		if u.InviteCode == "" {
			err := c.do(ctx, "", "GET", "/api/collections/users/records/"+u.Id, adminToken, nil, &u)
			return u, err
		}
		return u, nil
	}

	// a random referral tree: each member is invited by an earlier one
	// (built in waves so that every inviter exists before its invitees)
	tree := []record{}
	for len(tree) < cfg.TreeUsers {
		wave := min(cfg.TreeUsers-len(tree), max(1, len(tree)))
		before := append([]record{}, tree...)
		err := parallel(ctx, workers, wave, func(i int) error {
			inviter := ""
			if len(before) > 0 {
				inviter = before[rand.IntN(len(before))].InviteCode
			}
			u, err := newUser(fmt.Sprintf("tree%d", len(before)+i), inviter)
			if err != nil {
				return err
			}
			mu.Lock()
			tree = append(tree, u)
			mu.Unlock()
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("seeding the referral tree: %w", err)
		}
	}

	// the chains of distributors above the buyers, each hung under a tree
	// member; buyer i buys under chain i mod chains
	bottoms := make([]string, chains(cfg))
	err = parallel(ctx, workers, len(bottoms), func(c int) error {
		upline := ""
		for l := range cfg.Levels {
			inviter := upline
			if l == 0 && len(tree) > 0 {
				inviter = tree[rand.IntN(len(tree))].InviteCode
			}
			u, err := newUser(fmt.Sprintf("upline%d-%d", c+1, l+1), inviter)
			if err != nil {
				return err
			}
			upline = u.InviteCode
		}
		bottoms[c] = upline
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("seeding uplines: %w", err)
	}

	// the buyers: sign-up, sign-in (timed), address, wallet top-up
	s.buyers = make([]*buyer, cfg.Buyers)
	err = parallel(ctx, workers, cfg.Buyers, func(i int) error {
		name := fmt.Sprintf("buyer%d", i)
		inviter := ""
		if len(bottoms) > 0 {
			inviter = bottoms[i%len(bottoms)]
		}
		u, err := newUser(name, inviter)
		if err != nil {
			return err
		}
		b := &buyer{id: u.Id, email: name + "-" + run + "@load.test"}
		var auth struct {
			Token string `json:"token"`
		}
		if err := c.do(ctx, "signin", "POST", "/api/collections/users/auth-with-password", "",
			map[string]any{"identity": b.email, "password": userPassword}, &auth); err != nil {
			return err
		}
		b.token = auth.Token
		var a record
		if err := c.do(ctx, "", "POST", "/api/collections/addresses/records", b.token, map[string]any{
			"user": b.id, "name": "压测买家", "phone": "13800000000", "province": "浙江省", "city": "杭州市",
			"district": "西湖区", "detail": fmt.Sprintf("文三路%d号", i+1), "is_default": true,
		}, &a); err != nil {
			return err
		}
		b.address = a.Id
		if cfg.Pay == "balance" {
			if err := c.do(ctx, "", "POST", "/api/shop/admin/wallets/"+b.id+"/adjust", adminToken, map[string]any{
				"amount": 1_000_000_000, "note": "压测充值 / load test top-up", "ref": "loadtest-" + b.id,
			}, nil); err != nil {
				return err
			}
		}
		s.buyers[i] = b
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("seeding buyers: %w", err)
	}
	return s, nil
}

// parallel runs fn(0..n-1) on at most workers goroutines and answers the
// first error.
func parallel(ctx context.Context, workers, n int, fn func(i int) error) error {
	var next atomic.Int64
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	for range max(1, min(workers, n)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(i); err != nil {
					once.Do(func() { first = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

// requestLog applies --log-sample and --log-max-days and answers the
// request log settings in effect.
func requestLog(ctx context.Context, c *client, token string, sample, maxDays int) (string, error) {
	if maxDays >= 0 {
		if err := c.do(ctx, "", "PATCH", "/api/settings", token,
			map[string]any{"logs": map[string]any{"maxDays": maxDays}}, nil); err != nil {
			return "", err
		}
	}
	const settings = "/api/collections/shop_settings/records/shopsettings001"
	if sample >= 0 {
		if err := c.do(ctx, "", "PATCH", settings, token, map[string]any{"request_log_sample": sample}, nil); err != nil {
			return "", err
		}
	}
	var s struct {
		Logs struct {
			MaxDays int `json:"maxDays"`
		} `json:"logs"`
	}
	if err := c.do(ctx, "", "GET", "/api/settings", token, nil, &s); err != nil {
		return "", err
	}
	var shop map[string]any
	if err := c.do(ctx, "", "GET", settings, token, nil, &shop); err != nil {
		return "", err
	}
	return fmt.Sprintf("max days %d, request_log_sample %v", s.Logs.MaxDays, shop["request_log_sample"]), nil
}

// chains is the number of upline chains to seed: cfg.Chains (one when it
// is not set), none without uplines, and never more than there are buyers.
func chains(cfg Config) int {
	if cfg.Levels == 0 {
		return 0
	}
	return max(1, min(cfg.Chains, cfg.Buyers))
}
