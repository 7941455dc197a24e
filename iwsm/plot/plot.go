package plot

import (
	"bytes"
	"image/color"
	"path/filepath"
	"strings"

	"github.com/gomlx/compute"
	"github.com/janpfeifer/gonb/gonbui"
	"github.com/pkg/errors"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/iwsm-go/iwsm/iwsm/target"
)

// ColumnWidth is the width of one column of a two-column paper (3.3 inches).
const ColumnWidth = 3.3 * vg.Inch

// grid implements plotter.GridXYZ over a regular grid of energies.
type grid struct {
	xs, ys []float64
	z      []float64 // row-major [len(ys)][len(xs)]
}

func (g grid) Dims() (c, r int)   { return len(g.xs), len(g.ys) }
func (g grid) Z(c, r int) float64 { return g.z[r*len(g.xs)+c] }
func (g grid) X(c int) float64    { return g.xs[c] }
func (g grid) Y(r int) float64    { return g.ys[r] }

// Energy2D returns the contour plot of a 2-D target's log-density -E over [lo, hi]² (in the
// target's own coordinates, i.e. sampler coordinates × Scale) on an n×n grid. -E is floored
// at max(-E) - 50 so that the contours show the modes rather than the far tails.
func Energy2D(backend compute.Backend, t *target.Target, lo, hi float64, n int) (*gplot.Plot, error) {
	c, err := EnergyContours(backend, t, lo, hi, n, moreland.SmoothBlueRed().Palette(contourLevels))
	if err != nil {
		return nil, err
	}
	p := gplot.New()
	p.Title.Text = t.Name + ": log density"
	p.X.Label.Text, p.Y.Label.Text = "x₁", "x₂"
	p.Add(c)
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = lo, hi, lo, hi
	return p, nil
}

// AddSamples scatters 2-D samples (target coordinates) on p, keeping p's axis ranges. A
// non-empty title replaces p's ("gmm40: iwsm samples" over Energy2D's "gmm40: log density"):
// one title names the panel, where a legend entry at the top would cover the title and the
// modes below it.
func AddSamples(p *gplot.Plot, samples [][]float64, title string) error {
	pts := make(plotter.XYs, 0, len(samples))
	for i, s := range samples {
		if len(s) != 2 {
			return errors.Errorf("sample %d has dimension %d, want 2", i, len(s))
		}
		pts = append(pts, plotter.XY{X: s[0], Y: s[1]})
	}
	sc, err := plotter.NewScatter(pts)
	if err != nil {
		return errors.Wrap(err, "scatter")
	}
	sc.GlyphStyle.Shape = draw.CircleGlyph{}
	sc.GlyphStyle.Radius = vg.Points(1.2)
	sc.GlyphStyle.Color = color.RGBA{R: 20, G: 20, B: 20, A: 200}
	// Keep the axes of the contour plot: samples far out should not zoom the modes away.
	xmin, xmax, ymin, ymax := p.X.Min, p.X.Max, p.Y.Min, p.Y.Max
	p.Add(sc)
	if xmax > xmin && ymax > ymin {
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = xmin, xmax, ymin, ymax
	}
	if title != "" {
		p.Title.Text = title
	}
	return nil
}

// PNG renders p as a PNG of the given size (for inline display).
func PNG(p *gplot.Plot, w, h vg.Length) ([]byte, error) {
	wt, err := p.WriterTo(w, h, "png")
	if err != nil {
		return nil, errors.Wrap(err, "rendering PNG")
	}
	var buf bytes.Buffer
	if _, err := wt.WriteTo(&buf); err != nil {
		return nil, errors.Wrap(err, "rendering PNG")
	}
	return buf.Bytes(), nil
}

// Save writes p to each path; the format follows the extension (.png, .svg, .pdf).
func Save(p *gplot.Plot, w, h vg.Length, paths ...string) error {
	for _, path := range paths {
		ext := strings.TrimPrefix(filepath.Ext(path), ".")
		switch ext {
		case "png", "svg", "pdf":
		default:
			return errors.Errorf("cannot save figure as %q: use .png, .svg or .pdf", path)
		}
		if err := p.Save(w, h, path); err != nil {
			return errors.Wrapf(err, "saving %s", path)
		}
	}
	return nil
}

// Show displays p inline as a PNG (1.5 columns wide) when running inside a GoNB notebook,
// and does nothing elsewhere, so library code and command-line runs can call it freely.
func Show(p *gplot.Plot) error {
	if !gonbui.IsNotebook {
		return nil
	}
	raw, err := PNG(p, 1.5*ColumnWidth, 1.5*ColumnWidth)
	if err != nil {
		return err
	}
	gonbui.DisplayPNG(raw)
	return nil
}

