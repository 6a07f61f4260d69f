package coupon

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/hooks/shop"
	engine "fenxiao/internal/coupon"
	"fenxiao/internal/money"
	"fenxiao/internal/pricing"
)

// choiceNone is the cart's and checkout's choice of no coupon.
const choiceNone = "none"

var (
	errUnavailable = shop.Fail(http.StatusServiceUnavailable, "coupons_unavailable",
		"优惠券暂时无法计算，请稍后重试 / coupons could not be priced, please try again")
	errCouponUnavailable = shop.Fail(http.StatusConflict, "coupon_unavailable",
		"优惠券已被使用或已过期 / the coupon was used or has expired")
)

// held is one of a buyer's coupons with its engine view.
type held struct {
	id, name         string
	startsAt, endsAt types.DateTime
	coupon           engine.Coupon
}

// heldRow is the part of a user_coupons row a quote shows.
type heldRow struct {
	Id       string         `db:"id"`
	Name     string         `db:"name"`
	Terms    types.JSONRaw  `db:"terms"`
	StartsAt types.DateTime `db:"starts_at"`
	EndsAt   types.DateTime `db:"ends_at"`
}

// readHeldRows reads the user's unused coupons that have not expired, with
// plain SQL (every priced cart and checkout asks; see [shop.Query]).
func readHeldRows(app core.App, userId string, now time.Time) ([]heldRow, error) {
	var list []heldRow
	err := shop.ScanRows(app, func(scan func(...any) error) error {
		var r heldRow
		err := scan(&r.Id, &r.Name, &r.Terms, &r.StartsAt, &r.EndsAt)
		list = append(list, r)
		return err
	}, "SELECT `id`, `name`, `terms`, `starts_at`, `ends_at` FROM `"+couponsCollection+
		"` WHERE `user` = ? AND `status` = ? AND (`ends_at` = '' OR `ends_at` > ?)", userId, statusUnused, dbTime(now))
	return list, err
}

// heldCoupons returns the user's unused coupons that have not expired
// (including those not usable yet), soonest ending first.
//
// note: every priced cart and checkout comes here, mostly for a buyer who
// holds no coupon: the five columns read straight into a struct (an index
// search on user, status, ends_at) instead of a filter parsed and records
// built for each call
func (p *plugin) heldCoupons(app core.App, userId string, now time.Time) ([]held, error) {
	rows, err := readHeldRows(app, userId, now)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	// the soonest to expire first (no end date first, as SQL orders ''), then
	// by id; sorted here, not by SQLite's temporary B-tree (see
	// shop.SortByCreated)
	slices.SortFunc(rows, func(a, b heldRow) int {
		return cmp.Or(cmp.Compare(a.EndsAt.String(), b.EndsAt.String()), cmp.Compare(a.Id, b.Id))
	})
	out := make([]held, 0, len(rows))
	for _, r := range rows {
		var t engine.Template
		// note: MarshalJSON is "null" for a NULL column, as a record reads it
		raw, _ := r.Terms.MarshalJSON()
		if err := json.Unmarshal(raw, &t); err != nil {
			return nil, fmt.Errorf("coupon %s terms: %w", r.Id, err)
		}
		out = append(out, held{id: r.Id, name: r.Name, startsAt: r.StartsAt, endsAt: r.EndsAt, coupon: engine.Coupon{
			Id: r.Id, Template: t, StartsAt: r.StartsAt.Time(), EndsAt: r.EndsAt.Time(),
		}})
	}
	return out, nil
}

