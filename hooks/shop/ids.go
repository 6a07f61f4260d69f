package shop

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
