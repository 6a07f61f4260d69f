package shop

import (
	"database/sql"
	"errors"
	"net/http"
	"strconv"
	"strings"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"
)

// Error is a business rule violation with a stable machine-readable code.
//
// It renders as PocketBase's error shape:
//
//	{"status":409,"message":"已绑定推荐人","data":{"error":{"code":"referral_already_bound","message":"..."}}}
//
// or, when Field is set, with the field name instead of "error", so that
// form clients can show it next to the input.
type Error struct {
	Status  int
	Code    string
	Message string
	Field   string
}

// Error implements the error interface.
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// ApiError converts e to PocketBase's API error.
func (e *Error) ApiError() *router.ApiError {
	key := e.Field
	if key == "" {
		key = "error"
	}
	return router.NewApiError(e.Status, e.Message, validation.Errors{
		key: validation.NewError(e.Code, e.Message),
	})
}

// Fail returns a business rule error with the given HTTP status.
func Fail(status int, code, message string) *Error {
	return &Error{Status: status, Code: code, Message: message}
}

// FieldFail returns a 400 validation error attached to one input field.
func FieldFail(field, code, message string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: code, Message: message, Field: field}
}

// ErrInvalidBody is the answer to every request body that does not decode
// into what the route expects (broken JSON, a string for a number, ...).
var ErrInvalidBody = Fail(http.StatusBadRequest, "invalid_body", "请求格式错误 / malformed request body")

// ErrNotFound is the answer to a lookup that found nothing and had no more
// precise error of its own.
var ErrNotFound = Fail(http.StatusNotFound, "not_found", "记录不存在 / not found")

// BindBody decodes the request body into dst like [core.RequestEvent.BindBody],
// answering [ErrInvalidBody] for any body it cannot decode: the one binder
// of every route under /api/shop.
func BindBody(e *core.RequestEvent, dst any) error {
	if err := e.BindBody(dst); err != nil {
		return ErrInvalidBody
	}
	return nil
}

// ToApiError maps err to the API error returned to the client:
// shop errors keep their status and code, a lookup that found nothing is a
// 404 not_found, PocketBase API errors pass through, anything else becomes
// a 500 without internal details.
//
// A route under /api/shop does not call it: it returns its errors as they
// are and [ErrorShape] maps them. Code that answers outside that prefix
// (record hooks, a middleware a custom main.go may bind elsewhere) calls it.
func ToApiError(err error) *router.ApiError {
	var shopErr *Error
	if errors.As(err, &shopErr) {
		return shopErr.ApiError()
	}
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound.ApiError()
	}
	var apiErr *router.ApiError
	if errors.As(err, &apiErr) {
		// PocketBase wraps errors from record hooks in a generic 400;
		// surface the business rule underneath instead
		if raw, ok := apiErr.RawData().(error); ok && errors.As(raw, &shopErr) {
			return shopErr.ApiError()
		}
		return apiErr
	}
	return router.NewInternalServerError("", err)
}

// statusCodes are the codes given to PocketBase's own errors (missing
// auth, rate limit, ...) that reach a shop route without one.
var statusCodes = map[int][2]string{
	http.StatusBadRequest:            {"bad_request", "请求有误"},
	http.StatusUnauthorized:          {"auth_required", "请先登录"},
	http.StatusForbidden:             {"forbidden", "无权访问"},
	http.StatusNotFound:              {"not_found", "记录不存在"},
	http.StatusMethodNotAllowed:      {"method_not_allowed", "不支持的请求方法"},
	http.StatusRequestEntityTooLarge: {"body_too_large", "请求内容过大"},
	http.StatusTooManyRequests:       {"too_many_requests", "请求过于频繁，请稍后再试"},
	http.StatusInternalServerError:   {"internal_error", "服务器内部错误"},
}

// WithCode returns err in the shop's error shape: a [router.ApiError] whose
// data carries at least one {"code","message"}. A PocketBase error without
// one gets data.error with a code named after its status and a Chinese
// message in front of PocketBase's English one.
func WithCode(err error) *router.ApiError {
	apiErr := ToApiError(err)
	for _, v := range apiErr.Data {
		if m, ok := v.(map[string]any); ok && m["code"] != nil {
			return apiErr
		}
		if _, ok := v.(validation.Error); ok {
			return apiErr
		}
	}
	code, ok := statusCodes[apiErr.Status]
	if !ok {
		code = [2]string{"http_" + strconv.Itoa(apiErr.Status), "请求失败"}
		if apiErr.Status >= 500 {
			code = statusCodes[http.StatusInternalServerError]
		}
	}
	message := code[1] + " / " + apiErr.Message
	if apiErr.Data == nil {
		apiErr.Data = map[string]any{}
	}
	apiErr.Data["error"] = map[string]any{"code": code[0], "message": message}
	apiErr.Message = message
	return apiErr
}

// ErrorShapePriority runs the shop's error shape middleware outside every
// PocketBase middleware that can fail a request (rate limit, auth, body
// limit), inside the activity logger.
const ErrorShapePriority = apis.DefaultActivityLoggerMiddlewarePriority + 1

// ErrorShape is the router middleware that gives every error of a route
// under /api/shop/ the shop's shape with a stable code ([WithCode]),
// whatever returned it: a handler, a route middleware or PocketBase.
func ErrorShape() *hook.Handler[*core.RequestEvent] {
	return &hook.Handler[*core.RequestEvent]{
		Id:       "fenxiaoErrorShape",
		Priority: ErrorShapePriority,
		Func: func(e *core.RequestEvent) error {
			err := e.Next()
			if err == nil || !strings.HasPrefix(e.Request.URL.Path, "/api/shop/") {
				return err
			}
			return WithCode(err)
		},
	}
}
