package levels

// Winners returns the rows of a ranked board (see [Rank]) that a prize for
// the ranks from..to (inclusive) goes to: every row whose rank is in the
// range, so that users tied at a rank share its prize (a tie at rank 3 of a
// "top 3" prize gives it to both), and whose value is above zero and at
// least min. ranks is not modified.
func Winners(ranks []Ranked, from, to int, min int64) []Ranked {
	var out []Ranked
	if from < 1 || to < from {
		return out
	}
	for _, r := range ranks {
		if r.Rank < from || r.Rank > to || r.Value <= 0 || r.Value < min {
			continue
		}
		out = append(out, r)
	}
	return out
}
