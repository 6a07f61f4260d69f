package audit

import (
	"fmt"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/internal/ledger"
)

type bountyRow struct {
	Id      string `db:"id"`
	Inviter string `db:"inviter"`
	Invitee string `db:"invitee"`
	Amount  string `db:"amount"`
	Status  string `db:"status"`
}

type bountyEntryRow struct {
	Id     string `db:"id"`
	User   string `db:"user"`
	Kind   string `db:"kind"`
	Amount string `db:"amount"`
	RefId  string `db:"ref_id"`
}

// bountyEntries are the wallet entries (kind → signed amount factor) an
// invite bounty of each status has booked: frozen when earned, then
// settled, cancelled (from frozen) or clawed back (from available).
var bountyEntries = map[string]map[string]int64{
	"frozen":      {ledger.KindCommissionFrozen: 1},
	"settled":     {ledger.KindCommissionFrozen: 1, ledger.KindCommissionSettled: 1},
	"cancelled":   {ledger.KindCommissionFrozen: 1, ledger.KindCommissionCancelled: -1},
	"clawed_back": {ledger.KindCommissionFrozen: 1, ledger.KindCommissionSettled: 1, ledger.KindClawback: -1},
	"absorbed":    {ledger.KindCommissionFrozen: 1, ledger.KindCommissionSettled: 1},
}

// checkInviteBounties verifies that every invite bounty has exactly the
// wallet entries (ref invite_bounty/<id>, on the inviter's wallet) its
// status says it booked, each of its amount, that nobody invited themselves,
// and that no invite_bounty entry lacks its bounty.
func checkInviteBounties(app core.App, c *checker) (string, bool, error) {
	if m := missing(app, map[string][]string{
		"invite_bounties": {"inviter", "invitee", "amount", "status"},
		"wallet_entries":  {"user", "kind", "amount", "ref_type", "ref_id"},
	}); len(m) > 0 {
		return fmt.Sprintf("no %v", m), true, nil
	}
	var bounties []bountyRow
	if err := app.DB().Select("id", "inviter", "invitee", "amount", "status").From("invite_bounties").OrderBy("id").All(&bounties); err != nil {
		return "", false, err
	}
	var entries []bountyEntryRow
	if err := app.DB().NewQuery("SELECT id, user, kind, amount, ref_id FROM {{wallet_entries}} WHERE ref_type = 'invite_bounty' ORDER BY id").All(&entries); err != nil {
		return "", false, err
	}
	byRef := map[string][]bountyEntryRow{}
	for _, e := range entries {
		byRef[e.RefId] = append(byRef[e.RefId], e)
	}

	for _, b := range bounties {
		ref := row("invite_bounties", b.Id)
		amount, ok := fen(b.Amount)
		if !ok || amount <= 0 {
			c.failf(ref, "has amount %q; a bounty is a positive whole number of fen", b.Amount)
			continue
		}
		if b.Inviter == b.Invitee {
			c.failf(ref, "rewards %s for inviting themselves", b.Inviter)
			continue
		}
		want, known := bountyEntries[b.Status]
		if !known {
			c.failf(ref, "has an unknown status %q", b.Status)
			continue
		}
		got := map[string]int{}
		for _, e := range byRef[b.Id] {
			a, _ := fen(e.Amount)
			sign, expected := want[e.Kind]
			switch {
			case !expected:
				c.failf(row("wallet_entries", e.Id), "is a %s entry of invite bounty %s, which is %s", e.Kind, b.Id, b.Status)
			case e.User != b.Inviter:
				c.failf(row("wallet_entries", e.Id), "books invite bounty %s on user %s, not the inviter %s", b.Id, e.User, b.Inviter)
			case a != sign*amount:
				c.failf(row("wallet_entries", e.Id), "books %d for invite bounty %s of %d", a, b.Id, amount)
			}
			got[e.Kind]++
		}
		for kind := range want {
			if got[kind] != 1 {
				c.failf(ref, "is %s but has %d %s entries (want 1)", b.Status, got[kind], kind)
			}
		}
		delete(byRef, b.Id)
	}
	for id, list := range byRef {
		for _, e := range list {
			c.failf(row("wallet_entries", e.Id), "books invite bounty %s, which does not exist", id)
		}
	}
	return fmt.Sprintf("%d invite bounties, %d entries", len(bounties), len(entries)), false, nil
}

type awardRow struct {
	Id     string `db:"id"`
	User   string `db:"user"`
	Kind   string `db:"kind"`
	Amount string `db:"amount"`
	Status string `db:"status"`
	Order  string `db:"order"`
}

// checkPrizeAwards verifies that every granted wallet prize has exactly one
// reward entry of its amount on the winner's wallet (ref prize_award/<id>),
// that nothing else books a prize_award entry, and that every granted gift
// prize points to a zero-price order of the winner.
func checkPrizeAwards(app core.App, c *checker) (string, bool, error) {
	if m := missing(app, map[string][]string{
		"prize_awards":   {"user", "kind", "amount", "status", "order"},
		"wallet_entries": {"user", "kind", "amount", "ref_type", "ref_id"},
	}); len(m) > 0 {
		return fmt.Sprintf("no %v", m), true, nil
	}
	var awards []awardRow
	if err := app.DB().NewQuery("SELECT id, user, kind, amount, status, COALESCE([[order]], '') AS [[order]] FROM {{prize_awards}} ORDER BY id").All(&awards); err != nil {
		return "", false, err
	}
	var entries []bountyEntryRow
	if err := app.DB().NewQuery("SELECT id, user, kind, amount, ref_id FROM {{wallet_entries}} WHERE ref_type = 'prize_award' ORDER BY id").All(&entries); err != nil {
		return "", false, err
	}
	byRef := map[string][]bountyEntryRow{}
	for _, e := range entries {
		byRef[e.RefId] = append(byRef[e.RefId], e)
	}
	for _, a := range awards {
		ref := row("prize_awards", a.Id)
		list := byRef[a.Id]
		delete(byRef, a.Id)
		amount, _ := fen(a.Amount)
		if a.Status != "granted" || a.Kind != "wallet" {
			for _, e := range list {
				c.failf(row("wallet_entries", e.Id), "books prize %s, which is a %s prize %s", a.Id, a.Kind, a.Status)
			}
			if a.Status == "granted" && a.Kind == "gift" {
				var o struct {
					Buyer   string `db:"buyer"`
					Payable string `db:"payable"`
				}
				err := app.DB().NewQuery("SELECT buyer, payable FROM {{orders}} WHERE id = {:id}").Bind(map[string]any{"id": a.Order}).One(&o)
				if p, _ := fen(o.Payable); err != nil || o.Buyer != a.User || p != 0 {
					c.failf(ref, "is a gift without a zero-price order of the winner (order %q)", a.Order)
				}
			}
			continue
		}
		if len(list) != 1 {
			c.failf(ref, "is a granted wallet prize with %d reward entries (want 1)", len(list))
			continue
		}
		e := list[0]
		if got, _ := fen(e.Amount); e.Kind != ledger.KindReward || e.User != a.User || got != amount || amount <= 0 {
			c.failf(row("wallet_entries", e.Id), "books %s %s for %s; prize %s is a reward of %d for %s", e.Kind, e.Amount, e.User, a.Id, amount, a.User)
		}
	}
	for id, list := range byRef {
		for _, e := range list {
			c.failf(row("wallet_entries", e.Id), "books prize %s, which does not exist", id)
		}
	}
	return fmt.Sprintf("%d prizes, %d entries", len(awards), len(entries)), false, nil
}
