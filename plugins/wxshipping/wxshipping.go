// Package wxshipping reports the shipment of orders paid with WeChat Pay to
// the mini-program's 发货信息管理 (upload_shipping_info). WeChat holds the
// settlement of such orders until their shipping info is uploaded.
//
// Example usage:
//
//	wx, _ := wechat.NewClient(wechat.Config{AppID: appID, Secret: secret})
//	wxshipping.MustRegister(app, wxshipping.Config{Client: wx, MchID: mchID})
//
// It binds [shop.Shop.OnOrderShipped]: for an order paid through
// "wechatpay" it writes a wx_shipping_uploads row (status pending) in the
// transaction that shipped the order and, once that transaction committed,
// uploads the shipping info in the background and records the outcome
// (uploaded, or failed with the error). WeChat is never called inside a
// transaction, and a failing upload never undoes the shipment. The
// wx_shipping_retry job uploads again what failed or never ran (at most
// Config.MaxAttempts tries per order).
package wxshipping

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/hooks/shop"
)

// Collection is the outbox collection (see pb_migrations/1795600900_wxshipping.go).
const Collection = "wx_shipping_uploads"

// Outcome values of wx_shipping_uploads.status.
const (
	StatusPending  = "pending"
	StatusUploaded = "uploaded"
	StatusFailed   = "failed"
)

// JobName is the retry job's name (`jobs run wx_shipping_retry`).
const JobName = "wx_shipping_retry"

// payMethod is the orders.pay_method (and payments.provider) of WeChat Pay.
const payMethod = "wechatpay"

// Uploader is what the plugin needs from the WeChat client
// (*wechat.Client implements it).
type Uploader = shop.MiniProgramShipping

// Config configures the plugin.
type Config struct {
	// Client uploads the shipping info (required), e.g. a *wechat.Client;
	// share one client with the other users of the mini-program's access
	// token.
	Client Uploader

	// MchID is the WeChat Pay merchant id, used to identify an order whose
	// payment has no transaction id (by mchid + out_trade_no).
	MchID string

	// Companies maps orders.tracking_company values to WeChat's carrier
	// codes (delivery_id); it adds to and overrides [DefaultCompanies].
	// A company found in neither is sent as it is.
	Companies map[string]string

	// Timeout bounds each upload (default 10s).
	Timeout time.Duration

	// MaxAttempts is how many times an order's upload is tried in all
	// (default 5).
	MaxAttempts int

	// RetryAfter is how long a pending or failed upload waits before the
	// retry job takes it (default 10 minutes).
	RetryAfter time.Duration

	// Now is the clock the retry job measures RetryAfter with (default
	// time.Now); tests move it instead of sleeping.
	Now func() time.Time
}

// DefaultCompanies maps the Kuaidi100 company codes the shop stores in
// orders.tracking_company to WeChat's delivery_id codes.
//
// NB! Check them against get_delivery_list for your mini-program and
// correct them through Config.Companies.
var DefaultCompanies = map[string]string{
	"shunfeng":       "SF",
	"zhongtong":      "ZTO",
	"yuantong":       "YTO",
	"shentong":       "STO",
	"yunda":          "YD",
	"jd":             "JD",
	"jingdong":       "JD",
	"ems":            "EMS",
	"youzhengguonei": "YZPY",
	"debangkuaidi":   "DBL",
	"debangwuliu":    "DBL",
	"jtexpress":      "JTSD",
}

// ParseCompanies reads carrier code overrides written as
// "yunda=YUNDA, debangwuliu=DB" (tracking_company=delivery_id), as for
// Config.Companies; an empty string is no override.
func ParseCompanies(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, pair := range strings.Split(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		k, v, ok := strings.Cut(pair, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("wxshipping: bad carrier code %q (want company=CODE)", pair)
		}
		out[strings.ToLower(k)] = v
	}
	return out, nil
}

// MustRegister is like [Register] but panics on error.
func MustRegister(app core.App, config Config) {
	if err := Register(app, config); err != nil {
		panic(err)
	}
}

