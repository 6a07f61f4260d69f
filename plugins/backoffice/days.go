package backoffice

import (
	"strconv"
	"time"

	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/hooks/shop"
)

// now is the clock of the reports (tests move it).
var now = time.Now

// dayStart returns midnight of t's Asia/Shanghai day.
func dayStart(t time.Time) time.Time {
	t = t.In(shop.ShopTimeZone)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, shop.ShopTimeZone)
}

// shopDay is t's Asia/Shanghai calendar day, as the rollup keys its rows.
func shopDay(t time.Time) string {
	return t.In(shop.ShopTimeZone).Format("2006-01-02")
}

// dbTime formats t the way PocketBase stores dates, so that ranges compare
// as text on the indexed columns.
func dbTime(t time.Time) string {
	d, _ := types.ParseDateTime(t.UTC())
	return d.String()
}

// daysParam reads ?days= as 1..366 (default def).
func daysParam(v string, def int) int {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return def
	}
	if n > 366 {
		return 366
	}
	return n
}
