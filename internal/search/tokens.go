// Package search is fenxiao's in-memory product search index ([Index]):
// it turns shop text into the tokens of the index, search box input into
// the terms looked up in it, and answers searches with filters, sort
// orders, pages and facets. It reads no database: the catalog feeds it the
// products and keeps it in step (hooks/catalog).
//
// Chinese is written without spaces, so a run of CJK characters is indexed
// as its single characters followed by its overlapping bigrams:
//
//	"保温杯 500ml" -> 保 温 杯 保温 温杯 500ml
//
// A keyword of one CJK character is looked up as that character, a keyword
// of n >= 2 characters as its bigrams; a text holding all the bigrams holds
// the keyword when n = 2, and for n >= 3 the index also checks that the
// text contains the keyword (see [Term.Phrase]). Other letters and digits are
// kept as whole lower-cased words.
//
// Example usage:
//
//	x := search.NewIndex(categories, brands)
//	x.Add(search.Product{Id: "p1", Title: "不锈钢保温杯 500ml", On: true})
//	hits, err := x.Search(search.Query{Terms: search.QueryTerms("保温杯"),
//		Sort: search.SortRelevance, Page: 1, PerPage: 20, PriceMin: -1, PriceMax: -1})
package search

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// IsCJK reports whether r is written without spaces between words
// (Han, Hiragana, Katakana, Hangul) and is therefore split into n-grams.
func IsCJK(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
}

// eachRun calls fn with every maximal CJK run and word run (letters and
// digits) of s, as byte offsets into s; everything else (spaces,
// punctuation, symbols) separates runs.
func eachRun(s string, fn func(start, end int, cjk bool)) {
	start, cjk := -1, false
	for i, r := range s {
		var kind int // 0: separator, 1: word, 2: CJK
		switch {
		case r < utf8.RuneSelf:
			if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' {
				kind = 1
			}
		case IsCJK(r):
			kind = 2
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			kind = 1
		}
		if start >= 0 && (kind == 0 || (kind == 2) != cjk) {
			fn(start, i, cjk)
			start = -1
		}
		if kind != 0 && start < 0 {
			start, cjk = i, kind == 2
		}
	}
	if start >= 0 {
		fn(start, len(s), cjk)
	}
}

// EachToken calls fn with each index token of s: for each CJK run its
// characters then its bigrams, for each other word the lower-cased word.
//
// The tokens are substrings of s where possible (no allocation); clone a
// token before keeping it if s should not be retained.
func EachToken(s string, fn func(tok string)) {
	eachRun(s, func(start, end int, cjk bool) {
		run := s[start:end]
		if !cjk {
			fn(lower(run))
			return
		}
		for i, r := range run {
			fn(run[i : i+utf8.RuneLen(r)])
		}
		// note: bigrams come after the characters of their run, as they
		// were stored in the former FTS5 index
		prev := -1
		for i := range run {
			if prev >= 0 {
				_, size := utf8.DecodeRuneInString(run[i:])
				fn(run[prev : i+size])
			}
			prev = i
		}
	})
}

// Tokens returns the index tokens of s (see [EachToken]).
func Tokens(s string) []string {
	var tokens []string
	EachToken(s, func(tok string) { tokens = append(tokens, tok) })
	return tokens
}

// IndexText returns the tokens of the given texts joined by spaces, as they
// were stored in the former FTS5 index (kept for its down migration).
func IndexText(texts ...string) string {
	all := make([]string, 0, len(texts))
	for _, t := range texts {
		all = append(all, Tokens(t)...)
	}
	return strings.Join(all, " ")
}

// Term is one run of a search box input. A text matches the term when it
// holds all of its Tokens and, if Phrase is set, contains Text.
type Term struct {
	// Text is the run: CJK characters as typed, or a lower-cased word.
	Text string

	// Tokens are the index tokens to look up: the word, the single CJK
	// character, or the bigrams of a longer CJK run (without repeats).
	Tokens []string

	// Phrase is set for CJK runs of three characters or more, whose
	// bigrams may also be found apart ("保温" and "温杯" in "保温 温杯").
	Phrase bool
}

// QueryTerms returns the terms of a search box input; a product matches
// when it matches every term. It returns nil when the input has nothing
// searchable (only spaces or punctuation).
func QueryTerms(q string) []Term {
	var terms []Term
	eachRun(q, func(start, end int, cjk bool) {
		run := q[start:end]
		if !cjk {
			w := lower(run)
			terms = append(terms, Term{Text: w, Tokens: []string{w}})
			return
		}
		t := Term{Text: run, Phrase: utf8.RuneCountInString(run) >= 3}
		if utf8.RuneCountInString(run) == 1 {
			t.Tokens = []string{run}
		}
		prev := -1
		for i := range run {
			if prev >= 0 {
				_, size := utf8.DecodeRuneInString(run[i:])
				if gram := run[prev : i+size]; !contains(t.Tokens, gram) {
					t.Tokens = append(t.Tokens, gram)
				}
			}
			prev = i
		}
		terms = append(terms, t)
	})
	return terms
}

// lower returns the word w lower-cased, w itself when it already is.
func lower(w string) string {
	for _, r := range w {
		if unicode.ToLower(r) != r {
			return strings.Map(unicode.ToLower, w)
		}
	}
	return w
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
