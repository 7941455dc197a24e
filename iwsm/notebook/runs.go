package notebook

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/pkg/errors"
	gplot "gonum.org/v1/plot"

	"github.com/iwsm-go/iwsm/iwsm/config"
	"github.com/iwsm-go/iwsm/iwsm/evaluate"
	"github.com/iwsm-go/iwsm/iwsm/experiment"
	"github.com/iwsm-go/iwsm/iwsm/npyfile"
	"github.com/iwsm-go/iwsm/iwsm/plot"
	"github.com/iwsm-go/iwsm/iwsm/preset"
	"github.com/iwsm-go/iwsm/iwsm/report"
	"github.com/iwsm-go/iwsm/iwsm/rundir"
	"github.com/iwsm-go/iwsm/iwsm/target"
	"github.com/iwsm-go/iwsm/xla"
)

// Target returns the registered target of that name (target.ByName), or stops the cell with
// one line naming the valid ones.
func Target(name string) *target.Target {
	return Must1(target.ByName(name))
}

// Methods returns the names of the samplers the notebooks compare (experiment.Compared: IWSM,
// iDEM and any method or sampler registered later as compared, without the ablations and the
// references): the list every comparison in the notebooks runs over.
func Methods() []string { return experiment.Compared() }

// Config is the configuration of a run of the named method on t with seed at the notebook's
// budget (target.Target.Config). Change its fields before Train to try other settings.
func Config(t *target.Target, methodName string, seed int64) config.Config {
	Must1(experiment.Kind(methodName))
	cfg := Must1(preset.For(t, methodName, Budget()))
	cfg.Seed = seed
	return cfg
}

// Configs returns the configuration of every registered method for t and seed.
func Configs(t *target.Target, seed int64) []config.Config {
	var out []config.Config
	for _, m := range Methods() {
		out = append(out, Config(t, m, seed))
	}
	return out
}

// Train runs cfg on t into its results folder RunDirOf(t, cfg) (RunDir for a run with the
// budget's default settings, a folder of its own for one with overrides; resuming from its
// checkpoint when a previous run was interrupted, or when the notebook is run again) with a
// progress bar, and prints a one-line summary. reference, when not nil, replaces the built-in
// reference samples.
func Train(t *target.Target, cfg config.Config, reference [][]float64) *experiment.Result {
	return TrainIn(RunDirOf(t, cfg), t, cfg, reference)
}

// LoadRun reads the finished run cfg of t from the folder Train wrote it to (RunDirOf): the
// runs of a variant made with With, e.g. LoadRun(t, With(Config(t, "idem", 1),
// "augment_fraction=0.1")).
func LoadRun(t *target.Target, cfg config.Config) *experiment.Result {
	return LoadFrom(RunDirOf(t, cfg), t)
}

// TrainIn is Train into the results folder dir instead of RunDirOf: for a run that must not
// join the tables of its target (the quickstart's shortened run), since Table,
// FinishedTargets and CollectFigures read only the RESULTS/TARGET/BUDGET/RUN layout. Read it
// back with LoadFrom.
//
// cfg.Devices > 1 (notebook.With(cfg, "devices=4")) trains on that many devices of the XLA
// backend (xla.ForDevices; the CPU plugin makes them from one CPU), the batch split over them;
// on the pure-Go backend, which has one, it stops the cell with one line saying so.
func TrainIn(dir string, t *target.Target, cfg config.Config, reference [][]float64) *experiment.Result {
	choice, _ := xla.Selected()
	backend := Must1(xla.ForDevices(Backend(), cfg.Devices))
	res, err := experiment.Run(backend, t, cfg, experiment.Options{
		Out: dir, Progress: os.Stdout, Log: os.Stdout, Reference: reference, Backend: choice.Config})
	Must(err)
	fmt.Println(res.Summary())
	return res
}

// Load reads the results folder of a finished run of the named method on t with seed (see
// Train).
func Load(t *target.Target, methodName string, seed int64) *experiment.Result {
	return LoadFrom(RunDir(t.Name, methodName, seed), t)
}

// LoadFrom reads the finished run of t in the results folder dir (see TrainIn), or stops the
// cell with one line saying why it cannot.
func LoadFrom(dir string, t *target.Target) *experiment.Result {
	return Must1(experiment.Load(Backend(), t, dir))
}

// LoadAll reads the finished runs of every registered method on t with seed, in Methods order.
func LoadAll(t *target.Target, seed int64) []*experiment.Result {
	var out []*experiment.Result
	for _, m := range Methods() {
		out = append(out, Load(t, m, seed))
	}
	return out
}

