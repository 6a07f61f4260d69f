package shop

import (
	"errors"
	"net/http"

	validation "github.com/pocketbase/ozzo-validation/v4"
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

// ToApiError maps err to the API error returned to the client:
// shop errors keep their status and code, PocketBase API errors pass through,
// anything else becomes a 500 without internal details.
func ToApiError(err error) *router.ApiError {
	var shopErr *Error
	if errors.As(err, &shopErr) {
		return shopErr.ApiError()
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
