// Package fonts holds the CJK font the shop draws Chinese text with
// (share posters, demo product pictures): Noto Sans CJK SC cut to
// GB2312 + ASCII (see OFL.txt and make_subset.sh).
package fonts

import _ "embed"

// NotoSansSC is the OpenType font file.
//
//go:embed NotoSansCJKsc-Regular-subset.otf
var NotoSansSC []byte
