package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Orders, their lines, payments, refunds, after-sales and buyer notifications.
//
// Order statuses (orders.status) and the only transitions the core allows,
// whoever writes (REST, dashboard, Go):
//
//	pending_payment → paid        a verified payment (notification, query, offline confirmation)
//	pending_payment → cancelled   buyer, admin route or auto_cancel; stock returned
//	paid            → shipped     admin sets tracking_company + tracking_no
//	shipped         → completed   buyer confirms receipt or auto_confirm
//	paid|shipped|completed → refunded   every line refunded in full by after-sales
//
// cancelled and refunded are final. Partial refunds keep the status and
// show in refunded_amount; an order with after-sales in progress keeps its
// status too (the aftersales records tell the story).
//
// order_items.product and order_items.sku are plain ids, not relations: an
// order line is a snapshot that outlives the catalog entry it was bought from.
//
// After-sale statuses (aftersales.status):
//
//	applied → approved | rejected
//	approved → refunded                  (type refund: the refund runs on approval)
//	approved → returning → received → refunded   (type return_refund)
//	approved → returning → received → reshipped  (type exchange, no money moves)
//	applied|approved|returning → closed  (the buyer withdraws it)
//
// Every amount is int64 fen.
func init() {
	m.Register(func(app core.App) error {
		users, err := app.FindCollectionByNameOrId("users")
		if err != nil {
			return err
		}
		ids := map[string]string{"users": users.Id}
		steps := []func(core.App, map[string]string) error{
			createOrders,
			createOrderItems,
			createPayments,
			createAftersales,
			createRefunds,
			createNotifications,
		}
		for _, step := range steps {
			if err := step(app, ids); err != nil {
				return err
			}
		}
		return nil
	}, func(app core.App) error {
		for _, name := range []string{
			"notifications", "refunds", "aftersales", "payments", "order_items", "orders",
		} {
			c, err := app.FindCollectionByNameOrId(name)
			if err != nil {
				continue
			}
			if err := app.Delete(c); err != nil {
				return err
			}
		}
		return nil
	})
}

// orderStatuses are the values of orders.status (see the migration's doc).
var orderStatuses = []string{"pending_payment", "paid", "shipped", "completed", "cancelled", "refunded"}

// aftersaleStatuses are the values of aftersales.status.
var aftersaleStatuses = []string{"applied", "approved", "rejected", "returning", "received", "refunded", "reshipped", "closed"}

func createOrders(app core.App, ids map[string]string) error {
	c := core.NewBaseCollection("orders")
	c.Fields.Add(&core.TextField{Name: "order_no", Required: true, Max: 32, Pattern: `^[0-9A-Za-z]+$`})
	c.Fields.Add(relationTo("buyer", ids["users"], true, false))
	c.Fields.Add(&core.SelectField{Name: "status", Required: true, MaxSelect: 1, Values: orderStatuses})
	c.Fields.Add(fenField("goods_amount", false))
	c.Fields.Add(fenField("discount_amount", false))
	c.Fields.Add(fenField("shipping_fee", false))
	c.Fields.Add(fenField("payable", false))
	c.Fields.Add(fenField("refunded_amount", false))
	c.Fields.Add(intField("quantity", 0))
	// {name, phone, province, city, district, detail, postcode} at checkout
	c.Fields.Add(&core.JSONField{Name: "address", MaxSize: 4 << 10})
	// promotions applied at checkout: [{promotion, label, explanation, amount}]
	c.Fields.Add(&core.JSONField{Name: "promotions", MaxSize: 16 << 10})
	c.Fields.Add(&core.TextField{Name: "pay_method", Max: 32})
	c.Fields.Add(&core.BoolField{Name: "sandbox"})
	c.Fields.Add(&core.DateField{Name: "pay_started_at"})
	c.Fields.Add(&core.DateField{Name: "paid_at"})
	c.Fields.Add(&core.DateField{Name: "shipped_at"})
	c.Fields.Add(&core.DateField{Name: "completed_at"})
	c.Fields.Add(&core.DateField{Name: "cancelled_at"})
	c.Fields.Add(&core.DateField{Name: "expires_at"})
	c.Fields.Add(&core.TextField{Name: "cancel_reason", Max: 200})
	c.Fields.Add(&core.TextField{Name: "tracking_company", Max: 32})
	c.Fields.Add(&core.TextField{Name: "tracking_no", Max: 64})
	c.Fields.Add(&core.TextField{Name: "buyer_note", Max: 200})
	c.Fields.Add(&core.TextField{Name: "admin_note", Max: 1000})
	// the buyer's upline chain at payment, written by the distribution plugin
	c.Fields.Add(&core.JSONField{Name: "upline_snapshot", MaxSize: 8 << 10})
	addTimestamps(c)
	c.AddIndex("idx_orders_order_no", true, "order_no", "")
	c.AddIndex("idx_orders_buyer", false, "buyer, created", "")
	c.AddIndex("idx_orders_status_expires", false, "status, expires_at", "")
	c.AddIndex("idx_orders_status_shipped", false, "status, shipped_at", "")
	own := "buyer = @request.auth.id"
	c.ListRule = types.Pointer(own)
	c.ViewRule = types.Pointer(own)
	if err := app.Save(c); err != nil {
		return err
	}
	ids["orders"] = c.Id
	return nil
}

