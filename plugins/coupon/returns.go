package coupon

import (
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
)

// returnMode reads shop_settings.coupon_return (default cancel_and_refund).
func returnMode(app core.App) (string, error) {
	s, err := app.FindRecordById(shop.SettingsCollection, shop.SettingsId)
	if err != nil {
		return "", fmt.Errorf("load shop settings: %w", err)
	}
	if mode := s.GetString("coupon_return"); mode != "" {
		return mode, nil
	}
	return ReturnCancelAndRefund, nil
}

// onOrderCancelled gives an unpaid order's coupon back when the shop
// returns coupons of cancelled orders (same transaction as the cancel).
func (p *plugin) onOrderCancelled(e *shop.OrderEvent) error {
	if err := p.giveBack(e.App, e.Order.Record, ReturnCancel, ReturnCancelAndRefund); err != nil {
		return err
	}
	return e.Next()
}

// onOrderRefunded gives a fully refunded order's coupon back when the shop
// returns coupons of refunded orders; a partial refund keeps it used.
func (p *plugin) onOrderRefunded(e *shop.RefundEvent) error {
	if e.Order.GetString("status") == shop.OrderRefunded {
		if err := p.giveBack(e.App, e.Order.Record, ReturnCancelAndRefund); err != nil {
			return err
		}
	}
	return e.Next()
}

// giveBack makes the order's coupon unused again when the shop's return
// mode is one of modes. Conditional on the coupon still being used by this
// order, so a replayed event changes nothing. The coupon keeps its
// validity: one that expired meanwhile comes back expired.
func (p *plugin) giveBack(txApp core.App, order *core.Record, modes ...string) error {
	id := order.GetString("coupon")
	if id == "" {
		return nil
	}
	mode, err := returnMode(txApp)
	if err != nil {
		return err
	}
	allowed := false
	for _, m := range modes {
		allowed = allowed || m == mode
	}
	if !allowed {
		return nil
	}
	now := dbTime(p.now())
	_, err = txApp.DB().NewQuery("UPDATE {{" + couponsCollection + "}} SET [[status]] = 'unused', [[order]] = '', " +
		"[[used_at]] = '', [[returned_at]] = {:now}, [[updated]] = {:now} " +
		"WHERE [[id]] = {:id} AND [[order]] = {:order} AND [[status]] = 'used'").
		Bind(dbx.Params{"id": id, "order": order.Id, "now": now}).Execute()
	if err != nil {
		return fmt.Errorf("return coupon: %w", err)
	}
	return nil
}
