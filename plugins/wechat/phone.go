package wechat

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
)

// errCodeInvalid is WeChat's answer to a getPhoneNumber code that is
// invalid, expired or already used.
const errCodeInvalid = 40029

// mainlandPhone is the users.phone pattern: the shop signs in and reaches
// buyers by mainland mobile numbers only.
var mainlandPhone = regexp.MustCompile(`^1[3-9]\d{9}$`)

// ErrInvalidPhoneCode is returned when WeChat rejects the getPhoneNumber
// button's code.
var ErrInvalidPhoneCode = errors.New("wechat: invalid phone number code")

// PhoneInfo is the phone_info of getuserphonenumber's answer.
type PhoneInfo struct {
	PhoneNumber     string `json:"phoneNumber"`
	PurePhoneNumber string `json:"purePhoneNumber"`
	CountryCode     string `json:"countryCode"`
	Watermark       struct {
		Timestamp int64  `json:"timestamp"`
		AppId     string `json:"appid"`
	} `json:"watermark"`
}

// GetPhoneNumber exchanges the code of a getPhoneNumber button
// (<button open-type="getPhoneNumber">) for the verified phone number,
// through getuserphonenumber. Like [Client.GetUnlimitedQRCode] it replaces
// a token WeChat reports as invalid and retries once.
//
// NB! It calls WeChat: never call it inside a database transaction.
func (c *Client) GetPhoneNumber(ctx context.Context, code string) (*PhoneInfo, error) {
	for attempt := 0; ; attempt++ {
		token, err := c.accessToken(ctx)
		if err != nil {
			return nil, err
		}
		info, errCode, err := c.phoneNumber(ctx, token, code)
		if (errCode == errTokenInvalid || errCode == errTokenExpired) && attempt == 0 {
			c.forgetToken(token)
			continue
		}
		if errCode == errCodeInvalid {
			return nil, fmt.Errorf("%w: %v", ErrInvalidPhoneCode, err)
		}
		return info, err
	}
}

func (c *Client) phoneNumber(ctx context.Context, token, code string) (*PhoneInfo, int, error) {
	var answer struct {
		apiError
		PhoneInfo *PhoneInfo `json:"phone_info"`
	}
	res, err := c.http.R().SetContext(ctx).
		SetQueryParam("access_token", token).
		SetHeader("Content-Type", "application/json").
		SetBody(map[string]any{"code": code}).
		Post("/wxa/business/getuserphonenumber")
	if err != nil {
		return nil, 0, fmt.Errorf("wechat getuserphonenumber: %w", withoutURL(err))
	}
	if res.StatusCode() != http.StatusOK {
		return nil, 0, fmt.Errorf("wechat getuserphonenumber: http %d", res.StatusCode())
	}
	if err := json.Unmarshal(res.Body(), &answer); err != nil {
		return nil, 0, fmt.Errorf("wechat getuserphonenumber: %w", err)
	}
	if answer.ErrCode != 0 {
		return nil, answer.ErrCode, fmt.Errorf("wechat getuserphonenumber: %d %s", answer.ErrCode, answer.ErrMsg)
	}
	if answer.PhoneInfo == nil || answer.PhoneInfo.PurePhoneNumber == "" {
		return nil, 0, errors.New("wechat getuserphonenumber: no phone_info in the answer")
	}
	return answer.PhoneInfo, 0, nil
}

type phoneForm struct {
	Code string `json:"code"`
}

// bindPhone is POST /api/shop/auth/wechat/phone {code}: the signed-in user's
// phone number, verified by WeChat, is stored on the account. The call to
// WeChat happens before the transaction that stores it.
func (c *Client) bindPhone(e *core.RequestEvent) error {
	var form phoneForm
	if err := e.BindBody(&form); err != nil {
		return e.BadRequestError("请求格式错误 / malformed body", err)
	}
	if form.Code == "" || len(form.Code) > 256 {
		return shop.FieldFail("code", "wechat_phone_code_required", "缺少手机号授权码 / code is required").ApiError()
	}

	info, err := c.GetPhoneNumber(e.Request.Context(), form.Code)
	if errors.Is(err, ErrInvalidPhoneCode) {
		return shop.Fail(http.StatusBadRequest, "wechat_phone_code_invalid", "手机号授权已失效，请重新授权 / the phone code is invalid or used").ApiError()
	}
	if err != nil {
		e.App.Logger().Error("wechat phone number failed", "error", err.Error())
		return shop.Fail(http.StatusBadGateway, "wechat_unavailable", "微信服务暂不可用 / WeChat is unavailable").ApiError()
	}
	phone := info.PurePhoneNumber
	if (info.CountryCode != "" && info.CountryCode != "86") || !mainlandPhone.MatchString(phone) {
		return shop.Fail(http.StatusBadRequest, "phone_not_supported", "仅支持中国大陆手机号 / only mainland China mobile numbers are supported").ApiError()
	}

	var user *core.Record
	err = e.App.RunInTransaction(func(txApp core.App) error {
		other, err := txApp.FindFirstRecordByFilter(shop.UsersCollection, "phone = {:phone} && id != {:id}",
			dbx.Params{"phone": phone, "id": e.Auth.Id})
		if err == nil && other != nil {
			return shop.Fail(http.StatusConflict, "phone_in_use", "该手机号已绑定其他账号 / the number belongs to another account")
		}
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		user, err = txApp.FindRecordById(shop.UsersCollection, e.Auth.Id)
		if err != nil {
			return err
		}
		if user.GetString("phone") == phone {
			return nil
		}
		user.Set("phone", phone)
		return txApp.Save(user)
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, map[string]any{"phone": user.GetString("phone")})
}