// Register binds the shipment event and the retry job. The shop core must
// be registered first.
func Register(app core.App, config Config) error {
	if config.Client == nil {
		return errors.New("wxshipping: Config.Client is required")
	}
	s := shop.Get(app)
	if s == nil {
		return errors.New("wxshipping: the shop core must be registered before the plugin")
	}
	if config.Timeout <= 0 {
		config.Timeout = 10 * time.Second
	}
	if config.MaxAttempts <= 0 {
		config.MaxAttempts = 5
	}
	if config.Now == nil {
		config.Now = time.Now
	}
	if config.RetryAfter <= 0 {
		config.RetryAfter = 10 * time.Minute
	}
	companies := map[string]string{}
	for k, v := range DefaultCompanies {
		companies[k] = v
	}
	for k, v := range config.Companies {
		companies[strings.ToLower(strings.TrimSpace(k))] = v
	}
	p := &plugin{root: app, config: config, companies: companies}
	s.OnOrderShipped.Bind(&hook.Handler[*shop.ShipmentEvent]{Id: "fenxiaoWxshippingOrderShipped", Func: p.onShipped})
	s.RegisterJob(shop.Job{
		Name:        JobName,
		Schedule:    "*/30 * * * *",
		Description: "上传失败的微信发货信息重试 / retries WeChat shipping-info uploads that failed",
		Run:         p.retry,
	})
	return nil
}

type plugin struct {
	root      core.App
	config    Config
	companies map[string]string

	// ids of the wx_shipping_uploads rows being uploaded in this process
	inflight sync.Map
}

// onShipped queues the upload of a WeChat Pay order that just shipped in e.App.
func (p *plugin) onShipped(e *shop.ShipmentEvent) error {
	o := e.Order
	if o.GetString("pay_method") != payMethod || o.GetBool("sandbox") {
		return e.Next()
	}
	row, err := p.queue(e.App, o.Record, e.TrackingCompany, e.TrackingNo)
	if err != nil {
		return err
	}
	if row != nil {
		id := row.Id
		// note: WeChat is called in the background, never in the
		// shipping request
		shop.AfterCommit(e.App, func(core.App) { go p.upload(id) })
	}
	return e.Next()
}

// queue writes the order's pending upload in txApp; it returns nil when
// there is nothing to upload.
func (p *plugin) queue(txApp core.App, o *core.Record, company, number string) (*core.Record, error) {
	payment, err := shop.FindPaidPayment(txApp, o.Id, payMethod)
	if errors.Is(err, sql.ErrNoRows) {
		txApp.Logger().Warn("wechat shipping info not uploaded: the order has no WeChat Pay payment",
			"order", o.Id, "order_no", o.GetString("order_no"))
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("wxshipping: find payment: %w", err)
	}
	row, err := txApp.FindFirstRecordByData(Collection, "order", o.Id)
	switch {
	case err == nil && row.GetString("status") == StatusUploaded:
		// note: WeChat takes one correction only; never resend on its own
		return nil, nil
	case errors.Is(err, sql.ErrNoRows):
		col, err := txApp.FindCachedCollectionByNameOrId(Collection)
		if err != nil {
			return nil, fmt.Errorf("wxshipping: %w", err)
		}
		row = core.NewRecord(col)
		row.Set("order", o.Id)
	case err != nil:
		return nil, fmt.Errorf("wxshipping: find upload: %w", err)
	}
	row.Set("status", StatusPending)
	row.Set("transaction_id", payment.GetString("transaction_id"))
	row.Set("tracking_company", company)
	row.Set("tracking_no", number)
	row.Set("express_company", p.expressCompany(company))
	if err := txApp.Save(row); err != nil {
		return nil, fmt.Errorf("wxshipping: queue upload: %w", err)
	}
	return row, nil
}

func (p *plugin) expressCompany(company string) string {
	company = strings.TrimSpace(company)
	if code, ok := p.companies[strings.ToLower(company)]; ok {
		return code
	}
	return company
}

