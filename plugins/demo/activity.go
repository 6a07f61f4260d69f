package demo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/hooks/shop"
)

// SeedActivity runs a little of a shop's life through the real API once the
// server's routes are built (call it after ServeEvent.Next()): orders in
// every state, after-sales, commissions and withdrawals in every state,
// promotions of each type, distributor levels and materials, so that the
// console, the dashboard and the H5 are never empty. It acts only on a
// freshly seeded demo shop (no orders yet) and logs what it could not do.
func SeedActivity(se *core.ServeEvent) error {
	app := se.App
	if n, _ := app.CountRecords(shop.OrdersCollection); n > 0 {
		return nil
	}
	if _, err := app.FindAuthRecordByEmail(core.CollectionNameSuperusers, SuperuserEmail); err != nil {
		return nil // not a demo shop
	}
	a := &activity{app: app, handler: se.Server.Handler}
	if err := a.run(); err != nil {
		app.Logger().Warn("demo activity incomplete", "error", err.Error())
		fmt.Println("demo: activity incomplete:", err)
	}
	return nil
}

type activity struct {
	app     core.App
	handler http.Handler
	admin   string
	tokens  map[string]string
	ids     map[string]string
	skus    []*core.Record
	ip      int
}

// call sends one request through the server's own router, as the given
// demo person (each from their own address, as real shoppers are).
func (a *activity) call(who, method, path string, body any) (map[string]any, error) {
	raw, _ := json.Marshal(body)
	req := httptest.NewRequest(method, path, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	token := a.admin
	if who != "admin" {
		token = a.tokens[who]
	}
	req.Header.Set("Authorization", token)
	a.ip++
	req.RemoteAddr = fmt.Sprintf("198.51.100.%d:4000", 1+a.ip%250)
	rec := httptest.NewRecorder()
	a.handler.ServeHTTP(rec, req)
	out := map[string]any{}
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	if rec.Code >= 300 {
		return out, fmt.Errorf("%s %s as %s: %d %s", method, path, who, rec.Code, rec.Body.String())
	}
	return out, nil
}

func (a *activity) run() error {
	su, err := a.app.FindAuthRecordByEmail(core.CollectionNameSuperusers, SuperuserEmail)
	if err != nil {
		return err
	}
	if a.admin, err = su.NewAuthToken(); err != nil {
		return err
	}
	a.tokens, a.ids = map[string]string{}, map[string]string{}
	for _, p := range demoPeople {
		u, err := a.app.FindAuthRecordByEmail(shop.UsersCollection, p.key+"@fenxiao.demo")
		if err != nil {
			return err
		}
		a.ids[p.key] = u.Id
		if a.tokens[p.key], err = u.NewAuthToken(); err != nil {
			return err
		}
	}
	if err := a.app.RecordQuery(shop.SkusCollection).AndWhere(dbx.NewExp("stock >= 20")).OrderBy("created").Limit(6).All(&a.skus); err != nil || len(a.skus) == 0 {
		return fmt.Errorf("no SKUs with stock: %v", err)
	}
	if err := a.extras(); err != nil {
		return fmt.Errorf("promotions, levels, materials: %w", err)
	}
	return a.orders()
}

// extras are the records a merchant makes in the dashboard.
func (a *activity) extras() error {
	save := func(collection string, fields map[string]any) error {
		c, err := a.app.FindCollectionByNameOrId(collection)
		if err != nil {
			return err
		}
		r := core.NewRecord(c)
		r.Load(fields)
		return a.app.Save(r)
	}
	start := types.NowDateTime().Add(-24 * time.Hour)
	end := types.NowDateTime().Add(30 * 24 * time.Hour)
	for _, p := range []map[string]any{
		{"name": "满199减30", "type": "full_reduction", "tiers": []map[string]int{{"threshold": 19900, "off": 3000}}, "scope": "all", "label": "满减", "active": true, "starts_at": start, "ends_at": end, "priority": 10},
		{"name": "茶叶九折", "type": "discount", "discount_mode": "rate", "rate_bp": 9000, "scope": "all", "label": "9折", "active": true, "starts_at": start, "ends_at": end, "priority": 5, "stackable": true},
		{"name": "满299赠品", "type": "gift", "gift_sku": a.skus[len(a.skus)-1].Id, "gift_quantity": 1, "gift_min_amount": 29900, "scope": "all", "label": "赠品", "active": true, "starts_at": start, "ends_at": end},
	} {
		if err := save("promotions", p); err != nil {
			return fmt.Errorf("promotion %s: %w", p["name"], err)
		}
	}
	for _, l := range []map[string]any{
		{"rank": 1, "name": "铜牌分销员", "rate_l1_bp": 1000, "rate_l2_bp": 500, "rate_l3_bp": 200, "benefits": "基础佣金"},
		{"rank": 2, "name": "银牌分销员", "rate_l1_bp": 1200, "rate_l2_bp": 600, "rate_l3_bp": 300, "min_own_sales": 50000, "min_direct_invitees": 2, "benefits": "一级佣金 12%"},
		{"rank": 3, "name": "金牌分销员", "rate_l1_bp": 1500, "rate_l2_bp": 800, "rate_l3_bp": 400, "min_team_sales": 500000, "min_team_size": 10, "benefits": "一级佣金 15%，专属客服"},
	} {
		if err := save("distributor_levels", l); err != nil {
			return fmt.Errorf("level %s: %w", l["name"], err)
		}
	}
	for i, m := range []map[string]any{
		{"title": "新品上市朋友圈文案", "kind": "copy", "text": "明前龙井到货啦，一芽一叶，春天的第一口鲜。点链接下单，满199减30！", "tags": []string{"新品", "茶叶"}},
		{"title": "双十二海报模板", "kind": "poster_template", "text": "海报模板：主图 + 价格 + 二维码", "tags": []string{"活动"}},
		{"title": "冲泡教学短视频脚本", "kind": "video", "text": "三步泡好一杯绿茶：温杯、投茶、注水 80℃。", "tags": []string{"教学"}},
	} {
		m["active"], m["sort"], m["starts_at"], m["ends_at"] = true, i+1, start, end
		if err := save("materials", m); err != nil {
			return fmt.Errorf("material %s: %w", m["title"], err)
		}
	}
	return nil
}

// checkout places an order of one SKU for who and returns it.
func (a *activity) checkout(who string, sku int, qty int) (map[string]any, error) {
	addr, err := a.address(who)
	if err != nil {
		return nil, err
	}
	return a.call(who, "POST", "/api/shop/checkout", map[string]any{
		"items": []map[string]any{{"sku": a.skus[sku%len(a.skus)].Id, "quantity": qty}}, "address": addr, "note": "",
	})
}

func (a *activity) address(who string) (string, error) {
	if id := a.ids["addr:"+who]; id != "" {
		return id, nil
	}
	c, err := a.app.FindCollectionByNameOrId(shop.AddressesCollection)
	if err != nil {
		return "", err
	}
	r := core.NewRecord(c)
	r.Load(map[string]any{"user": a.ids[who], "name": nameOf(who), "phone": phoneOf(who), "province": "浙江省", "city": "杭州市",
		"district": "西湖区", "detail": "文三路 " + fmt.Sprint(100+len(a.ids)) + " 号", "is_default": true})
	if err := a.app.Save(r); err != nil {
		return "", err
	}
	a.ids["addr:"+who] = r.Id
	return r.Id, nil
}

func nameOf(key string) string {
	for _, p := range demoPeople {
		if p.key == key {
			return p.nickname
		}
	}
	return key
}

func phoneOf(key string) string {
	for _, p := range demoPeople {
		if p.key == key {
			return p.phone
		}
	}
	return "13800000000"
}

// paid places and pays an order (sandbox payments must be on; without
// them the demo keeps unpaid orders only).
func (a *activity) paid(who string, sku, qty int) (map[string]any, error) {
	o, err := a.checkout(who, sku, qty)
	if err != nil {
		return nil, err
	}
	if _, err := a.call(who, "POST", "/api/shop/orders/"+id(o)+"/pay", map[string]any{"method": "sandbox"}); err != nil {
		return nil, err
	}
	return o, nil
}

func id(m map[string]any) string {
	if o, ok := m["order"].(map[string]any); ok {
		return fmt.Sprint(o["id"])
	}
	return fmt.Sprint(m["id"])
}

func (a *activity) ship(o map[string]any, no string) error {
	_, err := a.call("admin", "POST", "/api/shop/admin/orders/"+id(o)+"/ship", map[string]any{"tracking_company": "shunfeng", "tracking_no": no})
	return err
}

// firstItem returns the id of the order's first line.
func (a *activity) firstItem(o map[string]any) string {
	var it struct{ Id string }
	_ = a.app.DB().NewQuery("SELECT id FROM order_items WHERE [order] = {:o} ORDER BY created LIMIT 1").Bind(dbx.Params{"o": id(o)}).One(&it)
	return it.Id
}

func (a *activity) aftersale(o map[string]any, kind, reason string) (string, error) {
	res, err := a.call(a.buyerOf(o), "POST", "/api/shop/aftersales", map[string]any{
		"order": id(o), "type": kind, "reason": reason, "items": []map[string]any{{"order_item": a.firstItem(o), "quantity": 1}},
	})
	if err != nil {
		return "", err
	}
	if as, ok := res["aftersale"].(map[string]any); ok {
		return fmt.Sprint(as["id"]), nil
	}
	return fmt.Sprint(res["id"]), nil
}

func (a *activity) orders() error {
	// unpaid, and one cancelled by the buyer
	for _, who := range []string{"chenjing", "zhaolei"} {
		if _, err := a.checkout(who, 1, 1); err != nil {
			return err
		}
	}
	c, err := a.checkout("zhaolei", 2, 1)
	if err != nil {
		return err
	}
	if _, err := a.call("zhaolei", "POST", "/api/shop/orders/"+id(c)+"/cancel", map[string]any{}); err != nil {
		return err
	}

	// paid orders from the bottom of the referral tree earn three levels
	var paid []map[string]any
	for i, who := range []string{"liuyang", "liuyang", "zhangwei", "liuyang", "chenjing", "liuyang", "zhangwei", "zhaolei", "liuyang", "liuyang", "liuyang"} {
		o, err := a.paid(who, i, 1+i%2)
		if err != nil {
			fmt.Println("demo: no paid orders (run with FENXIAO_SANDBOX_PAY=1 for orders in every state):", err)
			return nil
		}
		paid = append(paid, o)
	}
	// 0-2 stay paid (to ship); 3-4 shipped; 5-10 completed
	for i := 3; i < len(paid); i++ {
		if err := a.ship(paid[i], fmt.Sprintf("SF14%08d", i)); err != nil {
			return err
		}
	}
	for i := 5; i < len(paid); i++ {
		if err := a.confirm(paid[i]); err != nil {
			return err
		}
	}

	// after-sales: waiting, rejected, refunded, return on its way, exchange received
	if _, err := a.aftersale(paid[0], "refund", "拍错了规格"); err != nil {
		return err
	}
	if asId, err := a.aftersale(paid[1], "refund", "不想要了"); err == nil {
		if _, err := a.call("admin", "POST", "/api/shop/admin/aftersales/"+asId+"/reject", map[string]any{"note": "订单已打包，请收货后申请退货"}); err != nil {
			return err
		}
	} else {
		return err
	}
	if asId, err := a.aftersale(paid[5], "return_refund", "茶叶受潮"); err == nil {
		if _, err := a.call("admin", "POST", "/api/shop/admin/aftersales/"+asId+"/approve", map[string]any{"note": "请寄回"}); err != nil {
			return err
		}
		if _, err := a.call(a.buyerOf(paid[5]), "POST", "/api/shop/aftersales/"+asId+"/return", map[string]any{"return_company": "zhongtong", "return_no": "ZT7788001"}); err != nil {
			return err
		}
		if _, err := a.call("admin", "POST", "/api/shop/admin/aftersales/"+asId+"/receive", map[string]any{}); err != nil {
			return err
		}
	} else {
		return err
	}
	if asId, err := a.aftersale(paid[6], "return_refund", "包装破损"); err == nil {
		if _, err := a.call("admin", "POST", "/api/shop/admin/aftersales/"+asId+"/approve", map[string]any{}); err != nil {
			return err
		}
		if _, err := a.call(a.buyerOf(paid[6]), "POST", "/api/shop/aftersales/"+asId+"/return", map[string]any{"return_company": "yunda", "return_no": "YD5566002"}); err != nil {
			return err
		}
	} else {
		return err
	}
	if asId, err := a.aftersale(paid[8], "exchange", "想换一个规格"); err == nil {
		if _, err := a.call("admin", "POST", "/api/shop/admin/aftersales/"+asId+"/approve", map[string]any{}); err != nil {
			return err
		}
		if _, err := a.call(a.buyerOf(paid[8]), "POST", "/api/shop/aftersales/"+asId+"/return", map[string]any{"return_company": "yuantong", "return_no": "YT3344003"}); err != nil {
			return err
		}
		if _, err := a.call("admin", "POST", "/api/shop/admin/aftersales/"+asId+"/receive", map[string]any{}); err != nil {
			return err
		}
	} else {
		return err
	}

	// settle what is completed (frozen_days 0 for this one run), so that
	// commissions show frozen, settled and cancelled
	if err := a.settleNow(); err != nil {
		return err
	}
	if err := a.withdrawals(); err != nil {
		return err
	}
	return a.spreadOverDays()
}

// spreadOverDays moves the paid orders' dates and the shoppers' sign-ups
// back over the last four weeks (every date of a row by the same number of
// days), so that the console's trend charts show a history instead of one
// day. Unpaid and shipped orders stay recent (auto-cancel and
// auto-confirm would otherwise close them at once).
func (a *activity) spreadOverDays() error {
	shift := func(col string) string {
		return "[[" + col + "]] = CASE WHEN [[" + col + "]] = '' THEN '' ELSE strftime('%Y-%m-%d %H:%M:%fZ', [[" + col + "]], '-' || ((rowid * 5) % 26 + 1) || ' days') END"
	}
	if _, err := a.app.DB().NewQuery("UPDATE {{orders}} SET " + shift("created") + ", " + shift("paid_at") + ", " + shift("shipped_at") + ", " +
		shift("completed_at") + ", " + shift("cancelled_at") + " WHERE [[status]] NOT IN ({:unpaid}, {:shipped})").
		Bind(dbx.Params{"unpaid": shop.OrderPendingPayment, "shipped": shop.OrderShipped}).Execute(); err != nil {
		return err
	}
	_, err := a.app.DB().NewQuery("UPDATE {{users}} SET " + shift("created") + ", " + shift("distributor_since")).Execute()
	return err
}

// buyerOf names the demo person who placed o.
func (a *activity) buyerOf(o map[string]any) string {
	var buyer struct{ Buyer string }
	_ = a.app.DB().NewQuery("SELECT buyer FROM orders WHERE id = {:id}").Bind(dbx.Params{"id": id(o)}).One(&buyer)
	for _, p := range demoPeople {
		if a.ids[p.key] == buyer.Buyer {
			return p.key
		}
	}
	return ""
}

func (a *activity) confirm(o map[string]any) error {
	_, err := a.call(a.buyerOf(o), "POST", "/api/shop/orders/"+id(o)+"/confirm", map[string]any{})
	return err
}

func (a *activity) settleNow() error {
	settings, err := a.app.FindFirstRecordByFilter(shop.SettingsCollection, "id != ''")
	if err != nil {
		return err
	}
	days := settings.GetInt("frozen_days")
	settings.Set("frozen_days", 0)
	if err := a.app.Save(settings); err != nil {
		return err
	}
	_, runErr := a.call("admin", "POST", "/api/shop/admin/jobs/commission_settle", map[string]any{})
	settings.Set("frozen_days", days)
	if err := a.app.Save(settings); err != nil {
		return err
	}
	return runErr
}

// withdrawals: a reward each for the top of the tree, then requests left
// pending, approved for a bank payout, paid and rejected.
func (a *activity) withdrawals() error {
	for _, who := range []string{"wangfang", "liqiang"} {
		if _, err := a.call("admin", "POST", "/api/shop/admin/rewards", map[string]any{"user": a.ids[who], "amount": 50000, "reason": "开业推广奖励"}); err != nil {
			return err
		}
	}
	bank := func(who string) map[string]any {
		return map[string]any{"name": nameOf(who), "bank": "招商银行", "number": "6225880012345678"}
	}
	request := func(who string, amount int64) (string, error) {
		res, err := a.call(who, "POST", "/api/shop/withdrawals", map[string]any{"amount": amount, "channel": "bank", "account": bank(who)})
		if err != nil {
			return "", err
		}
		return id(res), nil
	}
	if _, err := request("wangfang", 8800); err != nil {
		return err
	}
	w, err := request("wangfang", 12000)
	if err != nil {
		return err
	}
	if _, err := a.call("admin", "POST", "/api/shop/admin/withdrawals/"+w+"/approve", map[string]any{}); err != nil {
		return err
	}
	if w, err = request("liqiang", 20000); err != nil {
		return err
	}
	if _, err := a.call("admin", "POST", "/api/shop/admin/withdrawals/"+w+"/approve", map[string]any{}); err != nil {
		return err
	}
	if _, err := a.call("admin", "POST", "/api/shop/admin/withdrawals/"+w+"/paid", map[string]any{}); err != nil {
		return err
	}
	if w, err = request("liqiang", 5000); err != nil {
		return err
	}
	_, err = a.call("admin", "POST", "/api/shop/admin/withdrawals/"+w+"/reject", map[string]any{"reason": "银行卡户名与实名不一致，请修改后重新申请"})
	return err
}
