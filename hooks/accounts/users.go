package accounts

import (
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/hooks/shop"
)

const usersCollection = "users"

// protectedUserFields are written only by the server (or a superuser in the
// dashboard); a user's own create/update request must not carry them.
var protectedUserFields = []string{
	"referrer", "bound_at", "bound_source", "bound_scene", "bound_by",
	"invite_code", "is_distributor", "distributor_since", "level",
	"wx_openid", "wx_unionid", "first_paid_at", "total_spent", "paid_orders",
	// a phone number is proven by an SMS code (POST /api/shop/auth/sms/verify):
	// a user who could type one in could sign in as its owner's account
	"phone",
}

// inviteAlphabet leaves out 0/O and 1/I/L, which people misread from posters.
const inviteAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

const inviteCodeLength = 8

func newInviteCode() string {
	b := make([]byte, inviteCodeLength)
	max := big.NewInt(int64(len(inviteAlphabet)))
	for i := range b {
		n, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic(err) // crypto/rand never fails on supported platforms
		}
		b[i] = inviteAlphabet[n.Int64()]
	}
	return string(b)
}

func isNoRows(err error) bool {
	return errors.Is(err, sql.ErrNoRows)
}

// FindUserByInviteCode returns the user owning code, or a 404 shop error.
func FindUserByInviteCode(app core.App, code string) (*core.Record, error) {
	// codes are printed in capitals; people type them as they like
	code = strings.ToUpper(strings.TrimSpace(code))
	if code == "" || len(code) > 16 {
		return nil, shop.FieldFail("code", "invite_code_unknown", "邀请码不存在 / unknown invite code")
	}
	u, err := app.FindFirstRecordByData(usersCollection, "invite_code", code)
	if err != nil {
		if isNoRows(err) {
			return nil, shop.Fail(http.StatusNotFound, "invite_code_unknown", "邀请码不存在 / unknown invite code")
		}
		return nil, fmt.Errorf("find invite code: %w", err)
	}
	return u, nil
}

// onUserCreate gives every new user an invite code and, when the shop makes
// everyone a distributor, distributor status; a user created with a referrer
// is placed in the referral tree in the same transaction. It runs for every
// writer: e-mail sign-up, SMS, WeChat, the dashboard and Go code.
func onUserCreate(s *shop.Shop) func(e *core.RecordEvent) error {
	return func(e *core.RecordEvent) error {
		originalApp := e.App
		defer func() { e.App = originalApp }()

		return e.App.RunInTransaction(func(txApp core.App) error {
			e.App = txApp
			u := e.Record
			if u.Id == "" {
				u.Id = core.GenerateDefaultRandomId()
			}

			if u.GetString("invite_code") == "" {
				code, err := uniqueInviteCode(txApp)
				if err != nil {
					return err
				}
				u.Set("invite_code", code)
			}

			settings, err := shop.LoadSettings(txApp)
			if err != nil {
				return err
			}
			if settings.DistributorCondition == shop.DistributorEveryone && !u.GetBool("is_distributor") {
				u.Set("is_distributor", true)
				u.Set("distributor_since", types.NowDateTime())
			}

			var upline *core.Record
			if id := u.GetString("referrer"); id != "" {
				upline, err = txApp.FindRecordById(usersCollection, id)
				if err != nil {
					return shop.FieldFail("inviter", "invite_code_unknown", "邀请人不存在 / unknown inviter")
				}
				if u.GetDateTime("bound_at").IsZero() {
					u.Set("bound_at", types.NowDateTime())
				}
				if u.GetString("bound_source") == "" {
					u.Set("bound_source", SourceRegister)
				}
				if u.GetString("bound_by") == "" {
					u.Set("bound_by", "user:"+u.Id)
				}
			}

			if err := e.Next(); err != nil {
				return err
			}

			if upline != nil {
				if err := moveInTree(txApp, u.Id, "", upline.Id); err != nil {
					return err
				}
				if err := logReferralEvent(txApp, u, "", upline.Id); err != nil {
					return err
				}
			}

			return s.OnUserJoined.Trigger(&shop.UserEvent{App: txApp, User: u, Upline: upline})
		})
	}
}

