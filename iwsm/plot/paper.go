package plot

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/gomlx/compute"
	"github.com/pkg/errors"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/iwsm-go/iwsm/iwsm/target"
)

// TwoColumnWidth is the width of a figure that spans both columns of a two-column paper
// (6.9 inches; ColumnWidth is one column).
const TwoColumnWidth = 6.9 * vg.Inch

// contourLevels is the number of contour lines of Energy2D.
const contourLevels = 12

// EnergyContours returns the contour lines of a 2-D target's log-density -E over [lo, hi]²
// (target coordinates) on an n×n grid, one level per colour of pal, evenly spaced:
// Energy2D's contours, for figures that choose their own colours (grey under coloured
// samples in a paper). -E is floored at max(-E) - 50 so that the contours show the modes
// rather than the far tails.
func EnergyContours(backend compute.Backend, t *target.Target, lo, hi float64, n int, pal palette.Palette) (*plotter.Contour, error) {
	if t.Dim != 2 {
		return nil, errors.Errorf("Energy2D needs a 2-D target, %s has dimension %d", t.Name, t.Dim)
	}
	if n < 2 || !(hi > lo) {
		return nil, errors.Errorf("Energy2D: need n >= 2 and hi > lo, got n=%d [%g, %g]", n, lo, hi)
	}
	g := grid{xs: make([]float64, n), ys: make([]float64, n)}
	for i := range g.xs {
		g.xs[i] = lo + (hi-lo)*float64(i)/float64(n-1)
		g.ys[i] = g.xs[i]
	}
	rows := make([][]float64, 0, n*n)
	for _, y := range g.ys {
		for _, x := range g.xs {
			rows = append(rows, []float64{x / t.Scale, y / t.Scale})
		}
	}
	e, err := target.Energies(backend, t, rows)
	if err != nil {
		return nil, err
	}
	g.z = make([]float64, len(e))
	top := math.Inf(-1)
	for i, v := range e {
		g.z[i] = -v
		top = math.Max(top, -v)
	}
	for i := range g.z {
		g.z[i] = math.Max(g.z[i], top-50)
	}
	nl := len(pal.Colors())
	if nl == 0 {
		return nil, errors.New("EnergyContours needs a palette with colours")
	}
	levels := make([]float64, nl)
	for i := range levels {
		levels[i] = top - 50 + 50*float64(i+1)/float64(nl+1)
	}
	return plotter.NewContour(g, levels, pal), nil
}

// GreyPalette is a palette of n greys from light grey (outer levels) to mid grey (inner levels): contour lines that stay
// behind the samples drawn over them.
func GreyPalette(n int) palette.Palette {
	cs := make([]color.Color, n)
	for i := range cs {
		v := uint8(215 - 75*i/max(n-1, 1))
		cs[i] = color.RGBA{R: v, G: v, B: v, A: 255}
	}
	return greys(cs)
}

type greys []color.Color

func (g greys) Colors() []color.Color { return g }

// MethodColor is the colour of the i-th compared method in multi-panel figures (the same
// method has the same colour in every panel): colour-blind-safe hues (Okabe and Ito).
func MethodColor(i int) color.Color {
	cs := []color.RGBA{{213, 94, 0, 255}, {0, 114, 178, 255}, {0, 158, 115, 255}, {204, 121, 167, 255}, {230, 159, 0, 255}, {86, 180, 233, 255}}
	return cs[i%len(cs)]
}

// methodDashes tells the methods apart in a black-and-white print.
func methodDashes(i int) []vg.Length {
	switch i % 3 {
	case 0:
		return nil
	case 1:
		return []vg.Length{vg.Points(3), vg.Points(1.5)}
	default:
		return []vg.Length{vg.Points(1), vg.Points(1)}
	}
}

// ReferenceColor is the fill of the reference histogram behind the methods' lines.
var ReferenceColor = color.RGBA{R: 200, G: 200, B: 200, A: 255}

// HistogramSet is one method's values in CompareHistograms.
type HistogramSet struct {
	Label  string
	Values []float64
}

