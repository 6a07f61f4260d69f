package distribution

import (
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"
	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/hooks/shop"
)

// settleSchedule is when commission_settle runs (Asia/Shanghai).
const settleSchedule = "30 2 * * *"

// SettleResult is what one settlement run did.
type SettleResult struct {
	Commissions int   `json:"commissions"`
	Amount      int64 `json:"amount"`
	Entries     int   `json:"entries"` // commission_settled wallet entries posted
	Batches     int   `json:"batches"`
	// Longest is the longest of the run's transactions, the longest the
	// run held the shop's one writer at a time.
	Longest time.Duration `json:"longest"`
}

// runSettleJob is the commission_settle job. The 02:30 scheduled run
// settles only on the days the settlement cycle names (daily: every day,
// weekly: Mondays, monthly: the 1st); a run at any other time (CLI `jobs
// run`, the admin route) is a deliberate on-demand run and settles regardless.
func (p *plugin) runSettleJob(app core.App) (string, error) {
	now := p.now()
	settings, err := shop.LoadSettings(app)
	if err != nil {
		return "", err
	}
	if isScheduledTick(now) && !cycleDue(settings.SettlementCycle, now) {
		return "not a settlement day (cycle " + settings.SettlementCycle + ")", nil
	}
	// orders still queued for booking (Config.BookingDelay) are booked
	// first, so that a settlement never depends on the worker's timing
	p.drainQueue(app)
	res, err := p.Settle(app, now)
	if err != nil {
		return "", err
	}
	bounties, bountyAmount, err := p.settleBounties(app, now)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("settled %d commissions (%d fen) in %d wallet entries, %d batches (longest %s); %d invite bounties (%d fen)",
		res.Commissions, res.Amount, res.Entries, res.Batches, res.Longest.Round(time.Millisecond), bounties, bountyAmount), nil
}

// isScheduledTick reports whether t is the minute commission_settle is scheduled at.
func isScheduledTick(t time.Time) bool {
	t = t.In(shop.ShopTimeZone)
	return t.Hour() == 2 && t.Minute() == 30
}

// cycleDue reports whether the settlement cycle settles on t's day.
func cycleDue(cycle string, t time.Time) bool {
	t = t.In(shop.ShopTimeZone)
	switch cycle {
	case shop.CycleWeekly:
		return t.Weekday() == time.Monday
	case shop.CycleMonthly:
		return t.Day() == 1
	default:
		return true
	}
}

// Settle moves every frozen commission that is due to settled: its order is
// completed, completed_at + frozen_days has passed, and no after-sale on its
// line is open. It must be called with the app, not a transaction.
//
// The work is set-based and batched so that a million due commissions take
// seconds, not minutes:
//   - the frozen commissions are walked in table (rowid) order through the
//     partial index idx_commissions_frozen_seq, which holds only frozen rows,
//     SettleBatchSize at a time, so a batch rewrites neighbouring pages of
//     the table once instead of pages scattered over all of it (walking by
//     beneficiary made every batch of a large table dirty most of its pages,
//     far more than the page cache holds);
//   - each batch is one transaction with one conditional
//     UPDATE … WHERE status = 'frozen' … RETURNING, so a commission refunded
//     or settled meanwhile is simply not touched;
//   - the batch's amounts are summed per beneficiary and each wallet gets ONE
//     commission_settled entry per batch, referencing the batch id
//     (ref_type commission_settlement); the commissions carry the same id in
//     settle_batch, so the entry is traceable to every commission it paid.
//     A run of one batch (a day's commissions, up to SettleBatchSize) posts
//     one entry per wallet; a backlog of several batches posts one per
//     wallet and batch;
//   - with the default Post the entries are booked by [wallet.PostMany] (one
//     query for the wallets, one for idempotency, multi-row inserts), which
//     sends no realtime events: a distributor's open wallet view learns
//     about a settlement on its next read, not live.
func (p *plugin) Settle(app core.App, now time.Time) (SettleResult, error) {
	var res SettleResult
	settings, err := shop.LoadSettings(app)
	if err != nil {
		return res, err
	}
	cutoff, _ := types.ParseDateTime(now.Add(-time.Duration(settings.FrozenDays) * 24 * time.Hour))
	settledAt, _ := types.ParseDateTime(now)
	run := now.UTC().Format("20060102T150405") + "-" + security.RandomStringWithAlphabet(6, "abcdefghijklmnopqrstuvwxyz0123456789")

	defer deferCheckpoints(app)()

	// progress for the console: frozen rows walked of those frozen now
	// (read off the partial index, so a count costs one index scan)
	var total int64
	_ = app.DB().NewQuery("SELECT COUNT(*) FROM {{commissions}} INDEXED BY idx_commissions_frozen_seq WHERE [[status]] = 'frozen'").Row(&total)
	p.shop.ReportJobProgress(settleJobName, 0, total)

	var from int64 // rowid; batches are (from, upto]
	for batch := 1; ; batch++ {
		var upto int64
		last := false
		err := app.DB().NewQuery(
			"SELECT [[rowid]] FROM {{commissions}} INDEXED BY idx_commissions_frozen_seq " +
				"WHERE [[status]] = 'frozen' AND [[rowid]] > {:from} " +
				"ORDER BY [[rowid]] LIMIT 1 OFFSET {:n}",
		).Bind(dbx.Params{"from": from, "n": p.config.SettleBatchSize - 1}).Row(&upto)
		if errors.Is(err, sql.ErrNoRows) {
			last = true
		} else if err != nil {
			return res, wrap("find settlement batch", err)
		}

		batchId := run + "-" + strconv.Itoa(batch)
		started := time.Now()
		err = app.RunInTransaction(func(txApp core.App) error {
			n, amount, entries, err := p.settleRange(txApp, from, upto, last, batchId, cutoff.String(), settledAt.String())
			res.Commissions += n
			res.Amount += amount
			res.Entries += entries
			return err
		})
		if err != nil {
			return res, err
		}
		res.Longest = max(res.Longest, time.Since(started))
		res.Batches = batch
		if last {
			p.shop.ReportJobProgress(settleJobName, total, total)
			return res, nil
		}
		p.shop.ReportJobProgress(settleJobName, min(int64(batch)*int64(p.config.SettleBatchSize), total), total)
		from = upto
	}
}

