package distribution

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/internal/levels"
	"fenxiao/internal/money"
)

// Leaderboard prize kinds (prize_rules.kind).
const (
	PrizeWallet = "wallet" // a reward ledger entry on the winner's wallet
	PrizeGift   = "gift"   // a zero-price order of a gift SKU, shipped like any order
	PrizeLevel  = "level"  // a promotion to a distributor level (never a demotion)
)

// Prize award statuses (prize_awards.status).
const (
	AwardGranted = "granted"
	AwardFailed  = "failed" // nothing was given (see note); the merchant hands it out by hand
)

const (
	prizeRulesCollection  = "prize_rules"
	prizeAwardsCollection = "prize_awards"
	prizeRefType          = "prize_award"
	prizeActor            = "system:leaderboard_snapshot"

	// KindPrizeAwarded is the notification kind telling a winner.
	KindPrizeAwarded = "prize_awarded"
)

// prizeRule is a prize_rules row.
type prizeRule struct {
	Id        string `db:"id" json:"id"`
	Name      string `db:"name" json:"name"`
	Period    string `db:"period" json:"period"`
	By        string `db:"by" json:"by"`
	RankFrom  int    `db:"rank_from" json:"rank_from"`
	RankTo    int    `db:"rank_to" json:"rank_to"`
	Kind      string `db:"kind" json:"kind"`
	Amount    int64  `db:"amount" json:"amount"`
	GiftSku   string `db:"gift_sku" json:"gift_sku,omitempty"`
	GiftQty   int    `db:"gift_quantity" json:"gift_quantity,omitempty"`
	LevelRank int    `db:"level_rank" json:"level_rank,omitempty"`
	MinValue  int64  `db:"min_value" json:"min_value"`
}

// PrizeRun is what one award run did for a closed period.
type PrizeRun struct {
	Granted int // awards given now
	Failed  int // awards recorded as failed now (no address, no stock, ...)
	Existed int // awards a previous run had already recorded
}

// bindPrizeRules checks prize rules on every save (dashboard included).
func (p *plugin) bindPrizeRules() {
	p.app.OnRecordValidate(prizeRulesCollection).BindFunc(func(e *core.RecordEvent) error {
		r := e.Record
		if r.GetInt("rank_to") < r.GetInt("rank_from") {
			return shop.FieldFail("rank_to", "prize_rank_range_invalid",
				"结束名次不能小于开始名次 / rank_to must not be below rank_from")
		}
		switch r.GetString("kind") {
		case PrizeWallet:
			if r.GetInt("amount") <= 0 {
				return shop.FieldFail("amount", "prize_amount_required", "奖金金额必须大于0 / a wallet prize needs an amount above 0")
			}
		case PrizeGift:
			sku := r.GetString("gift_sku")
			if n, err := e.App.CountRecords(skusCollection, dbx.HashExp{"id": sku}); err != nil || n == 0 || sku == "" {
				return shop.FieldFail("gift_sku", "prize_gift_sku_not_found", "礼品规格不存在 / no SKU with this id")
			}
			if r.GetInt("gift_quantity") <= 0 {
				r.Set("gift_quantity", 1)
			}
		case PrizeLevel:
			rank := r.GetInt("level_rank")
			if n, err := e.App.CountRecords(levelsCollection, dbx.HashExp{"rank": rank}); err != nil || n == 0 || rank <= 0 {
				return shop.FieldFail("level_rank", "prize_level_not_found", "没有这个分销等级 / no distributor level with this rank")
			}
		}
		return e.Next()
	})
}

