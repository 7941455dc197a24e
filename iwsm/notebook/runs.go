package notebook

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pkg/errors"
	gplot "gonum.org/v1/plot"

	"github.com/iwsm-go/iwsm/iwsm/experiment"
	"github.com/iwsm-go/iwsm/iwsm/npyfile"
	"github.com/iwsm-go/iwsm/iwsm/plot"
	"github.com/iwsm-go/iwsm/iwsm/report"
	"github.com/iwsm-go/iwsm/iwsm/target"
	"github.com/iwsm-go/iwsm/iwsm/train"
	"github.com/iwsm-go/iwsm/xla"
)

// Config is the configuration of a run of method on t with seed at the notebook's budget
// (train.ConfigFor). Change its fields before Train to try other settings.
func Config(t *target.Target, method train.Method, seed int64) train.Config {
	cfg := Must1(train.ConfigFor(t, method, Budget()))
	cfg.Seed = seed
	return cfg
}

// Train runs cfg on t into RunDir (resuming from its checkpoint when a previous run was
// interrupted, or when the notebook is run again) with a progress bar, and prints a one-line
// summary. reference, when not nil, replaces the built-in reference samples.
func Train(t *target.Target, cfg train.Config, reference [][]float64) *experiment.Result {
	backend := Must1(xla.Backend())
	choice, _ := xla.Selected()
	res, err := experiment.Run(backend, t, cfg, experiment.Options{
		Out: RunDir(t.Name, cfg.Method, cfg.Seed), Progress: os.Stdout, Log: os.Stdout, Reference: reference, Backend: choice.Config})
	Must(err)
	fmt.Println(res.Summary())
	return res
}

// Load reads the results folder of a finished run of method on t with seed (see Train).
func Load(t *target.Target, method train.Method, seed int64) *experiment.Result {
	return Must1(experiment.Load(Must1(xla.Backend()), t, RunDir(t.Name, method, seed)))
}

// Figure returns the named figure of a run (see experiment.Result.Figures for the names),
// titled with the method.
func Figure(res *experiment.Result, name string) *gplot.Plot {
	figs := Must1(res.Figures())
	var names []string
	for _, f := range figs {
		if f.Name == name {
			return f.Plot
		}
		names = append(names, f.Name)
	}
	Fail(errors.Errorf("run %s has no figure %q (it has %s)", res.Dir, name, strings.Join(names, ", ")))
	return nil
}

// ShowSamples shows the samples of 2-D runs in one interactive Plotly view (zoom into a
// cluster of modes, hover for coordinates, click a legend entry to hide a method), one series
// per run labelled with its method, plus the mixture's means when the target is a mixture.
// Particle systems have no 2-D view: use Figure(res, "distance_hist") for them.
func ShowSamples(rs ...*experiment.Result) {
	if len(rs) == 0 {
		Fail(errors.New("ShowSamples needs at least one run"))
	}
	t := rs[0].Target
	if t.Dim != 2 || t.IsParticleSystem() {
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
		series = append(series, plot.Series{Label: string(r.Config.Method), X: column(r.Samples, 0), Y: column(r.Samples, 1)})
	}
	if t.Mixture != nil {
		means := t.ToTargetCoords(t.Mixture.Means)
		series = append(series, plot.Series{Label: "mixture means", X: column(means, 0), Y: column(means, 1), Style: "large"})
	}
	Must(plot.ShowInteractive(t.Name+": samples (interactive)", "x₁", "x₂", series...))
}

// Table collects the finished runs of the given targets at the notebook's budget into a
// methods × metrics table (mean ± std over seeds).
func Table(metrics []string, targets ...string) report.Table {
	var runs []report.Run
	for _, name := range targets {
		dirs, _ := filepath.Glob(filepath.Join(ResultsDir(name, Budget()), "*", "metrics.json"))
		for _, path := range dirs {
			r, err := report.ReadRun(filepath.Dir(path))
			Must(err)
			runs = append(runs, r)
		}
	}
	if len(runs) == 0 {
		Fail(errors.Errorf("no finished runs of %s under %s: run the training cells first",
			strings.Join(targets, ", "), ResultsDir()))
	}
	return report.Collect(runs, metrics)
}

// Export writes tab as table.md, table.csv and table.tex (booktabs) into dir and prints
// what it wrote.
func Export(tab report.Table, caption, dir string) {
	Must(tab.WriteFiles(dir, caption))
	fmt.Printf("wrote %s/table.{md,csv,tex}\n", dir)
}

// ShowConfig displays the settings that matter of one or more configurations side by side.
func ShowConfig(cfgs ...train.Config) {
	var b strings.Builder
	b.WriteString("| setting |")
	for _, c := range cfgs {
		fmt.Fprintf(&b, " %s |", c.Method)
	}
	b.WriteString("\n|---|" + strings.Repeat("---|", len(cfgs)) + "\n")
	row := func(name string, f func(c train.Config) any) {
		fmt.Fprintf(&b, "| %s |", name)
		for _, c := range cfgs {
			fmt.Fprintf(&b, " %v |", f(c))
		}
		b.WriteString("\n")
	}
	row("σ range (geometric VE)", func(c train.Config) any { return fmt.Sprintf("%g … %g", c.SigmaMin, c.SigmaMax) })
	row("Monte Carlo samples K", func(c train.Config) any { return c.K })
	row("score clip ‖·‖ ≤", func(c train.Config) any { return c.MaxScoreNorm })
	row("batch (noise levels)", func(c train.Config) any { return fmt.Sprintf("%d (%d)", c.BatchSize, c.TimeGroups) })
	row("epochs × steps", func(c train.Config) any { return fmt.Sprintf("%d × %d", c.Epochs, c.StepsPerEpoch) })
	row("buffer / new samples per epoch", func(c train.Config) any { return fmt.Sprintf("%d / %d", c.BufferSize, c.SamplesPerEpoch) })
	row("SDE steps (noise scale)", func(c train.Config) any {
		s := fmt.Sprintf("%d (%g)", c.IntegrationSteps, c.DiffusionScale)
		if c.NegativeTimeSteps > 0 {
			s += fmt.Sprintf(" + %d negative-time", c.NegativeTimeSteps)
		}
		return s
	})
	row("first buffer", func(c train.Config) any {
		if c.InitFromPrior {
			return fmt.Sprintf("%d prior draws", c.InitialSamples)
		}
		return fmt.Sprintf("%d Monte Carlo-score SDE samples", c.InitialSamples)
	})
	row("learning rate, grad clip", func(c train.Config) any { return fmt.Sprintf("%g, %g", c.LearningRate, c.GradClip) })
	row("LR schedule (on validation loss)", func(c train.Config) any {
		if c.LRPatience == 0 || c.ValidateEvery == 0 {
			return "constant"
		}
		return fmt.Sprintf("×%g after %d checks without improvement, checked every %d epochs", c.LRFactor, c.LRPatience, c.ValidateEvery)
	})
	row("network", func(c train.Config) any {
		if c.EGNN.Particles > 0 {
			return fmt.Sprintf("EGNN %d layers × %d", c.EGNN.Layers, c.EGNN.Hidden)
		}
		return fmt.Sprintf("MLP %d × %d", c.Net.Layers, c.Net.Hidden)
	})
	row("seed", func(c train.Config) any { return c.Seed })
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