// Figure returns the named figure of a run (see experiment.FigureName), or stops the cell
// with one line listing the figures the run has.
func Figure(res *experiment.Result, name experiment.FigureName) *gplot.Plot {
	return Must1(res.Figure(name))
}

// ShowFigure displays the named figure of every run side by side, one per run.
func ShowFigure(name experiment.FigureName, runs ...*experiment.Result) {
	plots := make([]*gplot.Plot, len(runs))
	for i, r := range runs {
		plots[i] = Figure(r, name)
	}
	Must(plot.ShowRow(plots...))
}

// ShowFigures displays several figures of one run side by side.
func ShowFigures(res *experiment.Result, names ...experiment.FigureName) {
	plots := make([]*gplot.Plot, len(names))
	for i, n := range names {
		plots[i] = Figure(res, n)
	}
	Must(plot.ShowRow(plots...))
}

// ShowTarget displays a 2-D target's energy contours over its plotting box (target
// coordinates; see target.Target.PlotHalfWidth).
func ShowTarget(t *target.Target) {
	half := t.PlotHalfWidth
	if half <= 0 {
		half = 1.2 * t.Scale
	}
	Must(plot.Show(Must1(plot.Energy2D(Backend(), t, -half, half, 150))))
}

// Metric returns a metric of a run (NaN when it does not apply or was not computed).
func Metric(res *experiment.Result, m evaluate.Metric) float64 {
	return res.Metrics.Of(m)
}

// ShowSamples shows the samples of 2-D runs in one interactive Plotly view (zoom into a
// cluster of modes, hover for coordinates, click a legend entry to hide a method), one series
// per run labelled with its method, plus the mixture's means when the target is a mixture.
// Particle systems have no 2-D view: use ShowFigure(experiment.FigDistanceHist, runs...) for
// them.
func ShowSamples(rs ...*experiment.Result) {
	if len(rs) == 0 {
		Fail(errors.New("ShowSamples needs at least one run"))
	}
	t := rs[0].Target
	if !t.Plots2D() {
		Fail(errors.Errorf("ShowSamples draws 2-D targets; %s has dimension %d (use the distance or energy histograms)", t.Name, t.Dim))
	}
	var series []plot.Series
	column := func(rows [][]float64, j int) []float64 {
		out := make([]float64, len(rows))
		for i, r := range rows {
			out[i] = r[j]
		}
		return out
	}
	for _, r := range rs {
		series = append(series, plot.Series{Label: r.Config.Method, X: column(r.Samples.Rows, 0), Y: column(r.Samples.Rows, 1)})
	}
	if t.Mixture != nil {
		means := t.ToTargetCoords(t.Mixture.Means)
		series = append(series, plot.Series{Label: "mixture means", X: column(means, 0), Y: column(means, 1), Style: "large"})
	}
	Must(plot.ShowInteractive(t.Name+": samples (interactive)", "x₁", "x₂", series...))
}

// Table collects the finished runs of the given targets at the notebook's budget into a
// methods × metrics table (mean ± std over seeds). metrics are the columns' keys, in order:
// Columns(evaluate.XW2, ...) gives them from the typed metrics.
func Table(metrics []string, targets ...string) report.Table {
	var runs []rundir.Record
	for _, name := range targets {
		dirs, _ := filepath.Glob(filepath.Join(ResultsDir(name, Budget()), "*", "metrics.json"))
		for _, path := range dirs {
			r, err := rundir.ReadRecord(filepath.Dir(path))
			Must(err)
			runs = append(runs, r)
		}
	}
	if len(runs) == 0 {
		of := strings.Join(targets, ", ")
		if of == "" {
			of = "any target"
		}
		Fail(errors.Errorf("no finished runs of %s at budget %s under %s: run the training cells (or the other notebooks) first",
			of, Budget(), ResultsDir()))
	}
	return report.Collect(runs, metrics)
}

// Columns returns the names of metrics, in order, for Table: the columns of a table are
// chosen with the typed metric values (evaluate.XW2, ...) rather than their keys written out,
// so a misspelt metric is a compile error instead of an empty column.
func Columns(metrics ...evaluate.Metric) []string {
	names := make([]string, len(metrics))
	for i, m := range metrics {
		names[i] = m.Name
	}
	return names
}