func uniqueInviteCode(app core.App) (string, error) {
	for range 10 {
		code := newInviteCode()
		_, err := app.FindFirstRecordByData(usersCollection, "invite_code", code)
		if isNoRows(err) {
			return code, nil
		}
		if err != nil {
			return "", fmt.Errorf("check invite code: %w", err)
		}
	}
	return "", errors.New("could not find a free invite code")
}

// onUserUpdate keeps the referral tree and its event log in step with every
// change of users.referrer, whoever makes it, fires OnUplineChanged once
// the tree moved, and keeps invite codes stable.
func onUserUpdate(s *shop.Shop) func(e *core.RecordEvent) error {
	return func(e *core.RecordEvent) error {
		return updateUser(s, e)
	}
}

func updateUser(s *shop.Shop, e *core.RecordEvent) error {
	original := e.Record.Original()
	if original.GetString("invite_code") != "" && e.Record.GetString("invite_code") != original.GetString("invite_code") {
		return shop.FieldFail("invite_code", "invite_code_immutable", "邀请码不可修改 / invite codes never change")
	}

	oldUpline, newUpline := original.GetString("referrer"), e.Record.GetString("referrer")
	if oldUpline == newUpline {
		return e.Next()
	}

	originalApp := e.App
	defer func() { e.App = originalApp }()

	return e.App.RunInTransaction(func(txApp core.App) error {
		e.App = txApp
		if newUpline != "" {
			if _, err := txApp.FindRecordById(usersCollection, newUpline); err != nil {
				return shop.FieldFail("referrer", "referrer_unknown", "推荐人不存在 / unknown referrer")
			}
			if err := ensureNoCycle(txApp, e.Record.Id, newUpline); err != nil {
				return err
			}
		}
		if err := e.Next(); err != nil {
			return err
		}
		if err := moveInTree(txApp, e.Record.Id, oldUpline, newUpline); err != nil {
			return err
		}
		if err := logReferralEvent(txApp, e.Record, oldUpline, newUpline); err != nil {
			return err
		}
		return s.OnUplineChanged.Trigger(&shop.UplineEvent{App: txApp, User: e.Record, OldUpline: oldUpline, NewUpline: newUpline})
	})
}

// logReferralEvent appends the referral_events row describing a change of
// upline; source, scene and actor come from the user's bound_* fields, which
// every writer of referrer sets together with it.
func logReferralEvent(txApp core.App, u *core.Record, oldUpline, newUpline string) error {
	col, err := txApp.FindCachedCollectionByNameOrId("referral_events")
	if err != nil {
		return err
	}
	source := u.GetString("bound_source")
	if source == "" {
		source = SourceSystem
	}
	actor := u.GetString("bound_by")
	if actor == "" {
		actor = "system"
	}
	kind := "rebind"
	switch {
	case source == SourceAdmin:
		kind = "reassign"
	case newUpline == "":
		kind = "lapse"
	case oldUpline == "":
		kind = "bind"
	}

	ev := core.NewRecord(col)
	ev.Load(map[string]any{
		"user":       u.Id,
		"old_upline": oldUpline,
		"new_upline": newUpline,
		"kind":       kind,
		"source":     source,
		"scene":      u.GetString("bound_scene"),
		"actor":      actor,
	})
	if err := txApp.Save(ev); err != nil {
		return fmt.Errorf("log referral event: %w", err)
	}
	return nil
}

// appendOnly refuses any edit or deletion of a fact table row, for every
// writer including superusers: corrections are new rows.
func appendOnly(e *core.RecordEvent) error {
	return shop.Fail(http.StatusForbidden, "append_only",
		"该记录只能追加，不能修改或删除 / this record is append-only")
}