// settleRange settles the due frozen commissions in the rowid range
// (from, upto] (to the end when last) inside txApp.
func (p *plugin) settleRange(txApp core.App, from, upto int64, last bool, batchId, cutoff, settledAt string) (int, int64, int, error) {
	upper := ""
	if !last {
		upper = " AND [[rowid]] <= {:upto}"
	}
	// note: through the partial index, so the UPDATE visits only frozen rows
	// even when a range spans many settled ones (a commission held back by
	// an open after-sale keeps an old rowid frozen); the rowid range keeps
	// the pages it rewrites together
	var rows []struct {
		Beneficiary string `db:"beneficiary"`
		Day         string `db:"day"`
		Net         int64  `db:"net"`
	}
	err := txApp.DB().NewQuery(
		"UPDATE {{commissions}} INDEXED BY idx_commissions_frozen_seq " +
			"SET [[status]] = 'settled', [[settled_at]] = {:at}, [[settle_batch]] = {:batch} " +
			"WHERE [[status]] = 'frozen' AND [[rowid]] > {:from}" + upper +
			" AND " + shop.SettleableLineSQL("{{commissions}}.[[order]]", "{{commissions}}.[[order_item]]") +
			" RETURNING [[beneficiary]], [[day]], [[amount]] - [[cancelled_amount]] AS [[net]]",
	).Bind(dbx.Params{
		"at": settledAt, "batch": batchId, "from": from, "upto": upto, "cutoff": cutoff,
	}).All(&rows)
	if err != nil {
		return 0, 0, 0, wrap("settle commissions", err)
	}
	if len(rows) == 0 {
		return 0, 0, 0, nil
	}

	type key struct{ user, day string }
	perWallet := map[string]int64{}
	var order []string
	perDay := map[key]int64{}
	var total int64
	for _, r := range rows {
		if _, ok := perWallet[r.Beneficiary]; !ok {
			order = append(order, r.Beneficiary)
		}
		perWallet[r.Beneficiary] += r.Net
		perDay[key{r.Beneficiary, r.Day}] += r.Net
		total += r.Net
	}

	entries, err := p.postSettled(txApp, order, perWallet, batchId)
	if err != nil {
		return 0, 0, 0, err
	}
	p.notifySettled(txApp, order, perWallet, batchId)

	buckets := make([]totalsRow, 0, len(perDay))
	for k, net := range perDay {
		buckets = append(buckets, totalsRow{User: k.user, Period: k.day, totalsDelta: totalsDelta{frozen: -net, settled: net}})
	}
	if err := addTotalsBulk(txApp, buckets); err != nil {
		return 0, 0, 0, err
	}
	return len(rows), total, entries, nil
}

// deferCheckpoints turns the writer connection's automatic WAL checkpoints
// off for the run and returns what turns them back on and checkpoints
// once, from a reader connection.
//
// A batch dirties thousands of pages (commission rows, the ledger's and
// the totals' indexes) that the next batches dirty again; checkpointing
// after every commit copied them into the database file once per batch,
// inside the commit, while the writer was held. One passive checkpoint at
// the end copies each page once and, run on the reader pool, leaves the
// writer free for checkouts. Should the writer connection be replaced
// meanwhile, the new one checkpoints as usual.
func deferCheckpoints(app core.App) func() {
	writer := app.NonconcurrentDB()
	pages := 0
	if err := writer.NewQuery("PRAGMA wal_autocheckpoint").Row(&pages); err != nil || pages <= 0 {
		return func() {}
	}
	if _, err := writer.NewQuery("PRAGMA wal_autocheckpoint = 0").Execute(); err != nil {
		return func() {}
	}
	return func() {
		if _, err := writer.NewQuery("PRAGMA wal_autocheckpoint = " + strconv.Itoa(pages)).Execute(); err != nil {
			app.Logger().Warn("commission_settle: restore wal_autocheckpoint", "error", err)
		}
		if _, err := app.ConcurrentDB().NewQuery("PRAGMA wal_checkpoint(PASSIVE)").Execute(); err != nil {
			app.Logger().Warn("commission_settle: checkpoint", "error", err)
		}
	}
}
