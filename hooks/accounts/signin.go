package accounts

import (
	"fmt"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"

	"fenxiao/hooks/shop"
)

// Identity and Invitation are declared in the shop seam, which plugins
// sign users in through ([shop.SignInOrUp]).
type (
	Identity   = shop.Identity
	Invitation = shop.Invitation
)

// SignInOrUp finds the user with the given identity or creates one (bound to
// the inviter, in the same transaction). It returns the user and whether it
// was created. An unknown invite code refuses the sign-up; an existing user
// who arrives with an invite code is bound only where the binding mode
// allows it, silently otherwise (signing in must not fail because of it).
func SignInOrUp(app core.App, id Identity, inv Invitation) (user *core.Record, created bool, err error) {
	if id.Field == "" || id.Value == "" {
		return nil, false, fmt.Errorf("sign-in identity is empty")
	}
	err = app.RunInTransaction(func(txApp core.App) error {
		existing, findErr := txApp.FindFirstRecordByData(usersCollection, id.Field, id.Value)
		if findErr == nil {
			user = existing
			return nil
		}
		if !isNoRows(findErr) {
			return fmt.Errorf("find user by %s: %w", id.Field, findErr)
		}

		col, err := txApp.FindCachedCollectionByNameOrId(usersCollection)
		if err != nil {
			return err
		}
		u := core.NewRecord(col)
		u.Set(id.Field, id.Value)
		// the password is never used: these accounts sign in by code
		u.SetPassword(security.RandomString(32))
		if id.Init != nil {
			id.Init(u)
		}
		if err := applyInviter(txApp, u, inv.Code, inv.Source, inv.Scene); err != nil {
			return err
		}
		if err := txApp.Save(u); err != nil {
			return err
		}
		user, created = u, true
		return nil
	})
	if err != nil {
		return nil, false, err
	}

	if !created && inv.Code != "" && user.GetString("referrer") == "" {
		source := inv.Source
		if source == "" {
			source = SourceLink
		}
		if bindErr := BindUpline(app, user.Id, inv.Code, source, inv.Scene, "user:"+user.Id); bindErr == nil {
			user, _ = app.FindRecordById(usersCollection, user.Id)
		}
	}
	return user, created, nil
}
