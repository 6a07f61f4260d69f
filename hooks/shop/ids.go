package shop

import (
	"github.com/pocketbase/pocketbase/core"
)

// ValidId reports whether s looks like a record id: 1–64 ASCII letters,
// digits or underscores. Ids never reach SQL unbound; this only turns
// garbage into a clean 400 or 404 before a lookup.
func ValidId(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// PathId returns the record id in the path value name of the request
// (the "id" of /api/shop/orders/{id}/pay), or [ErrNotFound] when it is not
// a [ValidId]: no record can have such an id, so the route answers 404
// not_found before any lookup, whatever record it is about. A well-formed
// id that matches nothing keeps the route's own answer (order_not_found,
// aftersale_not_found, ...).
//
// Path values that are not record ids (a share code, a provider, job or
// file name) are read with e.Request.PathValue and checked by their route.
func PathId(e *core.RequestEvent, name string) (string, error) {
	id := e.Request.PathValue(name)
	if !ValidId(id) {
		return "", ErrNotFound
	}
	return id, nil
}
