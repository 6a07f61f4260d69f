// Package levels holds the distributor level rules and the leaderboard
// helpers: which level a distributor's stats qualify for, the calendar
// period of a weekly or monthly board, and stable ranking.
package levels

// Level is a distributor level a merchant configures.
type Level struct {
	// Rank orders the levels: higher is better. 0 is "no level".
	Rank int
	Name string

	// Rates are the level's commission rates for levels 1..3, in basis
	// points (see commission.Upline.LevelRates).
	Rates [3]int64

	// Upgrade conditions. A condition <= 0 is not a condition.
	MinOwnSales       int64 // fen, the distributor's own completed sales
	MinTeamSales      int64 // fen, sales of the whole (three-level) team
	MinDirectInvitees int   // direct invitees
	MinTeamSize       int   // members of the whole team

	// MatchAll requires every condition to be met; otherwise any one is
	// enough.
	MatchAll bool
}

// Stats are the figures a distributor's level is judged on.
type Stats struct {
	OwnSales       int64
	TeamSales      int64
	DirectInvitees int
	TeamSize       int
}

// Qualifies reports whether stats meet the level's conditions.
//
// A level without any condition (all <= 0) is never reached automatically:
// it can only be granted by a superuser. note: the other reading, "no
// condition means everybody qualifies", would promote every distributor at
// once the moment a merchant saves a level before filling its conditions.
func (l Level) Qualifies(stats Stats) bool {
	var conditions, met int
	check := func(need, have int64) {
		if need <= 0 {
			return
		}
		conditions++
		if have >= need {
			met++
		}
	}
	check(l.MinOwnSales, stats.OwnSales)
	check(l.MinTeamSales, stats.TeamSales)
	check(int64(l.MinDirectInvitees), int64(stats.DirectInvitees))
	check(int64(l.MinTeamSize), int64(stats.TeamSize))

	if conditions == 0 {
		return false
	}
	if l.MatchAll {
		return met == conditions
	}
	return met > 0
}

// Eligible returns the highest rank among levels whose conditions stats
// meet (see Level.Qualifies), but never lower than current: levels only go
// up automatically; a downgrade is a deliberate superuser action, never a
// side effect of a refund shrinking the stats. It returns current when no
// higher level qualifies. The levels don't need to be sorted, and a higher
// level qualifies on its own conditions even if a lower one doesn't.
func Eligible(levels []Level, stats Stats, current int) int {
	best := current
	for _, l := range levels {
		if l.Rank > best && l.Qualifies(stats) {
			best = l.Rank
		}
	}
	return best
}