func createOrderItems(app core.App, ids map[string]string) error {
	c := core.NewBaseCollection("order_items")
	c.Fields.Add(relationTo("order", ids["orders"], true, true))
	// denormalized from the order so that the list rule needs no join
	c.Fields.Add(relationTo("buyer", ids["users"], true, false))
	c.Fields.Add(&core.TextField{Name: "product", Required: true, Max: 32})
	c.Fields.Add(&core.TextField{Name: "sku", Required: true, Max: 32})
	c.Fields.Add(&core.TextField{Name: "title", Required: true, Max: 200})
	c.Fields.Add(&core.TextField{Name: "spec_text", Max: 200})
	c.Fields.Add(&core.TextField{Name: "image", Max: 300})
	c.Fields.Add(fenField("unit_price", false))
	c.Fields.Add(intField("quantity", 0))
	c.Fields.Add(fenField("line_amount", false))
	c.Fields.Add(fenField("discount_amount", false))
	c.Fields.Add(fenField("paid_amount", false))
	c.Fields.Add(fenField("refunded_amount", false))
	c.Fields.Add(intField("returned_quantity", 0))
	c.Fields.Add(&core.BoolField{Name: "is_gift"})
	addTimestamps(c)
	c.AddIndex("idx_order_items_order", false, "[order]", "")
	c.AddIndex("idx_order_items_buyer", false, "buyer", "")
	own := "buyer = @request.auth.id"
	c.ListRule = types.Pointer(own)
	c.ViewRule = types.Pointer(own)
	if err := app.Save(c); err != nil {
		return err
	}
	ids["order_items"] = c.Id
	return nil
}

func createPayments(app core.App, ids map[string]string) error {
	c := core.NewBaseCollection("payments")
	c.Fields.Add(relationTo("order", ids["orders"], true, false))
	c.Fields.Add(&core.TextField{Name: "provider", Required: true, Max: 32})
	c.Fields.Add(fenField("amount", false))
	// paid: it paid the order; unmatched: money arrived for an order that
	// could not take it (cancelled, already paid) and must be returned by hand
	c.Fields.Add(&core.SelectField{Name: "status", Required: true, MaxSelect: 1, Values: []string{"paid", "unmatched"}})
	c.Fields.Add(&core.TextField{Name: "transaction_id", Max: 128})
	c.Fields.Add(&core.TextField{Name: "raw", Max: 20000, Hidden: true})
	c.Fields.Add(&core.DateField{Name: "paid_at"})
	c.Fields.Add(&core.BoolField{Name: "sandbox"})
	addTimestamps(c)
	c.AddIndex("idx_payments_provider_tx", true, "provider, transaction_id", "transaction_id != ''")
	c.AddIndex("idx_payments_order", false, "[order]", "")
	if err := app.Save(c); err != nil {
		return err
	}
	ids["payments"] = c.Id
	return nil
}

