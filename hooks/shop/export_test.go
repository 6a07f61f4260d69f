package shop

// WritesWaiting is how many [Shop.RunInTransaction] callers wait for a
// batch (tests start a batch only once all its callers are in line).
func WritesWaiting(s *Shop) int {
	s.writes.mu.Lock()
	defer s.writes.mu.Unlock()
	return len(s.writes.waiting)
}

// TxQueriesKept is how many statements [TxQuery] keeps.
func TxQueriesKept(s *Shop) int {
	s.txQueries.mu.Lock()
	defer s.txQueries.mu.Unlock()
	return len(s.txQueries.queries)
}
