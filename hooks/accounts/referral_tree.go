package accounts

import (
	"fmt"
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/hooks/shop"
)

// MaxDepth is the number of upline levels the shop keeps and pays: three,
// the legal maximum for distribution in China.
const MaxDepth = 3

// The referral network is stored twice, on purpose:
//   - users.referrer, the direct upline (the truth, edited only by the server);
//   - referral_paths, a closure table with one row per (ancestor, descendant)
//     pair up to MaxDepth levels apart, so "my level-2 team" or "the buyer's
//     three uplines" is one indexed query whatever the size of the tree;
//   - referral_stats, team counters per level kept in step with the paths,
//     so a distributor's summary is one row read.
// Both derived tables are changed only by moveInTree, in the transaction
// that changes users.referrer.

// Ancestors returns the user's uplines, nearest first (at most MaxDepth).
func Ancestors(app core.App, userId string) ([]string, error) {
	var rows []struct {
		Ancestor string `db:"ancestor"`
	}
	err := app.DB().NewQuery(
		"SELECT [[ancestor]] FROM {{referral_paths}} WHERE [[descendant]] = {:u} ORDER BY [[depth]]",
	).Bind(dbx.Params{"u": userId}).All(&rows)
	if err != nil {
		return nil, fmt.Errorf("load ancestors of %s: %w", userId, err)
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.Ancestor
	}
	return ids, nil
}

// ensureNoCycle refuses to put userId under newUpline when newUpline is the
// user or any of the user's descendants, at any depth (the closure table only
// spans three levels, so the walk follows it upwards three levels at a time).
func ensureNoCycle(app core.App, userId, newUpline string) error {
	if newUpline == userId {
		return shop.Fail(http.StatusBadRequest, "referral_self", "不能绑定自己为推荐人 / you cannot refer yourself")
	}
	cur := newUpline
	// note: the bound protects against a corrupted (cyclic) tree; a real
	// tree of a million users is far shallower than 3×100000 levels
	for steps := 0; cur != "" && steps < 100000; steps++ {
		ancestors, err := Ancestors(app, cur)
		if err != nil {
			return err
		}
		for _, a := range ancestors {
			if a == userId {
				return shop.Fail(http.StatusBadRequest, "referral_cycle",
					"推荐关系不能形成循环 / this binding would create a referral cycle")
			}
		}
		if len(ancestors) < MaxDepth {
			return nil
		}
		cur = ancestors[MaxDepth-1]
	}
	return nil
}

// moveInTree rewrites the closure rows and team counters after userId's
// upline changed from oldUpline to newUpline ("" = none). The user's whole
// subtree moves along. It must run in the transaction that saved the user.
func moveInTree(txApp core.App, userId, oldUpline, newUpline string) error {
	if oldUpline == newUpline {
		return nil
	}
	db := txApp.DB()

	// members of the user's subtree at distance b (0 = the user) whose
	// ancestry above the user still lies within MaxDepth
	subtreeAt := func(b int) string {
		if b == 0 {
			return "SELECT {:u} AS [[id]]"
		}
		return fmt.Sprintf("SELECT [[descendant]] AS [[id]] FROM {{referral_paths}} WHERE [[ancestor]] = {:u} AND [[depth]] = %d", b)
	}

	// 1. detach: drop every row linking the subtree to ancestors above the user
	if oldUpline != "" {
		for b := 0; b < MaxDepth; b++ {
			where := fmt.Sprintf("[[descendant]] IN (%s) AND [[depth]] > %d", subtreeAt(b), b)
			var lost []struct {
				Ancestor string `db:"ancestor"`
				Depth    int    `db:"depth"`
				N        int64  `db:"n"`
			}
			err := db.NewQuery(
				"SELECT [[ancestor]], [[depth]], COUNT(*) AS [[n]] FROM {{referral_paths}} WHERE " + where + " GROUP BY [[ancestor]], [[depth]]",
			).Bind(dbx.Params{"u": userId}).All(&lost)
			if err != nil {
				return fmt.Errorf("count detached paths: %w", err)
			}
			for _, l := range lost {
				if err := addTeam(txApp, l.Ancestor, l.Depth, -l.N); err != nil {
					return err
				}
			}
			if _, err := db.NewQuery("DELETE FROM {{referral_paths}} WHERE " + where).
				Bind(dbx.Params{"u": userId}).Execute(); err != nil {
				return fmt.Errorf("delete detached paths: %w", err)
			}
		}
	}

	if newUpline == "" {
		return nil
	}

	// 2. attach: the new upline and its own ancestors become ancestors of the subtree
	newAncestors, err := Ancestors(txApp, newUpline)
	if err != nil {
		return err
	}
	newAncestors = append([]string{newUpline}, newAncestors...)
	now := types.NowDateTime().String()
	for a, ancestor := range newAncestors {
		distance := a + 1 // from the user
		for b := 0; distance+b <= MaxDepth; b++ {
			depth := distance + b
			res, err := db.NewQuery(
				"INSERT INTO {{referral_paths}} ([[id]], [[ancestor]], [[descendant]], [[depth]], [[created]]) " +
					"SELECT substr(lower(hex(randomblob(8))), 1, 15), {:a}, m.id, {:d}, {:now} FROM (" + subtreeAt(b) + ") m",
			).Bind(dbx.Params{"u": userId, "a": ancestor, "d": depth, "now": now}).Execute()
			if err != nil {
				return fmt.Errorf("insert paths at depth %d: %w", depth, err)
			}
			n, _ := res.RowsAffected()
			if err := addTeam(txApp, ancestor, depth, n); err != nil {
				return err
			}
		}
	}
	return nil
}

// addTeam adds delta to the ancestor's team counter for the given depth.
func addTeam(txApp core.App, userId string, depth int, delta int64) error {
	if delta == 0 {
		return nil
	}
	if depth < 1 || depth > MaxDepth {
		return fmt.Errorf("team depth %d out of range", depth)
	}
	col := fmt.Sprintf("team_l%d", depth)
	_, err := txApp.DB().NewQuery(
		"INSERT INTO {{referral_stats}} ([[id]], [[user]], [[team_l1]], [[team_l2]], [[team_l3]]) " +
			"VALUES (substr(lower(hex(randomblob(8))), 1, 15), {:u}, 0, 0, 0) " +
			"ON CONFLICT([[user]]) DO NOTHING",
	).Bind(dbx.Params{"u": userId}).Execute()
	if err != nil {
		return fmt.Errorf("create team stats: %w", err)
	}
	_, err = txApp.DB().NewQuery(
		"UPDATE {{referral_stats}} SET [[" + col + "]] = [[" + col + "]] + {:d} WHERE [[user]] = {:u}",
	).Bind(dbx.Params{"u": userId, "d": delta}).Execute()
	if err != nil {
		return fmt.Errorf("update team stats: %w", err)
	}
	return nil
}

// TeamCounts returns the user's team size per level (index 0 = level 1).
func TeamCounts(app core.App, userId string) ([MaxDepth]int64, error) {
	var row struct {
		L1 int64 `db:"team_l1"`
		L2 int64 `db:"team_l2"`
		L3 int64 `db:"team_l3"`
	}
	err := app.DB().NewQuery(
		"SELECT [[team_l1]], [[team_l2]], [[team_l3]] FROM {{referral_stats}} WHERE [[user]] = {:u}",
	).Bind(dbx.Params{"u": userId}).One(&row)
	if err != nil && !isNoRows(err) {
		return [MaxDepth]int64{}, fmt.Errorf("team counts: %w", err)
	}
	return [MaxDepth]int64{row.L1, row.L2, row.L3}, nil
}
