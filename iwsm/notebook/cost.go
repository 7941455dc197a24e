package notebook

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pkg/errors"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"

	"github.com/iwsm-go/iwsm/iwsm/config"
	"github.com/iwsm-go/iwsm/iwsm/evaluate"
	"github.com/iwsm-go/iwsm/iwsm/experiment"
	"github.com/iwsm-go/iwsm/iwsm/npyfile"
	"github.com/iwsm-go/iwsm/iwsm/plot"
	"github.com/iwsm-go/iwsm/iwsm/rundir"
	"github.com/iwsm-go/iwsm/iwsm/target"
)

// CostPoint is one run on a cost curve: a method trained to some epochs (or parallel
// tempering run for some sweeps), with the energy and gradient evaluations it made and its
// metrics.
type CostPoint struct {
	Target, Method string
	// Stage is what was varied: "epochs=15" or "sweeps=500".
	Stage string
	// EnergyEvaluations and GradientEvaluations are the run's totals (rundir.Record).
	EnergyEvaluations, GradientEvaluations int64
	// Seconds is the wall time of the run's epochs from the first (the history's, so a stage
	// continued from the previous one counts the previous epochs too), or of parallel
	// tempering's sweeps; sampling and evaluation excluded.
	Seconds float64
	// Metrics are the run's metrics (metrics.json).
	Metrics evaluate.Metrics
	// Dir is the run's results folder.
	Dir string
}

// Metric returns a metric of the point's run (NaN when it does not apply).
func (p CostPoint) Metric(m evaluate.Metric) float64 { return p.Metrics.Of(m) }

// costFractions are the stages of a cost curve as fractions of the budget's epochs (diffusion
// methods) or sweeps (parallel tempering): the last stage of a diffusion method is the
// budget's run itself; parallel tempering, a hundred times cheaper per sample at the cpu
// budget, goes on to 4× its sweeps so that the curves overlap.
var (
	epochFractions = []float64{1.0 / 12, 1.0 / 4, 1.0 / 2, 1}
	sweepFractions = []float64{1.0 / 20, 1.0 / 4, 1, 4}
)

