package distribution

import (
	"net/http"
	"strconv"
	"time"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"

	"fenxiao/hooks/shop"
	"fenxiao/internal/roles"
)

// bindRoutes registers the distributor centre, leaderboard and reward routes.
func (p *plugin) bindRoutes(se *core.ServeEvent) {
	g := se.Router.Group("/api/shop/distribution")
	g.GET("/summary", p.summary).Bind(apis.RequireAuth(usersCollection))
	g.GET("/team", p.team).Bind(apis.RequireAuth(usersCollection))
	g.GET("/leaderboard", p.leaderboard)
	g.GET("/prizes", p.prizes).Bind(apis.RequireAuth(usersCollection))

	se.Router.POST("/api/shop/admin/rewards", p.reward).Bind(shop.RequirePermission(roles.RewardsGrant))
}

// Earnings are commission amounts by current status, in fen.
type Earnings struct {
	Frozen    int64 `json:"frozen"`
	Settled   int64 `json:"settled"`
	Cancelled int64 `json:"cancelled"`
}

// SummaryResponse is the answer of GET /api/shop/distribution/summary.
type SummaryResponse struct {
	Team struct {
		L1    int64 `json:"l1"`
		L2    int64 `json:"l2"`
		L3    int64 `json:"l3"`
		Total int64 `json:"total"`
	} `json:"team"`
	Today  Earnings  `json:"today"`
	Month  Earnings  `json:"month"`
	Total  Earnings  `json:"total"`
	Level  int       `json:"level"`
	Wallet *Balances `json:"wallet"`
}

// Balances are a wallet's figures under the names GET /api/shop/wallet uses:
// Available is what can be withdrawn or spent (negative while the wallet
// owes clawed-back commission), Debt is what it owes (max(-available, 0)),
// Frozen is commission not yet settled.
type Balances struct {
	Available int64 `json:"available"`
	Frozen    int64 `json:"frozen"`
	Debt      int64 `json:"debt"`

	// Deprecated: Balance is Available under its old name, kept for one
	// release so that existing clients keep working.
	Balance int64 `json:"balance"`
}

// summary answers a distributor's centre page: team size per level,
// earnings today, this month and in total by status, level and wallet.
// Every figure is a few indexed row reads, whatever the size of the team.
func (p *plugin) summary(e *core.RequestEvent) error {
	me := e.Auth.Id
	var out SummaryResponse
	out.Level = e.Auth.GetInt("level")

	var team struct {
		L1 int64 `db:"team_l1"`
		L2 int64 `db:"team_l2"`
		L3 int64 `db:"team_l3"`
	}
	err := e.App.DB().NewQuery("SELECT [[team_l1]], [[team_l2]], [[team_l3]] FROM {{referral_stats}} WHERE [[user]] = {:u}").
		Bind(dbx.Params{"u": me}).One(&team)
	if err != nil && !isNoRows(err) {
		return err
	}
	out.Team.L1, out.Team.L2, out.Team.L3 = team.L1, team.L2, team.L3
	out.Team.Total = team.L1 + team.L2 + team.L3

	now := p.now().In(shop.ShopTimeZone)
	today := now.Format(time.DateOnly)
	monthStart := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, now.Location())
	var rows []struct {
		Period    string `db:"period"`
		Frozen    int64  `db:"frozen"`
		Settled   int64  `db:"settled"`
		Cancelled int64  `db:"cancelled"`
	}
	err = e.App.DB().NewQuery(
		"SELECT [[period]], [[frozen]], [[settled]], [[cancelled]] FROM {{commission_totals}} " +
			"WHERE [[user]] = {:u} AND ([[period]] = 'all' OR ([[period]] >= {:from} AND [[period]] < {:to}))",
	).Bind(dbx.Params{
		"u": me, "from": monthStart.Format(time.DateOnly), "to": monthStart.AddDate(0, 1, 0).Format(time.DateOnly),
	}).All(&rows)
	if err != nil {
		return err
	}
	for _, r := range rows {
		ern := Earnings{Frozen: r.Frozen, Settled: r.Settled, Cancelled: r.Cancelled}
		switch r.Period {
		case periodAll:
			out.Total = ern
			continue
		case today:
			out.Today = ern
		}
		out.Month.Frozen += r.Frozen
		out.Month.Settled += r.Settled
		out.Month.Cancelled += r.Cancelled
	}

	if hasCollection(e.App, walletsCollection) {
		var w struct {
			Balance int64 `db:"balance"`
			Frozen  int64 `db:"frozen"`
		}
		err := e.App.DB().NewQuery("SELECT [[available]] AS [[balance]], [[frozen]] FROM {{wallets}} WHERE [[user]] = {:u} LIMIT 1").
			Bind(dbx.Params{"u": me}).One(&w)
		if err == nil || isNoRows(err) {
			out.Wallet = &Balances{Available: w.Balance, Frozen: w.Frozen, Debt: max(-w.Balance, 0), Balance: w.Balance}
		}
	}

	return e.JSON(http.StatusOK, out)
}

