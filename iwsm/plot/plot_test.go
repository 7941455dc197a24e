package plot

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/iwsm-go/iwsm/iwsm/target"
	"github.com/iwsm-go/iwsm/xla/xlatest"
)

func TestEnergyContourWithSamplesRendersAllFormats(t *testing.T) {
	b := xlatest.Backend(t)
	tg, err := target.GMM40()
	if err != nil {
		t.Fatal(err)
	}
	p, err := Energy2D(b, tg, -50, 50, 60)
	if err != nil {
		t.Fatal(err)
	}
	if err := AddSamples(p, [][]float64{{0, 0}, {10, -10}}, "gmm40: test samples"); err != nil {
		t.Fatal(err)
	}
	if p.Title.Text != "gmm40: test samples" {
		t.Errorf("title %q, want the samples' title in place of the contours'", p.Title.Text)
	}
	raw, err := PNG(p, ColumnWidth, ColumnWidth)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if img.Bounds().Dx() < 200 {
		t.Errorf("PNG width %d too small", img.Bounds().Dx())
	}
	dir := t.TempDir()
	paths := []string{filepath.Join(dir, "f.png"), filepath.Join(dir, "f.svg"), filepath.Join(dir, "f.pdf")}
	if err := Save(p, ColumnWidth, ColumnWidth, paths...); err != nil {
		t.Fatal(err)
	}
	for _, path := range paths {
		if st, err := os.Stat(path); err != nil || st.Size() < 1000 {
			t.Errorf("%s missing or tiny: %v", path, err)
		}
	}
	if err := Save(p, ColumnWidth, ColumnWidth, filepath.Join(dir, "f.gif")); err == nil {
		t.Error("saving .gif: no error")
	}
	if _, err := Energy2D(b, target.DW4(), -1, 1, 10); err == nil {
		t.Error("Energy2D on an 8-D target: no error")
	}
}

