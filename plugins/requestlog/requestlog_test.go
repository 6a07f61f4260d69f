package requestlog_test

import (
	"context"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/tools/logger"

	"fenxiao/hooks/shop"
	"fenxiao/plugins/requestlog"
	"fenxiao/tests"
)

func TestMain(m *testing.M) { tests.Main(m) }

// TestSample: with request_log_sample N the log keeps one successful request
// in N and every failed one; 1 keeps all, 0 only the failures, and a
// negative value written straight into the database keeps all.
func TestSample(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	requestlog.MustRegister(app, requestlog.Config{})
	app.Settings().Logs.MaxDays = 5 // test apps keep no logs
	client := tests.NewClient(t, app)

	settings, err := app.FindRecordById(shop.SettingsCollection, shop.SettingsId)
	if err != nil {
		t.Fatal(err)
	}
	if got := settings.GetInt(requestlog.SettingField); got != 10 {
		t.Fatalf("default request_log_sample %d, want 10", got)
	}

	count := func() (ok, failed int) {
		t.Helper()
		// PocketBase hands each log line to a goroutine
		time.Sleep(200 * time.Millisecond)
		if err := app.Logger().Handler().(*logger.BatchHandler).WriteAll(context.Background()); err != nil {
			t.Fatal(err)
		}
		err := app.AuxDB().NewQuery(`SELECT
				COALESCE(SUM(json_extract(data, '$.status') < 400), 0),
				COALESCE(SUM(json_extract(data, '$.status') >= 400), 0)
			FROM _logs WHERE json_extract(data, '$.type') = 'request'`).Row(&ok, &failed)
		if err != nil {
			t.Fatal(err)
		}
		_, err = app.AuxDB().NewQuery("DELETE FROM _logs").Execute()
		if err != nil {
			t.Fatal(err)
		}
		return ok, failed
	}

	for _, c := range []struct {
		sample, wantOk int
	}{{4, 3}, {1, 12}, {0, 0}, {-3, 12}} {
		// saved without validation, as a value written straight into the database
		settings.Set(requestlog.SettingField, c.sample)
		if err := app.SaveNoValidate(settings); err != nil {
			t.Fatal(err)
		}
		count()
		for range 12 {
			if res := client.Do("GET", "/api/shop/info", nil, ""); res.Status != 200 {
				t.Fatalf("info: %d", res.Status)
			}
		}
		for range 3 {
			if res := client.Do("POST", "/api/shop/checkout", map[string]any{}, ""); res.Status != 401 {
				t.Fatalf("checkout without auth: %d", res.Status)
			}
		}
		ok, failed := count()
		if ok != c.wantOk || failed != 3 {
			t.Errorf("sample %d: %d successful and %d failed requests logged, want %d and 3", c.sample, ok, failed, c.wantOk)
		}
	}
}
