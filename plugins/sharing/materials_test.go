package sharing_test

import (
	"encoding/json"
	"net/http"
	"sort"
	"testing"
	"time"

	"fenxiao/plugins/sharing"
	"fenxiao/tests"
)

func TestMaterialsVisibility(t *testing.T) {
	e := newEnv(t, sharing.Config{})
	// distributors are made by hand here, not by signing up
	e.settings(map[string]any{"distributor_condition": "apply"})
	_, buyerToken := tests.User(t, e.app, "buyer@test.local", map[string]any{"is_distributor": false})
	_, adminToken := tests.Superuser(t, e.app)

	now := time.Now().UTC()
	at := func(d time.Duration) string { return now.Add(d).Format("2006-01-02 15:04:05.000Z") }
	ids := map[string]string{}
	for _, m := range []map[string]any{
		{"title": "always", "active": true},
		{"title": "running", "active": true, "starts_at": at(-time.Hour), "ends_at": at(time.Hour)},
		{"title": "switched_off", "active": false},
		{"title": "not_yet", "active": true, "starts_at": at(time.Hour)},
		{"title": "over", "active": true, "ends_at": at(-time.Minute)},
	} {
		m["kind"] = "copy"
		ids[m["title"].(string)] = e.save("materials", m).Id
	}

	list := func(token string) []string {
		t.Helper()
		res := e.c.Do(http.MethodGet, "/api/collections/materials/records?perPage=50", nil, token)
		if res.Status != 200 {
			t.Fatalf("list materials: %d %s", res.Status, res.Raw)
		}
		items := res.Body["items"].([]any)
		titles := make([]string, 0, len(items))
		for _, it := range items {
			titles = append(titles, it.(map[string]any)["title"].(string))
		}
		sort.Strings(titles)
		return titles
	}
	if got := list(e.token); len(got) != 2 || got[0] != "always" || got[1] != "running" {
		t.Fatalf("distributor sees %v, want [always running]", got)
	}
	if got := list(buyerToken); len(got) != 0 {
		t.Fatalf("non-distributor sees %v", got)
	}
	if got := list(""); len(got) != 0 {
		t.Fatalf("guest sees %v", got)
	}
	if got := list(adminToken); len(got) != 5 {
		t.Fatalf("superuser sees %v, want all 5", got)
	}
	// and nobody but a superuser writes them
	if res := e.c.Do(http.MethodPost, "/api/collections/materials/records", map[string]any{"title": "x", "kind": "copy"}, e.token); res.Status < 400 {
		t.Fatalf("distributor created a material: %d", res.Status)
	}

	// links follow the same rule
	for _, title := range []string{"switched_off", "not_yet", "over"} {
		res := e.c.Do(http.MethodGet, "/api/shop/share/link?material="+ids[title], nil, e.token)
		if res.Status != 404 || res.Code() != "share_material_not_found" {
			t.Errorf("link with %s material: %d %s", title, res.Status, res.Raw)
		}
	}
	if res := e.c.Do(http.MethodGet, "/api/shop/share/link?material="+ids["always"], nil, buyerToken); res.Status != 404 {
		t.Errorf("non-distributor's material link: %d %s", res.Status, res.Raw)
	}
	code := e.link(e.token, "material="+ids["running"]+"&channel=moments")["code"].(string)
	e.link(e.token, "material="+ids["running"]+"&channel=weibo")
	e.click(code, "192.0.2.1:1", "ua")

	// the stats sum the material's links
	res := e.c.Do(http.MethodGet, "/api/shop/distribution/stats", nil, e.token)
	var stats sharing.StatsResponse
	if err := json.Unmarshal(res.Raw, &stats); err != nil || res.Status != 200 {
		t.Fatalf("stats: %d %s", res.Status, res.Raw)
	}
	if len(stats.Materials) != 1 {
		t.Fatalf("materials in stats: %+v", stats.Materials)
	}
	m := stats.Materials[0]
	if m.Material != ids["running"] || m.Title != "running" || m.Links != 2 || m.Clicks != 1 {
		t.Fatalf("material stats %+v", m)
	}
}