// awardPrizes gives the prizes of every active rule of the period that
// ended at end (rules created before it) to the winners on the stored
// boards of [start, end). Each award is its own transaction: the
// prize_awards row (unique per rule, period, rank and winner) and what it
// gives (ledger entry, gift order, level) commit together or not at all,
// so a run that stops half way resumes where it stopped and a second run
// gives nothing again.
func (p *plugin) awardPrizes(app core.App, period string, start, end time.Time) (PrizeRun, error) {
	var run PrizeRun
	var rules []prizeRule
	err := app.DB().Select("id", "name", "period", "by", "rank_from", "rank_to", "kind", "amount",
		"gift_sku", "gift_quantity", "level_rank", "min_value").
		From(prizeRulesCollection).
		Where(dbx.HashExp{"period": period, "active": true}).
		AndWhere(dbx.NewExp("[[created]] < {:end}", dbx.Params{"end": dbTime(end)})).
		OrderBy("created", "rowid").All(&rules) // rules saved in the same millisecond apply in the order they were saved
	if err != nil {
		return run, wrap("load prize rules", err)
	}
	boards := map[string]*Board{}
	for _, rule := range rules {
		board, ok := boards[rule.By]
		if !ok {
			if board, err = loadSnapshot(app, period, rule.By, start); err != nil {
				return run, err
			}
			boards[rule.By] = board
		}
		if board == nil {
			continue // no stored board: nothing to award from
		}
		ranked := make([]levels.Ranked, len(board.Ranks))
		for i, r := range board.Ranks {
			ranked[i] = levels.Ranked{Rank: r.Rank, UserId: r.User, Value: r.Value}
		}
		for _, w := range levels.Winners(ranked, rule.RankFrom, rule.RankTo, rule.MinValue) {
			status, err := p.award(app, rule, board, w)
			if err != nil {
				return run, wrap(fmt.Sprintf("prize %s rank %d", rule.Id, w.Rank), err)
			}
			switch status {
			case AwardGranted:
				run.Granted++
			case AwardFailed:
				run.Failed++
			default:
				run.Existed++
			}
		}
	}
	return run, nil
}

// award gives one winner their prize and returns the new award's status,
// or "" when the award was already there (or the winner is gone).
func (p *plugin) award(app core.App, rule prizeRule, board *Board, w levels.Ranked) (string, error) {
	if done, err := awardExists(app, rule.Id, board.Start, w); err != nil || done {
		return "", err
	}
	if n, err := app.CountRecords(usersCollection, dbx.HashExp{"id": w.UserId}); err != nil || n == 0 {
		return "", err
	}

	status := AwardGranted
	err := p.shop.RunInTransaction(app, func(txApp core.App) error {
		return p.grant(txApp, rule, board, w, AwardGranted, "")
	})
	var reason string
	if err != nil {
		var refused *shop.Error
		if !errors.As(err, &refused) {
			return "", err
		}
		// a business refusal (no address, out of stock): nothing was given;
		// the award is recorded as failed so that the merchant sees it and
		// later runs leave it alone
		status, reason = AwardFailed, refused.Message
		err = p.shop.RunInTransaction(app, func(txApp core.App) error {
			return p.grant(txApp, rule, board, w, AwardFailed, reason)
		})
		if err != nil {
			return "", err
		}
	}
	if done, _ := awardExists(app, rule.Id, board.Start, w); !done {
		return "", fmt.Errorf("award of rule %s to %s was not recorded", rule.Id, w.UserId)
	}
	return status, nil
}

// awardExists reports whether the award of rule at w's rank to w's user for
// the period starting at start is recorded.
func awardExists(app core.App, ruleId string, start time.Time, w levels.Ranked) (bool, error) {
	n, err := app.CountRecords(prizeAwardsCollection, dbx.HashExp{
		"rule": ruleId, "start": dbTime(start), "rank": w.Rank, "user": w.UserId,
	})
	return n > 0, err
}

