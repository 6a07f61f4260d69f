package wallet

import (
	"errors"
	"net/http"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"

	"fenxiao/hooks/shop"
	"fenxiao/internal/ledger"
)

// balanceView returns the signed-in user's balances.
func balanceView(e *core.RequestEvent) error {
	w, err := e.App.FindFirstRecordByData(WalletsCollection, "user", e.Auth.Id)
	if err != nil {
		// no wallet yet
		return e.JSON(http.StatusOK, map[string]any{
			"available": 0, "frozen": 0, "total_earned": 0, "total_withdrawn": 0, "debt": 0,
		})
	}
	available := shop.AsWallet(w).Available()
	return e.JSON(http.StatusOK, map[string]any{
		"wallet":          w.Id,
		"available":       available,
		"frozen":          w.GetInt("frozen"),
		"total_earned":    w.GetInt("total_earned"),
		"total_withdrawn": w.GetInt("total_withdrawn"),
		"debt":            max(-available, 0),
	})
}

type adjustForm struct {
	Amount int64  `json:"amount"`
	Note   string `json:"note"`
	// Ref makes a retried request idempotent; a random one is used when empty.
	Ref string `json:"ref"`
}

// adjust books a superuser's correction on a user's wallet.
func adjust(e *core.RequestEvent) error {
	var form adjustForm
	if err := shop.BindBody(e, &form); err != nil {
		return err
	}
	form.Note = strings.TrimSpace(form.Note)
	switch {
	case form.Amount == 0:
		return shop.FieldFail("amount", "invalid_amount", "调整金额不能为 0 / the amount cannot be 0")
	case form.Note == "":
		return shop.FieldFail("note", "note_required", "请填写调整原因 / a note is required")
	case len(form.Ref) > 48:
		return shop.FieldFail("ref", "invalid_ref", "ref 太长 / ref is too long")
	}
	if form.Ref == "" {
		form.Ref = security.RandomString(15)
	}

	userId, err := shop.PathId(e, "user")
	if err != nil {
		return err
	}
	if _, err := e.App.FindRecordById("users", userId); err != nil {
		return shop.Fail(http.StatusNotFound, "user_not_found", "用户不存在 / user not found")
	}

	var entry *core.Record
	err = e.App.RunInTransaction(func(txApp core.App) error {
		var err error
		entry, err = Post(txApp, Posting{UserId: userId, Kind: ledger.KindAdjustment, Amount: form.Amount, RefType: "adjustment", RefId: form.Ref, Actor: shop.Actor(e), Note: form.Note})
		return err
	})
	if err != nil {
		if errors.Is(err, ErrNotInTransaction) {
			return e.InternalServerError("", err)
		}
		return err
	}
	return e.JSON(http.StatusOK, entry)
}

// Entries returns a wallet's entries ordered by seq (for tools and tests).
func Entries(app core.App, walletId string) ([]*core.Record, error) {
	return app.FindRecordsByFilter(EntriesCollection, "wallet = {:w}", "seq", 0, 0, dbx.Params{"w": walletId})
}
