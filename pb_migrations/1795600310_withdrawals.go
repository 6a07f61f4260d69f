package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Withdrawals and their audit trail (see fenxiao/plugins/withdrawal).
//
// Statuses (withdrawals.status) and the only transitions allowed, whoever
// writes (the dashboard may make the ones marked *):
//
//	pending → approved* | rejected* | closed      closed: the user cancelled
//	approved → transferring | paid* | rejected* | failed   paid*: bank only
//	transferring → wait_user_confirm | paid | failed | closed
//	wait_user_confirm → paid | failed | closed
//
// paid, rejected, failed and closed are final; rejected, failed and closed
// return the held amount to the wallet. amount = fee + payout, all fen.
//
// withdrawal_events is append-only: one row per status change with who made it.
func init() {
	m.Register(func(app core.App) error {
		users, err := app.FindCollectionByNameOrId("users")
		if err != nil {
			return err
		}

		w := core.NewBaseCollection("withdrawals")
		w.Fields.Add(relationTo("user", users.Id, true, false))
		w.Fields.Add(fenField("amount", false))
		w.Fields.Add(fenField("fee", false))
		w.Fields.Add(fenField("payout", false))
		w.Fields.Add(&core.SelectField{Name: "channel", Required: true, MaxSelect: 1, Values: []string{"wechat", "bank"}})
		// wechat: {real_name?}; bank: {name, bank, number (masked)}
		w.Fields.Add(&core.JSONField{Name: "account", MaxSize: 2 << 10})
		// the full bank card number, never exposed through the API
		w.Fields.Add(&core.TextField{Name: "account_number", Max: 32, Hidden: true})
		// the payee's WeChat openid at request time
		w.Fields.Add(&core.TextField{Name: "openid", Max: 64, Hidden: true})
		w.Fields.Add(&core.SelectField{Name: "status", Required: true, MaxSelect: 1, Values: []string{
			"pending", "approved", "transferring", "wait_user_confirm", "paid", "rejected", "failed", "closed",
		}})
		w.Fields.Add(&core.TextField{Name: "reason", Max: 500})
		// for wx.requestMerchantTransfer while wait_user_confirm
		w.Fields.Add(&core.TextField{Name: "package_info", Max: 2000})
		w.Fields.Add(&core.TextField{Name: "transfer_id", Max: 64})
		w.Fields.Add(intField("transfer_attempts", 0))
		// the Asia/Shanghai day of the request, for the daily limit
		w.Fields.Add(&core.TextField{Name: "day", Required: true, Max: 10})
		w.Fields.Add(&core.DateField{Name: "reviewed_at"})
		// "superuser:<id>" of the approval or rejection
		w.Fields.Add(&core.TextField{Name: "reviewed_by", Max: 64})
		w.Fields.Add(&core.DateField{Name: "transferred_at"})
		w.Fields.Add(&core.DateField{Name: "finished_at"})
		addTimestamps(w)
		w.AddIndex("idx_withdrawals_user_day", false, "user, day", "")
		w.AddIndex("idx_withdrawals_status", false, "status, updated", "")
		own := types.Pointer("user = @request.auth.id")
		w.ListRule = own
		w.ViewRule = own
		if err := app.Save(w); err != nil {
			return err
		}

		ev := core.NewBaseCollection("withdrawal_events")
		ev.Fields.Add(relationTo("withdrawal", w.Id, true, false))
		ev.Fields.Add(&core.TextField{Name: "from", Max: 32})
		ev.Fields.Add(&core.TextField{Name: "to", Required: true, Max: 32})
		// "user:<id>", "superuser:<id>" or "system:<what>"
		ev.Fields.Add(&core.TextField{Name: "actor", Required: true, Max: 64})
		ev.Fields.Add(&core.TextField{Name: "note", Max: 500})
		ev.Fields.Add(&core.AutodateField{Name: "created", OnCreate: true})
		ev.AddIndex("idx_withdrawal_events_withdrawal", false, "withdrawal, created", "")
		ev.ListRule = types.Pointer("withdrawal.user = @request.auth.id")
		ev.ViewRule = types.Pointer("withdrawal.user = @request.auth.id")
		return app.Save(ev)
	}, func(app core.App) error {
		for _, name := range []string{"withdrawal_events", "withdrawals"} {
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
