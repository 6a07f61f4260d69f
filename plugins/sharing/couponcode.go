package sharing

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"

	"fenxiao/hooks/shop"
)

// ChannelCouponCode is the channel of the link that stands for a
// distributor's personal coupon code in the statistics: buyers bound by
// entering the code (users.bound_source coupon_code) count as its
// sign-ups, their paid orders as its conversions, like a link's. A code
// has no clicks.
const ChannelCouponCode = shop.SourceCouponCode

// boundLink answers the link a binding (the user's bound_source and
// bound_scene) is attributed to: for a binding by coupon code, the
// upline's coupon-code link (made on first use); otherwise the link named
// by the binding's scene. nil when there is none.
func boundLink(txApp core.App, source, scene, uplineId string) (*core.Record, error) {
	if source == shop.SourceCouponCode {
		return codeLink(txApp, uplineId)
	}
	if !codePattern.MatchString(scene) {
		return nil, nil
	}
	link, err := txApp.FindFirstRecordByData(linksCollection, "code", scene)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return link, err
}

// codeLink finds or makes owner's coupon-code link.
func codeLink(txApp core.App, ownerId string) (*core.Record, error) {
	found := &core.Record{}
	err := txApp.RecordQuery(linksCollection).
		AndWhere(dbx.HashExp{"owner": ownerId, "product": "", "material": "", "channel": ChannelCouponCode}).
		Limit(1).One(found)
	if err == nil {
		return found, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	col, err := txApp.FindCachedCollectionByNameOrId(linksCollection)
	if err != nil {
		return nil, err
	}
	link := core.NewRecord(col)
	link.Set("owner", ownerId)
	link.Set("channel", ChannelCouponCode)
	for range 5 {
		code := security.RandomStringWithAlphabet(codeLength, codeAlphabet)
		if _, err := txApp.FindFirstRecordByData(linksCollection, "code", code); errors.Is(err, sql.ErrNoRows) {
			link.Set("code", code)
			break
		}
	}
	if link.GetString("code") == "" {
		return nil, errors.New("share link: could not pick a unique code")
	}
	if err := txApp.Save(link); err != nil {
		return nil, fmt.Errorf("save coupon-code link: %w", err)
	}
	return link, nil
}
