package backoffice

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"

	"fenxiao/hooks/audit"
	"fenxiao/hooks/shop"
	"fenxiao/tests"
)

// The rollup follows every kind of change of its source rows (a payment
// moved to another day, a refund turning successful, a deleted order, an
// order changing status), the audit finds a rollup changed behind the
// triggers' back, and the reports_rebuild job repairs it.
func TestRollupFollowsChangesAndAuditFindsDrift(t *testing.T) {
	setClock(t, "2026-03-10 12:00")
	app, client := newApp(t)
	seedShop(t, app)
	_, token := tests.Superuser(t, app)

	sqlExec(t, app, "UPDATE orders SET paid_at = {:at} WHERE id = 'o2aaaaaaaaaaaaa'", dbx.Params{"at": shanghai("2026-03-09 10:00")})
	sqlExec(t, app, "UPDATE orders SET status = 'shipped' WHERE id = 'o1aaaaaaaaaaaaa'", nil)
	sqlExec(t, app, "UPDATE refunds SET status = 'success' WHERE id = 'r2aaaaaaaaaaaaa'", nil)
	sqlExec(t, app, "DELETE FROM orders WHERE id = 'o4aaaaaaaaaaaaa'", nil)

	run := func() audit.Report {
		t.Helper()
		rep, err := audit.Run(app)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	status := func(rep audit.Report) string {
		for _, c := range rep.Checks {
			if c.Name == "report_rollup" {
				return c.Status
			}
		}
		return "missing"
	}
	if rep := run(); status(rep) != audit.StatusOK {
		t.Fatalf("after the changes: %s", rep)
	}
	res := client.Do(http.MethodGet, "/api/shop/admin/reports/summary?days=7", nil, token)
	mustStatus(t, res, http.StatusOK)
	today := res.Body["today"].(map[string]any)
	period := res.Body["period"].(map[string]any)
	if today["gmv"] != 10000.0 || today["paid_orders"] != 1.0 || today["refunds"] != 1200.0 || today["refund_count"] != 2.0 ||
		period["gmv"] != 17001.0 || period["paid_orders"] != 3.0 || res.Body["to_ship"] != 0.0 {
		t.Fatalf("summary after the changes: %s", res.Raw)
	}

	sqlExec(t, app, "UPDATE report_days SET gmv = gmv + 1 WHERE day = '2026-03-10'", nil)
	sqlExec(t, app, "UPDATE report_counts SET n = n + 1 WHERE key = 'shipped/'", nil)
	rep := run()
	if status(rep) != audit.StatusFailed || rep.OK() ||
		!strings.Contains(rep.String(), "report_days/2026-03-10") || !strings.Contains(rep.String(), "report_counts/shipped/") {
		t.Fatalf("drift not found: %s", rep)
	}

	if _, err := shop.Get(app).RunJob(app, "reports_rebuild"); err != nil {
		t.Fatal(err)
	}
	if rep := run(); status(rep) != audit.StatusOK {
		t.Fatalf("after the rebuild: %s", rep)
	}
	res = client.Do(http.MethodGet, "/api/shop/admin/reports/summary?days=7", nil, token)
	if today := res.Body["today"].(map[string]any); today["gmv"] != 10000.0 {
		t.Fatalf("summary after the rebuild: %s", res.Raw)
	}
}
