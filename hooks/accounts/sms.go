package accounts

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"math/big"
	"net/http"
	"regexp"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/hooks/shop"
)

// SMS limits. The route is also covered by PocketBase's rate limiter
// (per IP), configured in the foundation migration.
const (
	smsResendInterval  = 60 * time.Second
	smsMaxPerPhoneDay  = 10
	smsMaxPerIPHour    = 30
	smsMaxVerifyTries  = 5
	smsCodeDigits      = 6
	smsCodesCollection = "sms_codes"
)

var mainlandMobile = regexp.MustCompile(`^1[3-9]\d{9}$`)

func hashSMSCode(phone, code string) string {
	sum := sha256.Sum256([]byte("fenxiao-sms:" + phone + ":" + code))
	return hex.EncodeToString(sum[:])
}

func newSMSCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf("%0*d", smsCodeDigits, n.Int64())
}

type smsSendForm struct {
	Phone string `json:"phone"`
}

// smsSend is POST /api/shop/auth/sms/send {phone}: stores a hashed, expiring
// code and sends it after the row is committed.
func (p *plugin) smsSend(e *core.RequestEvent) error {
	var form smsSendForm
	if err := shop.BindBody(e, &form); err != nil {
		return err
	}
	if !mainlandMobile.MatchString(form.Phone) {
		return shop.FieldFail("phone", "phone_invalid", "手机号格式不正确 / invalid mainland mobile number").ApiError()
	}

	now := time.Now().UTC()
	ip := e.RealIP()
	code := newSMSCode()
	err := e.App.RunInTransaction(func(txApp core.App) error {
		var last struct {
			Created types.DateTime `db:"created"`
		}
		err := txApp.DB().NewQuery("SELECT [[created]] FROM {{sms_codes}} WHERE [[phone]] = {:p} ORDER BY [[created]] DESC LIMIT 1").
			Bind(dbx.Params{"p": form.Phone}).One(&last)
		if err == nil && now.Sub(last.Created.Time()) < smsResendInterval {
			return shop.Fail(http.StatusTooManyRequests, "sms_too_frequent", "发送太频繁，请稍后再试 / wait a minute before asking again")
		}
		if err != nil && !isNoRows(err) {
			return err
		}
		dayStart := types.NowDateTime().Add(-24 * time.Hour).String()
		if n, err := countSince(txApp, "phone", form.Phone, dayStart); err != nil {
			return err
		} else if n >= smsMaxPerPhoneDay {
			return shop.Fail(http.StatusTooManyRequests, "sms_daily_limit", "今日验证码次数已用完 / daily SMS limit reached")
		}
		hourStart := types.NowDateTime().Add(-time.Hour).String()
		if n, err := countSince(txApp, "ip", ip, hourStart); err != nil {
			return err
		} else if n >= smsMaxPerIPHour {
			return shop.Fail(http.StatusTooManyRequests, "sms_ip_limit", "请求过多 / too many SMS requests from your network")
		}

		col, err := txApp.FindCachedCollectionByNameOrId(smsCodesCollection)
		if err != nil {
			return err
		}
		r := core.NewRecord(col)
		expires, _ := types.ParseDateTime(now.Add(p.config.SMSCodeTTL))
		r.Load(map[string]any{
			"phone":      form.Phone,
			"code_hash":  hashSMSCode(form.Phone, code),
			"expires_at": expires,
			"ip":         ip,
		})
		return txApp.Save(r)
	})
	if err != nil {
		return err
	}

	// note: the provider is called only after the code is stored and committed
	if err := p.shop.SMSSender().SendCode(e.Request.Context(), form.Phone, code); err != nil {
		e.App.Logger().Error("sms send failed", "phone", form.Phone, "error", err.Error())
		return shop.Fail(http.StatusServiceUnavailable, "sms_send_failed", "短信发送失败，请稍后再试 / could not send the SMS").ApiError()
	}
	return e.JSON(http.StatusOK, map[string]any{"sent": true, "expires_in": int(p.config.SMSCodeTTL.Seconds())})
}

func countSince(app core.App, field, value, since string) (int, error) {
	var n int
	err := app.DB().NewQuery(
		"SELECT COUNT(*) FROM {{sms_codes}} WHERE [[" + field + "]] = {:v} AND [[created]] >= {:since}",
	).Bind(dbx.Params{"v": value, "since": since}).Row(&n)
	return n, err
}

