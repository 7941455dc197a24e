package plot

import (
	"cmp"
	"image/color"
	"slices"

	"github.com/pkg/errors"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Masses is one labelled set of per-component masses of a mixture, in component order.
type Masses struct {
	Label string
	Mass  []float64
}

// ModeMasses draws the mass a sampler gives each mixture component against the
// component's true weight: the components along x sorted by true weight, heaviest first
// (ties by index), the true weights as a black step line, the Monte Carlo spread of exact
// draws (reference, optional: nil leaves it out) as grey circles, and one marker series per
// entry of masses, offset sideways within a component's slot so that series do not hide
// each other. A covered but wrongly weighted mode is a marker off the line; a missed mode,
// a marker at zero.
func ModeMasses(title string, weights, reference []float64, masses ...Masses) (*gplot.Plot, error) {
	k := len(weights)
	if k == 0 {
		return nil, errors.New("ModeMasses needs the true weights of at least one component")
	}
	if reference != nil && len(reference) != k {
		return nil, errors.Errorf("ModeMasses: %d reference masses for %d components", len(reference), k)
	}
	for _, m := range masses {
		if len(m.Mass) != k {
			return nil, errors.Errorf("ModeMasses: series %q has %d masses for %d components", m.Label, len(m.Mass), k)
		}
	}
	sets := masses
	if reference != nil {
		sets = append([]Masses{{Label: "exact draws", Mass: reference}}, masses...)
	}
	step, points := modeMassLayout(weights, sets)
	p := gplot.New()
	p.Title.Text = title
	p.X.Label.Text = "component, by true weight (heaviest first)"
	p.Y.Label.Text = "share of the samples"
	line, err := plotter.NewLine(step)
	if err != nil {
		return nil, errors.Wrap(err, "ModeMasses: true weights")
	}
	line.LineStyle.Width = vg.Points(1.2)
	p.Add(line)
	p.Legend.Add("true weight", line)
	for i, m := range sets {
		sc, err := plotter.NewScatter(points[i])
		if err != nil {
			return nil, errors.Wrapf(err, "ModeMasses: series %q", m.Label)
		}
		sc.GlyphStyle.Radius = vg.Points(1.8)
		if reference != nil && i == 0 {
			sc.GlyphStyle.Shape = draw.RingGlyph{}
			sc.GlyphStyle.Color = color.RGBA{R: 140, G: 140, B: 140, A: 255}
		} else {
			j := i
			if reference != nil {
				j--
			}
			sc.GlyphStyle.Shape = plotutil.Shape(j + 1) // not the ring of the exact draws
			sc.GlyphStyle.Color = plotutil.Color(j)
		}
		p.Add(sc)
		p.Legend.Add(m.Label, sc)
	}
	p.X.Min, p.X.Max = 0.5, float64(k)+0.5
	p.Y.Min = 0
	p.Legend.Top = true
	return p, nil
}

// ByWeight returns the component indices sorted by weight, heaviest first, ties by index:
// the order of ModeMasses' x axis.
func ByWeight(weights []float64) []int {
	order := make([]int, len(weights))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(weights[b], weights[a]) })
	return order
}

// modeMassLayout places ModeMasses' points: the weights' step over each component's slot
// [rank − 0.5, rank + 0.5] (ranks from 1, by ByWeight), and each set's masses at its rank,
// the sets spread over [−0.3, 0.3] around it.
func modeMassLayout(weights []float64, sets []Masses) (step plotter.XYs, points []plotter.XYs) {
	order := ByWeight(weights)
	k := len(weights)
	step = make(plotter.XYs, 0, 2*k)
	for rank, c := range order {
		step = append(step, plotter.XY{X: float64(rank) + 0.5, Y: weights[c]}, plotter.XY{X: float64(rank) + 1.5, Y: weights[c]})
	}
	for i, m := range sets {
		offset := 0.0
		if len(sets) > 1 {
			offset = -0.3 + 0.6*float64(i)/float64(len(sets)-1)
		}
		pts := make(plotter.XYs, k)
		for rank, c := range order {
			pts[rank] = plotter.XY{X: float64(rank) + 1 + offset, Y: m.Mass[c]}
		}
		points = append(points, pts)
	}
	return step, points
}
