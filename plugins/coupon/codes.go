package coupon

import (
	"database/sql"
	"errors"
	"net/http"
	"regexp"
	"strings"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"

	"fenxiao/hooks/shop"
)

// Distributor coupon codes: a distributor's personal code (coupon_codes,
// one per distributor) that a buyer enters at checkout. Entering it gives
// the buyer one coupon of the code's template (user_coupons.source "code",
// the template's total and per-user limit apply) and binds the buyer to
// the distributor through the shop's binder, under the binding mode like
// an invite link (source coupon_code, scene the code). A buyer the mode
// does not let bind (already bound under first_wins, register_only, a
// cycle) keeps their upline and still gets the coupon: the code is a
// discount first, the binding rides along when the rules allow it.

const (
	codesCollection = "coupon_codes"
	sourceCode      = "code"

	// generated codes: no 0/O or 1/I, which buyers mistype
	codeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	codeLength   = 8
)

var codePattern = regexp.MustCompile(`^[A-Z0-9]{4,16}$`)

var (
	errCodeInvalid        = shop.FieldFail("code", "coupon_code_invalid", "优惠码为4-16位字母或数字 / a code is 4-16 letters or digits")
	errCodeTaken          = shop.Fail(http.StatusConflict, "coupon_code_taken", "优惠码已被占用 / this code is taken")
	errCodesOff           = shop.Fail(http.StatusConflict, "coupon_codes_off", "商家未开启分销优惠码 / the shop has no distributor codes")
	errCodeNotDistributor = shop.Fail(http.StatusForbidden, "coupon_code_not_distributor", "成为分销商后才能拥有优惠码 / only distributors have a code")
	errCodeNotFound       = shop.Fail(http.StatusNotFound, "coupon_code_not_found", "优惠码不存在 / unknown code")
	errCodeDisabled       = shop.Fail(http.StatusConflict, "coupon_code_disabled", "优惠码已停用 / this code is switched off")
	errCodeOwn            = shop.Fail(http.StatusConflict, "coupon_code_own", "不能使用自己的优惠码 / you cannot use your own code")
)

// normalizeCode makes codes case-insensitive: they are stored and looked
// up upper-case.
func normalizeCode(code string) string {
	return strings.ToUpper(strings.TrimSpace(code))
}

// codeTemplate answers the template a code gives: its own when set and
// active, else the newest active template marked for_codes.
func codeTemplate(app core.App, code *core.Record) (*core.Record, error) {
	if id := code.GetString("template"); id != "" {
		t, err := liveTemplate(app, id)
		if err == nil || !errors.Is(err, errTemplateNotFound) {
			return t, err
		}
	}
	list, err := app.FindRecordsByFilter(templatesCollection, "active = true && for_codes = true", "-created", 1, 0)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, errCodesOff
	}
	return list[0], nil
}

// shopTemplate answers the shop's code template, or nil when codes are off.
func shopTemplate(app core.App) (*core.Record, error) {
	list, err := app.FindRecordsByFilter(templatesCollection, "active = true && for_codes = true", "-created", 1, 0)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return list[0], nil
}

func findCode(app core.App, code string) (*core.Record, error) {
	r, err := app.FindFirstRecordByData(codesCollection, "code", code)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errCodeNotFound
	}
	return r, err
}

// codeView is a distributor's own code as GET/POST /api/shop/coupons/code
// answer it.
func codeView(app core.App, code *core.Record) (map[string]any, error) {
	out := map[string]any{"enabled": false, "code": nil, "active": false, "template": nil}
	var t *core.Record
	var err error
	if code != nil {
		out["code"], out["active"] = code.GetString("code"), code.GetBool("active")
		t, err = codeTemplate(app, code)
	} else {
		t, err = shopTemplate(app)
	}
	if err != nil && !errors.Is(err, errCodesOff) {
		return nil, err
	}
	if t != nil {
		out["enabled"] = code == nil || code.GetBool("active")
		out["template"] = templateView(t, 0)
	}
	return out, nil
}

// myCode handles GET /api/shop/coupons/code: the caller's code, whether
// it works, and the coupon it gives.
func (p *plugin) myCode(e *core.RequestEvent) error {
	code, err := e.App.FindFirstRecordByData(codesCollection, "owner", e.Auth.Id)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	v, err := codeView(e.App, code)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, v)
}

