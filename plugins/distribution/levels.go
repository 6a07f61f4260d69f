package distribution

import (
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/internal/levels"
)

// onOrderCompleted counts the order in the sales figures of the buyer and
// of the uplines on its snapshot, then upgrades whoever now qualifies.
func (p *plugin) onOrderCompleted(e *shop.OrderEvent) error {
	amount := e.Order.Payable() - e.Order.RefundedAmount()
	buyer := e.Order.GetString("buyer")
	chain := snapshotChainIds(e.Order.Record)
	if amount > 0 && buyer != "" {
		if err := addStats(e.App, buyer, chain, amount); err != nil {
			return wrap("distribution: sales stats", err)
		}
	}
	if err := p.evaluateLevels(e.App, append([]string{buyer}, chain...), "system:order_completed"); err != nil {
		return wrap("distribution: levels", err)
	}
	return e.Next()
}

// refundStats takes a refund of a completed order back out of the sales
// figures (never below zero). Levels already reached are kept.
func (p *plugin) refundStats(txApp core.App, order *core.Record, refunded int64) error {
	if refunded <= 0 || order == nil || order.GetDateTime("completed_at").IsZero() {
		return nil
	}
	return addStats(txApp, order.GetString("buyer"), snapshotChainIds(order), -refunded)
}

// snapshotChainIds returns the upline ids on the order's snapshot.
func snapshotChainIds(order *core.Record) []string {
	var snap Snapshot
	if err := order.UnmarshalJSONField("upline_snapshot", &snap); err != nil {
		return nil
	}
	ids := make([]string, 0, len(snap.Chain))
	for _, m := range snap.Chain {
		if m.Id != "" {
			ids = append(ids, m.Id)
		}
	}
	return ids
}

// addStats adds delta to the buyer's own sales and the uplines' team sales.
func addStats(txApp core.App, buyer string, chain []string, delta int64) error {
	upsert := func(user, field string) error {
		_, err := txApp.DB().NewQuery(
			"INSERT INTO {{distributor_stats}} ([[id]], [[user]], [[own_sales]], [[team_sales]]) " +
				"VALUES (substr(lower(hex(randomblob(8))), 1, 15), {:u}, 0, 0) ON CONFLICT ([[user]]) DO NOTHING",
		).Bind(dbx.Params{"u": user}).Execute()
		if err != nil {
			return err
		}
		_, err = txApp.DB().NewQuery(
			"UPDATE {{distributor_stats}} SET [[" + field + "]] = MAX(0, [[" + field + "]] + {:d}) WHERE [[user]] = {:u}",
		).Bind(dbx.Params{"u": user, "d": delta}).Execute()
		return err
	}
	if err := upsert(buyer, "own_sales"); err != nil {
		return err
	}
	for _, id := range chain {
		if err := upsert(id, "team_sales"); err != nil {
			return err
		}
	}
	return nil
}

// loadLevels returns the configured distributor levels.
func loadLevels(app core.App) ([]levels.Level, error) {
	records, err := app.FindAllRecords(levelsCollection)
	if err != nil {
		return nil, err
	}
	out := make([]levels.Level, 0, len(records))
	for _, r := range records {
		out = append(out, levels.Level{
			Rank:              r.GetInt("rank"),
			Name:              r.GetString("name"),
			Rates:             [3]int64{int64(r.GetInt("rate_l1_bp")), int64(r.GetInt("rate_l2_bp")), int64(r.GetInt("rate_l3_bp"))},
			MinOwnSales:       int64(r.GetInt("min_own_sales")),
			MinTeamSales:      int64(r.GetInt("min_team_sales")),
			MinDirectInvitees: r.GetInt("min_direct_invitees"),
			MinTeamSize:       r.GetInt("min_team_size"),
			MatchAll:          r.GetBool("match_all"),
		})
	}
	return out, nil
}

// candidate is a distributor with the figures their level is judged on.
type candidate struct {
	Id        string `db:"id"`
	Level     int    `db:"level"`
	OwnSales  int64  `db:"own_sales"`
	TeamSales int64  `db:"team_sales"`
	L1        int    `db:"team_l1"`
	L2        int    `db:"team_l2"`
	L3        int    `db:"team_l3"`
}

func (c candidate) stats() levels.Stats {
	return levels.Stats{OwnSales: c.OwnSales, TeamSales: c.TeamSales, DirectInvitees: c.L1, TeamSize: c.L1 + c.L2 + c.L3}
}

// candidatesQuery selects distributors with their stats.
func candidatesQuery(app core.App) *dbx.SelectQuery {
	return app.DB().Select("u.id AS id", "u.level AS level",
		"COALESCE(s.own_sales, 0) AS own_sales", "COALESCE(s.team_sales, 0) AS team_sales",
		"COALESCE(r.team_l1, 0) AS team_l1", "COALESCE(r.team_l2, 0) AS team_l2", "COALESCE(r.team_l3, 0) AS team_l3").
		From(usersCollection+" u").
		LeftJoin(statsCollection+" s", dbx.NewExp("s.user = u.id")).
		LeftJoin(referralStatsCollection+" r", dbx.NewExp("r.user = u.id")).
		Where(dbx.HashExp{"u.is_distributor": true})
}