// HistogramDensities against a count by hand: reference-like range [0, 4] in 4 bins of 1,
// values 0.5 (bin 0), 2, 2 (bin 2), 4 (the last bin is closed), 9 and NaN (outside).
func TestHistogramDensities(t *testing.T) {
	d, outside, err := HistogramDensities([]float64{0.5, 2, 2, 4, 9, math.NaN()}, 0, 4, 4)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{1.0 / 6, 0, 2.0 / 6, 1.0 / 6}
	for k := range want {
		if math.Abs(d[k]-want[k]) > 1e-15 {
			t.Fatalf("densities %v, want %v", d, want)
		}
	}
	if math.Abs(outside-2.0/6) > 1e-15 {
		t.Errorf("outside share %v, want 2/6", outside)
	}
	for name, c := range map[string]struct {
		v      []float64
		lo, hi float64
	}{"no values": {nil, 0, 1}, "empty range": {[]float64{1}, 1, 1}} {
		if _, _, err := HistogramDensities(c.v, c.lo, c.hi, 4); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestLines(t *testing.T) {
	p, err := Lines("ESS per noise level", "σ", "ESS", true,
		Series{Label: "epoch 1", X: []float64{0.01, 0.1, 1}, Y: []float64{0.1, 0.3, 0.9}},
		Series{Label: "epoch 60", X: []float64{0.01, 0.1, 1}, Y: []float64{0.4, 0.6, 0.95}})
	if err != nil {
		t.Fatal(err)
	}
	if p.X.Min != 0.01 || p.X.Max != 1 || p.Y.Min != 0.1 || p.Y.Max != 0.95 {
		t.Errorf("axes [%g,%g]×[%g,%g], want the data range [0.01,1]×[0.1,0.95]", p.X.Min, p.X.Max, p.Y.Min, p.Y.Max)
	}
	if raw, err := PNG(p, ColumnWidth, ColumnWidth); err != nil || len(raw) < 1000 {
		t.Fatalf("PNG: %d bytes, %v", len(raw), err)
	}
	for _, bad := range [][]Series{
		nil,
		{{Label: "short", X: []float64{1, 2}, Y: []float64{1}}},
		{{Label: "nonpositive", X: []float64{0, 1}, Y: []float64{1, 2}}},
	} {
		if _, err := Lines("t", "x", "y", true, bad...); err == nil {
			t.Errorf("Lines(%v) gave no error", bad)
		}
	}
}

// Error bars widen the axes to Y ± YErr, and bad ones are refused.
func TestLinesErrorBars(t *testing.T) {
	p, err := Lines("mode-weight error", "d", "|ŵ₁ − w₁|", true,
		Series{Label: "iwsm", X: []float64{2, 8, 64}, Y: []float64{0.1, 0.2, 0.3}, YErr: []float64{0.05, 0, 0.2}})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(p.Y.Min-0.05) > 1e-12 || math.Abs(p.Y.Max-0.5) > 1e-12 {
		t.Errorf("y axis [%g, %g], want [0.05, 0.5] (the error bars' range)", p.Y.Min, p.Y.Max)
	}
	if raw, err := PNG(p, ColumnWidth, ColumnWidth); err != nil || len(raw) < 1000 {
		t.Fatalf("PNG: %d bytes, %v", len(raw), err)
	}
	for _, bad := range []Series{
		{X: []float64{1, 2}, Y: []float64{1, 2}, YErr: []float64{1}},
		{X: []float64{1, 2}, Y: []float64{1, 2}, YErr: []float64{1, math.NaN()}},
		{X: []float64{1, 2}, Y: []float64{1, 2}, YErr: []float64{-1, 0}},
	} {
		if _, err := Lines("t", "x", "y", false, bad); err == nil {
			t.Errorf("Lines accepted error bars %v", bad.YErr)
		}
	}
}

func TestRowPNGIsSideBySide(t *testing.T) {
	a, _ := Lines("a", "epoch", "y", false, Series{X: []float64{1, 2, 3}, Y: []float64{1, 2, 3}})
	b, _ := Lines("b", "epoch", "y", false, Series{X: []float64{1, 2, 3}, Y: []float64{3, 2, 1}})
	raw, err := RowPNG(ColumnWidth, ColumnWidth, a, b)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if w, h := img.Bounds().Dx(), img.Bounds().Dy(); w < 2*h-2 || w > 2*h+2 {
		t.Errorf("two square panels gave a %d×%d image, want width = 2×height", w, h)
	}
	if _, err := RowPNG(ColumnWidth, ColumnWidth); err == nil {
		t.Error("RowPNG of nothing gave no error")
	}
}

// ModeMasses sorts the components by true weight (heaviest first, ties by index), draws the
// step of the weights and one point per component and series at that rank, and rejects
// masses of the wrong length.
func TestModeMasses(t *testing.T) {
	weights := []float64{0.1, 0.5, 0.1, 0.3}
	if got := ByWeight(weights); !slices.Equal(got, []int{1, 3, 0, 2}) {
		t.Errorf("order %v, want [1 3 0 2]", got)
	}
	ref := []float64{0.12, 0.48, 0.09, 0.31}
	sets := []Masses{{Label: "exact draws", Mass: ref}, {Label: "a", Mass: []float64{0, 0.7, 0.1, 0.2}}, {Label: "b", Mass: []float64{0.25, 0.25, 0.25, 0.25}}}
	step, points := modeMassLayout(weights, sets)
	if len(step) != 8 || step[0].Y != 0.5 || step[2].Y != 0.3 || step[7].Y != 0.1 || step[7].X != 4.5 || len(points) != 3 {
		t.Errorf("weights' step %v, %d series", step, len(points))
	}
	a := points[1] // series "a", the middle of three offsets
	if want := []float64{0.7, 0.2, 0, 0.1}; a[0].Y != want[0] || a[1].Y != want[1] || a[2].Y != want[2] || a[3].Y != want[3] || a[1].X != 2 {
		t.Errorf("series a at %v, want masses %v at ranks 1..4", a, want)
	}
	if r := points[0]; r[0].Y != 0.48 || math.Abs(r[0].X-0.7) > 1e-12 || math.Abs(points[2][3].X-4.3) > 1e-12 {
		t.Errorf("exact draws at %v, want 0.48 at 1 - 0.3; b ends at %v, want 4.3", r, points[2][3])
	}
	p, err := ModeMasses("m", weights, ref, sets[1:]...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := PNG(p, ColumnWidth, ColumnWidth); err != nil {
		t.Fatal(err)
	}
	if _, err := ModeMasses("m", weights, nil, Masses{Label: "short", Mass: []float64{1}}); err == nil {
		t.Error("3 masses too few: no error")
	}
	if _, err := ModeMasses("m", weights, []float64{1}); err == nil {
		t.Error("a short reference: no error")
	}
	if _, err := ModeMasses("m", nil, nil); err == nil {
		t.Error("no weights: no error")
	}
}
