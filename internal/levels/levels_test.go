package levels

import "testing"

func TestEligible(t *testing.T) {
	levels := []Level{
		// deliberately unsorted
		{Rank: 3, Name: "合伙人", MinOwnSales: 1000000, MinTeamSales: 10000000, MinDirectInvitees: 50, MatchAll: true},
		{Rank: 1, Name: "铜牌", MinOwnSales: 10000, MinDirectInvitees: 3},
		{Rank: 2, Name: "银牌", MinTeamSales: 500000, MinTeamSize: 20, MatchAll: true},
		{Rank: 4, Name: "特邀 (superuser only)"},
	}

	cases := []struct {
		name    string
		stats   Stats
		current int
		want    int
	}{
		{"nothing", Stats{}, 0, 0},
		{"any: own sales alone", Stats{OwnSales: 10000}, 0, 1},
		{"any: invitees alone", Stats{DirectInvitees: 3}, 0, 1},
		{"any: just below both", Stats{OwnSales: 9999, DirectInvitees: 2}, 0, 0},
		{"all: one of two met", Stats{TeamSales: 500000, TeamSize: 19}, 0, 0},
		{"all: both met", Stats{TeamSales: 500000, TeamSize: 20}, 0, 2},
		{"highest qualifying wins", Stats{OwnSales: 1000000, TeamSales: 10000000, DirectInvitees: 50, TeamSize: 20}, 0, 3},
		{"higher level without the lower one", Stats{TeamSales: 600000, TeamSize: 25}, 0, 2},
		{"all: zero conditions are ignored", Stats{OwnSales: 1000000, TeamSales: 10000000, DirectInvitees: 50}, 1, 3},
		{"never lower than current", Stats{}, 2, 2},
		{"stats shrank after refunds: no downgrade", Stats{OwnSales: 10000}, 3, 3},
		{"current above every level", Stats{OwnSales: 1 << 40}, 9, 9},
		{"level without conditions is never automatic", Stats{OwnSales: 1 << 40, TeamSales: 1 << 40, DirectInvitees: 1000, TeamSize: 1000}, 0, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Eligible(levels, c.stats, c.current); got != c.want {
				t.Fatalf("Eligible(%+v, %d) = %d, want %d", c.stats, c.current, got, c.want)
			}
		})
	}

	if got := Eligible(nil, Stats{OwnSales: 1}, 1); got != 1 {
		t.Fatalf("no levels: got %d, want current", got)
	}
}

func TestQualifiesNegativeConditionsIgnored(t *testing.T) {
	l := Level{Rank: 1, MinOwnSales: -1, MinTeamSize: 2, MatchAll: true}
	if l.Qualifies(Stats{TeamSize: 1}) || !l.Qualifies(Stats{TeamSize: 2}) {
		t.Fatal("a negative condition must be ignored, not count as met or unmet")
	}
}
