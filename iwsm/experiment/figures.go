package experiment

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pkg/errors"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/iwsm-go/iwsm/iwsm/evaluate"
	"github.com/iwsm-go/iwsm/iwsm/plot"
)

// FigureName names one of a run's figures; the results folder has NAME.png, .svg and .pdf.
type FigureName string

// The figures of a run (those that apply to its target).
const (
	// FigLoss is the training loss per epoch (with the validation loss where computed).
	FigLoss FigureName = "loss"
	// FigESS is the mean normalised ESS of the importance weights per epoch.
	FigESS FigureName = "ess"
	// FigWeightsByLevel is the ESS per noise level σ(t) at the first, middle and last epoch.
	FigWeightsByLevel FigureName = "weights_ess_by_sigma"
	// FigSamples shows the samples over the target's energy contours (2-D targets).
	FigSamples FigureName = "samples"
	// FigEnergyHist compares the energy histograms of samples and reference.
	FigEnergyHist FigureName = "energy_hist"
	// FigDistanceHist compares the interatomic-distance histograms (particle systems).
	FigDistanceHist FigureName = "distance_hist"
	// FigModeMass is each mixture component's share of the samples against its true weight
	// (evaluate.ModeMasses), sorted by weight, with the spread of as many exact draws: a mode
	// can be covered and wrongly weighted (mixtures with a reference). ModeMassFigure draws
	// several runs on one set of axes.
	FigModeMass FigureName = "mode_mass"
	// FigSwapAcceptance is parallel tempering's swap acceptance per adjacent pair of
	// temperatures and its move acceptance per temperature, after burn-in (method pt).
	FigSwapAcceptance FigureName = "swap_acceptance"
)

// Figure is a named plot with its size for a paper.
type Figure struct {
	Name FigureName
	Plot *gplot.Plot
	W, H vg.Length
}

// Figure returns the run's figure of that name, or an error listing the ones it has.
func (r *Result) Figure(name FigureName) (*gplot.Plot, error) {
	figs, err := r.Figures()
	if err != nil {
		return nil, err
	}
	var names []string
	for _, f := range figs {
		if f.Name == name {
			return f.Plot, nil
		}
		names = append(names, string(f.Name))
	}
	return nil, errors.Errorf("run %s has no figure %q (it has %s)", r.Dir, name, strings.Join(names, ", "))
}

// Figures draws the run's figures: training loss and ESS per epoch, the importance-weight
// diagnostics (ESS per noise level at the first, middle and last epoch), for 2-D targets the
// samples over the target's contours, and with a reference the energy histograms (and for
// particle systems the interatomic-distance histograms) of samples against reference, from
// the evaluation's energies and distances, and for mixtures the per-mode masses against the
// true weights. They are drawn on the first call and the same
// plots are returned afterwards.
func (r *Result) Figures() ([]Figure, error) {
	if r.figures != nil {
		return r.figures, nil
	}
	t, rec := r.Target, r.Record
	title := fmt.Sprintf("%s %s", t.Name, r.Config.Method)
	var figs []Figure
	add := func(name FigureName, p *gplot.Plot, err error, square bool) error {
		if err != nil {
			return errors.WithMessagef(err, "figure %s", name)
		}
		h := 0.75 * plot.ColumnWidth
		if square {
			h = plot.ColumnWidth
		}
		figs = append(figs, Figure{Name: name, Plot: p, W: plot.ColumnWidth, H: h})
		return nil
	}
	if st := rec.PT; st != nil && len(st.SwapAcceptance) > 0 {
		pairs := st.Temperatures[:len(st.Temperatures)-1]
		p, err := plot.Lines(title+": acceptance after burn-in", "temperature T (pair T, next T for swaps)", "acceptance rate", true,
			plot.Series{Label: "swaps", X: pairs, Y: st.SwapAcceptance},
			plot.Series{Label: "moves", X: st.Temperatures, Y: st.Acceptance})
		if err := add(FigSwapAcceptance, p, err, false); err != nil {
			return nil, err
		}
	}
	history := rec.History
	epochs := make([]float64, len(history))
	var loss, ess []float64
	val := plot.Series{Label: "validation"}
	for i, h := range history {
		epochs[i] = float64(h.Epoch)
		loss, ess = append(loss, h.Loss), append(ess, h.ESS)
		if h.ValLoss != nil {
			val.X, val.Y = append(val.X, float64(h.Epoch)), append(val.Y, *h.ValLoss)
		}
	}
	if len(epochs) > 0 {
		curves := []plot.Series{{X: epochs, Y: loss}}
		if len(val.X) > 0 { // iDEM's val/loss, which drives the learning-rate schedule
			curves[0].Label = "training"
			curves = append(curves, val)
		}
		p, err := plot.Lines(title, "epoch", "score-matching loss", false, curves...)
		if err := add(FigLoss, p, err, false); err != nil {
			return nil, err
		}
		p, err = plot.Lines(title, "epoch", "normalised ESS of the weights", false, plot.Series{X: epochs, Y: ess})
		if err := add(FigESS, p, err, false); err != nil {
			return nil, err
		}
		var levels []plot.Series
		sig := rec.LevelSigmas
		for _, i := range distinct(0, len(history)/2, len(history)-1) {
			h := history[i]
			if len(h.ESSByLevel) == len(sig) {
				levels = append(levels, plot.Series{Label: fmt.Sprintf("epoch %d", h.Epoch), X: sig, Y: h.ESSByLevel})
			}
		}
		if len(levels) > 0 {
			p, err = plot.Lines(title+": importance weights", "noise level σ(t)", "ESS / batch per level", true, levels...)
			if err := add(FigWeightsByLevel, p, err, false); err != nil {
				return nil, err
			}
		}
	}
	ev := r.Evaluation
	if t.Plots2D() {
		half := t.PlotHalfWidth
		switch {
		case half > 0:
		case ev != nil:
			half = 1.1 * plot.MaxAbs(ev.Reference.Rows)
		default:
			half = 1.2 * t.Scale
		}
		p, err := plot.Energy2D(r.backend, t, -half, half, 150)
		if err == nil {
			err = plot.AddSamples(p, r.Samples.Rows, fmt.Sprintf("%s: %s samples", t.Name, r.Config.Method))
		}
		if err := add(FigSamples, p, err, true); err != nil {
			return nil, err
		}
	}
	if ev != nil {
		p, err := plot.CompareHistograms(t.Name+": energy", "E(x)", 60, ev.Reference.Energies, plot.HistogramSet{Label: r.Config.Method, Values: r.Samples.Energies})
		if err := add(FigEnergyHist, p, err, false); err != nil {
			return nil, err
		}
		if t.IsParticleSystem() {
			p, err := plot.CompareHistograms(t.Name+": interatomic distances", "distance", 60, ev.Reference.Distances, plot.HistogramSet{Label: r.Config.Method, Values: r.Samples.Distances})
			if err := add(FigDistanceHist, p, err, false); err != nil {
				return nil, err
			}
		}
		if t.DrawsExactly() {
			p, err := ModeMassFigure(r)
			if err := add(FigModeMass, p, err, false); err != nil {
				return nil, err
			}
		}
	}
	r.figures = figs
	return figs, nil
}

