package distribution

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/internal/levels"
)

// Leaderboard kinds (?by=).
const (
	ByCommission = "commission" // commission earned in the period, net of refunds
	BySales      = "sales"      // level-1 commission bases: sales the distributor's direct promotion brought
	ByInvites    = "invites"    // users bound to the distributor in the period
)

// Board is a ranking for one period.
type Board struct {
	Period string     `json:"period"`
	By     string     `json:"by"`
	Start  time.Time  `json:"start"`
	End    time.Time  `json:"end"`
	Final  bool       `json:"final"` // a stored snapshot of a finished period
	Ranks  []BoardRow `json:"ranks"`
}

// BoardRow is one ranked user.
type BoardRow struct {
	Rank     int    `json:"rank"`
	User     string `json:"user,omitempty"` // only when the board is public
	Nickname string `json:"nickname"`
	Value    int64  `json:"value"`
	Me       bool   `json:"me,omitempty"` // the caller's own row
}

// Leaderboard visibilities (shop_settings.leaderboard_visibility).
const (
	BoardOff           = "off"            // superusers only
	BoardMembersMasked = "members_masked" // signed-in users, masked nicknames, no ids (default)
	BoardMembers       = "members"        // signed-in users, full nicknames, no ids
	BoardPublicMasked  = "public_masked"  // anyone, masked nicknames, no ids
	BoardPublic        = "public"         // anyone, full nicknames and user ids
)

// leaderboard answers GET /api/shop/distribution/leaderboard
// ?period=week|month&by=commission|sales|invites[&previous=1]: the current
// period is computed live; previous=1 returns the stored snapshot of the
// period before. Who may see it and what it shows of the ranked users
// follows the leaderboard_visibility setting (superusers see everything).
func (p *plugin) leaderboard(e *core.RequestEvent) error {
	settings, err := shop.LoadSettings(e.App)
	if err != nil {
		return err
	}
	visibility := settings.Record.GetString("leaderboard_visibility")
	superuser := e.HasSuperuserAuth()
	switch {
	case superuser:
		visibility = BoardPublic
	case visibility == BoardOff:
		return shop.Fail(http.StatusNotFound, "leaderboard_off", "排行榜未开放 / the leaderboard is not open")
	case e.Auth == nil && visibility != BoardPublic && visibility != BoardPublicMasked:
		return shop.Fail(http.StatusUnauthorized, "auth_required", "请先登录 / sign in to see the leaderboard")
	}
	me := ""
	if e.Auth != nil {
		me = e.Auth.Id
	}
	board, err := p.board(e)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, board.view(visibility, me))
}

// view returns the board as visibility shows it to the user me ("" for a
// guest): without user ids unless public, nicknames masked unless full,
// and the caller's own row marked (and never masked to themselves).
func (b *Board) view(visibility, me string) *Board {
	out := *b
	out.Ranks = make([]BoardRow, len(b.Ranks))
	for i, r := range b.Ranks {
		own := me != "" && r.User == me
		if visibility != BoardPublic {
			r.User = ""
		}
		if (visibility == BoardMembersMasked || visibility == BoardPublicMasked) && !own {
			r.Nickname = MaskNickname(r.Nickname)
		}
		r.Me = own
		out.Ranks[i] = r
	}
	return &out
}

// MaskNickname keeps the first character of a nickname and stars the rest
// ("王芳" → "王*", "Lucy" → "L***"); an empty one stays empty.
func MaskNickname(name string) string {
	runes := []rune(strings.TrimSpace(name))
	if len(runes) == 0 {
		return ""
	}
	return string(runes[0]) + strings.Repeat("*", max(len(runes)-1, 1))
}

// board computes or loads the board the request asks for.
func (p *plugin) board(e *core.RequestEvent) (*Board, error) {
	q := e.Request.URL.Query()
	period := q.Get("period")
	if period == "" {
		period = levels.PeriodWeek
	}
	by := q.Get("by")
	if by == "" {
		by = ByCommission
	}
	if period != levels.PeriodWeek && period != levels.PeriodMonth {
		return nil, shop.FieldFail("period", "leaderboard_period_invalid", "周期只能是 week 或 month / period must be week or month")
	}
	if by != ByCommission && by != BySales && by != ByInvites {
		return nil, shop.FieldFail("by", "leaderboard_by_invalid", "排行依据只能是 commission、sales 或 invites / by must be commission, sales or invites")
	}

	start, end := levels.Period(period, p.now(), shop.ShopTimeZone)
	if q.Get("previous") == "1" {
		start, end = levels.Period(period, start.Add(-time.Second), shop.ShopTimeZone)
		board, err := loadSnapshot(e.App, period, by, start)
		if err != nil {
			return nil, err
		}
		if board != nil {
			return board, nil
		}
	}

	board, err := p.computeBoard(e.App, period, by, start, end)
	if err != nil {
		return nil, err
	}
	return board, nil
}

