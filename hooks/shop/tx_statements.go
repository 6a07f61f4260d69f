package shop

import (
	"sync"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// TxQuery returns txApp.DB().NewQuery(sql), built once per transaction:
// every call with the same sql until the transaction ends gets the same
// query.
//
// Why: dbx rewrites the text of every query it builds (placeholders and
// quoting, two regular expressions over the whole text), and that rewrite
// was a large part of a payment's CPU in the shop's one writer.
// [Shop.RunInTransaction] runs many callers in one transaction, so a
// statement each of them runs, or a caller runs once per row (a payment's
// commission, ledger entry and wallet writes), is then rewritten once for
// the batch. The query is not prepared on the transaction: the database's
// connection keeps its statements prepared across transactions already
// (package sqlitedb), which a statement prepared here would bypass.
//
// Bind every parameter of the statement on each use (Bind merges into the
// parameters of the previous use). Outside a transaction, or without a
// shop attached, it returns a new query.
func TxQuery(txApp core.App, sql string) *dbx.Query {
	info := txApp.TxInfo()
	s := Get(txApp)
	if !txApp.IsTransactional() || info == nil || s == nil {
		return txApp.DB().NewQuery(sql)
	}
	return s.txQueries.get(txApp, info, sql)
}

// txQueries are the [TxQuery] queries of the open transactions.
type txQueries struct {
	mu   sync.Mutex
	byTx map[*core.TxAppInfo]map[string]*dbx.Query
}

func (t *txQueries) get(txApp core.App, info *core.TxAppInfo, sql string) *dbx.Query {
	t.mu.Lock()
	defer t.mu.Unlock()
	queries := t.byTx[info]
	if q := queries[sql]; q != nil {
		return q
	}
	if queries == nil {
		if t.byTx == nil {
			t.byTx = map[*core.TxAppInfo]map[string]*dbx.Query{}
		}
		queries = map[string]*dbx.Query{}
		t.byTx[info] = queries
		// note: a nested RunInTransaction shares the outer TxInfo, so the
		// queries live until the outermost transaction ends
		info.OnComplete(func(error) error {
			t.mu.Lock()
			delete(t.byTx, info)
			t.mu.Unlock()
			return nil
		})
	}
	q := txApp.DB().NewQuery(sql)
	queries[sql] = q
	return q
}
