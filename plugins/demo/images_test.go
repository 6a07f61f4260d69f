package demo

import (
	"bytes"
	"image/color"
	"image/png"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"

	"fenxiao/internal/fonts"
)

func TestDrawCard(t *testing.T) {
	parseFontOnce.Do(func() { parsedFont, parsedFontErr = opentype.Parse(fonts.NotoSansSC) })
	if parsedFontErr != nil {
		t.Fatal(parsedFontErr)
	}
	data, err := drawCard([2]color.RGBA{{0x5b, 0x9a, 0x5f, 0xff}, {0x2f, 0x6b, 0x3e, 0xff}}, "安溪铁观音 清香型 250g", "山间茶舍", 52)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != imageSize || b.Dy() != imageSize {
		t.Fatalf("size %v", b)
	}
	// the title is drawn in white over the green card
	white := 0
	for y := 0; y < imageSize; y++ {
		for x := 0; x < imageSize; x++ {
			if r, g, b, _ := img.At(x, y).RGBA(); r > 0xf000 && g > 0xf000 && b > 0xf000 {
				white++
			}
		}
	}
	if white < 1000 {
		t.Fatalf("only %d white pixels: no text drawn", white)
	}
}

func TestWrap(t *testing.T) {
	parseFontOnce.Do(func() { parsedFont, parsedFontErr = opentype.Parse(fonts.NotoSansSC) })
	if parsedFontErr != nil {
		t.Fatal(parsedFontErr)
	}
	face, err := opentype.NewFace(parsedFont, &opentype.FaceOptions{Size: 52, DPI: 72})
	if err != nil {
		t.Fatal(err)
	}
	defer face.Close()
	cases := []struct {
		text  string
		width int
		want  []string
	}{
		{"明前龙井 特级 100g", 2000, []string{"明前龙井 特级 100g"}},
		{"安溪铁观音 清香型 250g", 500, []string{"安溪铁观音 清香型", "250g"}},
		// a word wider than the line is cut between characters
		{"一二三四五六七八九十", 4 * 52, []string{"一二三四", "五六七八", "九十"}},
	}
	for _, c := range cases {
		got := wrap(face, c.text, c.width)
		if len(got) != len(c.want) {
			t.Errorf("wrap(%q, %d) = %q, want %q", c.text, c.width, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] || font.MeasureString(face, got[i]).Round() > c.width {
				t.Errorf("wrap(%q, %d) = %q, want %q", c.text, c.width, got, c.want)
				break
			}
		}
	}
}
