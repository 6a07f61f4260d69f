package distribution_test

import (
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"fenxiao/plugins/distribution"
	"fenxiao/sqlitedb"
	"fenxiao/tests"
)

// cpuTime is the process's user + system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// seed runs one seeding statement and fails the benchmark on error.
func (e *env) seed(sql string, params dbx.Params) {
	e.t.Helper()
	if _, err := e.app.DB().NewQuery(sql).Bind(params).Execute(); err != nil {
		e.t.Fatalf("seed: %v\n%s", err, sql)
	}
}

// seq is a recursive CTE counting 1..{:n}.
const seqCTE = "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {:n}) "

// BenchmarkSettle1M settles 1,000,000 due frozen commissions (333,334
// completed orders of one line, three levels each, for 10,000
// beneficiaries) through the commission_settle job.
//
//	go test ./plugins/distribution -run '^$' -bench Settle1M -benchtime 1x
func BenchmarkSettle1M(b *testing.B) {
	benchmarkSettle(b, 333_334, 10_000, "s/1M")
}

// BenchmarkSettle100k is BenchmarkSettle1M with a tenth of the lines and
// the same 10,000 beneficiaries, quick enough to profile.
//
//	go test ./plugins/distribution -run '^$' -bench Settle100k -benchtime 1x -cpuprofile cpu.out
func BenchmarkSettle100k(b *testing.B) {
	benchmarkSettle(b, 33_334, 10_000, "s/100k")
}

// benchmarkSettle seeds lines completed orders of one line with three
// levels of frozen commission each, spread at random over beneficiaries,
// and times the commission_settle job (wall and process CPU time: on a
// shared machine the CPU seconds are the steadier figure). The plugin's
// default SettleBatchSize is used unless FENXIAO_SETTLE_BATCH sets one.
func benchmarkSettle(b *testing.B, lines, beneficiaries int, unit string) {
	batch, _ := strconv.Atoi(os.Getenv("FENXIAO_SETTLE_BATCH"))
	for range b.N {
		b.StopTimer()
		e := newEnvWith(b, distribution.Config{SettleBatchSize: batch})
		// note: the fixture is raw rows (completed orders without payments
		// or ledger chains), which the audit at cleanup would refuse
		tests.SkipAudit(b)
		e.seedSettlement(lines, beneficiaries)

		b.StartTimer()
		started, cpu0 := time.Now(), cpuTime()
		summary := e.runJob("commission_settle")
		elapsed, cpu := time.Since(started), cpuTime()-cpu0
		b.StopTimer()

		var left int
		_ = e.app.DB().NewQuery("SELECT COUNT(*) FROM commissions WHERE status = 'frozen'").Row(&left)
		if left != 0 {
			b.Fatalf("%d commissions still frozen after %q", left, summary)
		}
		b.ReportMetric(elapsed.Seconds(), unit)
		b.ReportMetric(cpu.Seconds(), "cpu-s")
		var walMiB float64
		if fi, err := os.Stat(filepath.Join(e.app.DataDir(), "data.db-wal")); err == nil {
			walMiB = float64(fi.Size()) / (1 << 20)
		}
		b.Logf("%s in %s (%.1f s CPU), WAL file %.0f MiB after the run, %s",
			summary, elapsed, cpu.Seconds(), walMiB, sqlitedb.Engine())
	}
}

// seedSettlement seeds lines completed orders of one line with three
// levels of frozen commission each (due: completed 30 days ago, frozen days
// 7), spread at random over beneficiaries, with the commission_totals and
// wallets (frozen balances, no entries) the commissions stand for.
func (e *env) seedSettlement(lines, beneficiaries int) {
	e.t.Helper()
	e.settings(map[string]any{"frozen_days": 7})
	completed := dbTime(e.now.Add(-30 * 24 * time.Hour))

	e.seed(seqCTE+`INSERT INTO users (id, email, tokenKey, password, nickname, is_distributor)
		SELECT printf('ben%012d', n), '', printf('tk%013d', n), 'x', 'd' || n, 1 FROM seq`, dbx.Params{"n": beneficiaries})
	e.seed(seqCTE+`INSERT INTO orders (id, order_no, buyer, status, payable, completed_at)
		SELECT printf('ord%012d', n), printf('N%d', n), 'ben000000000001', 'completed', 10000, {:at} FROM seq`,
		dbx.Params{"n": lines, "at": completed})
	e.seed(seqCTE+`INSERT INTO order_items (id, [[order]], buyer, product, sku, title, quantity, paid_amount)
		SELECT printf('itm%012d', n), printf('ord%012d', n), 'ben000000000001', 'p', 's', 't', 1, 10000 FROM seq`,
		dbx.Params{"n": lines})
	e.seed(seqCTE+`INSERT INTO commissions (id, [[order]], order_item, buyer, beneficiary, level, base, quantity,
			rule_kind, rule_value, source, amount, uncapped, status, day, created)
		SELECT printf('cms%012d', n), printf('ord%012d', (n - 1) / 3 + 1), printf('itm%012d', (n - 1) / 3 + 1),
			'ben000000000001', printf('ben%012d', abs(random()) % {:b} + 1), (n - 1) % 3 + 1, 10000, 1,
			'rate', 1000, 'settings', 1000, 1000, 'frozen', '2026-10-25', {:at}
		FROM seq`, dbx.Params{"n": lines * 3, "b": beneficiaries, "at": completed})
	e.seed(`INSERT INTO commission_totals (id, user, period, frozen, settled, cancelled, sales)
		SELECT substr(lower(hex(randomblob(8))), 1, 15), beneficiary, p.period, SUM(amount), 0, 0, 0
		FROM commissions, (SELECT 'all' AS period UNION ALL SELECT '2026-10-25') p GROUP BY beneficiary, p.period`, nil)
	// the wallets hold the frozen amounts the seeded commissions stand for
	e.seed(`INSERT INTO wallets (id, user, available, frozen, total_earned, total_withdrawn, last_seq, last_hash)
		SELECT substr(lower(hex(randomblob(8))), 1, 15), beneficiary, 0, SUM(amount), 0, 0, 0, ''
		FROM commissions GROUP BY beneficiary`, nil)
	e.seed("ANALYZE", nil)
}

