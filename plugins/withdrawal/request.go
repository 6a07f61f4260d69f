package withdrawal

import (
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/internal/ledger"
	"fenxiao/internal/money"
)

type accountForm struct {
	// RealName is the payee's real name for WeChat transfers that need it.
	RealName string `json:"real_name"`

	// Name, Bank and Number describe a bank account.
	Name   string `json:"name"`
	Bank   string `json:"bank"`
	Number string `json:"number"`
}

type requestForm struct {
	Amount  int64       `json:"amount"`
	Channel string      `json:"channel"`
	Account accountForm `json:"account"`
}

// requestWithdrawal handles POST /api/shop/withdrawals.
func (p *plugin) requestWithdrawal(e *core.RequestEvent) error {
	var form requestForm
	if err := shop.BindBody(e, &form); err != nil {
		return err
	}

	var created *core.Record
	err := e.App.RunInTransaction(func(txApp core.App) error {
		var err error
		created, err = p.create(txApp, e.Auth.Id, form)
		return err
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, created)
}

// create validates a request and, inside txApp, creates the withdrawal,
// holds its amount and logs it.
func (p *plugin) create(txApp core.App, userId string, form requestForm) (*core.Record, error) {
	if form.Amount <= 0 {
		return nil, shop.FieldFail("amount", "invalid_amount", "提现金额必须大于 0 / the amount must be positive")
	}

	user, err := txApp.FindRecordById(shop.UsersCollection, userId)
	if err != nil {
		return nil, err
	}

	var (
		account = map[string]any{}
		number  string
		openid  string
	)
	switch form.Channel {
	case ChannelWechat:
		if _, ok := p.shop.PayoutProvider(p.config.WechatProvider); !ok {
			return nil, shop.FieldFail("channel", "channel_unavailable", "暂不支持提现到微信 / WeChat withdrawals are not available")
		}
		openid = user.GetString("wx_openid")
		if openid == "" {
			return nil, shop.FieldFail("channel", "wechat_not_bound", "请先用微信登录 / sign in with WeChat first")
		}
		if name := strings.TrimSpace(form.Account.RealName); name != "" {
			if len([]rune(name)) > 32 {
				return nil, shop.FieldFail("account", "invalid_account", "姓名太长 / the name is too long")
			}
			account["real_name"] = name
		}
	case ChannelBank:
		if p.config.DisableBank {
			return nil, shop.FieldFail("channel", "channel_unavailable", "暂不支持提现到银行卡 / bank withdrawals are not available")
		}
		name, bank := strings.TrimSpace(form.Account.Name), strings.TrimSpace(form.Account.Bank)
		number = strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) || r == '-' {
				return -1
			}
			return r
		}, form.Account.Number)
		if name == "" || len([]rune(name)) > 32 || bank == "" || len([]rune(bank)) > 64 || !cardNumber(number) {
			return nil, shop.FieldFail("account", "invalid_account",
				"请填写开户名、开户行和 8–30 位卡号 / a bank account needs a name, a bank and an 8-30 digit number")
		}
		account["name"] = name
		account["bank"] = bank
		account["number"] = "**** " + number[len(number)-4:]
	default:
		return nil, shop.FieldFail("channel", "invalid_channel", "提现方式只能是 wechat 或 bank / channel is wechat or bank")
	}

	settings, err := shop.LoadSettings(txApp)
	if err != nil {
		return nil, err
	}
	if form.Amount < settings.WithdrawMin {
		return nil, shop.FieldFail("amount", "withdraw_below_min",
			fmt.Sprintf("最低提现 %s 元 / the minimum is %d fen", money.Yuan(settings.WithdrawMin), settings.WithdrawMin))
	}
	fee := money.ApplyRate(form.Amount, settings.WithdrawFeeRate)
	payout := form.Amount - fee
	if payout <= 0 {
		return nil, shop.FieldFail("amount", "withdraw_below_fee", "扣除手续费后无可到账金额 / nothing is left after the fee")
	}

	day := time.Now().In(shop.ShopTimeZone).Format(time.DateOnly)
	if settings.WithdrawDailyLimit > 0 {
		n, err := txApp.CountRecords(WithdrawalsCollection, dbx.HashExp{"user": userId, "day": day})
		if err != nil {
			return nil, err
		}
		if n >= int64(settings.WithdrawDailyLimit) {
			return nil, shop.Fail(http.StatusTooManyRequests, "withdraw_daily_limit",
				fmt.Sprintf("每天最多提现 %d 次 / at most %d withdrawals a day", settings.WithdrawDailyLimit, settings.WithdrawDailyLimit))
		}
	}

	available, _, err := shop.WalletBalance(txApp, userId)
	if err != nil {
		return nil, err
	}
	if available < 0 {
		return nil, shop.Fail(http.StatusConflict, "wallet_in_debt",
			fmt.Sprintf("账户欠款 %s 元，需先抵扣 / the wallet owes %d fen", money.Yuan(-available), -available))
	}
	if available < form.Amount {
		return nil, shop.ErrInsufficientBalance
	}

	c, err := txApp.FindCachedCollectionByNameOrId(WithdrawalsCollection)
	if err != nil {
		return nil, err
	}
	actor := "user:" + userId
	r := core.NewRecord(c)
	r.Set("user", userId)
	r.Set("amount", form.Amount)
	r.Set("fee", fee)
	r.Set("payout", payout)
	r.Set("channel", form.Channel)
	r.Set("account", account)
	r.Set("account_number", number)
	r.Set("openid", openid)
	r.Set("status", StatusPending)
	r.Set("day", day)
	if err := save(txApp, r, actor); err != nil {
		return nil, err
	}
	if _, err := shop.PostEntry(txApp, shop.Posting{UserId: userId, Kind: ledger.KindWithdrawHold, Amount: form.Amount, RefType: RefType, RefId: r.Id, Actor: actor, Note: fmt.Sprintf("提现申请 %s 元", money.Yuan(form.Amount))}); err != nil {
		return nil, err
	}
	if err := logEvent(txApp, r.Id, "", StatusPending, actor, ""); err != nil {
		return nil, err
	}
	if err := notifyStaffRequest(txApp, r); err != nil {
		return nil, err
	}
	return r, nil
}

func cardNumber(s string) bool {
	if len(s) < 8 || len(s) > 30 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// cancel handles POST /api/shop/withdrawals/cancel/{id}: the user takes
// back a request nobody reviewed yet.
func (p *plugin) cancel(e *core.RequestEvent) error {
	id, err := shop.PathId(e, "id")
	if err != nil {
		return err
	}
	var r *core.Record
	err = e.App.RunInTransaction(func(txApp core.App) error {
		w, err := find(txApp, id, e.Auth.Id)
		if err != nil {
			return err
		}
		if w.GetString("status") != StatusPending {
			return errTransition(w.GetString("status"), StatusClosed)
		}
		r, err = move(txApp, id, StatusPending, StatusClosed, "user:"+e.Auth.Id, func(r *core.Record) {
			r.Set("reason", "用户取消 / cancelled by the user")
			r.Set("finished_at", time.Now())
		})
		return err
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, r)
}
