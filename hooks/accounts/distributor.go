package accounts

import (
	"fmt"
	"net/http"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/hooks/shop"
)

const applicationsCollection = "distributor_applications"

// makeDistributor grants distributor status (idempotent). Becoming a
// distributor never costs anything: no route or rule here takes a fee.
func makeDistributor(txApp core.App, user *core.Record) error {
	if user.GetBool("is_distributor") {
		return nil
	}
	user.Set("is_distributor", true)
	user.Set("distributor_since", types.NowDateTime())
	return txApp.Save(user)
}

// recordPurchase updates the buyer's purchase totals when an order is paid
// and grants distributor status when the shop's condition is met.
//
// total_spent counts the goods actually paid: the order's payable without
// its shipping fee (refunds take it back off, see [recordRefund]).
func recordPurchase(e *shop.OrderEvent) error {
	buyerId := e.Order.GetString("buyer")
	if buyerId == "" {
		return e.Next()
	}
	goods := e.Order.GoodsPaid()
	var after struct {
		IsDistributor bool
		PaidOrders    int
		TotalSpent    int64
	}
	err := shop.ScanRow(e.App,
		"UPDATE `users` SET `total_spent` = `total_spent` + ?, `paid_orders` = `paid_orders` + 1, "+
			"`first_paid_at` = CASE WHEN `first_paid_at` = '' OR `first_paid_at` IS NULL THEN ? ELSE `first_paid_at` END "+
			"WHERE `id` = ? RETURNING `is_distributor`, `paid_orders`, `total_spent`",
		[]any{goods, types.NowDateTime().String(), buyerId}, &after.IsDistributor, &after.PaidOrders, &after.TotalSpent)
	if err != nil {
		return fmt.Errorf("record purchase: %w", err)
	}
	// note: every payment passes here; the buyer's record is read only
	// when the purchase makes them a distributor
	if after.IsDistributor {
		return e.Next()
	}

	settings, err := shop.ReadSettings(e.App)
	if err != nil {
		return err
	}
	if qualifiesByPurchase(settings, after.PaidOrders, after.TotalSpent) {
		buyer, err := e.App.FindRecordById(usersCollection, buyerId)
		if err != nil {
			return err
		}
		if err := makeDistributor(e.App, buyer); err != nil {
			return err
		}
	}
	return e.Next()
}

// recordRefund takes refunded goods back off the buyer's total_spent
// (never below 0), in the transaction that recorded the refund.
//
// note: it only corrects the figure; it never revokes distributor status.
// Status is granted when the condition is met at payment and kept from
// then on, even when the order that met it (a first paid order, or the
// spending that crossed the threshold) is later refunded in full: joining
// costs nothing and pays nothing by itself, commissions on a refunded
// order are clawed back by the distribution rules, and a distributor who
// silently lost the status would find their links and team gone without
// a word. paid_orders and first_paid_at are facts about payments and stay
// too (so the override binding lock and the binding lapse still see the
// purchase). An admin who wants to take the status away does it in the
// dashboard.
func recordRefund(e *shop.RefundEvent) error {
	buyerId := e.Order.GetString("buyer")
	var amount int64
	for _, l := range e.Lines {
		amount += l.Amount
	}
	if buyerId == "" || amount <= 0 {
		return e.Next()
	}
	_, err := e.App.DB().NewQuery(
		"UPDATE {{users}} SET [[total_spent]] = MAX(0, [[total_spent]] - {:amount}) WHERE [[id]] = {:id}",
	).Bind(dbx.Params{"amount": amount, "id": buyerId}).Execute()
	if err != nil {
		return fmt.Errorf("record refund: %w", err)
	}
	return e.Next()
}

// qualifiesByPurchase tells whether the shop's distributor condition is met
// by the user's purchase history.
func qualifiesByPurchase(s *shop.Settings, paidOrders int, totalSpent int64) bool {
	switch s.DistributorCondition {
	case shop.DistributorEveryone:
		return true
	case shop.DistributorFirstPaid:
		return paidOrders > 0
	case shop.DistributorSpend:
		return totalSpent >= s.DistributorSpend
	default:
		return false
	}
}

type applyForm struct {
	RealName string `json:"real_name"`
	Phone    string `json:"phone"`
	Reason   string `json:"reason"`
}