// BenchmarkSummary1MTree asks for the summary of a distributor with a
// 1,000,000-member team (100 direct, 9,900 at level 2, 990,000 at level 3)
// and a year of daily earnings, through the HTTP router with a real token.
//
//	go test ./plugins/distribution -run '^$' -bench Summary1MTree -benchtime 1x
func BenchmarkSummary1MTree(b *testing.B) {
	e := newEnv(b)
	top, token := e.user("top", true, nil)

	const members = 1_000_000
	e.seed(seqCTE+`INSERT INTO users (id, email, tokenKey, password, nickname, referrer, bound_at, paid_orders)
		SELECT printf('mbr%012d', n), '', printf('tk%013d', n), 'x', 'm' || n,
			CASE WHEN n <= 100 THEN {:top} WHEN n <= 10000 THEN printf('mbr%012d', (n - 101) % 100 + 1)
				ELSE printf('mbr%012d', (n - 10001) % 9900 + 101) END,
			'2026-01-01 00:00:00.000Z', n % 5 FROM seq`, dbx.Params{"n": members, "top": top.Id})
	e.seed(seqCTE+`INSERT INTO referral_paths (id, ancestor, descendant, depth, created)
		SELECT printf('rp%013d', n), {:top}, printf('mbr%012d', n), CASE WHEN n <= 100 THEN 1 WHEN n <= 10000 THEN 2 ELSE 3 END,
			printf('2026-01-01 00:00:00.%03dZ', n % 1000) FROM seq`, dbx.Params{"n": members, "top": top.Id})
	e.seed(`INSERT INTO referral_stats (id, user, team_l1, team_l2, team_l3) VALUES ('rstop0000000001', {:top}, 100, 9900, 990000)
		ON CONFLICT (user) DO UPDATE SET team_l1 = 100, team_l2 = 9900, team_l3 = 990000`, dbx.Params{"top": top.Id})
	e.seed(`WITH RECURSIVE d(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM d WHERE n < 364)
		INSERT INTO commission_totals (id, user, period, frozen, settled, cancelled, sales)
		SELECT printf('ct%013d', n), {:top}, date('2026-11-25', '-' || n || ' days'), 1000, 5000, 100, 90000 FROM d`,
		dbx.Params{"top": top.Id})
	e.seed(`INSERT INTO commission_totals (id, user, period, frozen, settled, cancelled, sales)
		VALUES ('ctall0000000001', {:top}, 'all', 365000, 1825000, 36500, 32850000)`, dbx.Params{"top": top.Id})
	e.seed("ANALYZE", nil)

	client := tests.NewClient(b, e.app)
	measure := func(url string, n int) (p50, p95 time.Duration) {
		durations := make([]time.Duration, 0, n)
		for range n {
			started := time.Now()
			res := client.Do(http.MethodGet, url, nil, token)
			durations = append(durations, time.Since(started))
			if res.Status != http.StatusOK {
				b.Fatalf("%s: %d %s", url, res.Status, res.Raw)
			}
		}
		slices.Sort(durations)
		return durations[n/2], durations[n*95/100]
	}

	b.ResetTimer()
	for range b.N {
		p50, p95 := measure("/api/shop/distribution/summary", 2000)
		b.ReportMetric(float64(p50.Microseconds()), "p50-µs")
		b.ReportMetric(float64(p95.Microseconds()), "p95-µs")
		b.Logf("summary: p50 %s, p95 %s", p50, p95)

		t50, t95 := measure("/api/shop/distribution/team?level=3&page=500&perPage=20", 500)
		b.Logf("team level 3, page 500: p50 %s, p95 %s", t50, t95)
	}
}
