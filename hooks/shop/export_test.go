package shop

// TxQueriesKept is how many statements [TxQuery] keeps.
func TxQueriesKept(s *Shop) int {
	s.txQueries.mu.Lock()
	defer s.txQueries.mu.Unlock()
	return len(s.txQueries.queries)
}