// Quote implements [shop.CouponProvider]: the buyer's coupons on lines
// after promotions, the chosen (or best) one split over the lines.
func (p *plugin) Quote(app core.App, user *core.Record, lines []pricing.Line, promoOff []int64, choice string) (pricing.Coupons, error) {
	now := p.now()
	coupons, err := p.heldCoupons(app, user.Id, now)
	if err != nil {
		return pricing.Coupons{}, errors.Join(errUnavailable, err)
	}
	in := make([]engine.Line, len(lines))
	for i, l := range lines {
		off := int64(0)
		if i < len(promoOff) {
			off = promoOff[i]
		}
		in[i] = engine.Line{
			ProductId: l.ProductId, CategoryPath: l.CategoryIds,
			Amount: l.UnitPrice*int64(l.Quantity) - off, Promoted: off > 0, NoCoupon: l.NoCoupon,
		}
	}
	list := make([]engine.Coupon, len(coupons))
	for i, h := range coupons {
		list[i] = h.coupon
	}
	quotes, best := engine.QuoteAll(list, in, now)

	chosen := -1
	switch choice {
	case "":
		chosen = best
	case choiceNone:
	default:
		chosen = slices.IndexFunc(quotes, func(q engine.Quote) bool { return q.CouponId == choice })
		if chosen < 0 {
			return pricing.Coupons{}, errCouponUnavailable
		}
		if !quotes[chosen].Usable {
			return pricing.Coupons{}, shop.Fail(http.StatusConflict, "coupon_unusable",
				"优惠券不可用："+quotes[chosen].Message+" / the coupon cannot be used")
		}
	}

	out := pricing.Coupons{Options: make([]pricing.CouponOption, len(coupons))}
	for i, h := range coupons {
		q := quotes[i]
		o := pricing.CouponOption{
			Id: h.id, Name: h.name, Label: Label(h.coupon.Template),
			Usable: q.Usable, Reason: q.Reason, Message: q.Message, Amount: q.Amount,
			StartsAt: h.startsAt.String(), EndsAt: h.endsAt.String(),
			Selected: i == chosen,
		}
		out.Options[i] = o
	}
	// usable first, the most off first; then the others as held
	slices.SortStableFunc(out.Options, func(a, b pricing.CouponOption) int {
		switch {
		case a.Usable != b.Usable:
			if a.Usable {
				return -1
			}
			return 1
		case a.Amount != b.Amount:
			if a.Amount > b.Amount {
				return -1
			}
			return 1
		}
		return 0
	})
	if chosen >= 0 {
		out.PerLine = quotes[chosen].PerLine
		out.Applied = &pricing.AppliedCoupon{
			Id: coupons[chosen].id, Label: Label(coupons[chosen].coupon.Template), Amount: quotes[chosen].Amount,
		}
	}
	return out, nil
}

// Redeem implements [shop.CouponProvider]: the coupon goes from unused to
// used by order, only if it is still the buyer's, unused and not expired.
func (p *plugin) Redeem(txApp core.App, order *core.Record, c *pricing.AppliedCoupon) error {
	now := dbTime(p.now())
	res, err := txApp.DB().NewQuery("UPDATE {{" + couponsCollection + "}} SET [[status]] = 'used', [[order]] = {:order}, " +
		"[[used_at]] = {:now}, [[updated]] = {:now} " +
		"WHERE [[id]] = {:id} AND [[user]] = {:user} AND [[status]] = 'unused' " +
		"AND ([[ends_at]] = '' OR [[ends_at]] > {:now}) AND [[starts_at]] <= {:now}").
		Bind(dbx.Params{"id": c.Id, "user": order.GetString("buyer"), "order": order.Id, "now": now}).Execute()
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errCouponUnavailable
	}
	return nil
}

// Label is a coupon's short tag: "满100减10", "无门槛减5", "8.5折",
// "8.5折 最高减20".
func Label(t engine.Template) string {
	switch t.Kind {
	case engine.KindAmount:
		if t.Threshold > 0 {
			return "满" + yuanShort(t.Threshold) + "减" + yuanShort(t.Off)
		}
		return "无门槛减" + yuanShort(t.Off)
	case engine.KindPercent:
		pay := 10000 - t.RateBP // e.g. 8500 → 8.5折
		s := strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%d.%03d", pay/1000, pay%1000), "0"), ".") + "折"
		if t.Threshold > 0 {
			s = "满" + yuanShort(t.Threshold) + s
		}
		if t.MaxOff > 0 {
			s += " 最高减" + yuanShort(t.MaxOff)
		}
		return s
	}
	return ""
}

// yuanShort formats fen as yuan without trailing zero decimals: 10000 → "100", 1050 → "10.5".
func yuanShort(fen int64) string {
	return strings.TrimSuffix(strings.TrimRight(money.Yuan(fen), "0"), ".")
}

// dbTime formats t as PocketBase stores dates, for comparisons in SQL.
func dbTime(t time.Time) string {
	d, _ := types.ParseDateTime(t)
	return d.String()
}
