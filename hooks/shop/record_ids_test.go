package shop_test

import (
	"regexp"
	"testing"
	"time"

	"fenxiao/hooks/shop"
	"fenxiao/tests"
)

var defaultIdForm = regexp.MustCompile(`^[a-z0-9]{15}$`)

func TestNewIdIsDefaultFormUniqueAndGrowsWithTime(t *testing.T) {
	seen := map[string]bool{}
	counts := map[rune]int{}
	var last string
	const n = 100_000
	for i := range n {
		id := shop.NewId()
		if !defaultIdForm.MatchString(id) {
			t.Fatalf("id %q is not 15 characters of [a-z0-9]", id)
		}
		for _, c := range id[10:] {
			counts[c]++
		}
		if seen[id] {
			t.Fatalf("id %q made twice (call %d)", id, i)
		}
		seen[id] = true
		last = id
	}
	// the 5 random characters: every one of the 36 about equally often
	// (a bias of the byte-to-character mapping would give four of them a
	// seventh more)
	want := n * 5 / 36
	if len(counts) != 36 {
		t.Fatalf("the random part used %d characters, want 36", len(counts))
	}
	for c, got := range counts {
		if got < want*95/100 || got > want*105/100 {
			t.Errorf("random character %q drawn %d times, want about %d", c, got, want)
		}
	}
	time.Sleep(2 * time.Millisecond)
	if later := shop.NewId(); later[:8] <= last[:8] {
		t.Fatalf("an id made later does not sort after: %q then %q", last, later)
	}
}

func TestRecordIdsOnlyForShopCollectionsWithoutAnId(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	before := shop.NewId()
	u, _ := tests.User(t, app, "ids@test.local", nil)
	n := tests.Save(t, app, "notifications", map[string]any{"user": u.Id, "kind": "test", "title": "t"})
	if !defaultIdForm.MatchString(n.Id) || n.Id[:8] < before[:8] {
		t.Fatalf("a new notification got id %q, want a time-ordered one (not before %q)", n.Id, before)
	}
	kept := tests.Save(t, app, "notifications", map[string]any{"id": "abcdefghijklmno", "user": u.Id, "kind": "test", "title": "t"})
	if kept.Id != "abcdefghijklmno" {
		t.Fatalf("an id the caller set was replaced: %q", kept.Id)
	}
	// system collections keep PocketBase's random ids
	su, _ := tests.Superuser(t, app)
	// a random id shares the clock's 8 characters by a chance of 36^-8
	after := shop.NewId()
	if su.Id[:8] >= before[:8] && su.Id[:8] <= after[:8] {
		t.Fatalf("the superuser got a time-ordered id %q (between %q and %q)", su.Id, before, after)
	}
}