// ModeMassFigure draws every run's per-mode masses (evaluate.Evaluation.ModeMasses) against
// the true weights of their mixture on one set of axes, one series per run labelled with its
// method (and seed when a method appears twice), with the per-mode masses of the first run's
// reference draws as the Monte Carlo spread to expect (plot.ModeMasses). The runs must be
// evaluated runs of one mixture target.
func ModeMassFigure(runs ...*Result) (*gplot.Plot, error) {
	if len(runs) == 0 {
		return nil, errors.New("ModeMassFigure needs at least one run")
	}
	t := runs[0].Target
	if t.Mixture == nil {
		return nil, errors.Errorf("ModeMassFigure: target %s is not a Gaussian mixture", t.Name)
	}
	methods := map[string]int{}
	for _, r := range runs {
		methods[r.Config.Method]++
	}
	var series []plot.Masses
	for _, r := range runs {
		if r.Target.Name != t.Name {
			return nil, errors.Errorf("ModeMassFigure: runs of %s and %s on one figure", t.Name, r.Target.Name)
		}
		if r.Evaluation == nil {
			return nil, errors.Errorf("ModeMassFigure: run %s has no evaluation (no reference samples)", r.Dir)
		}
		m, err := r.Evaluation.ModeMasses()
		if err != nil {
			return nil, err
		}
		label := r.Config.Method
		if methods[label] > 1 {
			label = fmt.Sprintf("%s seed %d", label, r.Config.Seed)
		}
		series = append(series, plot.Masses{Label: label, Mass: masses(m)})
	}
	ref, err := evaluate.ModeMasses(t, runs[0].Evaluation.Reference)
	if err != nil {
		return nil, err
	}
	weights := make([]float64, len(ref))
	for k, m := range ref {
		weights[k] = m.Weight
	}
	title := fmt.Sprintf("%s: mode masses (%d samples)", t.Name, runs[0].Evaluation.N())
	return plot.ModeMasses(title, weights, masses(ref), series...)
}

func masses(m []evaluate.ModeMass) []float64 {
	out := make([]float64, len(m))
	for k, v := range m {
		out[k] = v.Mass
	}
	return out
}

// distinct returns the distinct values of idx in order.
func distinct(idx ...int) []int {
	var out []int
	for _, i := range idx {
		if len(out) == 0 || out[len(out)-1] != i {
			out = append(out, i)
		}
	}
	return out
}

// SaveFigures writes each figure to dir as NAME.png, NAME.svg and NAME.pdf and returns the
// file names written.
func SaveFigures(figs []Figure, dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, errors.Wrapf(err, "creating %s", dir)
	}
	var names []string
	for _, f := range figs {
		for _, ext := range []string{".png", ".svg", ".pdf"} {
			if err := plot.Save(f.Plot, f.W, f.H, filepath.Join(dir, string(f.Name)+ext)); err != nil {
				return nil, err
			}
			names = append(names, string(f.Name)+ext)
		}
	}
	return names, nil
}

// Show displays the figures inline in a notebook (a no-op elsewhere).
func Show(figs []Figure) error {
	for _, f := range figs {
		if err := plot.Show(f.Plot); err != nil {
			return err
		}
	}
	return nil
}
