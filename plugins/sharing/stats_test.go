package sharing_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/pocketbase/dbx"

	"fenxiao/plugins/sharing"
)

// TestStatsTotalsCoverEveryLink: the answer lists the 500 most recent
// links, but the totals count all of them.
func TestStatsTotalsCoverEveryLink(t *testing.T) {
	e := newEnv(t, sharing.Config{})
	exec := func(sql string, params dbx.Params) {
		t.Helper()
		if _, err := e.app.DB().NewQuery(sql).Bind(params).Execute(); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 501; i++ {
		// the first link is the oldest one, left out of the list
		created := fmt.Sprintf("2026-01-01 00:%02d:%02d.000Z", i/60, i%60)
		exec("INSERT INTO share_links (id, owner, product, material, channel, code, created, updated) "+
			"VALUES ({:id}, {:owner}, '', '', {:ch}, {:code}, {:c}, {:c})",
			dbx.Params{"id": fmt.Sprintf("link%011d", i), "owner": e.alice.Id, "ch": fmt.Sprintf("c%d", i),
				"code": fmt.Sprintf("L%07d", i), "c": created})
	}
	exec("INSERT INTO share_clicks (id, link, visitor, created) VALUES ('click0000000001', 'link00000000000', 'v', '2026-01-01 00:00:00.000Z')", nil)

	res := e.c.Do(http.MethodGet, "/api/shop/distribution/stats", nil, e.token)
	var stats sharing.StatsResponse
	if err := json.Unmarshal(res.Raw, &stats); err != nil || res.Status != 200 {
		t.Fatalf("stats: %d %.300s", res.Status, res.Raw)
	}
	if len(stats.Links) != 500 || stats.Links[0].Code != "L0000500" {
		t.Fatalf("%d links listed, first %s", len(stats.Links), stats.Links[0].Code)
	}
	if stats.Totals.Clicks != 1 || stats.Totals.SignupRateBp != 0 {
		t.Fatalf("totals %+v: the click on the oldest link is missing", stats.Totals)
	}
}
