package distribution

import (
	"database/sql"
	"errors"
)

// isNoRows reports whether err means "no such row".
func isNoRows(err error) bool {
	return errors.Is(err, sql.ErrNoRows)
}
