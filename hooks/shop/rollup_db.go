package shop

import (
	"github.com/pocketbase/dbx"

	"fenxiao/internal/rollup"
)

// RollupDB adapts a dbx builder (app.DB(), a transaction's DB, the
// non-concurrent DB) to what the report rollup runs its statements on.
func RollupDB(db dbx.Builder) rollup.DB {
	return rollupDB{db}
}

type rollupDB struct{ db dbx.Builder }

func (r rollupDB) Exec(sql string) (int64, error) {
	res, err := r.db.NewQuery(sql).Execute()
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (r rollupDB) All(sql string, dest any) error {
	return r.db.NewQuery(sql).All(dest)
}