// TeamMember is one row of GET /api/shop/distribution/team.
type TeamMember struct {
	Id           string `db:"id" json:"id"`
	Nickname     string `db:"nickname" json:"nickname"`
	BoundAt      string `db:"bound_at" json:"bound_at"`
	PaidOrders   int    `db:"paid_orders" json:"paid_orders"`
	Contribution int64  `db:"contribution" json:"contribution"`
}

// team lists the caller's members at one level, newest first, with what
// each one's purchases earned the caller (net of refunds).
func (p *plugin) team(e *core.RequestEvent) error {
	q := e.Request.URL.Query()
	level, _ := strconv.Atoi(q.Get("level"))
	if level == 0 {
		level = 1
	}
	if level < 1 || level > 3 {
		return shop.FieldFail("level", "team_level_invalid", "层级只能是 1、2 或 3 / level must be 1, 2 or 3")
	}
	page, perPage := pageParams(q.Get("page"), q.Get("perPage"))

	me := e.Auth.Id
	var totals struct {
		L1 int64 `db:"team_l1"`
		L2 int64 `db:"team_l2"`
		L3 int64 `db:"team_l3"`
	}
	err := e.App.DB().NewQuery("SELECT [[team_l1]], [[team_l2]], [[team_l3]] FROM {{referral_stats}} WHERE [[user]] = {:u}").
		Bind(dbx.Params{"u": me}).One(&totals)
	if err != nil && !isNoRows(err) {
		return err
	}
	total := [3]int64{totals.L1, totals.L2, totals.L3}[level-1]

	items := []TeamMember{}
	err = e.App.DB().NewQuery(
		"SELECT u.[[id]] AS [[id]], u.[[nickname]] AS [[nickname]], COALESCE(u.[[bound_at]], '') AS [[bound_at]], u.[[paid_orders]] AS [[paid_orders]], " +
			"COALESCE((SELECT SUM(c.[[amount]] - c.[[cancelled_amount]]) FROM {{commissions}} c " +
			"WHERE c.[[beneficiary]] = {:me} AND c.[[buyer]] = u.[[id]]), 0) AS [[contribution]] " +
			"FROM {{referral_paths}} p JOIN {{users}} u ON u.[[id]] = p.[[descendant]] " +
			"WHERE p.[[ancestor]] = {:me} AND p.[[depth]] = {:d} " +
			"ORDER BY p.[[created]] DESC, p.[[id]] DESC LIMIT {:limit} OFFSET {:offset}",
	).Bind(dbx.Params{"me": me, "d": level, "limit": perPage, "offset": (page - 1) * perPage}).All(&items)
	if err != nil {
		return err
	}

	return e.JSON(http.StatusOK, map[string]any{
		"level":      level,
		"page":       page,
		"perPage":    perPage,
		"totalItems": total,
		"totalPages": (total + int64(perPage) - 1) / int64(perPage),
		"items":      items,
	})
}

// pageParams parses page (≥ 1) and perPage (1..100, default 20).
func pageParams(pageRaw, perPageRaw string) (int, int) {
	page, _ := strconv.Atoi(pageRaw)
	perPage, _ := strconv.Atoi(perPageRaw)
	if page < 1 {
		page = 1
	}
	if perPage < 1 {
		perPage = 20
	}
	return page, min(perPage, 100)
}

// rewardForm is the body of POST /api/shop/admin/rewards.
type rewardForm struct {
	User   string `json:"user"`
	Amount int64  `json:"amount"`
	Reason string `json:"reason"`

	// Key makes the request idempotent: the same key never pays twice.
	Key string `json:"key"`
}

func (f rewardForm) validate() error {
	return validation.ValidateStruct(&f,
		validation.Field(&f.User, validation.Required, validation.Length(1, 32)),
		validation.Field(&f.Amount, validation.Required, validation.Min(int64(1)), validation.Max(int64(100_000_000))),
		validation.Field(&f.Reason, validation.Required, validation.Length(1, 200)),
		validation.Field(&f.Key, validation.Length(0, 40)),
	)
}

// reward pays a superuser's bonus into a user's wallet (a reward entry).
func (p *plugin) reward(e *core.RequestEvent) error {
	var form rewardForm
	if err := shop.BindBody(e, &form); err != nil {
		return err
	}
	if err := form.validate(); err != nil {
		return e.BadRequestError("请检查提交的数据 / an error occurred while validating the submitted data", err)
	}
	refId := form.Key
	if refId == "" {
		refId = security.RandomStringWithAlphabet(15, "abcdefghijklmnopqrstuvwxyz0123456789")
	}

	var entry *core.Record
	err := e.App.RunInTransaction(func(txApp core.App) error {
		if _, err := txApp.FindRecordById(usersCollection, form.User); err != nil {
			return shop.FieldFail("user", "reward_user_not_found", "用户不存在 / no such user")
		}
		var err error
		entry, err = p.config.Post(txApp, shop.Posting{UserId: form.User, Kind: kindReward, Amount: form.Amount,
			RefType: rewardRefType, RefId: refId, Actor: shop.Actor(e), Note: form.Reason})
		return err
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, map[string]any{"ref_id": refId, "entry": entry})
}
