package orders

import (
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"fenxiao/hooks/shop"
)

var orderSeq atomic.Uint64

func init() {
	orderSeq.Store(rand.Uint64N(100000))
}

// newOrderNo returns a human-readable order number: the Shanghai date,
// the seconds of the day and a per-process sequence, e.g.
// 2026112543210 00042 → "202611254321000042" (18 digits). The unique index
// on order_no is the final guard.
func newOrderNo(now time.Time) string {
	t := now.In(shop.ShopTimeZone)
	secs := t.Hour()*3600 + t.Minute()*60 + t.Second()
	seq := orderSeq.Add(1) % 100000
	return t.Format("20060102") + fmt.Sprintf("%05d%05d", secs, seq)
}

// refundNo is the merchant refund number of an after-sale; the same number
// for every attempt, so a provider treats retries as one refund.
func refundNo(aftersaleId string) string {
	return "RF" + aftersaleId
}
