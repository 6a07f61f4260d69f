package accounts

import (
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/security"

	"fenxiao/hooks/shop"
)

// maxVerifiedTokens bounds the verified-token cache; when it is full it
// starts again empty. Only tokens that passed the full check get in, so
// its size follows the signed-in clients, not what is sent to the shop.
const maxVerifiedTokens = 50_000

// verifiedToken is what a full check of an auth token established: whose
// it is, until when, and under which signing key it verified.
type verifiedToken struct {
	collectionId string
	recordId     string
	tokenKey     string // the record's tokenKey at the check
	secret       string // the collection's auth token secret at the check
	expires      time.Time
}

// tokenCache remembers the auth tokens that verified, so that a client's
// next requests skip decoding the token twice and its HMAC, about two
// fifths of what loading the signed-in user cost on every request.
//
// It never serves a stale user: the record is read on every request as
// before, and a token counts as verified only while the record's tokenKey
// and the collection's secret are the ones it verified under (the HMAC of
// the same token with the same key gives the same answer) and it has not
// expired. Changing a password or logging a user out everywhere changes
// the tokenKey, and so invalidates the token here as it does in PocketBase.
type tokenCache struct {
	mu     sync.Mutex
	tokens map[string]verifiedToken
}

// bindAuthTokenCache loads the request's auth record just before
// PocketBase's own loadAuthToken middleware, which then finds it loaded.
// A token the cache does not know, or no longer trusts, goes through
// FindAuthRecordByToken as before; one that fails is checked once more by
// PocketBase's middleware, which logs why.
func bindAuthTokenCache(se *core.ServeEvent) {
	c := &tokenCache{tokens: map[string]verifiedToken{}}
	se.Router.Bind(&hook.Handler[*core.RequestEvent]{
		Id:       "fenxiaoAuthTokenCache",
		Priority: apis.DefaultLoadAuthTokenMiddlewarePriority - 1,
		Func:     c.load,
	})
}

func (c *tokenCache) load(e *core.RequestEvent) error {
	if e.Auth != nil {
		return e.Next()
	}
	token := requestToken(e)
	if token == "" {
		return e.Next()
	}
	if record := c.known(e.App, token); record != nil {
		e.Auth = record
		return e.Next()
	}
	if record, err := e.App.FindAuthRecordByToken(token, core.TokenTypeAuth); err == nil && record != nil {
		e.Auth = record
		c.remember(token, record)
	}
	return e.Next()
}

// known returns the record of a token verified before, read now, or nil
// when the token is unknown, expired, or its record or key changed.
func (c *tokenCache) known(app core.App, token string) *core.Record {
	c.mu.Lock()
	v, ok := c.tokens[token]
	if ok && !time.Now().Before(v.expires) {
		delete(c.tokens, token)
		ok = false
	}
	c.mu.Unlock()
	if !ok {
		return nil
	}
	record, err := shop.FindRecordById(app, v.collectionId, v.recordId)
	if err != nil || !record.Collection().IsAuth() ||
		record.TokenKey() != v.tokenKey || record.Collection().AuthToken.Secret != v.secret {
		c.forget(token)
		return nil
	}
	return record
}

// remember records a token that FindAuthRecordByToken accepted.
func (c *tokenCache) remember(token string, record *core.Record) {
	claims, err := security.ParseUnverifiedJWT(token)
	if err != nil {
		return
	}
	exp, err := claims.GetExpirationTime()
	if err != nil || exp == nil {
		return
	}
	v := verifiedToken{
		collectionId: record.Collection().Id,
		recordId:     record.Id,
		tokenKey:     record.TokenKey(),
		secret:       record.Collection().AuthToken.Secret,
		expires:      exp.Time,
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.tokens) >= maxVerifiedTokens {
		c.tokens = map[string]verifiedToken{}
	}
	c.tokens[token] = v
}

func (c *tokenCache) forget(token string) {
	c.mu.Lock()
	delete(c.tokens, token)
	c.mu.Unlock()
}

// requestToken reads the token as PocketBase does: the Authorization
// header, with or without the "Bearer " prefix.
func requestToken(e *core.RequestEvent) string {
	token := e.Request.Header.Get("Authorization")
	if len(token) > 7 && strings.EqualFold(token[:7], "Bearer ") {
		return token[7:]
	}
	return token
}
