package rollup

import (
	"strings"
	"testing"
)

// The trigger statements are generated; these pin the shape SQLite needs
// (an upsert from a SELECT needs its WHERE so that ON is not read as a join).
func TestBumpStatement(t *testing.T) {
	got := measures[0].bump("NEW", "+")
	want := "INSERT INTO report_days (day, gmv, paid_orders) SELECT date(NEW.paid_at, '+8 hours'), +(NEW.payable), +(1) " +
		"WHERE COALESCE(NEW.paid_at, '') != '' ON CONFLICT(day) DO UPDATE SET gmv = gmv + excluded.gmv, paid_orders = paid_orders + excluded.paid_orders;"
	if got != want {
		t.Fatalf("bump:\n got %s\nwant %s", got, want)
	}
	if s := sourceDays(); strings.Contains(s, "{r}") || strings.Contains(s, "NEW.") {
		t.Fatalf("source query keeps a row placeholder: %s", s)
	}
	if n, d := len(CreateSQL()), len(DropSQL()); n != d {
		t.Fatalf("%d create statements, %d drop statements", n, d)
	}
}
