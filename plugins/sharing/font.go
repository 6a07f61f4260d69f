package sharing

import (
	"fmt"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"

	"fenxiao/internal/fonts"
)

// posterFont is Noto Sans CJK SC cut to GB2312 + ASCII (package fonts).
var posterFont = fonts.NotoSansSC

// fontSet holds the parsed poster font and its faces by size; mu
// serializes their use (one poster renders at a time).
type fontSet struct {
	font *sfnt.Font

	mu    sync.Mutex
	faces map[float64]font.Face
	buf   sfnt.Buffer
}

var (
	parsedFont    *sfnt.Font
	parsedFontErr error
	parseFontOnce sync.Once
)

// loadFont parses the embedded font once per process.
func loadFont() (*fontSet, error) {
	parseFontOnce.Do(func() {
		parsedFont, parsedFontErr = opentype.Parse(posterFont)
	})
	if parsedFontErr != nil {
		return nil, fmt.Errorf("sharing: poster font: %w", parsedFontErr)
	}
	return &fontSet{font: parsedFont, faces: map[float64]font.Face{}}, nil
}

// face returns a face of the given size in pixels. The caller holds mu:
// faces and the glyph buffer are not safe for concurrent use.
func (f *fontSet) face(size float64) (font.Face, error) {
	face, ok := f.faces[size]
	if !ok {
		var err error
		face, err = opentype.NewFace(f.font, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
		if err != nil {
			return nil, err
		}
		f.faces[size] = face
	}
	return face, nil
}

// printable replaces the runes the font has no glyph for (rare hanzi,
// emoji) with a middle dot, so that names never render as empty boxes.
// The caller holds mu.
func (f *fontSet) printable(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r < 0x20 {
			continue
		}
		if i, err := f.font.GlyphIndex(&f.buf, r); err != nil || i == 0 {
			r = '·'
		}
		out = append(out, r)
	}
	return string(out)
}
