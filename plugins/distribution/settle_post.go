package distribution

import (
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
)

// postSettled books one commission_settled entry per user (in the given
// order) for the batch and returns how many it booked, through
// Config.PostMany in one call when there is one, else Post once per user.
func (p *plugin) postSettled(txApp core.App, users []string, amounts map[string]int64, batchId string) (int, error) {
	const actor = "system:commission_settle"
	note := "佣金结算 / settlement " + batchId
	if p.config.PostMany == nil {
		entries := 0
		for _, user := range users {
			amount := amounts[user]
			if amount <= 0 {
				continue
			}
			if _, err := p.config.Post(txApp, shop.Posting{UserId: user, Kind: kindCommissionSettled, Amount: amount,
				RefType: settlementRefType, RefId: batchId, Actor: actor, Note: note}); err != nil {
				return 0, wrap("post commission_settled", err)
			}
			entries++
		}
		return entries, nil
	}

	postings := make([]shop.Posting, 0, len(users))
	for _, user := range users {
		amount := amounts[user]
		if amount <= 0 {
			continue
		}
		postings = append(postings, shop.Posting{UserId: user, Kind: kindCommissionSettled, Amount: amount,
			RefType: settlementRefType, RefId: batchId, Actor: actor, Note: note})
	}
	if _, err := p.config.PostMany(txApp, postings); err != nil {
		return 0, wrap("post commission_settled", err)
	}
	return len(postings), nil
}