// upload sends the queued upload rowId to WeChat and records the outcome.
// It runs outside any transaction.
func (p *plugin) upload(rowId string) (uploaded bool) {
	if _, busy := p.inflight.LoadOrStore(rowId, true); busy {
		return false
	}
	defer p.inflight.Delete(rowId)

	app := p.root
	row, err := app.FindRecordById(Collection, rowId)
	if err != nil {
		app.Logger().Error("wechat shipping upload: row not found", "id", rowId, "error", err.Error())
		return false
	}
	if row.GetString("status") == StatusUploaded {
		return false
	}
	info, err := p.shippingInfo(app, row)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), p.config.Timeout)
		err = p.config.Client.UploadShippingInfo(ctx, info)
		cancel()
	}

	row.Set("attempts", row.GetInt("attempts")+1)
	if err != nil {
		msg := err.Error()
		if len(msg) > 500 {
			msg = msg[:500]
		}
		row.Set("status", StatusFailed)
		row.Set("last_error", msg)
		app.Logger().Error("wechat shipping info upload failed; WeChat may hold the settlement until it is uploaded",
			"order", row.GetString("order"), "attempt", row.GetInt("attempts"), "error", msg)
	} else {
		row.Set("status", StatusUploaded)
		row.Set("last_error", "")
		row.Set("uploaded_at", types.NowDateTime())
	}
	if saveErr := app.Save(row); saveErr != nil {
		app.Logger().Error("wechat shipping upload outcome not recorded", "order", row.GetString("order"),
			"uploaded", err == nil, "error", saveErr.Error())
	}
	return err == nil
}

// shippingInfo builds what WeChat is told about row's order.
func (p *plugin) shippingInfo(app core.App, row *core.Record) (shop.ShippingInfo, error) {
	o, err := app.FindRecordById(shop.OrdersCollection, row.GetString("order"))
	if err != nil {
		return shop.ShippingInfo{}, fmt.Errorf("find order: %w", err)
	}
	buyer, err := app.FindRecordById(shop.UsersCollection, o.GetString("buyer"))
	if err != nil {
		return shop.ShippingInfo{}, fmt.Errorf("find buyer: %w", err)
	}
	items, err := app.FindRecordsByFilter(shop.OrderItemsCollection, "order = {:o}", "created", 0, 0, dbx.Params{"o": o.Id})
	if err != nil {
		return shop.ShippingInfo{}, fmt.Errorf("find order items: %w", err)
	}
	var address struct {
		Phone string `json:"phone"`
	}
	_ = o.UnmarshalJSONField("address", &address)
	info := shop.ShippingInfo{
		TransactionId:   row.GetString("transaction_id"),
		PayerOpenId:     buyer.GetString("wx_openid"),
		TrackingNo:      row.GetString("tracking_no"),
		ExpressCompany:  row.GetString("express_company"),
		ItemDesc:        itemDesc(items),
		ReceiverContact: address.Phone,
		UploadTime:      o.GetDateTime("shipped_at").Time(),
	}
	if info.TransactionId == "" && p.config.MchID != "" {
		info.MchID, info.OutTradeNo = p.config.MchID, o.GetString("order_no")
	}
	if info.PayerOpenId == "" {
		return info, errors.New("the buyer has no wx_openid")
	}
	return info, nil
}

// itemDesc is "保温杯 红×1，茶叶×2"; WeChat's client cuts it to 120 characters.
func itemDesc(items []*core.Record) string {
	parts := make([]string, 0, len(items))
	for _, it := range items {
		s := strings.TrimSpace(it.GetString("title") + " " + it.GetString("spec_text"))
		parts = append(parts, s+"×"+strconv.Itoa(it.GetInt("quantity")))
	}
	if len(parts) == 0 {
		return "商品"
	}
	return strings.Join(parts, "，")
}

// retry is the wx_shipping_retry job: it uploads the pending and failed
// rows older than RetryAfter that have tries left.
func (p *plugin) retry(app core.App) (string, error) {
	before, err := types.ParseDateTime(p.config.Now().Add(-p.config.RetryAfter))
	if err != nil {
		return "", err
	}
	rows, err := app.FindRecordsByFilter(Collection,
		"(status = 'pending' || status = 'failed') && attempts < {:max} && updated < {:before}", "updated", 100, 0,
		dbx.Params{"max": p.config.MaxAttempts, "before": before.String()})
	if err != nil {
		return "", err
	}
	ok := 0
	for _, r := range rows {
		if p.upload(r.Id) {
			ok++
		}
	}
	return fmt.Sprintf("%d of %d shipping uploads retried successfully", ok, len(rows)), nil
}
