// Package search turns shop text into the tokens of fenxiao's full-text
// index, and search box input into the matching FTS5 query.
//
// SQLite's unicode61 tokenizer splits on spaces and punctuation only, so a
// run of Chinese characters would be one token and a trigram index cannot
// answer one- or two-character keywords (杯, 茶叶). Instead, every run of
// CJK characters is indexed as its single characters followed by its
// overlapping bigrams:
//
//	"保温杯 500ml" -> "保 温 杯 保温 温杯 500ml"
//
// and a query of n CJK characters becomes its single character (n = 1) or
// the phrase of its bigrams (n >= 2), which matches exactly the texts that
// contain the keyword as a substring:
//
//	"保温杯" -> "保温 温杯" (as one FTS5 phrase)
//
// Other letters and digits are kept as whole lower-cased words.
//
// Example usage:
//
//	doc := search.IndexText("不锈钢保温杯 500ml")  // stored in an fts5(..., tokenize='unicode61') column
//	q := search.MatchQuery("保温杯")               // ... WHERE fts MATCH {:q}
package search

import (
	"strings"
	"unicode"
)

// IsCJK reports whether r is written without spaces between words
// (Han, Hiragana, Katakana, Hangul) and is therefore split into n-grams.
func IsCJK(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
}

// run is one maximal piece of text of a single kind.
type run struct {
	text []rune
	cjk  bool
}

// runs splits s into CJK runs and word runs (letters and digits), dropping
// everything else (spaces, punctuation, symbols).
func runs(s string) []run {
	var result []run
	var cur []rune
	curCJK := false
	flush := func() {
		if len(cur) > 0 {
			result = append(result, run{text: cur, cjk: curCJK})
			cur = nil
		}
	}
	for _, r := range s {
		switch {
		case IsCJK(r):
			if !curCJK {
				flush()
				curCJK = true
			}
			cur = append(cur, r)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if curCJK {
				flush()
				curCJK = false
			}
			cur = append(cur, unicode.ToLower(r))
		default:
			flush()
		}
	}
	flush()
	return result
}

// Tokens returns the index tokens of s: for each CJK run its characters
// then its bigrams, for each other word the lower-cased word.
func Tokens(s string) []string {
	var tokens []string
	for _, r := range runs(s) {
		if !r.cjk {
			tokens = append(tokens, string(r.text))
			continue
		}
		for _, c := range r.text {
			tokens = append(tokens, string(c))
		}
		// note: bigrams come after the characters of their run, so the
		// bigrams of a run are adjacent tokens and a query's bigrams can
		// be matched as a phrase
		for i := 0; i+1 < len(r.text); i++ {
			tokens = append(tokens, string(r.text[i:i+2]))
		}
	}
	return tokens
}

// IndexText returns the tokens of the given texts joined by spaces, ready to
// be stored in a unicode61 FTS5 column.
func IndexText(texts ...string) string {
	var all []string
	for _, t := range texts {
		all = append(all, Tokens(t)...)
	}
	return strings.Join(all, " ")
}

// Terms returns the FTS5 terms of a search box input: one quoted string or
// phrase per run of the input. All terms must match (FTS5's implicit AND).
func Terms(q string) []string {
	var terms []string
	for _, r := range runs(q) {
		if !r.cjk || len(r.text) == 1 {
			terms = append(terms, quote(string(r.text)))
			continue
		}
		grams := make([]string, 0, len(r.text)-1)
		for i := 0; i+1 < len(r.text); i++ {
			grams = append(grams, string(r.text[i:i+2]))
		}
		terms = append(terms, quote(strings.Join(grams, " ")))
	}
	return terms
}

// MatchQuery returns the FTS5 MATCH expression for a search box input, or
// "" when the input has nothing searchable (only spaces or punctuation).
//
// The result only ever contains quoted letters and digits, so user input
// cannot inject FTS5 syntax.
func MatchQuery(q string) string {
	return strings.Join(Terms(q), " ")
}

func quote(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
