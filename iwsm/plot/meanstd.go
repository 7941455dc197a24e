package plot

import (
	"math"

	"github.com/pkg/errors"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// MeanStdSeries is one series of a MeanStd figure: per category, the mean of a metric over
// seeds and its standard deviation (a NaN mean: no run of this series in that category).
type MeanStdSeries struct {
	Label     string
	Mean, Std []float64
}

// meanStdPoints are a series' points with their ± error bars (plotter.XYer and YErrorer).
type meanStdPoints struct {
	plotter.XYs
	plotter.YErrors
}

// MeanStd draws a metric's mean ± one standard deviation over seeds per category (the x
// axis: variants of an experiment, e.g. "buffer as sampled" and "+10 % uniform"), one series
// per method, each a marker with an error bar; a series' points are joined by a line, so
// that in a two-factor experiment the interaction reads as lines that are not parallel.
// Within a category the series are set side by side so that their bars do not overlap.
// logY puts y on a logarithmic scale (for E-W2, which spans decades): the means must then be
// positive, and a bar whose lower end would reach zero or below stops at a tenth of its mean.
func MeanStd(title, ylabel string, logY bool, categories []string, series ...MeanStdSeries) (*gplot.Plot, error) {
	if len(categories) == 0 || len(series) == 0 {
		return nil, errors.Errorf("MeanStd needs categories and series (got %d and %d)", len(categories), len(series))
	}
	p := gplot.New()
	p.Title.Text, p.Y.Label.Text = title, ylabel
	if logY {
		p.Y.Scale = gplot.LogScale{}
		p.Y.Tick.Marker = gplot.LogTicks{Prec: -1}
	}
	drawn := 0
	for j, s := range series {
		if len(s.Mean) != len(categories) || len(s.Std) != len(categories) {
			return nil, errors.Errorf("series %q: %d means and %d standard deviations for %d categories", s.Label, len(s.Mean), len(s.Std), len(categories))
		}
		offset := 0.0
		if len(series) > 1 {
			offset = 0.3 * (float64(j)/float64(len(series)-1) - 0.5)
		}
		var pts meanStdPoints
		for i, m := range s.Mean {
			if math.IsNaN(m) {
				continue
			}
			sd := s.Std[i]
			if math.IsInf(m, 0) || math.IsNaN(sd) || sd < 0 || (logY && !(m > 0)) {
				return nil, errors.Errorf("series %q, %s: mean %g ± %g cannot be drawn%s", s.Label, categories[i], m, sd, map[bool]string{true: " on a log scale", false: ""}[logY])
			}
			low := sd
			if logY && m-sd <= 0 {
				low = 0.9 * m
			}
			pts.XYs = append(pts.XYs, plotter.XY{X: float64(i) + offset, Y: m})
			pts.YErrors = append(pts.YErrors, struct{ Low, High float64 }{low, sd})
		}
		if len(pts.XYs) == 0 {
			continue
		}
		drawn++
		c := plotutil.Color(j)
		line, err := plotter.NewLine(pts.XYs)
		if err != nil {
			return nil, errors.Wrapf(err, "series %q", s.Label)
		}
		line.LineStyle.Color, line.LineStyle.Dashes, line.LineStyle.Width = c, plotutil.Dashes(j), vg.Points(0.8)
		marks, err := plotter.NewScatter(pts.XYs)
		if err != nil {
			return nil, errors.Wrapf(err, "series %q", s.Label)
		}
		marks.GlyphStyle.Color, marks.GlyphStyle.Shape, marks.GlyphStyle.Radius = c, plotutil.Shape(j), vg.Points(3)
		bars, err := plotter.NewYErrorBars(pts)
		if err != nil {
			return nil, errors.Wrapf(err, "series %q", s.Label)
		}
		bars.LineStyle.Color = c
		p.Add(line, bars, marks)
		if s.Label != "" {
			p.Legend.Add(s.Label, line, marks)
		}
	}
	if drawn == 0 {
		return nil, errors.Errorf("MeanStd %q: no series has a value", title)
	}
	p.NominalX(categories...)
	p.X.Min, p.X.Max = -0.5, float64(len(categories))-0.5
	if len(categories) > 3 {
		p.X.Tick.Label.Rotation = math.Pi / 6
		p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = draw.XRight, draw.YTop
	}
	p.Legend.Top = true
	return p, nil
}
