package promotion

import (
	"errors"
	"net/http"

	"fenxiao/hooks/shop"
)

// errUnavailable is the API error of a cart or checkout whose promotions
// could not be worked out.
//
// note: a 503, not a 4xx: the database failed, not the caller; and never
// the full price instead, which the buyer was not shown.
var errUnavailable = shop.Fail(http.StatusServiceUnavailable, "promotions_unavailable",
	"优惠活动暂时无法计算，请稍后重试 / promotions could not be priced, please try again")

// unavailable returns errUnavailable for a database error met while
// pricing or checking promotions (the cause is kept for the logs, not
// shown to the client).
func unavailable(err error) error {
	return errors.Join(errUnavailable, err)
}
