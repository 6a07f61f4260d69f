package logistics_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/plugins/logistics"
	"fenxiao/plugins/logistics/kd100fake"
)

func newTracker(t *testing.T, mutate ...func(*logistics.Config)) (*logistics.Client, *kd100fake.Fake) {
	t.Helper()
	fake := kd100fake.New(t)
	cfg := fake.PluginConfig()
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := logistics.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, fake
}

func TestSign(t *testing.T) {
	t.Parallel()
	// MD5("abc") = 900150983cd24fb0d6963f7d28e17f72
	if got := logistics.Sign("a", "b", "c"); got != "900150983CD24FB0D6963F7D28E17F72" {
		t.Fatalf("Sign = %s", got)
	}
}

func TestNewRequiresCredentials(t *testing.T) {
	t.Parallel()
	if _, err := logistics.New(logistics.Config{Key: "k"}); err == nil {
		t.Error("New without Customer succeeded")
	}
	if _, err := logistics.New(logistics.Config{Customer: "c"}); err == nil {
		t.Error("New without Key succeeded")
	}
}

func TestRegister(t *testing.T) {
	t.Parallel()
	fake := kd100fake.New(t)
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: t.TempDir()})
	if err := logistics.Register(app, fake.PluginConfig()); err == nil {
		t.Fatal("Register without the shop core succeeded")
	}
	s := shop.New()
	shop.Attach(app, s)
	logistics.MustRegister(app, fake.PluginConfig())
	if _, ok := s.Tracker().(*logistics.Client); !ok {
		t.Fatalf("tracker is %T", s.Tracker())
	}
}

func TestTrackSuccess(t *testing.T) {
	t.Parallel()
	c, _ := newTracker(t)

	tr, err := c.Track(context.Background(), "ShunFeng", kd100fake.SFNumber, kd100fake.SFPhone)
	if err != nil {
		t.Fatalf("Track: %v", err)
	}
	if tr.Company != "shunfeng" || tr.Number != kd100fake.SFNumber || tr.State != "delivered" || len(tr.Events) != 5 {
		t.Fatalf("unexpected tracking: %+v", tr)
	}
	first := tr.Events[0]
	if first.Time != "2026-11-24 14:02:11" || first.Status != "签收" || !strings.Contains(first.Context, "已签收") {
		t.Fatalf("newest event: %+v", first)
	}

	tr, err = c.Track(context.Background(), "zhongtong", kd100fake.ZTONumber, "")
	if err != nil || tr.State != "delivering" || len(tr.Events) != 3 {
		t.Fatalf("ZTO: %+v, %v", tr, err)
	}
}

func TestTrackBadSignRejected(t *testing.T) {
	t.Parallel()
	c, fake := newTracker(t, func(cfg *logistics.Config) { cfg.Key = "not-the-key" })

	_, err := c.Track(context.Background(), "zhongtong", kd100fake.ZTONumber, "")
	var kerr *logistics.Error
	if !errors.As(err, &kerr) || kerr.ReturnCode != "503" || !strings.Contains(kerr.Message, "签名") {
		t.Fatalf("bad sign: %v", err)
	}
	if fake.Calls() != 1 {
		t.Fatalf("calls = %d", fake.Calls())
	}
}

func TestTrackUnknownNumber(t *testing.T) {
	t.Parallel()
	c, fake := newTracker(t)

	for range 2 {
		_, err := c.Track(context.Background(), "yuantong", "YT0000000000000", "")
		var kerr *logistics.Error
		if !errors.As(err, &kerr) || kerr.ReturnCode != "500" || !strings.Contains(err.Error(), "查询无结果") {
			t.Fatalf("unknown number: %v", err)
		}
	}
	// errors are not cached
	if fake.Calls() != 2 {
		t.Fatalf("calls = %d, want 2", fake.Calls())
	}
}

func TestTrackWrongPhone(t *testing.T) {
	t.Parallel()
	c, _ := newTracker(t)

	_, err := c.Track(context.Background(), "shunfeng", kd100fake.SFNumber, "")
	var kerr *logistics.Error
	if !errors.As(err, &kerr) || kerr.ReturnCode != "408" {
		t.Fatalf("SF without phone: %v", err)
	}
	// the last four digits are enough
	if _, err := c.Track(context.Background(), "shunfeng", kd100fake.SFNumber, kd100fake.SFPhone[7:]); err != nil {
		t.Fatalf("SF with the last four digits: %v", err)
	}
}

