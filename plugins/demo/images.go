package demo

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"
	"sync"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/filesystem"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"

	"fenxiao/hooks/shop"
	"fenxiao/internal/fonts"
)

// imageSize is the side of the square demo pictures, in pixels.
const imageSize = 640

// categoryColors give each demo category its own card colour (top, bottom).
var categoryColors = map[string][2]color.RGBA{
	"茶叶": {{0x5b, 0x9a, 0x5f, 0xff}, {0x2f, 0x6b, 0x3e, 0xff}},
	"零食": {{0xff, 0xa9, 0x40, 0xff}, {0xe8, 0x6a, 0x1c, 0xff}},
	"杯壶": {{0x4d, 0x9d, 0xe0, 0xff}, {0x25, 0x5f, 0xa8, 0xff}},
	"收纳": {{0x9a, 0x8c, 0x7c, 0xff}, {0x5f, 0x55, 0x4b, 0xff}},
	"口红": {{0xf0, 0x5a, 0x7e, 0xff}, {0xb0, 0x1e, 0x4a, 0xff}},
	"护肤": {{0xb3, 0x8c, 0xf0, 0xff}, {0x74, 0x4f, 0xc6, 0xff}},
}

var (
	parsedFont    *sfnt.Font
	parsedFontErr error
	parseFontOnce sync.Once
)

// seedImages gives every demo product two pictures (a card with its name
// and one with its selling points), drawn here so the demo shop looks like
// a shop without shipping photographs.
func seedImages(app core.App) error {
	parseFontOnce.Do(func() { parsedFont, parsedFontErr = opentype.Parse(fonts.NotoSansSC) })
	if parsedFontErr != nil {
		return parsedFontErr
	}
	for _, p := range demoProducts {
		product, err := app.FindFirstRecordByData(shop.ProductsCollection, "title", p.title)
		if err != nil {
			return fmt.Errorf("find %s: %w", p.title, err)
		}
		colors, ok := categoryColors[p.category]
		if !ok {
			colors = [2]color.RGBA{{0xff, 0x6a, 0x4d, 0xff}, {0xe9, 0x3b, 0x3d, 0xff}}
		}
		main, err := drawCard(colors, p.title, p.brand, 52)
		if err != nil {
			return err
		}
		detail, err := drawCard([2]color.RGBA{colors[1], colors[0]}, p.subtitle, p.brand+" · 品质好物", 46)
		if err != nil {
			return err
		}
		f1, err := filesystem.NewFileFromBytes(main, "cover.png")
		if err != nil {
			return err
		}
		f2, err := filesystem.NewFileFromBytes(detail, "detail.png")
		if err != nil {
			return err
		}
		product.Set("images", []*filesystem.File{f1, f2})
		if err := app.Save(product); err != nil {
			return fmt.Errorf("save images of %s: %w", p.title, err)
		}
	}
	return nil
}

// drawCard renders a square PNG: a vertical gradient, a soft circle, the
// text wrapped and centred in white, and a small caption at the bottom.
func drawCard(colors [2]color.RGBA, text, caption string, size float64) ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, imageSize, imageSize))
	for y := 0; y < imageSize; y++ {
		c := mix(colors[0], colors[1], float64(y)/imageSize)
		for x := 0; x < imageSize; x++ {
			img.SetRGBA(x, y, c)
		}
	}
	// a lighter disc behind the text
	cx, cy, r := imageSize/2, imageSize/2-20, 230
	for y := cy - r; y <= cy+r; y++ {
		for x := cx - r; x <= cx+r; x++ {
			if dx, dy := x-cx, y-cy; dx*dx+dy*dy <= r*r {
				img.SetRGBA(x, y, mix(img.RGBAAt(x, y), color.RGBA{0xff, 0xff, 0xff, 0xff}, 0.16))
			}
		}
	}

	face, err := opentype.NewFace(parsedFont, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return nil, err
	}
	defer face.Close()
	small, err := opentype.NewFace(parsedFont, &opentype.FaceOptions{Size: 26, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return nil, err
	}
	defer small.Close()

	lines := wrap(face, text, imageSize-140)
	lineHeight := int(size * 1.35)
	top := cy - lineHeight*len(lines)/2 + int(size*0.8)
	white := image.NewUniform(color.RGBA{0xff, 0xff, 0xff, 0xff})
	for i, line := range lines {
		d := &font.Drawer{Dst: img, Src: white, Face: face}
		w := d.MeasureString(line).Round()
		d.Dot = fixed.P((imageSize-w)/2, top+i*lineHeight)
		d.DrawString(line)
	}
	d := &font.Drawer{Dst: img, Src: image.NewUniform(color.NRGBA{0xff, 0xff, 0xff, 0xd0}), Face: small}
	d.Dot = fixed.P((imageSize-d.MeasureString(caption).Round())/2, imageSize-48)
	d.DrawString(caption)

	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// wrap breaks text into lines no wider than width: between words (the
// demo titles put spaces between their parts), and inside a word only when
// it is wider than a line by itself.
func wrap(face font.Face, text string, width int) []string {
	fits := func(s string) bool { return font.MeasureString(face, s).Round() <= width }
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		switch {
		case line == "" && fits(word):
			line = word
		case line != "" && fits(line+" "+word):
			line += " " + word
		default:
			if line != "" {
				lines = append(lines, line)
			}
			line = ""
			for _, r := range word {
				if !fits(line+string(r)) && line != "" {
					lines = append(lines, line)
					line = ""
				}
				line += string(r)
			}
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

func mix(a, b color.RGBA, t float64) color.RGBA {
	l := func(x, y uint8) uint8 { return uint8(float64(x)*(1-t) + float64(y)*t) }
	return color.RGBA{l(a.R, b.R), l(a.G, b.G), l(a.B, b.B), 0xff}
}
