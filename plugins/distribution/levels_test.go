package distribution_test

import (
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/accounts"
	"fenxiao/tests"
)

// Invitee-based levels are judged at once: when a user signs up under a
// distributor (OnUserJoined) and when a user binds to an upline later, in
// the same transaction; losing a team member never lowers a level.
func TestLevelUpgradeOnJoinAndBinding(t *testing.T) {
	e := newEnv(t)
	levels, err := e.app.FindCollectionByNameOrId("distributor_levels")
	if err != nil {
		t.Fatal(err)
	}
	for _, data := range []map[string]any{
		{"rank": 1, "name": "铜牌", "min_direct_invitees": 2},
		{"rank": 2, "name": "银牌", "min_team_size": 3},
	} {
		l := core.NewRecord(levels)
		l.Load(data)
		if err := e.app.Save(l); err != nil {
			t.Fatal(err)
		}
	}
	level := func(u *core.Record) int {
		t.Helper()
		r, err := e.app.FindRecordById("users", u.Id)
		if err != nil {
			t.Fatal(err)
		}
		return r.GetInt("level")
	}
	changes := func(u *core.Record, actor string) int {
		t.Helper()
		n, err := e.app.CountRecords("level_changes", dbx.HashExp{"user": u.Id, "actor": actor, "reason": "auto"})
		if err != nil {
			t.Fatal(err)
		}
		return int(n)
	}

	a, _ := e.user("A", true, nil)
	// signed up with A as referrer (OnUserJoined)
	b, _ := tests.User(t, e.app, "b@test.local", map[string]any{"nickname": "B", "is_distributor": true, "referrer": a.Id})
	if level(a) != 0 {
		t.Fatalf("A level %d after one invitee, want 0", level(a))
	}
	tests.User(t, e.app, "c@test.local", map[string]any{"nickname": "C", "referrer": a.Id})
	if level(a) != 1 || changes(a, "system:user_joined") != 1 {
		t.Fatalf("A after two sign-ups: level %d, %d sign-up changes; want 1 and 1", level(a), changes(a, "system:user_joined"))
	}

	// D binds under B later: A's team is three (B, C, D)
	d, _ := e.user("D", false, b)
	if level(a) != 2 || changes(a, "system:referral_bound") != 1 {
		t.Fatalf("A after D bound under B: level %d, %d binding changes; want 2 and 1", level(a), changes(a, "system:referral_bound"))
	}
	if level(b) != 0 {
		t.Fatalf("B level %d with one invitee, want 0", level(b))
	}

	// D's binding lapses: A's team shrinks, the level stays
	u, err := e.app.FindRecordById("users", d.Id)
	if err != nil {
		t.Fatal(err)
	}
	u.Set("referrer", "")
	if err := e.app.Save(u); err != nil {
		t.Fatal(err)
	}
	if ids, _ := accounts.Ancestors(e.app, d.Id); len(ids) != 0 {
		t.Fatalf("D still has uplines %v", ids)
	}
	if level(a) != 2 {
		t.Fatalf("A level %d after losing a member, want 2 (never downgraded)", level(a))
	}
	if n, _ := e.app.CountRecords("level_changes"); n != 2 {
		t.Fatalf("%d level changes, want 2", n)
	}
	e.audit()
}