func createAftersales(app core.App, ids map[string]string) error {
	c := core.NewBaseCollection("aftersales")
	c.Fields.Add(relationTo("order", ids["orders"], true, false))
	c.Fields.Add(relationTo("buyer", ids["users"], true, false))
	// [{order_item, quantity, amount}]
	c.Fields.Add(&core.JSONField{Name: "items", Required: true, MaxSize: 16 << 10})
	c.Fields.Add(&core.SelectField{Name: "type", Required: true, MaxSelect: 1,
		Values: []string{"refund", "return_refund", "exchange"}})
	c.Fields.Add(&core.TextField{Name: "reason", Max: 500})
	c.Fields.Add(&core.FileField{Name: "photos", MaxSelect: 6, MaxSize: 5 << 20, MimeTypes: photoMimeTypes})
	c.Fields.Add(fenField("amount_requested", false))
	c.Fields.Add(fenField("amount_approved", false))
	c.Fields.Add(&core.SelectField{Name: "status", Required: true, MaxSelect: 1, Values: aftersaleStatuses})
	c.Fields.Add(&core.TextField{Name: "admin_note", Max: 1000})
	c.Fields.Add(&core.TextField{Name: "return_company", Max: 32})
	c.Fields.Add(&core.TextField{Name: "return_no", Max: 64})
	c.Fields.Add(&core.TextField{Name: "reship_company", Max: 32})
	c.Fields.Add(&core.TextField{Name: "reship_no", Max: 64})
	c.Fields.Add(&core.DateField{Name: "closed_at"})
	addTimestamps(c)
	c.AddIndex("idx_aftersales_order", false, "[order], status", "")
	c.AddIndex("idx_aftersales_buyer", false, "buyer, created", "")
	own := "buyer = @request.auth.id"
	c.ListRule = types.Pointer(own)
	c.ViewRule = types.Pointer(own)
	if err := app.Save(c); err != nil {
		return err
	}
	ids["aftersales"] = c.Id
	return nil
}

func createRefunds(app core.App, ids map[string]string) error {
	c := core.NewBaseCollection("refunds")
	c.Fields.Add(relationTo("order", ids["orders"], true, false))
	c.Fields.Add(relationTo("aftersale", ids["aftersales"], false, false))
	c.Fields.Add(&core.TextField{Name: "provider", Required: true, Max: 32})
	c.Fields.Add(&core.TextField{Name: "refund_no", Required: true, Max: 64})
	c.Fields.Add(fenField("amount", false))
	c.Fields.Add(&core.SelectField{Name: "status", Required: true, MaxSelect: 1,
		Values: []string{"processing", "success", "failed"}})
	c.Fields.Add(&core.TextField{Name: "provider_refund_id", Max: 128})
	c.Fields.Add(&core.TextField{Name: "raw", Max: 20000, Hidden: true})
	c.Fields.Add(&core.DateField{Name: "refunded_at"})
	addTimestamps(c)
	c.AddIndex("idx_refunds_refund_no", true, "refund_no", "")
	c.AddIndex("idx_refunds_order", false, "[order]", "")
	if err := app.Save(c); err != nil {
		return err
	}
	ids["refunds"] = c.Id
	return nil
}

func createNotifications(app core.App, ids map[string]string) error {
	c := core.NewBaseCollection("notifications")
	c.Fields.Add(relationTo("user", ids["users"], true, true))
	c.Fields.Add(&core.TextField{Name: "kind", Required: true, Max: 32})
	c.Fields.Add(&core.TextField{Name: "title", Required: true, Max: 200})
	c.Fields.Add(&core.TextField{Name: "body", Max: 1000})
	c.Fields.Add(&core.TextField{Name: "ref", Max: 64})
	c.Fields.Add(&core.BoolField{Name: "read"})
	addTimestamps(c)
	c.AddIndex("idx_notifications_user", false, "user, read, created", "")
	own := "user = @request.auth.id"
	c.ListRule = types.Pointer(own)
	c.ViewRule = types.Pointer(own)
	// the owner may only mark a notification read
	c.UpdateRule = types.Pointer(own + " && @request.body.user:isset = false && @request.body.kind:isset = false" +
		" && @request.body.title:isset = false && @request.body.body:isset = false && @request.body.ref:isset = false")
	c.DeleteRule = types.Pointer(own)
	if err := app.Save(c); err != nil {
		return err
	}
	ids["notifications"] = c.Id
	return nil
}

// photoMimeTypes are the image types accepted for after-sale photos.
var photoMimeTypes = []string{"image/jpeg", "image/png", "image/webp"}