// computeBoard ranks users for [start, end).
func (p *plugin) computeBoard(app core.App, period, by string, start, end time.Time) (*Board, error) {
	var entries []struct {
		User  string `db:"user"`
		Value int64  `db:"value"`
	}
	limit := p.config.LeaderboardLength
	var err error
	switch by {
	case ByInvites:
		err = app.DB().NewQuery(
			"SELECT [[referrer]] AS [[user]], COUNT(*) AS [[value]] FROM {{users}} " +
				"WHERE [[bound_at]] >= {:from} AND [[bound_at]] < {:to} AND [[bound_at]] != '' AND [[referrer]] != '' " +
				"GROUP BY [[referrer]] ORDER BY [[value]] DESC, [[user]] LIMIT {:limit}",
		).Bind(dbx.Params{"from": dbTime(start), "to": dbTime(end), "limit": limit}).All(&entries)
	default:
		expr := "[[frozen]] + [[settled]]"
		if by == BySales {
			expr = "[[sales]]"
		}
		err = app.DB().NewQuery(
			"SELECT [[user]], SUM(" + expr + ") AS [[value]] FROM {{commission_totals}} " +
				"WHERE [[period]] >= {:from} AND [[period]] < {:to} " +
				"GROUP BY [[user]] HAVING [[value]] > 0 ORDER BY [[value]] DESC, [[user]] LIMIT {:limit}",
		).Bind(dbx.Params{"from": day(start), "to": day(end), "limit": limit}).All(&entries)
	}
	if err != nil {
		return nil, wrap("leaderboard", err)
	}

	list := make([]levels.Entry, len(entries))
	ids := make([]string, len(entries))
	for i, en := range entries {
		list[i] = levels.Entry{UserId: en.User, Value: en.Value}
		ids[i] = en.User
	}
	names := map[string]string{}
	if len(ids) > 0 {
		var rows []struct {
			Id       string `db:"id"`
			Nickname string `db:"nickname"`
		}
		if err := app.DB().Select("id", "nickname").From(usersCollection).Where(dbx.In("id", anySlice(ids)...)).All(&rows); err != nil {
			return nil, err
		}
		for _, r := range rows {
			names[r.Id] = r.Nickname
		}
	}

	board := &Board{Period: period, By: by, Start: start, End: end, Ranks: []BoardRow{}}
	for _, r := range levels.Rank(list) {
		board.Ranks = append(board.Ranks, BoardRow{Rank: r.Rank, User: r.UserId, Nickname: names[r.UserId], Value: r.Value})
	}
	return board, nil
}

// dbTime formats t as PocketBase stores dates.
func dbTime(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04:05.000Z")
}

// loadSnapshot returns the stored board of a finished period, or nil.
func loadSnapshot(app core.App, period, by string, start time.Time) (*Board, error) {
	r, err := app.FindFirstRecordByFilter(snapshotsCollection, "period = {:p} && by = {:b} && start = {:s}",
		dbx.Params{"p": period, "b": by, "s": dbTime(start)})
	if err != nil {
		if isNoRows(err) {
			return nil, nil
		}
		return nil, err
	}
	board := &Board{Period: period, By: by, Start: r.GetDateTime("start").Time(), End: r.GetDateTime("end").Time(), Final: true}
	if err := r.UnmarshalJSONField("ranks", &board.Ranks); err != nil {
		return nil, err
	}
	return board, nil
}

// runSnapshotJob is the leaderboard_snapshot job: it stores the boards of
// the week and month that ended last (once each), then gives the prizes of
// those periods (once each, see awardPrizes).
func (p *plugin) runSnapshotJob(app core.App) (string, error) {
	col, err := app.FindCachedCollectionByNameOrId(snapshotsCollection)
	if err != nil {
		return "", err
	}
	stored := 0
	var prizes PrizeRun
	for _, period := range []string{levels.PeriodWeek, levels.PeriodMonth} {
		current, _ := levels.Period(period, p.now(), shop.ShopTimeZone)
		start, end := levels.Period(period, current.Add(-time.Second), shop.ShopTimeZone)
		for _, by := range []string{ByCommission, BySales, ByInvites} {
			existing, err := loadSnapshot(app, period, by, start)
			if err != nil {
				return "", err
			}
			if existing != nil {
				continue
			}
			board, err := p.computeBoard(app, period, by, start, end)
			if err != nil {
				return "", err
			}
			r := core.NewRecord(col)
			r.Load(map[string]any{"period": period, "by": by, "start": start, "end": end, "ranks": board.Ranks})
			if err := app.Save(r); err != nil {
				return "", wrap("save leaderboard snapshot", err)
			}
			stored++
		}
		if hasCollection(app, prizeAwardsCollection) {
			run, err := p.awardPrizes(app, period, start, end)
			prizes.Granted, prizes.Failed, prizes.Existed = prizes.Granted+run.Granted, prizes.Failed+run.Failed, prizes.Existed+run.Existed
			if err != nil {
				return "", err
			}
		}
	}
	return fmt.Sprintf("stored %d leaderboard snapshots; prizes: %d granted, %d failed, %d already given",
		stored, prizes.Granted, prizes.Failed, prizes.Existed), nil
}
