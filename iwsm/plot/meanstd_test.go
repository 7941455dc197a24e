package plot

import (
	"bytes"
	"image/color"
	"image/png"
	"math"
	"testing"

	"gonum.org/v1/plot/plotutil"
)

// The figure spans every mean ± std (and nothing more in y), draws each series in its colour,
// skips a NaN mean, and rejects what it cannot draw.
func TestMeanStdDrawsEveryBar(t *testing.T) {
	p, err := MeanStd("x-W2", "x-W2", false, []string{"buffer as sampled", "+10 % uniform"},
		MeanStdSeries{Label: "IWSM", Mean: []float64{10, 20}, Std: []float64{1, 2}},
		MeanStdSeries{Label: "iDEM", Mean: []float64{5, math.NaN()}, Std: []float64{0.5, 0}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Y.Min != 4.5 || p.Y.Max != 22 {
		t.Errorf("y range [%g, %g], want [4.5, 22] (5 − 0.5 to 20 + 2)", p.Y.Min, p.Y.Max)
	}
	if p.X.Min != -0.5 || p.X.Max != 1.5 {
		t.Errorf("x range [%g, %g], want [-0.5, 1.5] around the two categories", p.X.Min, p.X.Max)
	}
	if _, err := PNG(p, ColumnWidth, ColumnWidth); err != nil {
		t.Fatal(err)
	}
	// Without labels (no legend, whose entries have the series' colours too), the pixels of
	// each colour are the series' own markers, bars and line.
	bare, _ := MeanStd("x-W2", "x-W2", false, []string{"a", "b"},
		MeanStdSeries{Mean: []float64{10, 20}, Std: []float64{1, 2}}, MeanStdSeries{Mean: []float64{5, math.NaN()}, Std: []float64{0.5, 0}})
	raw, err := PNG(bare, ColumnWidth, ColumnWidth)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	for j := 0; j < 2; j++ {
		want := color.RGBAModel.Convert(plotutil.Color(j)).(color.RGBA)
		n := 0
		b := img.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				if c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA); near(c.R, want.R) && near(c.G, want.G) && near(c.B, want.B) {
					n++
				}
			}
		}
		if n < 10 {
			t.Errorf("series %d: %d pixels of its colour, want its markers and bars drawn", j, n)
		}
	}
	logp, err := MeanStd("E-W2", "E-W2", true, []string{"a", "b", "c", "d"},
		MeanStdSeries{Label: "IWSM", Mean: []float64{1e3, 1e5, 2e4, 10}, Std: []float64{5e3, 1e4, 0, 1}})
	if err != nil {
		t.Fatal(err)
	}
	if logp.Y.Min != 9 || logp.Y.Max != 1.1e5 {
		t.Errorf("log y range [%g, %g], want [9, 1.1e5] (10 − 1; 1e3 − 5e3 < 0 stops at 100)", logp.Y.Min, logp.Y.Max)
	}
	if logp.X.Tick.Label.Rotation == 0 {
		t.Error("four category labels are not rotated")
	}
	for name, f := range map[string]func() error{
		"no categories": func() error { _, err := MeanStd("t", "y", false, nil, MeanStdSeries{}); return err },
		"no series":     func() error { _, err := MeanStd("t", "y", false, []string{"a"}); return err },
		"short series": func() error {
			_, err := MeanStd("t", "y", false, []string{"a", "b"}, MeanStdSeries{Mean: []float64{1}, Std: []float64{1}})
			return err
		},
		"all NaN": func() error {
			_, err := MeanStd("t", "y", false, []string{"a"}, MeanStdSeries{Mean: []float64{math.NaN()}, Std: []float64{0}})
			return err
		},
		"zero on a log scale": func() error {
			_, err := MeanStd("t", "y", true, []string{"a"}, MeanStdSeries{Mean: []float64{0}, Std: []float64{0}})
			return err
		},
		"negative std": func() error {
			_, err := MeanStd("t", "y", false, []string{"a"}, MeanStdSeries{Mean: []float64{1}, Std: []float64{-1}})
			return err
		},
	} {
		if f() == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// near: colour channels within 24 of each other (antialiasing blends edges).
func near(a, b uint8) bool { return int(a)-int(b) < 24 && int(b)-int(a) < 24 }
