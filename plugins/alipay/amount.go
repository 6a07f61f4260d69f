package alipay

import (
	"errors"
	"fmt"
)

// maxYuanDigits bounds the integer part of a yuan string so the fen value
// always fits an int64 (Alipay's own ceiling is 100,000,000 yuan).
const maxYuanDigits = 15

// ParseYuan converts an Alipay amount in yuan ("12.34", "12.3", "1000",
// "0.01") to integer fen by string parsing; no float is involved.
//
// It accepts only non-negative decimals with at most two fraction digits:
// "-1", "1.234", "1.", ".5", "1e3", " 1" and "" are errors.
func ParseYuan(s string) (int64, error) {
	if s == "" {
		return 0, errors.New("empty amount")
	}

	var yuan, fen int64
	i := 0
	for ; i < len(s) && s[i] != '.'; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("malformed amount %q", s)
		}
		if i >= maxYuanDigits {
			return 0, fmt.Errorf("amount %q too large", s)
		}
		yuan = yuan*10 + int64(c-'0')
	}
	if i == 0 {
		return 0, fmt.Errorf("malformed amount %q", s)
	}

	if i < len(s) { // s[i] == '.'
		frac := s[i+1:]
		if len(frac) == 0 || len(frac) > 2 {
			return 0, fmt.Errorf("malformed amount %q: want at most two decimals", s)
		}
		for k := 0; k < 2; k++ {
			fen *= 10
			if k < len(frac) {
				c := frac[k]
				if c < '0' || c > '9' {
					return 0, fmt.Errorf("malformed amount %q", s)
				}
				fen += int64(c - '0')
			}
		}
	}

	return yuan*100 + fen, nil
}