// Series is one labelled line of a Lines plot.
type Series struct {
	Label string
	X, Y  []float64
	// YErr, when set (one value per point), draws Y ± YErr as vertical error bars: the
	// standard deviation over seeds of a mean.
	YErr []float64
	// Style is used by interactive views only: "" (small markers), "lines" or "large"
	// (large cross markers, for mixture means and other landmarks).
	Style string
}

// Lines draws several labelled series on one set of axes: the training curves of IWSM and
// iDEM side by side, or the ESS of the importance weights per noise level early and late in
// training. logX puts x on a logarithmic scale (all x must then be positive).
func Lines(title, xlabel, ylabel string, logX bool, series ...Series) (*gplot.Plot, error) {
	if len(series) == 0 {
		return nil, errors.New("Lines needs at least one series")
	}
	p := gplot.New()
	p.Title.Text, p.X.Label.Text, p.Y.Label.Text = title, xlabel, ylabel
	if logX {
		p.X.Scale = gplot.LogScale{}
		p.X.Tick.Marker = gplot.LogTicks{Prec: -1}
	}
	for i, s := range series {
		if len(s.X) != len(s.Y) || len(s.X) == 0 {
			return nil, errors.Errorf("series %q: %d x values and %d y values (need equal, non-zero counts)", s.Label, len(s.X), len(s.Y))
		}
		pts := make(plotter.XYs, len(s.X))
		for j := range s.X {
			if logX && !(s.X[j] > 0) {
				return nil, errors.Errorf("series %q: x[%d] = %g cannot go on a log scale", s.Label, j, s.X[j])
			}
			pts[j] = plotter.XY{X: s.X[j], Y: s.Y[j]}
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return nil, errors.Wrapf(err, "series %q", s.Label)
		}
		l.LineStyle.Color = plotutil.Color(i)
		l.LineStyle.Dashes = plotutil.Dashes(i)
		p.Add(l)
		if s.YErr != nil {
			if len(s.YErr) != len(s.X) {
				return nil, errors.Errorf("series %q: %d error bars for %d points", s.Label, len(s.YErr), len(s.X))
			}
			bars := make(errorPoints, len(s.X))
			for j := range s.X {
				if !(s.YErr[j] >= 0) {
					return nil, errors.Errorf("series %q: error bar %d is %g, must be non-negative", s.Label, j, s.YErr[j])
				}
				bars[j] = errorPoint{pts[j].X, pts[j].Y, s.YErr[j]}
			}
			eb, err := plotter.NewYErrorBars(bars)
			if err != nil {
				return nil, errors.Wrapf(err, "series %q: error bars", s.Label)
			}
			eb.LineStyle.Color = plotutil.Color(i)
			p.Add(eb)
		}
		if s.Label != "" {
			p.Legend.Add(s.Label, l)
		}
	}
	p.Legend.Top = true
	return p, nil
}

// errorPoint is a point with a symmetric vertical error, for plotter.NewYErrorBars.
type errorPoint struct{ x, y, err float64 }

// errorPoints implements plotter.XYer and plotter.YErrorer.
type errorPoints []errorPoint

func (e errorPoints) Len() int                         { return len(e) }
func (e errorPoints) XY(i int) (float64, float64)      { return e[i].x, e[i].y }
func (e errorPoints) YError(i int) (low, high float64) { return e[i].err, e[i].err }

// RowPNG renders plots side by side (each w×h, axes aligned) into one PNG: the papers'
// panels of IWSM next to iDEM.
func RowPNG(w, h vg.Length, ps ...*gplot.Plot) ([]byte, error) {
	if len(ps) == 0 {
		return nil, errors.New("RowPNG needs at least one plot")
	}
	img := vgimg.New(w*vg.Length(len(ps)), h)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: len(ps), PadX: vg.Points(4)}
	canvases := gplot.Align([][]*gplot.Plot{ps}, tiles, dc)
	for j, p := range ps {
		p.Draw(canvases[0][j])
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return nil, errors.Wrap(err, "rendering PNG")
	}
	return buf.Bytes(), nil
}

// ShowRow displays plots side by side inline in a notebook (a no-op elsewhere).
func ShowRow(ps ...*gplot.Plot) error {
	if !gonbui.IsNotebook {
		return nil
	}
	raw, err := RowPNG(1.3*ColumnWidth, 1.3*ColumnWidth, ps...)
	if err != nil {
		return err
	}
	gonbui.DisplayPNG(raw)
	return nil
}

// MaxAbs is the largest |value| in rows: the half-width of a square plotting box that holds
// them.
func MaxAbs(rows [][]float64) float64 {
	m := 0.0
	for _, r := range rows {
		for _, v := range r {
			m = max(m, v, -v)
		}
	}
	return m
}
