package catalog

import (
	"fmt"
	"html"
	"net/mail"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/mailer"

	"fenxiao/hooks/shop"
)

// Alert kinds (admin_alerts.kind).
const (
	alertLowStock = "low_stock"
	alertSoldOut  = "sold_out"
)

// checkLowStock raises the low-stock alert of a SKU whose stock is at or
// below its threshold, once per crossing: low_stock_alerted is set with a
// conditional update and cleared again when stock rises above the threshold
// (RestoreStock, a restock in the dashboard).
func checkLowStock(txApp core.App, sku *core.Record) error {
	threshold := sku.GetInt("low_stock_threshold")
	if threshold <= 0 || sku.GetInt("stock") > threshold || sku.GetBool("low_stock_alerted") {
		return nil
	}
	res, err := txApp.DB().NewQuery(`UPDATE {{skus}} SET [[low_stock_alerted]] = 1
			WHERE [[id]] = {:id} AND [[low_stock_alerted]] = 0`).
		Bind(dbx.Params{"id": sku.Id}).Execute()
	if err != nil {
		return fmt.Errorf("flag low stock of %s: %w", sku.Id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	// keep the caller's copy true, so that saving it again cannot re-arm
	sku.Set("low_stock_alerted", true)

	product, err := txApp.FindRecordById(productsCollection, sku.GetString("product"))
	if err != nil {
		return fmt.Errorf("low stock of %s: %w", sku.Id, err)
	}
	settings, err := loadStockSettings(txApp)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("「%s %s」库存仅剩 %d 件 / low stock: %d left (threshold %d)",
		product.GetString("title"), sku.GetString("spec_text"), sku.GetInt("stock"), sku.GetInt("stock"), threshold)
	return raiseAlert(txApp, settings, alertLowStock, product, sku, msg)
}

// raiseAlert records an admin alert and, when the shop asks for it, e-mails
// it to every superuser once the transaction has committed.
func raiseAlert(txApp core.App, settings stockSettings, kind string, product, sku *core.Record, message string) error {
	c, err := txApp.FindCachedCollectionByNameOrId(alertsCollection)
	if err != nil {
		return fmt.Errorf("raise alert: %w", err)
	}
	alert := core.NewRecord(c)
	alert.Set("kind", kind)
	alert.Set("message", message)
	if product != nil {
		alert.Set("product", product.Id)
	}
	if sku != nil {
		alert.Set("sku", sku.Id)
	}
	if err := txApp.Save(alert); err != nil {
		return fmt.Errorf("raise alert: %w", err)
	}
	ref := alert.Id
	if sku != nil {
		ref = sku.Id
	}
	if err := shop.Notify(txApp, shop.Notification{Kind: shop.KindStaffLowStock, Title: "库存预警 / stock alert",
		Body: message, RefId: ref, Data: map[string]string{"message": message}}); err != nil {
		return fmt.Errorf("raise alert: %w", err)
	}
	if !settings.email {
		return nil
	}
	if s := shop.Get(txApp); s != nil {
		if _, ok := s.Channel("email"); ok {
			return nil // the e-mail channel delivers the staff notification
		}
	}

	superusers, err := txApp.FindAllRecords(core.CollectionNameSuperusers)
	if err != nil {
		return fmt.Errorf("raise alert: %w", err)
	}
	if len(superusers) == 0 {
		return nil
	}
	meta := txApp.Settings().Meta
	email := &mailer.Message{
		From:    mail.Address{Name: meta.SenderName, Address: meta.SenderAddress},
		Subject: "[" + meta.AppName + "] " + message,
		HTML:    "<p>" + html.EscapeString(message) + "</p>",
	}
	for _, su := range superusers {
		email.To = append(email.To, mail.Address{Address: su.Email()})
	}
	shop.AfterCommit(txApp, func(app core.App) {
		if err := app.NewMailClient().Send(email); err != nil {
			app.Logger().Error("stock alert e-mail failed", "error", err, "kind", kind)
		}
	})
	return nil
}