func TestTrackValidatesInput(t *testing.T) {
	t.Parallel()
	c, fake := newTracker(t)
	for _, in := range [][2]string{{"", "1"}, {"zhongtong", ""}, {"zhongtong", strings.Repeat("9", 33)}} {
		if _, err := c.Track(context.Background(), in[0], in[1], ""); err == nil {
			t.Errorf("Track(%q, %q) succeeded", in[0], in[1])
		}
	}
	if fake.Calls() != 0 {
		t.Fatalf("invalid input reached Kuaidi100 %d times", fake.Calls())
	}
}

func TestTrackCache(t *testing.T) {
	t.Parallel()
	c, fake := newTracker(t)
	ctx := context.Background()

	a, err := c.Track(ctx, "zhongtong", kd100fake.ZTONumber, "")
	if err != nil {
		t.Fatal(err)
	}
	a.Events[0].Context = "changed by the caller"

	b, err := c.Track(ctx, "zhongtong", kd100fake.ZTONumber, "")
	if err != nil {
		t.Fatal(err)
	}
	if fake.Calls() != 1 {
		t.Fatalf("two Track calls within the TTL made %d upstream calls, want 1", fake.Calls())
	}
	if b.Events[0].Context == "changed by the caller" {
		t.Fatal("a caller's change leaked into the cache")
	}
}

func TestTrackCacheExpiresAndIsBounded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	c, fake := newTracker(t, func(cfg *logistics.Config) { cfg.CacheTTL = 30 * time.Millisecond })
	if _, err := c.Track(ctx, "zhongtong", kd100fake.ZTONumber, ""); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	if _, err := c.Track(ctx, "zhongtong", kd100fake.ZTONumber, ""); err != nil {
		t.Fatal(err)
	}
	if fake.Calls() != 2 {
		t.Fatalf("after the TTL: %d upstream calls, want 2", fake.Calls())
	}

	c, fake = newTracker(t, func(cfg *logistics.Config) { cfg.CacheSize = 1 })
	c.Track(ctx, "zhongtong", kd100fake.ZTONumber, "")
	c.Track(ctx, "shunfeng", kd100fake.SFNumber, kd100fake.SFPhone) // evicts the ZTO parcel
	c.Track(ctx, "zhongtong", kd100fake.ZTONumber, "")
	if fake.Calls() != 3 {
		t.Fatalf("with one cache slot: %d upstream calls, want 3", fake.Calls())
	}

	c, fake = newTracker(t, func(cfg *logistics.Config) { cfg.CacheTTL = -1 })
	c.Track(ctx, "zhongtong", kd100fake.ZTONumber, "")
	c.Track(ctx, "zhongtong", kd100fake.ZTONumber, "")
	if fake.Calls() != 2 {
		t.Fatalf("with the cache off: %d upstream calls, want 2", fake.Calls())
	}
}

func TestTrackConcurrentCallsShareOneQuery(t *testing.T) {
	t.Parallel()
	c, fake := newTracker(t)

	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := c.Track(context.Background(), "zhongtong", kd100fake.ZTONumber, ""); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if fake.Calls() != 1 {
		t.Fatalf("20 concurrent calls made %d upstream calls, want 1", fake.Calls())
	}
}

func TestStateName(t *testing.T) {
	t.Parallel()
	for code, want := range map[string]string{
		"0": "in_transit", "1": "collected", "2": "trouble", "3": "delivered",
		"4": "returned", "5": "delivering", "6": "returning", "7": "transferred",
		"8": "customs", "10": "customs_pending", "13": "customs_trouble", "14": "rejected",
		"101": "collected", "1002": "in_transit", "204": "trouble", "301": "delivered",
		"501": "delivering", "401": "returned",
		"": "unknown", "9": "unknown", "99": "unknown", "abc": "unknown", "2x1": "unknown",
	} {
		if got := logistics.StateName(code); got != want {
			t.Errorf("StateName(%q) = %q, want %q", code, got, want)
		}
	}
}