// grant records the award (status granted: with what it gives; failed:
// only the row, with the reason) and tells the winner, inside txApp.
func (p *plugin) grant(txApp core.App, rule prizeRule, board *Board, w levels.Ranked, status, reason string) error {
	col, err := txApp.FindCachedCollectionByNameOrId(prizeAwardsCollection)
	if err != nil {
		return err
	}
	a := core.NewRecord(col)
	a.Load(map[string]any{
		"rule": rule.Id, "user": w.UserId, "name": rule.Name, "period": board.Period, "by": board.By,
		"start": board.Start, "end": board.End, "rank": w.Rank, "value": w.Value,
		"kind": rule.Kind, "status": status, "note": truncateRunes(reason, 200),
	})
	a.Id = core.GenerateDefaultRandomId()
	what := periodText(board)
	note := fmt.Sprintf("%s%s第%d名：%s", what, boardText(board.By), w.Rank, rule.Name)

	if status == AwardGranted {
		switch rule.Kind {
		case PrizeWallet:
			a.Set("amount", rule.Amount)
			if _, err := p.config.Post(txApp, shop.Posting{UserId: w.UserId, Kind: kindReward, Amount: rule.Amount, RefType: prizeRefType, RefId: a.Id, Actor: prizeActor, Note: note}); err != nil {
				return wrap("post prize reward", err)
			}
		case PrizeGift:
			place := p.shop.GiftOrders()
			if place == nil {
				return shop.Fail(http.StatusServiceUnavailable, "gift_orders_unavailable", "礼品订单不可用 / gift orders are not available")
			}
			order, err := place(txApp, shop.GiftOrder{UserId: w.UserId, SkuId: rule.GiftSku, Quantity: max(rule.GiftQty, 1), Note: note})
			if err != nil {
				return err
			}
			a.Set("order", order.Id)
		case PrizeLevel:
			from, to, err := promote(txApp, w.UserId, rule.LevelRank)
			if err != nil {
				return err
			}
			a.Set("level_from", from)
			a.Set("level_to", to)
		}
	}
	if err := txApp.Save(a); err != nil {
		return wrap("save prize award", err)
	}

	title, body := "恭喜获得排行榜奖励", note+"。"
	switch {
	case status == AwardFailed:
		body += "奖励暂未能发放（" + reason + "），请补充收货地址或联系客服领取。"
	case rule.Kind == PrizeWallet:
		title += " ¥" + money.Yuan(rule.Amount)
		body += "奖金 ¥" + money.Yuan(rule.Amount) + " 已计入可提现余额。"
	case rule.Kind == PrizeGift:
		body += "礼品将寄到您的默认收货地址，发货后可在订单中查看物流。"
	case rule.Kind == PrizeLevel:
		body += "您的分销等级已提升。"
	}
	p.notify(txApp, shop.Notification{
		UserId: w.UserId, Kind: KindPrizeAwarded, Title: title, Body: body, RefId: a.Id,
		Data: map[string]string{"name": rule.Name, "rank": fmt.Sprint(w.Rank), "amount": money.Yuan(rule.Amount),
			"status": map[string]string{AwardGranted: "已发放", AwardFailed: "待领取"}[status], "time": nowText()},
	})
	return nil
}

// promote raises the user's level to rank (never lowers it) with a
// conditional update and a level_changes row; it returns the levels before
// and after (equal when the user was already there or higher).
func promote(txApp core.App, userId string, rank int) (from, to int, err error) {
	if err := txApp.DB().Select("level").From(usersCollection).Where(dbx.HashExp{"id": userId}).Row(&from); err != nil {
		return 0, 0, wrap("read level", err)
	}
	if from >= rank {
		return from, from, nil
	}
	res, err := txApp.DB().NewQuery("UPDATE {{users}} SET [[level]] = {:to} WHERE [[id]] = {:id} AND [[level]] = {:from}").
		Bind(dbx.Params{"to": rank, "id": userId, "from": from}).Execute()
	if err != nil {
		return 0, 0, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return 0, 0, fmt.Errorf("level of %s changed concurrently", userId)
	}
	if err := logLevelChange(txApp, userId, from, rank, "prize", prizeActor, nil); err != nil {
		return 0, 0, err
	}
	return from, rank, nil
}

// periodText names a board's period as a winner reads it, e.g. "11月第4周" or "11月".
func periodText(b *Board) string {
	s := b.Start.In(shop.ShopTimeZone)
	if b.Period == levels.PeriodMonth {
		return fmt.Sprintf("%d年%d月", s.Year(), int(s.Month()))
	}
	return fmt.Sprintf("%d月%d日起一周", int(s.Month()), s.Day())
}

// boardText names a board in Chinese.
func boardText(by string) string {
	switch by {
	case BySales:
		return "销售榜"
	case ByInvites:
		return "邀请榜"
	}
	return "佣金榜"
}

func truncateRunes(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n])
}