// setCode handles POST /api/shop/coupons/code {code}: a distributor picks
// their code (or gets a generated one when code is empty); a new pick
// replaces the old code, which stops working. A code the merchant switched
// off stays off.
func (p *plugin) setCode(e *core.RequestEvent) error {
	var form struct {
		Code string `json:"code"`
	}
	if err := e.BindBody(&form); err != nil {
		return shop.FieldFail("body", "invalid_body", "请求格式错误 / malformed request body")
	}
	want := normalizeCode(form.Code)
	if want != "" && !codePattern.MatchString(want) {
		return errCodeInvalid
	}
	var code *core.Record
	err := e.App.RunInTransaction(func(txApp core.App) error {
		user, err := txApp.FindRecordById(usersCollection, e.Auth.Id)
		if err != nil {
			return err
		}
		if !user.GetBool("is_distributor") {
			return errCodeNotDistributor
		}
		if t, err := shopTemplate(txApp); err != nil {
			return err
		} else if t == nil {
			return errCodesOff
		}
		code, err = txApp.FindFirstRecordByData(codesCollection, "owner", user.Id)
		if errors.Is(err, sql.ErrNoRows) {
			col, err := txApp.FindCachedCollectionByNameOrId(codesCollection)
			if err != nil {
				return err
			}
			code = core.NewRecord(col)
			code.Set("owner", user.Id)
			code.Set("active", true)
		} else if err != nil {
			return err
		}
		if want == "" {
			if code.GetString("code") != "" {
				return nil // already has one
			}
			for range 5 {
				c := security.RandomStringWithAlphabet(codeLength, codeAlphabet)
				if _, err := findCode(txApp, c); errors.Is(err, errCodeNotFound) {
					want = c
					break
				}
			}
			if want == "" {
				return errors.New("coupon code: could not pick a unique code")
			}
		}
		if want == code.GetString("code") {
			return nil
		}
		if other, err := findCode(txApp, want); err == nil && other.Id != code.Id {
			return errCodeTaken
		} else if err != nil && !errors.Is(err, errCodeNotFound) {
			return err
		}
		code.Set("code", want)
		return txApp.Save(code)
	})
	if err != nil {
		return err
	}
	v, err := codeView(e.App, code)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, v)
}

// applyCode handles POST /api/shop/coupons/code/apply {code}: the buyer
// gets the code's coupon and, when the binding mode allows, the code's
// owner as upline, in one transaction. It answers the coupon, whether the
// buyer was bound, and the binding's refusal code when not.
func (p *plugin) applyCode(e *core.RequestEvent) error {
	var form struct {
		Code string `json:"code"`
	}
	if err := e.BindBody(&form); err != nil {
		return shop.FieldFail("body", "invalid_body", "请求格式错误 / malformed request body")
	}
	want := normalizeCode(form.Code)
	if want == "" {
		return shop.FieldFail("code", "coupon_code_required", "请输入优惠码 / enter a code")
	}
	if !codePattern.MatchString(want) {
		return errCodeNotFound
	}
	var coupon *core.Record
	bound, refused := false, ""
	err := e.App.RunInTransaction(func(txApp core.App) error {
		code, err := findCode(txApp, want)
		if err != nil {
			return err
		}
		if !code.GetBool("active") {
			return errCodeDisabled
		}
		owner, err := txApp.FindRecordById(usersCollection, code.GetString("owner"))
		if err != nil || !owner.GetBool("is_distributor") {
			return errCodeDisabled
		}
		if owner.Id == e.Auth.Id {
			return errCodeOwn
		}
		t, err := codeTemplate(txApp, code)
		if err != nil {
			return err
		}
		if coupon, err = p.issue(txApp, t, e.Auth.Id, sourceCode); err != nil {
			return err
		}
		coupon.Set("code", want)
		if err := txApp.Save(coupon); err != nil {
			return err
		}

		buyer, err := txApp.FindRecordById(usersCollection, e.Auth.Id)
		if err != nil {
			return err
		}
		if buyer.GetString("referrer") == owner.Id {
			bound = true
			return nil
		}
		err = shop.BindUpline(txApp, e.Auth.Id, owner.GetString("invite_code"), shop.SourceCouponCode, want, "user:"+e.Auth.Id)
		var se *shop.Error
		switch {
		case err == nil:
			bound = true
		case errors.As(err, &se):
			// refused before writing anything: the coupon stands
			refused = se.Code
		default:
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, map[string]any{"coupon": p.couponView(coupon), "bound": bound, "bind_refused": refused})
}