// CostStages returns the epochs (diffusion methods) or sweeps after burn-in (parallel
// tempering) at which the cost curve of cfg's method is measured: fractions of cfg's, at
// least 1 (and enough sweeps for one sample per chain and kept sweep), without repeats.
func CostStages(cfg config.Config) []int {
	fractions, full, least := epochFractions, cfg.Epochs, 1
	if cfg.PT != nil {
		fractions, full = sweepFractions, cfg.PT.Sweeps
		least = (cfg.EvalSamples + cfg.PT.Chains - 1) / cfg.PT.Chains
	}
	var out []int
	for _, f := range fractions {
		n := max(least, int(math.Round(f*float64(full))))
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// CostDir is the results folder of one stage of a cost curve:
// ResultsDir("cost", budget, target, "METHOD-epochsN-seedS") (or sweepsN). It is kept apart
// from RunDir, so that the tables of the other notebooks (Table, FinishedTargets) do not mix
// these runs with theirs, and it lies under cost/BUDGET, which scripts/run_notebooks.sh
// clears before a smoke run as it clears TARGET/smoke.
func CostDir(targetName, methodName, stage string, seed int64) string {
	return ResultsDir("cost", Budget(), targetName, fmt.Sprintf("%s-%s-seed%d", methodName, strings.ReplaceAll(stage, "=", ""), seed))
}

// costStage is one stage of a cost curve: its configuration, label and results folder.
type costStage struct {
	cfg        config.Config
	label, dir string
}

// costStages lists the stages of methodName's cost curve on t with seed (CostStages), and
// whether they are stages of sweeps (parallel tempering) rather than of epochs.
func costStages(t *target.Target, methodName string, seed int64) ([]costStage, bool) {
	base := Config(t, methodName, seed)
	sweeps := base.PT != nil
	var out []costStage
	for _, n := range CostStages(base) {
		cfg := base
		label := fmt.Sprintf("epochs=%d", n)
		if sweeps {
			p := *base.PT
			p.Sweeps = n
			cfg.PT, label = &p, fmt.Sprintf("sweeps=%d", n)
		} else {
			cfg.Epochs = n
		}
		out = append(out, costStage{cfg, label, CostDir(t.Name, methodName, label, seed)})
	}
	return out, sweeps
}

// TrainCost runs the cost curve of a method on t with seed at the notebook's budget, one run
// per stage (CostStages): a diffusion method is trained to each number of epochs in turn, each
// stage continuing the previous one's checkpoint (experiment.ContinueFrom), so the curve costs
// one run of the largest stage plus an evaluation per stage; parallel tempering runs once per
// number of sweeps. Finished stages are loaded, not run again. Read the points with LoadCost.
func TrainCost(t *target.Target, methodName string, seed int64) {
	stages, sweeps := costStages(t, methodName, seed)
	for i, s := range stages {
		if Finished(s.dir, s.cfg) {
			continue
		}
		if i > 0 && !sweeps {
			Must(experiment.ContinueFrom(stages[i-1].dir, s.dir))
		}
		TrainIn(s.dir, t, s.cfg, nil)
	}
}

// LoadCost reads the finished stages of the cost curves of the methods on t with seed (see
// TrainCost) from their metrics.json, in the order of methods and stages, or stops the cell
// with one line naming the first stage that is missing.
func LoadCost(t *target.Target, methods []string, seed int64) []CostPoint {
	var out []CostPoint
	for _, name := range methods {
		stages, _ := costStages(t, name, seed)
		for _, s := range stages {
			rec, err := rundir.ReadRecord(s.dir)
			if err != nil {
				Fail(errors.WithMessagef(err, "cost curve of %s on %s, %s: run the training cell first", name, t.Name, s.label))
			}
			p := CostPoint{Target: t.Name, Method: name, Stage: s.label, EnergyEvaluations: rec.EnergyEvaluations,
				GradientEvaluations: rec.GradientEvaluations, Metrics: rec.Metrics, Dir: s.dir}
			for _, h := range rec.History {
				p.Seconds += h.Seconds
			}
			if rec.PT != nil {
				p.Seconds = rec.PT.Seconds
			}
			out = append(out, p)
		}
	}
	return out
}

// CostFigures draws, for one target, each metric against the number of energy evaluations
// (log scale), one line per method through its stages: the panels of a cost figure.
func CostFigures(points []CostPoint, metrics ...evaluate.Metric) ([]*gplot.Plot, error) {
	if len(points) == 0 {
		return nil, errors.New("no cost points: run TrainCost first")
	}
	var methods []string
	for _, p := range points {
		if !slices.Contains(methods, p.Method) {
			methods = append(methods, p.Method)
		}
	}
	var plots []*gplot.Plot
	for _, m := range metrics {
		var series []plot.Series
		for _, name := range methods {
			s := plot.Series{Label: name}
			for _, p := range points {
				if v := p.Metric(m); p.Method == name && !math.IsNaN(v) && p.EnergyEvaluations > 0 {
					s.X, s.Y = append(s.X, float64(p.EnergyEvaluations)), append(s.Y, v)
				}
			}
			if len(s.X) > 0 {
				series = append(series, s)
			}
		}
		if len(series) == 0 {
			return nil, errors.Errorf("metric %s was computed for none of the runs", m.Name)
		}
		p, err := plot.Lines(fmt.Sprintf("%s: %s", points[0].Target, m.ShortName), "energy evaluations", m.ShortName, true, series...)
		if err != nil {
			return nil, errors.WithMessagef(err, "cost figure of %s", m.Name)
		}
		for i, s := range series { // a marker at every stage, in its line's colour
			xy := make(plotter.XYs, len(s.X))
			for j := range s.X {
				xy[j] = plotter.XY{X: s.X[j], Y: s.Y[j]}
			}
			sc, err := plotter.NewScatter(xy)
			if err != nil {
				return nil, errors.Wrapf(err, "markers of %s", s.Label)
			}
			sc.GlyphStyle.Color, sc.GlyphStyle.Shape = plotutil.Color(i), plotutil.Shape(i)
			p.Add(sc)
		}
		plots = append(plots, p)
	}
	return plots, nil
}

// ShowCost displays CostFigures side by side, one figure per target.
func ShowCost(points []CostPoint, metrics ...evaluate.Metric) {
	Must(plot.ShowRow(Must1(CostFigures(points, metrics...))...))
}

// SaveCost writes the cost figure of one target's points into dir as cost_TARGET.png (the
// panels side by side) and one cost_TARGET_METRIC.{png,svg,pdf} per panel, one paper column
// wide, and returns the files written.
func SaveCost(dir string, points []CostPoint, metrics ...evaluate.Metric) ([]string, error) {
	plots, err := CostFigures(points, metrics...)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, errors.Wrapf(err, "creating %s", dir)
	}
	name := "cost_" + points[0].Target
	raw, err := plot.RowPNG(1.3*plot.ColumnWidth, 1.3*plot.ColumnWidth, plots...)
	if err != nil {
		return nil, err
	}
	files := []string{filepath.Join(dir, name+".png")}
	if err := npyfile.WriteFileAtomic(files[0], raw); err != nil {
		return nil, err
	}
	for i, p := range plots {
		for _, ext := range []string{".png", ".svg", ".pdf"} {
			path := filepath.Join(dir, fmt.Sprintf("%s_%s%s", name, metrics[i].Name, ext))
			if err := plot.Save(p, plot.ColumnWidth, 0.75*plot.ColumnWidth, path); err != nil {
				return nil, err
			}
			files = append(files, path)
		}
	}
	return files, nil
}

// CostTable renders the points as a Markdown table (markdown) and CSV: target, method, stage,
// energy and gradient evaluations, seconds, and the metrics' values ("–" or empty where a
// metric does not apply).
func CostTable(points []CostPoint, metrics ...evaluate.Metric) (markdown, csv string) {
	var md, c strings.Builder
	md.WriteString("| target | method | stage | energy evaluations | gradient evaluations | seconds |")
	c.WriteString("target,method,stage,energy_evaluations,gradient_evaluations,seconds")
	for _, m := range metrics {
		md.WriteString(" " + m.ShortName + " |")
		c.WriteString("," + m.Name)
	}
	md.WriteString("\n|---|---|---|---|---|---|" + strings.Repeat("---|", len(metrics)) + "\n")
	c.WriteString("\n")
	for _, p := range points {
		fmt.Fprintf(&md, "| %s | %s | %s | %.3g | %.3g | %.0f |", p.Target, p.Method, p.Stage,
			float64(p.EnergyEvaluations), float64(p.GradientEvaluations), p.Seconds)
		fmt.Fprintf(&c, "%s,%s,%s,%d,%d,%g", p.Target, p.Method, p.Stage, p.EnergyEvaluations, p.GradientEvaluations, p.Seconds)
		for _, m := range metrics {
			v := p.Metric(m)
			if math.IsNaN(v) {
				md.WriteString(" – |")
				c.WriteString(",")
				continue
			}
			fmt.Fprintf(&md, " %.3g |", v)
			fmt.Fprintf(&c, ",%g", v)
		}
		md.WriteString("\n")
		c.WriteString("\n")
	}
	return md.String(), c.String()
}

// ExportCost writes CostTable's Markdown and CSV into dir as cost.md and cost.csv and prints
// what it wrote.
func ExportCost(dir string, points []CostPoint, metrics ...evaluate.Metric) {
	Must(errors.Wrapf(os.MkdirAll(dir, 0o755), "creating %s", dir))
	md, csv := CostTable(points, metrics...)
	Must(npyfile.WriteFileAtomic(filepath.Join(dir, "cost.md"), []byte(md)))
	Must(npyfile.WriteFileAtomic(filepath.Join(dir, "cost.csv"), []byte(csv)))
	fmt.Printf("wrote %s/cost.{md,csv}\n", dir)
}

// CheapestReaching returns the point with the fewest energy evaluations among those of the
// method whose metric is at most level (lower is better), and false when none reaches it: how
// many evaluations a method needs to match another's result.
func CheapestReaching(points []CostPoint, methodName string, m evaluate.Metric, level float64) (CostPoint, bool) {
	var best CostPoint
	found := false
	for _, p := range points {
		if v := p.Metric(m); p.Method == methodName && v <= level && (!found || p.EnergyEvaluations < best.EnergyEvaluations) {
			best, found = p, true
		}
	}
	return best, found
}

// Final returns the method's point with the most energy evaluations (its largest stage).
func Final(points []CostPoint, methodName string) (CostPoint, bool) {
	var best CostPoint
	found := false
	for _, p := range points {
		if p.Method == methodName && (!found || p.EnergyEvaluations > best.EnergyEvaluations) {
			best, found = p, true
		}
	}
	return best, found
}