// evaluateLevels upgrades the given users (distributors only) to the
// highest level their stats qualify for; it never downgrades.
func (p *plugin) evaluateLevels(txApp core.App, ids []string, actor string) error {
	all, err := loadLevels(txApp)
	if err != nil || len(all) == 0 {
		return err
	}
	var list []candidate
	if err := candidatesQuery(txApp).AndWhere(dbx.In("u.id", anySlice(ids)...)).All(&list); err != nil {
		return err
	}
	_, err = upgrade(txApp, all, list, actor)
	return err
}

// upgrade raises the level of every candidate that qualifies for a higher
// one, with a conditional update and a level_changes row each.
func upgrade(txApp core.App, all []levels.Level, list []candidate, actor string) (int, error) {
	n := 0
	for _, c := range list {
		to := levels.Eligible(all, c.stats(), c.Level)
		if to <= c.Level {
			continue
		}
		res, err := txApp.DB().NewQuery("UPDATE {{users}} SET [[level]] = {:to} WHERE [[id]] = {:id} AND [[level]] = {:from}").
			Bind(dbx.Params{"to": to, "id": c.Id, "from": c.Level}).Execute()
		if err != nil {
			return n, err
		}
		if affected, _ := res.RowsAffected(); affected != 1 {
			continue
		}
		if err := logLevelChange(txApp, c.Id, c.Level, to, "auto", actor, c.stats()); err != nil {
			return n, err
		}
		if err := notifyLevel(txApp, c.Id, to, levelName(all, to)); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// logLevelChange records a level change.
func logLevelChange(txApp core.App, userId string, from, to int, reason, actor string, stats any) error {
	col, err := txApp.FindCachedCollectionByNameOrId(levelChangesCollection)
	if err != nil {
		return err
	}
	r := core.NewRecord(col)
	r.Load(map[string]any{
		"user":      userId,
		"from_rank": from,
		"to_rank":   to,
		"reason":    reason,
		"actor":     actor,
		"stats":     stats,
	})
	return wrap("save level change", txApp.Save(r))
}

// runLevelUpgradeJob is the level_upgrade job: every distributor is judged
// on their current stats; upgrades only.
func (p *plugin) runLevelUpgradeJob(app core.App) (string, error) {
	all, err := loadLevels(app)
	if err != nil {
		return "", err
	}
	if len(all) == 0 {
		return "no levels configured", nil
	}
	var list []candidate
	if err := candidatesQuery(app).All(&list); err != nil {
		return "", err
	}
	n := 0
	err = app.RunInTransaction(func(txApp core.App) error {
		var err error
		n, err = upgrade(txApp, all, list, "system:level_upgrade")
		return err
	})
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("judged %d distributors, upgraded %d", len(list), n), nil
}

// bindAdminLevelChanges logs the levels a superuser sets on users (in the
// dashboard or through the records API) in the same transaction as the save.
func (p *plugin) bindAdminLevelChanges() {
	p.app.OnRecordUpdateRequest(usersCollection).BindFunc(func(e *core.RecordRequestEvent) error {
		from := e.Record.Original().GetInt("level")
		to := e.Record.GetInt("level")
		if from == to {
			return e.Next()
		}
		if !e.HasSuperuserAuth() {
			return shop.FieldFail("level", "level_admin_only", "分销等级只能由管理员调整 / only a superuser can change a level")
		}
		actor := "superuser:" + e.Auth.Id
		original := e.App
		err := e.App.RunInTransaction(func(txApp core.App) error {
			e.App = txApp
			if err := e.Next(); err != nil {
				return err
			}
			if err := logLevelChange(txApp, e.Record.Id, from, to, "admin", actor, nil); err != nil {
				return err
			}
			if to > from {
				all, err := loadLevels(txApp)
				if err != nil {
					return err
				}
				return notifyLevel(txApp, e.Record.Id, to, levelName(all, to))
			}
			return nil
		})
		e.App = original
		return err
	})
}

// onUserJoined re-judges, in the sign-up transaction, the levels of the new
// user's uplines: their direct invitees and team size just grew (the
// referral tree was updated before the event).
func (p *plugin) onUserJoined(e *shop.UserEvent) error {
	if e.Upline != nil {
		if err := p.evaluateUplines(e.App, e.User.Id, "system:user_joined"); err != nil {
			return wrap("distribution: levels on sign-up", err)
		}
		p.notifyDownline(e.App, e.Upline.Id, e.User.Id)
	}
	return e.Next()
}

// onUplineChanged re-judges the new uplines' levels whenever a user's
// upline changes after sign-up (binding by link or code, rebinding, an
// admin reassignment), in the transaction of the change, where the tree
// and the team counters are already up to date.
func (p *plugin) onUplineChanged(e *shop.UplineEvent) error {
	if e.NewUpline == "" {
		return e.Next()
	}
	if err := p.evaluateUplines(e.App, e.User.Id, "system:referral_bound"); err != nil {
		return wrap("distribution: levels on binding", err)
	}
	p.notifyDownline(e.App, e.NewUpline, e.User.Id)
	return e.Next()
}

// evaluateUplines upgrades the uplines of userId (never downgrades).
func (p *plugin) evaluateUplines(txApp core.App, userId, actor string) error {
	ids, err := shop.Ancestors(txApp, userId)
	if err != nil || len(ids) == 0 {
		return err
	}
	return p.evaluateLevels(txApp, ids, actor)
}

// levelName is the name of the level of rank, or "".
func levelName(all []levels.Level, rank int) string {
	for _, l := range all {
		if l.Rank == rank {
			return l.Name
		}
	}
	return ""
}
