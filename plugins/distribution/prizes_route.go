package distribution

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/internal/levels"
)

// PrizeView is one active prize rule as the distributor centre shows it.
type PrizeView struct {
	prizeRule
	// Gift names the gift of a gift prize.
	Gift *PrizeGiftView `json:"gift,omitempty"`
	// LevelName is the level a level prize promotes to.
	LevelName string `json:"level_name,omitempty"`
}

// PrizeGiftView is a gift's product as the centre shows it.
type PrizeGiftView struct {
	Title    string `json:"title"`
	SpecText string `json:"spec_text"`
	Image    string `json:"image"`
}

// PrizePeriod is the current period of a kind.
type PrizePeriod struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// AwardView is one of the caller's prizes.
type AwardView struct {
	Id        string `db:"id" json:"id"`
	Name      string `db:"name" json:"name"`
	Period    string `db:"period" json:"period"`
	By        string `db:"by" json:"by"`
	Start     string `db:"start" json:"start"`
	End       string `db:"end" json:"end"`
	Rank      int    `db:"rank" json:"rank"`
	Value     int64  `db:"value" json:"value"`
	Kind      string `db:"kind" json:"kind"`
	Amount    int64  `db:"amount" json:"amount"`
	Status    string `db:"status" json:"status"`
	Note      string `db:"note" json:"note"`
	Order     string `db:"order" json:"order"`
	OrderNo   string `db:"order_no" json:"order_no"`
	LevelFrom int    `db:"level_from" json:"level_from"`
	LevelTo   int    `db:"level_to" json:"level_to"`
	Created   string `db:"created" json:"created"`
}

// prizes answers GET /api/shop/distribution/prizes (signed in): the active
// prize rules with the current week and month they will be judged on, and
// the caller's 20 latest prizes.
func (p *plugin) prizes(e *core.RequestEvent) error {
	var rules []prizeRule
	err := e.App.DB().Select("id", "name", "period", "by", "rank_from", "rank_to", "kind", "amount",
		"gift_sku", "gift_quantity", "level_rank", "min_value").
		From(prizeRulesCollection).Where(dbx.HashExp{"active": true}).
		OrderBy("period DESC", "by", "rank_from", "id").All(&rules)
	if err != nil {
		return err
	}
	all, err := loadLevels(e.App)
	if err != nil {
		return err
	}
	views := make([]PrizeView, 0, len(rules))
	for _, r := range rules {
		v := PrizeView{prizeRule: r}
		switch r.Kind {
		case PrizeGift:
			var g struct {
				Title    string `db:"title"`
				SpecText string `db:"spec_text"`
				Product  string `db:"product"`
				Images   string `db:"images"`
			}
			err := e.App.DB().NewQuery("SELECT p.[[title]], s.[[spec_text]], p.[[id]] AS [[product]], COALESCE(p.[[images]], '[]') AS [[images]] " +
				"FROM {{skus}} s JOIN {{products}} p ON p.[[id]] = s.[[product]] WHERE s.[[id]] = {:s}").
				Bind(dbx.Params{"s": r.GiftSku}).One(&g)
			if err == nil {
				v.Gift = &PrizeGiftView{Title: g.Title, SpecText: g.SpecText, Image: firstImageURL(g.Product, g.Images)}
			}
			v.GiftSku = ""
		case PrizeLevel:
			v.LevelName = levelName(all, r.LevelRank)
		}
		views = append(views, v)
	}

	mine := []AwardView{}
	err = e.App.DB().NewQuery("SELECT a.[[id]], a.[[name]], a.[[period]], a.[[by]], a.[[start]], a.[[end]], a.[[rank]], a.[[value]], " +
		"a.[[kind]], a.[[amount]], a.[[status]], a.[[note]], COALESCE(a.[[order]], '') AS [[order]], COALESCE(o.[[order_no]], '') AS [[order_no]], " +
		"a.[[level_from]], a.[[level_to]], a.[[created]] FROM {{prize_awards}} a LEFT JOIN {{orders}} o ON o.[[id]] = a.[[order]] " +
		"WHERE a.[[user]] = {:u} ORDER BY a.[[created]] DESC, a.[[id]] LIMIT 20").
		Bind(dbx.Params{"u": e.Auth.Id}).All(&mine)
	if err != nil {
		return err
	}

	periods := map[string]PrizePeriod{}
	for _, kind := range []string{levels.PeriodWeek, levels.PeriodMonth} {
		start, end := levels.Period(kind, p.now(), shop.ShopTimeZone)
		periods[kind] = PrizePeriod{Start: start, End: end}
	}
	return e.JSON(http.StatusOK, map[string]any{"rules": views, "periods": periods, "mine": mine})
}

// firstImageURL is the file URL of the first of a product's images (a JSON
// list of file names), or "".
func firstImageURL(productId, images string) string {
	var names []string
	if err := jsonUnmarshal(images, &names); err != nil || len(names) == 0 || names[0] == "" {
		return ""
	}
	return "/api/files/" + productsCollection + "/" + productId + "/" + names[0]
}

func jsonUnmarshal(s string, v any) error {
	return json.Unmarshal([]byte(s), v)
}