// CompareHistograms draws the density histogram of reference values (filled, grey) with
// each set's histogram over it as a step line in MethodColor(i): the papers' energy and
// interatomic-distance panels, several methods against one reference on one scale. bins
// bins span the reference range widened by 5 % on each side. A set's values outside that
// range are not drawn (its densities are per value of the whole set, so the step line's
// area is the share inside) and its legend entry says which share lies outside ("IWSM, 38 %
// outside"): a sampler that misses the reference is visible without one tall edge bin
// flattening every other curve. The y axis leaves room above the curves for the legend.
func CompareHistograms(title, xlabel string, bins int, reference []float64, sets ...HistogramSet) (*gplot.Plot, error) {
	if len(reference) == 0 || bins < 2 || len(sets) == 0 {
		return nil, errors.Errorf("CompareHistograms needs reference values, at least one set and 2 bins (got %d values, %d sets, %d bins)",
			len(reference), len(sets), bins)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range reference {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if !(hi > lo) {
		return nil, errors.New("CompareHistograms: the reference values have no finite spread")
	}
	pad := 0.05 * (hi - lo)
	lo, hi = lo-pad, hi+pad
	width := (hi - lo) / float64(bins)
	top := 0.0
	// steps returns the histogram's step line and the share of values outside [lo, hi].
	steps := func(values []float64) (plotter.XYs, float64, error) {
		densities, outside, err := HistogramDensities(values, lo, hi, bins)
		if err != nil {
			return nil, 0, err
		}
		pts := make(plotter.XYs, 0, 2*bins)
		for k, d := range densities {
			top = math.Max(top, d)
			pts = append(pts, plotter.XY{X: lo + float64(k)*width, Y: d}, plotter.XY{X: lo + float64(k+1)*width, Y: d})
		}
		return pts, outside, nil
	}
	p := gplot.New()
	p.Title.Text, p.X.Label.Text, p.Y.Label.Text = title, xlabel, "density"
	ref, _, err := steps(reference)
	if err != nil {
		return nil, errors.WithMessage(err, "reference histogram")
	}
	fill := append(plotter.XYs{{X: lo, Y: 0}}, ref...)
	fill = append(fill, plotter.XY{X: hi, Y: 0})
	poly, err := plotter.NewPolygon(fill)
	if err != nil {
		return nil, errors.Wrap(err, "reference histogram")
	}
	poly.Color = ReferenceColor
	poly.LineStyle.Width = 0
	p.Add(poly)
	p.Legend.Add("reference", poly)
	for i, s := range sets {
		pts, outside, err := steps(s.Values)
		if err != nil {
			return nil, errors.WithMessagef(err, "histogram of %s", s.Label)
		}
		label := s.Label
		if outside >= 0.005 {
			label += fmt.Sprintf(", %.0f %% outside", 100*outside)
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return nil, errors.Wrapf(err, "histogram of %s", s.Label)
		}
		l.LineStyle.Color = MethodColor(i)
		l.LineStyle.Width = vg.Points(1)
		l.LineStyle.Dashes = methodDashes(i)
		p.Add(l)
		p.Legend.Add(label, l)
	}
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = lo, hi, 0, (1.25+0.12*float64(len(sets)))*top
	p.Legend.Top = true
	return p, nil
}

// HistogramDensities bins values into bins equal bins over [lo, hi] (the last bin closed) and
// returns each bin's density (its count over the number of values times the bin width: the
// densities of the values inside integrate to their share) and the share of values outside
// [lo, hi], NaN included. The one binning of every histogram figure (CompareHistograms).
func HistogramDensities(values []float64, lo, hi float64, bins int) (densities []float64, outside float64, err error) {
	if len(values) == 0 {
		return nil, 0, errors.New("no values")
	}
	if !(hi > lo) || bins < 1 {
		return nil, 0, errors.Errorf("histogram range [%g, %g] with %d bins", lo, hi, bins)
	}
	width := (hi - lo) / float64(bins)
	densities = make([]float64, bins)
	n := float64(len(values))
	for _, v := range values {
		if math.IsNaN(v) || v < lo || v > hi {
			outside++
			continue
		}
		densities[min(int(math.Floor((v-lo)/width)), bins-1)] += 1 / (n * width)
	}
	return densities, outside / n, nil
}

// ScatterSamples draws 2-D samples (target coordinates) on p as small dots in MethodColor(i)
// and keeps p's axis ranges, so that samples far out do not zoom the modes away.
func ScatterSamples(p *gplot.Plot, samples [][]float64, i int, radius vg.Length) error {
	pts := make(plotter.XYs, 0, len(samples))
	for k, s := range samples {
		if len(s) != 2 {
			return errors.Errorf("sample %d has dimension %d, want 2", k, len(s))
		}
		pts = append(pts, plotter.XY{X: s[0], Y: s[1]})
	}
	sc, err := plotter.NewScatter(pts)
	if err != nil {
		return errors.Wrap(err, "scatter")
	}
	sc.GlyphStyle.Shape = draw.CircleGlyph{}
	sc.GlyphStyle.Radius = radius
	r, g, b, _ := MethodColor(i).RGBA()
	sc.GlyphStyle.Color = color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 170}
	xmin, xmax, ymin, ymax := p.X.Min, p.X.Max, p.Y.Min, p.Y.Max
	p.Add(sc)
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = xmin, xmax, ymin, ymax
	return nil
}

// PaperStyle sets p's fonts for print at their real size: the title at size, axis labels
// one point smaller, ticks and legend two points smaller (size 9 gives a paper's 7–9 pt
// figure text), with thinner axes and a compact legend.
func PaperStyle(p *gplot.Plot, size vg.Length) {
	p.Title.TextStyle.Font.Size = size
	p.Title.Padding = vg.Points(3)
	for _, ax := range []*gplot.Axis{&p.X, &p.Y} {
		ax.Label.TextStyle.Font.Size = size - 1
		ax.Tick.Label.Font.Size = size - 2
		ax.LineStyle.Width = vg.Points(0.5)
		ax.Tick.LineStyle.Width = vg.Points(0.5)
		ax.Tick.Length = vg.Points(3)
		ax.Padding = vg.Points(1)
	}
	p.Legend.TextStyle.Font.Size = size - 2
	p.Legend.ThumbnailWidth = vg.Points(12)
	p.Legend.Padding = vg.Points(0.5)
	p.Legend.XOffs, p.Legend.YOffs = -vg.Points(4), -vg.Points(1) // inside the axes' frame
}

// Panels is a multi-panel figure: rows of plots, each row as high as its Height (a fraction
// of the figure's width, so that the same figure can be drawn at one- and two-column
// widths), the plots of a row equally wide and aligned.
type Panels struct {
	Rows []PanelRow
}

// PanelRow is one row of Panels.
type PanelRow struct {
	Plots []*gplot.Plot
	// Height is the row's height as a fraction of the figure's width.
	Height float64
}

// Size is the figure's height at width w.
func (f Panels) Size(w vg.Length) (vg.Length, error) {
	if len(f.Rows) == 0 {
		return 0, errors.New("a figure needs at least one row of panels")
	}
	h := 0.0
	for i, r := range f.Rows {
		if len(r.Plots) == 0 || !(r.Height > 0) {
			return 0, errors.Errorf("row %d of the figure has %d panels and height %g (need panels and a positive height)", i, len(r.Plots), r.Height)
		}
		h += r.Height
	}
	return vg.Length(h) * w, nil
}

// Draw draws the panels onto c, row by row from the top.
func (f Panels) Draw(c draw.Canvas) {
	w := c.Max.X - c.Min.X
	top := c.Max.Y
	for _, r := range f.Rows {
		h := vg.Length(r.Height) * w
		rc := draw.Crop(c, 0, 0, top-h-c.Min.Y, top-c.Max.Y)
		tiles := draw.Tiles{Rows: 1, Cols: len(r.Plots), PadX: vg.Points(6), PadTop: vg.Points(2), PadBottom: vg.Points(2),
			PadLeft: vg.Points(1), PadRight: vg.Points(3)}
		canvases := gplot.Align([][]*gplot.Plot{r.Plots}, tiles, rc)
		for j, p := range r.Plots {
			p.Draw(canvases[0][j])
		}
		top -= h
	}
}

// Encode writes the figure at width w as format "pdf" (fonts embedded), "svg" or "png"
// (at dpi dots per inch).
func (f Panels) Encode(out io.Writer, w vg.Length, format string, dpi int) error {
	h, err := f.Size(w)
	if err != nil {
		return err
	}
	var c vg.CanvasWriterTo
	switch format {
	case "pdf":
		pc := vgpdf.New(w, h)
		pc.EmbedFonts(true)
		c = pc
	case "svg":
		c = vgsvg.New(w, h)
	case "png":
		c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(dpi))}
	default:
		return errors.Errorf("cannot encode a figure as %q: use pdf, svg or png", format)
	}
	f.Draw(draw.New(c))
	if _, err := c.WriteTo(out); err != nil {
		return errors.Wrapf(err, "encoding the figure as %s", format)
	}
	return nil
}

// Save writes the figure at width w to each path, the format following the extension
// (.pdf, .svg, .png at 200 dpi).
func (f Panels) Save(w vg.Length, paths ...string) error {
	for _, path := range paths {
		var buf bytes.Buffer
		if err := f.Encode(&buf, w, strings.TrimPrefix(filepath.Ext(path), "."), 200); err != nil {
			return errors.WithMessage(err, path)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			return errors.Wrapf(err, "writing %s", path)
		}
	}
	return nil
}