type smsVerifyForm struct {
	Phone    string `json:"phone"`
	Code     string `json:"code"`
	Nickname string `json:"nickname"`
	Invitation
}

// smsVerify is POST /api/shop/auth/sms/verify {phone, code, inviter?}: checks
// the latest code (single-use, expiring, at most smsMaxVerifyTries guesses)
// and signs the phone's user in, creating it on first use.
func (p *plugin) smsVerify(e *core.RequestEvent) error {
	var form smsVerifyForm
	if err := shop.BindBody(e, &form); err != nil {
		return err
	}
	if !mainlandMobile.MatchString(form.Phone) {
		return shop.FieldFail("phone", "phone_invalid", "手机号格式不正确 / invalid mainland mobile number").ApiError()
	}
	if len(form.Code) != smsCodeDigits {
		return shop.FieldFail("code", "sms_code_invalid", "验证码错误 / wrong code").ApiError()
	}

	// an unknown inviter is refused before the code is used up, so that the
	// buyer can correct it without waiting for a new code
	if form.Invitation.Code != "" {
		if _, err := FindUserByInviteCode(e.App, form.Invitation.Code); err != nil {
			return err
		}
	}

	// the attempt is counted in its own transaction so a wrong guess is
	// recorded even though the request fails
	var consumeErr error
	err := e.App.RunInTransaction(func(txApp core.App) error {
		var row struct {
			Id        string         `db:"id"`
			Hash      string         `db:"code_hash"`
			ExpiresAt types.DateTime `db:"expires_at"`
			Attempts  int            `db:"attempts"`
		}
		err := txApp.DB().NewQuery(
			"SELECT [[id]], [[code_hash]], [[expires_at]], [[attempts]] FROM {{sms_codes}} " +
				"WHERE [[phone]] = {:p} AND [[used]] = FALSE ORDER BY [[created]] DESC LIMIT 1",
		).Bind(dbx.Params{"p": form.Phone}).One(&row)
		if isNoRows(err) {
			consumeErr = shop.FieldFail("code", "sms_code_invalid", "验证码错误或已使用 / wrong or used code")
			return nil
		}
		if err != nil {
			return err
		}
		if time.Now().After(row.ExpiresAt.Time()) {
			consumeErr = shop.FieldFail("code", "sms_code_expired", "验证码已过期 / the code has expired")
			return nil
		}
		if row.Attempts >= smsMaxVerifyTries {
			consumeErr = shop.Fail(http.StatusTooManyRequests, "sms_code_attempts", "尝试次数过多，请重新获取 / too many attempts, request a new code")
			return nil
		}
		if subtle.ConstantTimeCompare([]byte(row.Hash), []byte(hashSMSCode(form.Phone, form.Code))) != 1 {
			_, err := txApp.DB().NewQuery("UPDATE {{sms_codes}} SET [[attempts]] = [[attempts]] + 1 WHERE [[id]] = {:id}").
				Bind(dbx.Params{"id": row.Id}).Execute()
			consumeErr = shop.FieldFail("code", "sms_code_invalid", "验证码错误 / wrong code")
			return err
		}
		// single use: only one request can flip used from false to true
		res, err := txApp.DB().NewQuery("UPDATE {{sms_codes}} SET [[used]] = TRUE WHERE [[id]] = {:id} AND [[used]] = FALSE").
			Bind(dbx.Params{"id": row.Id}).Execute()
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			consumeErr = shop.FieldFail("code", "sms_code_invalid", "验证码已使用 / the code was already used")
		}
		return nil
	})
	if err != nil {
		return err
	}
	if consumeErr != nil {
		return consumeErr
	}

	user, _, err := SignInOrUp(e.App, Identity{
		Field: "phone",
		Value: form.Phone,
		Init: func(u *core.Record) {
			nickname := form.Nickname
			if nickname == "" {
				nickname = "用户" + form.Phone[len(form.Phone)-4:]
			}
			u.Set("nickname", nickname)
		},
	}, form.Invitation)
	if err != nil {
		return err
	}
	return apis.RecordAuthResponse(e, user, "sms", nil)
}
