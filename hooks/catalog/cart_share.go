package catalog

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"

	"fenxiao/hooks/accounts"
	"fenxiao/hooks/shop"
)

// shareCodeAlphabet leaves out look-alike characters (0/O, 1/l/I).
const shareCodeAlphabet = "23456789abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"

var errShareNotFound = shop.Fail(http.StatusNotFound, "share_not_found", "分享的购物车不存在 / shared cart not found")

// shareItem is one line of a cart share snapshot (cart_shares.items).
type shareItem struct {
	Sku      string `json:"sku"`
	Quantity int    `json:"quantity"`
}

// cartShare handles POST /api/shop/cart/share: snapshots the selected lines
// under a short code.
func (p *plugin) cartShare(e *core.RequestEvent) error {
	entries, err := cartEntries(e.App, e.Auth.Id)
	if err != nil {
		return err
	}
	snapshot := []shareItem{}
	for _, en := range entries {
		if en.Selected {
			snapshot = append(snapshot, shareItem{en.Sku, en.Quantity})
		}
	}
	if len(snapshot) == 0 {
		return shop.Fail(http.StatusBadRequest, "cart_share_empty",
			"请先选择要分享的商品 / select the lines to share first")
	}

	c, err := e.App.FindCachedCollectionByNameOrId(sharesCollection)
	if err != nil {
		return err
	}
	share := core.NewRecord(c)
	share.Set("user", e.Auth.Id)
	share.Set("items", snapshot)
	share.Set("invite_code", e.Auth.GetString("invite_code"))
	expires := time.Now().Add(p.config.ShareTTL)
	share.Set("expires_at", expires)
	for attempt := 0; ; attempt++ {
		share.Set("code", security.RandomStringWithAlphabet(8, shareCodeAlphabet))
		err = e.App.Save(share)
		if err == nil || attempt >= 3 {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("save cart share: %w", err)
	}
	code := share.GetString("code")
	return e.JSON(http.StatusOK, map[string]any{
		"code":       code,
		"path":       "/api/shop/cart/share/" + code,
		"expires_at": share.GetDateTime("expires_at"),
	})
}

// findShare returns a live share by code.
func findShare(app core.App, code string) (*core.Record, []shareItem, error) {
	if code == "" || len(code) > 16 || !validId(code) {
		return nil, nil, errShareNotFound
	}
	share, err := app.FindFirstRecordByData(sharesCollection, "code", code)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, errShareNotFound
	}
	if err != nil {
		return nil, nil, fmt.Errorf("find cart share: %w", err)
	}
	if share.GetDateTime("expires_at").Time().Before(time.Now()) {
		return nil, nil, shop.Fail(http.StatusGone, "share_expired", "分享已过期 / the shared cart has expired")
	}
	var items []shareItem
	if err := share.UnmarshalJSONField("items", &items); err != nil {
		return nil, nil, fmt.Errorf("cart share %s items: %w", share.Id, err)
	}
	return share, items, nil
}

// cartShareView handles GET /api/shop/cart/share/{code}: the shared lines at
// today's prices and stock, the sharer's nickname and invite code (what a
// share poster shows too), for anyone with the code. Promotions are priced
// without per-buyer limits when nobody is signed in.
func (p *plugin) cartShareView(e *core.RequestEvent) error {
	share, items, err := findShare(e.App, e.Request.PathValue("code"))
	if err != nil {
		return err
	}
	entries := make([]Entry, len(items))
	for i, it := range items {
		entries[i] = Entry{Id: it.Sku, Sku: it.Sku, Quantity: it.Quantity, Selected: true}
	}
	view, err := p.priceEntries(e.App, e.Auth, entries, nil, "none")
	if err != nil {
		return err
	}
	nickname := ""
	if sharer, err := e.App.FindRecordById(usersCollection, share.GetString("user")); err == nil {
		nickname = sharer.GetString("nickname")
	}
	return e.JSON(http.StatusOK, map[string]any{
		"code":        share.GetString("code"),
		"nickname":    nickname,
		"invite_code": share.GetString("invite_code"),
		"expires_at":  share.GetDateTime("expires_at"),
		"cart":        view,
	})
}

// skippedLine is a shared line that could not be imported, and why.
type skippedLine struct {
	Sku    string `json:"sku"`
	Reason string `json:"reason"`
}

// cartShareImport handles POST /api/shop/cart/share/{code}/import: copies
// the shared lines into the caller's cart (merging, within stock), then
// binds an unbound caller to the sharer. A refused binding does not fail
// the import: the answer says "bound": false and names the refusal's code
// in "bind_refused" (e.g. binding_register_only).
func (p *plugin) cartShareImport(e *core.RequestEvent) error {
	code := e.Request.PathValue("code")
	share, items, err := findShare(e.App, code)
	if err != nil {
		return err
	}

	imported := 0
	skipped := []skippedLine{}
	err = e.App.RunInTransaction(func(txApp core.App) error {
		for _, it := range items {
			qty, reason, err := p.importLine(txApp, e.Auth, it)
			if err != nil {
				return err
			}
			if reason != "" {
				skipped = append(skipped, skippedLine{it.Sku, reason})
				continue
			}
			if qty > 0 {
				imported++
			}
		}
		return nil
	})
	if err != nil {
		return err
	}

	answer := map[string]any{"imported": imported, "skipped": skipped, "bound": false}
	user, err := e.App.FindRecordById(usersCollection, e.Auth.Id)
	if err == nil && user.GetString("referrer") == "" && share.GetString("user") != user.Id && share.GetString("invite_code") != "" {
		// note: binding is a bonus of the import; a refusal (mode, cycle, ...) must not fail it
		err := accounts.BindUpline(e.App, user.Id, share.GetString("invite_code"),
			accounts.SourceCartShare, code, "user:"+user.Id)
		var shopErr *shop.Error
		switch {
		case err == nil:
			answer["bound"] = true
		case errors.As(err, &shopErr):
			answer["bind_refused"] = shopErr.Code
		default:
			e.App.Logger().Warn("cart share binding failed", "error", err, "user", user.Id)
		}
	}

	return e.JSON(http.StatusOK, answer)
}

// importLine merges one shared line into the user's cart, capped at the
// stock available and the line maximum; it returns the units added or why
// the line was skipped.
func (p *plugin) importLine(txApp core.App, user *core.Record, it shareItem) (int, string, error) {
	userId := user.Id
	info, err := lookupSku(txApp, it.Sku)
	if err != nil {
		var shopErr *shop.Error
		if errors.As(err, &shopErr) {
			return 0, shopErr.Code, nil
		}
		return 0, "", err
	}
	switch {
	case !info.Listed():
		return 0, "off_shelf", nil
	case info.Stock <= 0:
		return 0, "sold_out", nil
	}

	existing := 0
	item, err := findCartLine(txApp, userId, it.Sku)
	if err == nil {
		existing = item.GetInt("quantity")
	} else if !errors.Is(err, sql.ErrNoRows) {
		return 0, "", fmt.Errorf("find cart line: %w", err)
	}
	add := min(it.Quantity, MaxLineQuantity-existing, info.Stock-existing)
	if add <= 0 {
		return 0, "", nil // already as much in the cart as can be bought
	}
	if _, err := p.addToCart(txApp, user, it.Sku, add); err != nil {
		var shopErr *shop.Error
		if errors.As(err, &shopErr) {
			return 0, shopErr.Code, nil
		}
		return 0, "", err
	}
	return add, "", nil
}