// distributorApply is POST /api/shop/distributor/apply: opens an application
// for admin review when the shop admits distributors by application.
func distributorApply(e *core.RequestEvent) error {
	var form applyForm
	if err := shop.BindBody(e, &form); err != nil {
		return err
	}
	if len([]rune(form.RealName)) > 32 || len(form.Phone) > 20 || len([]rune(form.Reason)) > 500 {
		return shop.FieldFail("reason", "application_too_long", "内容过长 / text too long").ApiError()
	}

	var app *core.Record
	err := e.App.RunInTransaction(func(txApp core.App) error {
		settings, err := shop.LoadSettings(txApp)
		if err != nil {
			return err
		}
		user, err := txApp.FindRecordById(usersCollection, e.Auth.Id)
		if err != nil {
			return err
		}
		if user.GetBool("is_distributor") {
			return shop.Fail(http.StatusConflict, "already_distributor", "您已是分销员 / you are already a distributor")
		}
		if settings.DistributorCondition != shop.DistributorApply {
			return shop.Fail(http.StatusConflict, "distributor_apply_disabled",
				"本店分销员无需申请 / this shop does not take applications")
		}
		pending, err := txApp.CountRecords(applicationsCollection,
			dbx.HashExp{"user": user.Id, "status": "pending"})
		if err != nil {
			return err
		}
		if pending > 0 {
			return shop.Fail(http.StatusConflict, "application_pending", "申请审核中 / an application is already pending")
		}
		col, err := txApp.FindCachedCollectionByNameOrId(applicationsCollection)
		if err != nil {
			return err
		}
		app = core.NewRecord(col)
		app.Load(map[string]any{
			"user":      user.Id,
			"real_name": form.RealName,
			"phone":     form.Phone,
			"reason":    form.Reason,
			"status":    "pending",
		})
		return txApp.Save(app)
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, app)
}

// onApplicationUpdate enforces the review: only a pending application is
// decided, once; approval grants distributor status in the same transaction.
func onApplicationUpdate(e *core.RecordEvent) error {
	before, after := e.Record.Original().GetString("status"), e.Record.GetString("status")
	if before == after {
		return e.Next()
	}
	if before != "pending" {
		return shop.Fail(http.StatusConflict, "application_decided", "申请已审核，不能更改 / the application was already decided")
	}
	e.Record.Set("reviewed_at", types.NowDateTime())

	originalApp := e.App
	defer func() { e.App = originalApp }()
	return e.App.RunInTransaction(func(txApp core.App) error {
		e.App = txApp
		if err := e.Next(); err != nil {
			return err
		}
		if err := notifyApplication(txApp, e.Record, after); err != nil {
			return err
		}
		if after != "approved" {
			return nil
		}
		user, err := txApp.FindRecordById(usersCollection, e.Record.GetString("user"))
		if err != nil {
			return err
		}
		return makeDistributor(txApp, user)
	})
}

// lapseBindings detaches users whose binding is older than the configured
// lifetime and was never used (no paid order since). Scheduled hourly.
func lapseBindings(app core.App) (string, error) {
	settings, err := shop.LoadSettings(app)
	if err != nil {
		return "", err
	}
	if settings.BindingDays <= 0 {
		return "binding lifetime is unlimited; nothing to do", nil
	}
	cutoff := types.NowDateTime().Add(-time.Duration(settings.BindingDays) * 24 * time.Hour).String()
	users, err := app.FindRecordsByFilter(usersCollection,
		"referrer != '' && bound_at != '' && bound_at < {:cutoff} && paid_orders = 0",
		"bound_at", 500, 0, dbx.Params{"cutoff": cutoff})
	if err != nil {
		return "", err
	}
	lapsed := 0
	for _, u := range users {
		err := app.RunInTransaction(func(txApp core.App) error {
			fresh, err := txApp.FindRecordById(usersCollection, u.Id)
			if err != nil {
				return err
			}
			// re-checked inside the transaction: a purchase may have just happened
			if fresh.GetString("referrer") == "" || fresh.GetInt("paid_orders") > 0 {
				return nil
			}
			fresh.Set("referrer", "")
			fresh.Set("bound_source", SourceSystem)
			fresh.Set("bound_scene", "")
			fresh.Set("bound_by", "system:binding_lapse")
			fresh.Set("bound_at", "")
			lapsed++
			return txApp.Save(fresh)
		})
		if err != nil {
			return fmt.Sprintf("%d lapsed before an error", lapsed), err
		}
	}
	return fmt.Sprintf("%d bindings older than %d days lapsed", lapsed, settings.BindingDays), nil
}

// notifyApplication tells the applicant how their application was decided.
func notifyApplication(txApp core.App, app *core.Record, status string) error {
	n := shop.Notification{UserId: app.GetString("user"), RefId: app.Id,
		Data: map[string]string{"status": status, "reason": app.GetString("review_note"),
			"time": time.Now().In(shop.ShopTimeZone).Format("2006-01-02 15:04")}}
	switch status {
	case "approved":
		n.Kind, n.Title, n.Body = shop.KindApplicationApproved, "分销申请已通过 / you are a distributor",
			"恭喜，您已成为分销员，可在分销中心分享商品赚取佣金。"
		n.Data["status"] = "已通过"
	case "rejected":
		n.Kind, n.Title, n.Body = shop.KindApplicationRejected, "分销申请未通过 / application rejected",
			"您的分销申请未通过："+app.GetString("review_note")
		n.Data["status"] = "未通过"
	default:
		return nil
	}
	return shop.Notify(txApp, n)
}
