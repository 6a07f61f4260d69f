package pb_migrations_test

import (
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/tests"
)

// TestMigrationsRoundTrip reverts every fenxiao migration and applies them
// again: a merchant who rolls back a release and forward again must end with
// the same schema, not an error such as a rate-limit rule that already exists.
func TestMigrationsRoundTrip(t *testing.T) {
	app := tests.NewApp(t)
	runner := core.NewMigrationsRunner(app, core.AppMigrations)

	all := len(core.AppMigrations.Items())
	before := schema(t, app)
	rules := len(app.Settings().RateLimits.Rules)

	reverted, err := runner.Down(all)
	if err != nil {
		t.Fatalf("down: %v", err)
	}
	if len(reverted) != all {
		t.Fatalf("reverted %d migrations, want %d", len(reverted), all)
	}
	if _, err := app.FindCollectionByNameOrId("orders"); err == nil {
		t.Fatal("orders still exists after reverting every migration")
	}
	if n := len(app.Settings().RateLimits.Rules); n >= rules {
		t.Fatalf("rate-limit rules after down: %d, want fewer than %d", n, rules)
	}

	applied, err := runner.Up()
	if err != nil {
		t.Fatalf("up again: %v", err)
	}
	if len(applied) != all {
		t.Fatalf("applied %d migrations, want %d", len(applied), all)
	}
	after := schema(t, app)
	for name, fields := range before {
		if after[name] != fields {
			t.Errorf("collection %s: %d fields before, %d after the round trip", name, fields, after[name])
		}
	}
	if len(after) != len(before) {
		t.Errorf("%d collections before, %d after", len(before), len(after))
	}
	if n := len(app.Settings().RateLimits.Rules); n != rules {
		t.Errorf("rate-limit rules: %d before, %d after", rules, n)
	}
}

// schema maps each non-system collection to its number of fields.
func schema(t *testing.T, app core.App) map[string]int {
	t.Helper()
	cols, err := app.FindAllCollections()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, c := range cols {
		if c.System {
			continue
		}
		out[c.Name] = len(c.Fields)
	}
	return out
}