// FinishedTargets returns the names of the targets with at least one finished run (a
// metrics.json) at the notebook's budget under ResultsDir, sorted: the built-in targets and
// any a notebook defined itself (06_your_target's ring), for a table of everything that ran.
func FinishedTargets() []string {
	files, _ := filepath.Glob(filepath.Join(ResultsDir(), "*", Budget(), "*", "metrics.json"))
	var names []string
	for _, f := range files {
		name := filepath.Base(filepath.Dir(filepath.Dir(filepath.Dir(f))))
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// Export writes tab as table.md, table.csv and table.tex (booktabs) into dir and prints
// what it wrote.
func Export(tab report.Table, caption, dir string) {
	Must(tab.WriteFiles(dir, caption))
	fmt.Printf("wrote %s/table.{md,csv,tex}\n", dir)
}

// ShowConfig displays the settings that matter of one or more configurations side by side.
func ShowConfig(cfgs ...config.Config) {
	var b strings.Builder
	b.WriteString("| setting |")
	for _, c := range cfgs {
		fmt.Fprintf(&b, " %s |", c.Method)
	}
	b.WriteString("\n|---|" + strings.Repeat("---|", len(cfgs)) + "\n")
	row := func(name string, f func(c config.Config) any) {
		fmt.Fprintf(&b, "| %s |", name)
		for _, c := range cfgs {
			fmt.Fprintf(&b, " %v |", f(c))
		}
		b.WriteString("\n")
	}
	row("σ range (geometric VE)", func(c config.Config) any { return fmt.Sprintf("%g … %g", c.SigmaMin, c.SigmaMax) })
	row("Monte Carlo samples K", func(c config.Config) any { return c.K })
	row("score clip ‖·‖ ≤", func(c config.Config) any { return c.MaxScoreNorm })
	row("batch (noise levels)", func(c config.Config) any { return fmt.Sprintf("%d (%d)", c.BatchSize, c.TimeGroups) })
	row("epochs × steps", func(c config.Config) any { return fmt.Sprintf("%d × %d", c.Epochs, c.StepsPerEpoch) })
	row("buffer / new samples per epoch", func(c config.Config) any { return fmt.Sprintf("%d / %d", c.BufferSize, c.SamplesPerEpoch) })
	row("SDE steps (noise scale)", func(c config.Config) any {
		s := fmt.Sprintf("%d (%g)", c.IntegrationSteps, c.DiffusionScale)
		if c.NegativeTimeSteps > 0 {
			s += fmt.Sprintf(" + %d negative-time", c.NegativeTimeSteps)
		}
		return s
	})
	row("first buffer", func(c config.Config) any {
		if c.InitFromPrior {
			return fmt.Sprintf("%d prior draws", c.InitialSamples)
		}
		return fmt.Sprintf("%d Monte Carlo-score SDE samples", c.InitialSamples)
	})
	row("learning rate, grad clip", func(c config.Config) any { return fmt.Sprintf("%g, %g", c.LearningRate, c.GradClip) })
	row("LR schedule (on validation loss)", func(c config.Config) any {
		if c.LRPatience == 0 || c.ValidateEvery == 0 {
			return "constant"
		}
		return fmt.Sprintf("×%g after %d checks without improvement, checked every %d epochs", c.LRFactor, c.LRPatience, c.ValidateEvery)
	})
	row("network", func(c config.Config) any {
		if c.EGNN.Particles > 0 {
			return fmt.Sprintf("EGNN %d layers × %d", c.EGNN.Layers, c.EGNN.Hidden)
		}
		return fmt.Sprintf("MLP %d × %d", c.Net.Layers, c.Net.Hidden)
	})
	row("seed", func(c config.Config) any { return c.Seed })
	Markdown(b.String())
}

// CollectFigures copies the figures of every finished run of the given targets at the
// notebook's budget into dir as TARGET_METHOD-seedS_NAME.EXT, one flat folder to point a
// paper's \includegraphics at.
func CollectFigures(dir string, targets ...string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return errors.Wrapf(err, "creating %s", dir)
	}
	n := 0
	for _, name := range targets {
		files, _ := filepath.Glob(filepath.Join(ResultsDir(name, Budget()), "*", "figures", "*"))
		for _, f := range files {
			run := filepath.Base(filepath.Dir(filepath.Dir(f)))
			raw, err := os.ReadFile(f)
			if err != nil {
				return errors.Wrapf(err, "reading %s", f)
			}
			if err := npyfile.WriteFileAtomic(filepath.Join(dir, fmt.Sprintf("%s_%s_%s", name, run, filepath.Base(f))), raw); err != nil {
				return err
			}
			n++
		}
	}
	fmt.Printf("copied %d figure files to %s\n", n, dir)
	return nil
}

// LoadRecord reads the metrics.json of the finished run cfg of t (RunDirOf): its metrics,
// per-epoch history (ESS per noise level included) and noise levels, without rebuilding the
// run's model, so that a study of many runs loads in a moment.
func LoadRecord(t *target.Target, cfg config.Config) rundir.Record {
	return Must1(rundir.ReadRecord(RunDirOf(t, cfg)))
}
