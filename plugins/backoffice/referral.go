package backoffice

import (
	"net/http"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
)

const userColumns = "u.id, u.nickname, u.phone, u.email, u.invite_code, u.is_distributor, u.level, u.referrer, u.created"

// findUsers finds up to 20 users by phone, nickname, e-mail, invite code or id.
func (p *plugin) findUsers(e *core.RequestEvent) error {
	q := strings.TrimSpace(e.Request.URL.Query().Get("q"))
	if q == "" {
		return e.JSON(http.StatusOK, map[string]any{"items": []any{}})
	}
	like := "%" + strings.NewReplacer("%", "", "_", "").Replace(q) + "%"
	items, err := rowsAsMaps(e.App, "SELECT "+userColumns+" FROM {{users}} u WHERE u.id = {:q} OR u.phone = {:q} OR u.invite_code = {:q} "+
		"OR u.email = {:q} OR u.nickname LIKE {:like} ORDER BY u.created LIMIT 20", dbx.Params{"q": q, "like": like})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, map[string]any{"items": items})
}

// referral answers one user's place in the tree: uplines (three levels),
// downlines of the asked level (?level=1..3, first 100), team sizes and
// earnings, and how many users a subtree move would take along.
func (p *plugin) referral(e *core.RequestEvent) error {
	id, err := shop.PathId(e, "id")
	if err != nil {
		return err
	}
	users, err := rowsAsMaps(e.App, "SELECT "+userColumns+" FROM {{users}} u WHERE u.id = {:id}", dbx.Params{"id": id})
	if err != nil {
		return err
	}
	if len(users) == 0 {
		return shop.Fail(http.StatusNotFound, "user_not_found", "用户不存在 / user not found")
	}
	level := daysParam(e.Request.URL.Query().Get("level"), 1)
	if level > 3 {
		level = 3
	}
	params := dbx.Params{"id": id, "level": level}
	uplines, err := rowsAsMaps(e.App, "SELECT p.depth, "+userColumns+" FROM {{referral_paths}} p JOIN {{users}} u ON u.id = p.ancestor "+
		"WHERE p.descendant = {:id} ORDER BY p.depth", params)
	if err != nil {
		return err
	}
	downlines, err := rowsAsMaps(e.App, "SELECT "+userColumns+", COALESCE(s.own_sales, 0) AS own_sales, COALESCE(s.team_sales, 0) AS team_sales "+
		"FROM {{referral_paths}} p JOIN {{users}} u ON u.id = p.descendant LEFT JOIN {{distributor_stats}} s ON s.user = u.id "+
		"WHERE p.ancestor = {:id} AND p.depth = {:level} ORDER BY p.created DESC LIMIT 100", params)
	if err != nil {
		return err
	}
	figures := struct {
		TeamL1    int64 `db:"team_l1" json:"team_l1"`
		TeamL2    int64 `db:"team_l2" json:"team_l2"`
		TeamL3    int64 `db:"team_l3" json:"team_l3"`
		OwnSales  int64 `db:"own_sales" json:"own_sales"`
		TeamSales int64 `db:"team_sales" json:"team_sales"`
		Frozen    int64 `db:"frozen" json:"commission_frozen"`
		Settled   int64 `db:"settled" json:"commission_settled"`
		Available int64 `db:"available" json:"wallet_available"`
		Subtree   int64 `db:"subtree" json:"subtree_size"`
	}{}
	err = e.App.DB().NewQuery("SELECT " +
		"COALESCE((SELECT team_l1 FROM {{referral_stats}} WHERE user = {:id}), 0) AS team_l1, " +
		"COALESCE((SELECT team_l2 FROM {{referral_stats}} WHERE user = {:id}), 0) AS team_l2, " +
		"COALESCE((SELECT team_l3 FROM {{referral_stats}} WHERE user = {:id}), 0) AS team_l3, " +
		"COALESCE((SELECT own_sales FROM {{distributor_stats}} WHERE user = {:id}), 0) AS own_sales, " +
		"COALESCE((SELECT team_sales FROM {{distributor_stats}} WHERE user = {:id}), 0) AS team_sales, " +
		"COALESCE((SELECT frozen FROM {{commission_totals}} WHERE user = {:id} AND period = 'all'), 0) AS frozen, " +
		"COALESCE((SELECT settled FROM {{commission_totals}} WHERE user = {:id} AND period = 'all'), 0) AS settled, " +
		"COALESCE((SELECT available FROM {{wallets}} WHERE user = {:id}), 0) AS available, " +
		// everyone below, at any depth: who a move of this user takes along
		"(WITH RECURSIVE t(id) AS (SELECT id FROM {{users}} WHERE referrer = {:id} UNION ALL " +
		"SELECT u.id FROM {{users}} u JOIN t ON u.referrer = t.id) SELECT COUNT(*) FROM t) AS subtree").
		Bind(params).One(&figures)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, map[string]any{
		"user": users[0], "uplines": uplines, "level": level, "downlines": downlines, "figures": figures,
	})
}
