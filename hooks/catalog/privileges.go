package catalog

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/hooks/shop"
	"fenxiao/internal/levels"
	"fenxiao/internal/pricing"
)

// Level privileges on the catalog (the fields are described in
// pb_migrations/1795612000_level_privileges.go):
//
//   - a product or SKU reserved for a level (min_level) is hidden from
//     lower levels and guests by the collections' API rules and by search,
//     and the cart and checkout refuse it with level_required;
//   - an early-access one (early_level, public_at) is shown to everyone,
//     marked, and refused with not_yet_on_sale to lower levels until it
//     opens;
//   - a SKU's level price replaces its price for a buyer of that level or
//     above; promotions and coupons are then worked out on the level price,
//     exactly as on the normal price, and commission on what was paid.
//
// The cart view and checkout both price through [Price], which applies them
// in [applyViewer], so they agree fen for fen.

const levelsCollection = "distributor_levels"

// ViewerLevel is the distributor level (rank) that privileges are judged
// on: a user's level while they are a distributor, 0 for anybody else
// (guests, shoppers, staff).
func ViewerLevel(user *core.Record) int {
	if user == nil || user.Collection() == nil || user.Collection().Name != usersCollection || !user.GetBool("is_distributor") {
		return 0
	}
	return user.GetInt("level")
}

// parseLevelPrices reads a SKU's level prices (none when the field is empty
// or not a list of {level, price}: the save hook refuses such a value).
func parseLevelPrices(raw types.JSONRaw) []levels.LevelPrice {
	// note: String is "null" for a NULL column, as a record reads it
	if s := raw.String(); s == "" || s == "null" || s == "[]" {
		return nil
	}
	var prices []levels.LevelPrice
	if err := json.Unmarshal(raw, &prices); err != nil {
		return nil
	}
	return prices
}

// levelLabels are the short names ("V2") and names ("银牌分销员") of the
// levels by rank.
type levelLabels map[int][2]string

// loadLevelLabels reads the configured levels' labels.
func loadLevelLabels(app core.App) (levelLabels, error) {
	var rows []struct {
		Rank  int    `db:"rank"`
		Label string `db:"label"`
		Name  string `db:"name"`
	}
	if err := app.DB().Select("rank", "label", "name").From(levelsCollection).All(&rows); err != nil {
		return nil, fmt.Errorf("load level labels: %w", err)
	}
	out := levelLabels{}
	for _, r := range rows {
		out[r.Rank] = [2]string{r.Label, r.Name}
	}
	return out, nil
}

// short is the label of rank on price tags: the level's label, or V<rank>.
func (l levelLabels) short(rank int) string {
	if s := l[rank][0]; s != "" {
		return s
	}
	return "V" + strconv.Itoa(rank)
}

// long names rank in a sentence: "V2（银牌分销员）", or the short label.
func (l levelLabels) long(rank int) string {
	if n := l[rank][1]; n != "" && n != l.short(rank) {
		return l.short(rank) + "（" + n + "）"
	}
	return l.short(rank)
}

// opening formats when an early-access item opens to everyone, in the
// shop's time zone.
func opening(t time.Time) string {
	if t.IsZero() {
		return "开放时间待定"
	}
	return t.In(shop.ShopTimeZone).Format("01-02 15:04") + " 开放"
}

// applyViewer fits infos to a buyer of the given rank at now: the level
// price replaces the price where one applies, and what the buyer may not
// buy is marked (see [SkuInfo.Blocked]). The level labels are read only
// when some SKU needs them.
func applyViewer(app core.App, infos map[string]*SkuInfo, rank int, now time.Time) error {
	var labels levelLabels
	label := func() (levelLabels, error) {
		if labels != nil {
			return labels, nil
		}
		var err error
		labels, err = loadLevelLabels(app)
		return labels, err
	}
	for _, info := range infos {
		info.Verdict = levels.Check(rank, now, info.productAccess, info.skuAccess)
		if info.Verdict.Reason != "" {
			l, err := label()
			if err != nil {
				return err
			}
			switch info.Verdict.Reason {
			case levels.ReasonLevelRequired:
				info.BlockedNote = "仅限" + l.long(info.Verdict.Level) + "及以上购买"
			case levels.ReasonNotYetOnSale:
				info.BlockedNote = l.short(info.Verdict.Level) + "及以上提前购，" + opening(info.Verdict.OpensAt)
			}
		}
		price, level := levels.BestPrice(info.BasePrice, info.levelPrices, rank)
		info.Price, info.PriceLabel = price, ""
		if level > 0 {
			l, err := label()
			if err != nil {
				return err
			}
			info.PriceLabel = l.short(level)
		}
	}
	return nil
}

// viewerInfo applies [applyViewer] to one SKU for user.
func viewerInfo(app core.App, info *SkuInfo, user *core.Record) error {
	return applyViewer(app, map[string]*SkuInfo{info.SkuId: info}, ViewerLevel(user), time.Now())
}

// accessError is the refusal of a SKU the buyer may not buy, nil if they may.
func accessError(title, reason, note string) error {
	switch reason {
	case levels.ReasonLevelRequired:
		return shop.Fail(http.StatusForbidden, "level_required",
			fmt.Sprintf("「%s」%s / %s is reserved for a higher distributor level", title, note, title))
	case levels.ReasonNotYetOnSale:
		return shop.Fail(http.StatusConflict, "not_yet_on_sale",
			fmt.Sprintf("「%s」%s / %s is not on sale to everyone yet", title, note, title))
	}
	return nil
}

// LineError is the refusal of a priced line the buyer's level may not buy
// (level_required, not_yet_on_sale), nil for any other line.
func LineError(l pricing.PricedLine) error {
	return accessError(l.Title, l.Blocked, l.BlockedNote)
}

// checkLevelPrices refuses a SKU save whose level prices are not a list of
// distinct levels 1..100 with prices of 0 or more.
func checkLevelPrices(e *core.RecordEvent) error {
	raw := e.Record.GetString("level_prices")
	if raw != "" && raw != "null" {
		var prices []levels.LevelPrice
		problem := ""
		if err := e.Record.UnmarshalJSONField("level_prices", &prices); err != nil {
			problem = `must be a list of {"level": 2, "price": 8900}`
		} else {
			problem = levels.ValidateLevelPrices(prices)
		}
		if problem != "" {
			return shop.FieldFail("level_prices", "level_prices_invalid",
				`等级价格式：[{"level": 2, "price": 8900}]，等级 1-100 各一次，价格不小于 0 / level_prices: `+problem)
		}
	}
	return e.Next()
}
