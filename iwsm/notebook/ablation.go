package notebook

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/pkg/errors"
	gplot "gonum.org/v1/plot"

	"github.com/iwsm-go/iwsm/iwsm/config"
	"github.com/iwsm-go/iwsm/iwsm/evaluate"
	"github.com/iwsm-go/iwsm/iwsm/experiment"
	"github.com/iwsm-go/iwsm/iwsm/plot"
	"github.com/iwsm-go/iwsm/iwsm/preset"
	"github.com/iwsm-go/iwsm/iwsm/report"
	"github.com/iwsm-go/iwsm/iwsm/rundir"
	"github.com/iwsm-go/iwsm/iwsm/target"
)

// AblationSeeds returns the seeds of an ablation: IWSM_SEEDS (comma-separated) if set,
// otherwise one seed at the smoke budget (which checks that the notebook runs) and three
// (1, 2, 3) at cpu and paper, since an ablation compares effects with the spread over seeds.
func AblationSeeds() []int64 {
	if strings.TrimSpace(os.Getenv("IWSM_SEEDS")) != "" || Budget() == "smoke" {
		return Seeds()
	}
	return []int64{1, 2, 3}
}

// Variant is one arm of an ablation: a training method with settings changed from its
// target's defaults at the budget (Overrides, "key=value" as With and `iwsm train -set`
// take them). Group and Level place it in tables and figures: one series per Group ("IWSM"),
// one position per Level ("buffer + 10 % uniform"); a variant that is ours, not the
// papers', says so in its Level.
type Variant struct {
	Method       string
	Overrides    []string
	Group, Level string
}

// Label is "Group, Level" (or the one of them that is set): the variant's name in tables.
func (v Variant) Label() string {
	switch {
	case v.Group == "":
		return v.Level
	case v.Level == "":
		return v.Group
	}
	return v.Group + ", " + v.Level
}

// Config is the configuration of v on t with seed at the notebook's budget: Config with
// v.Overrides applied (With), or the cell stops with one line naming a bad override.
func (v Variant) Config(t *target.Target, seed int64) config.Config {
	return With(Config(t, v.Method, seed), v.Overrides...)
}

// overridesKey is v's overrides on t as a table row holds them (config.Diff's canonical list,
// not v.Overrides as written: augment_fraction=0.10 is "augment_fraction=0.1").
func (v Variant) overridesKey(t *target.Target) string {
	return report.OverridesLabel(Must1(preset.Overrides(t, v.Config(t, 1))))
}

// RunDirOf is the results folder of the run cfg of t: experiment.RunDir under ResultsDir,
// i.e. ResultsDir()/TARGET/BUDGET/METHOD-seedS, or METHOD+key=value,...-seedS for a run with
// overrides (see the package documentation for the rule).
func RunDirOf(t *target.Target, cfg config.Config) string {
	return Must1(experiment.RunDir(ResultsDir(), t, cfg))
}

// Finished reports whether dir holds a finished run of exactly cfg (rundir.Finished): such a
// run is loaded rather than trained.
func Finished(dir string, cfg config.Config) bool { return rundir.Finished(dir, cfg) }

// TrainOrLoad returns the finished run of cfg on t from its folder (RunDirOf), loaded
// without training or sampling again when the folder already holds it (a run of an earlier
// session, or one `iwsm train -out` wrote there); otherwise it trains it there (resuming an
// interrupted run) with a progress bar. Either way it prints one line saying which.
func TrainOrLoad(t *target.Target, cfg config.Config) *experiment.Result {
	dir := RunDirOf(t, cfg)
	if Finished(dir, cfg) {
		res := LoadFrom(dir, t)
		fmt.Printf("loaded %s: %s\n", dir, res.Summary())
		return res
	}
	return TrainIn(dir, t, cfg, nil)
}

// RunVariants makes sure every variant on every target with every seed has a finished run in
// its folder (RunDirOf): a finished run of the same settings is left as it is, without
// loading it (one line "finished DIR"), anything else is trained there (TrainIn: resuming an
// interrupted run, with a progress bar). A variant listed twice runs once. It returns the
// folders, target by target, variant by variant, seed by seed; VariantTable reads them.
func RunVariants(targets []*target.Target, variants []Variant, seeds []int64) []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range targets {
		for _, v := range variants {
			for _, s := range seeds {
				cfg := v.Config(t, s)
				dir := RunDirOf(t, cfg)
				if seen[dir] {
					continue
				}
				seen[dir] = true
				out = append(out, dir)
				if Finished(dir, cfg) {
					fmt.Printf("finished %s (not trained again)\n", dir)
					continue
				}
				TrainIn(dir, t, cfg, nil)
			}
		}
	}
	return out
}

// VariantTable reads the finished runs of every variant on every target with every seed
// from their folders (RunDirOf; metrics.json only, so that a cell can declare the table at
// top level and GoNB's re-evaluation in every later cell stays cheap), averages them over
// seeds (report.Collect: mean ± sample standard deviation per target, method and overrides)
// and returns one row per target and variant, in the order given, named by the variant's
// label. A requested metric that applies to the target but is missing from a run's
// metrics.json (a run written before the metric was registered) is computed from the run's
// stored samples (experiment.Load). A missing run stops the cell, naming its folder. The
// columns are metrics (Columns gives them from typed values).
func VariantTable(metrics []string, targets []*target.Target, variants []Variant, seeds []int64) report.Table {
	var recs []rundir.Record
	seen := map[string]bool{}
	for _, t := range targets {
		for _, v := range variants {
			for _, seed := range seeds {
				dir := RunDirOf(t, v.Config(t, seed))
				if seen[dir] {
					continue
				}
				seen[dir] = true
				rec, err := rundir.ReadRecord(dir)
				if err != nil {
					Fail(errors.WithMessagef(err, "no finished run of %s %s seed %d (run the training cell first)", t.Name, v.Label(), seed))
				}
				if lacksMetric(t, rec, metrics) {
					res := LoadFrom(dir, t)
					rec.Metrics = res.Metrics
				}
				recs = append(recs, rec)
			}
		}
	}
	all := report.Collect(recs, metrics)
	tab := report.Table{Metrics: metrics}
	for _, t := range targets {
		for _, v := range variants {
			row := VariantRow(all, t, v)
			row.Name = v.Label()
			tab.Rows = append(tab.Rows, row)
		}
	}
	return tab
}

// lacksMetric reports whether rec lacks one of the named registered metrics that applies
// to t.
func lacksMetric(t *target.Target, rec rundir.Record, names []string) bool {
	for _, m := range evaluate.Registered() {
		if !slices.Contains(names, m.Name) || (m.Applies != nil && !m.Applies(t)) {
			continue
		}
		if _, ok := rec.Metrics.Get(m.Name); !ok {
			return true
		}
	}
	return false
}

// VariantRow is the row of variant v on t in tab, or the cell stops naming what is missing.
func VariantRow(tab report.Table, t *target.Target, v Variant) report.Row {
	key := v.overridesKey(t)
	row, ok := tab.Find(t.Name, v.Method, key)
	if !ok {
		Fail(errors.Errorf("no finished runs of %s %s (%s) in the table: run the training cell first", t.Name, v.Method, orDefaults(key)))
	}
	return row
}

func orDefaults(overrides string) string {
	if overrides == "" {
		return "default settings"
	}
	return overrides
}

// Contrast is the contrast of metric between variants on t in tab (report.NewContrast):
// coefs[i] multiplies the mean of variants[i]. Contrast(tab, t, m, []Variant{a, b}, 1, -1)
// is a − b.
func Contrast(tab report.Table, t *target.Target, metric evaluate.Metric, variants []Variant, coefs ...float64) report.Contrast {
	if len(variants) != len(coefs) {
		Fail(errors.Errorf("contrast of %s: %d variants and %d coefficients", metric.Name, len(variants), len(coefs)))
	}
	terms := make([]report.Term, len(variants))
	for i, v := range variants {
		terms[i] = report.Term{Row: VariantRow(tab, t, v), Coef: coefs[i]}
	}
	return Must1(report.NewContrast(metric.Name, terms...))
}

// MeanStdFigure draws metric's mean ± std over seeds for the variants on t (plot.MeanStd):
// one x position per distinct Level, one series per distinct Group, in the order the
// variants first name them. logY for metrics that span decades (E-W2).
func MeanStdFigure(tab report.Table, t *target.Target, metric evaluate.Metric, logY bool, variants []Variant) (*gplot.Plot, error) {
	var levels, groups []string
	for _, v := range variants {
		if !slices.Contains(levels, v.Level) {
			levels = append(levels, v.Level)
		}
		if !slices.Contains(groups, v.Group) {
			groups = append(groups, v.Group)
		}
	}
	series := make([]plot.MeanStdSeries, len(groups))
	for j, g := range groups {
		series[j] = plot.MeanStdSeries{Label: g, Mean: make([]float64, len(levels)), Std: make([]float64, len(levels))}
		for i := range levels {
			series[j].Mean[i] = math.NaN()
		}
	}
	fewest, most := math.MaxInt, 0
	for _, v := range variants {
		key := v.overridesKey(t)
		row, ok := tab.Find(t.Name, v.Method, key)
		if !ok {
			return nil, errors.Errorf("no finished runs of %s %s (%s)", t.Name, v.Method, orDefaults(key))
		}
		fewest, most = min(fewest, row.Seeds), max(most, row.Seeds)
		mean, ok := row.Mean[metric.Name]
		if !ok {
			return nil, errors.Errorf("%s %s (%s) has no %s", t.Name, v.Method, orDefaults(key), metric.Name)
		}
		j, i := slices.Index(groups, v.Group), slices.Index(levels, v.Level)
		series[j].Mean[i], series[j].Std[i] = mean, row.Std[metric.Name]
	}
	seeds := strconv.Itoa(most) + " seeds"
	switch {
	case fewest != most:
		seeds = fmt.Sprintf("%d–%d seeds", fewest, most)
	case most == 1:
		seeds = "1 seed"
	}
	return plot.MeanStd(fmt.Sprintf("%s: %s, mean ± std over %s", t.Name, metric.ShortName, seeds), metric.ShortName, logY, levels, series...)
}

// ShowMeanStd displays MeanStdFigure for each metric side by side, or stops the cell with one
// line saying what is missing. logY lists the metrics drawn on a log scale.
func ShowMeanStd(tab report.Table, t *target.Target, variants []Variant, logY []evaluate.Metric, metrics ...evaluate.Metric) {
	plots := make([]*gplot.Plot, len(metrics))
	for i, m := range metrics {
		plots[i] = Must1(MeanStdFigure(tab, t, m, slices.ContainsFunc(logY, func(l evaluate.Metric) bool { return l.Name == m.Name }), variants))
	}
	Must(plot.ShowRow(plots...))
}

// SaveMeanStd writes MeanStdFigure of metric as NAME.png, .svg and .pdf (one paper column
// wide) into dir and returns the paths.
func SaveMeanStd(dir, name string, tab report.Table, t *target.Target, metric evaluate.Metric, logY bool, variants []Variant) ([]string, error) {
	p, err := MeanStdFigure(tab, t, metric, logY, variants)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, errors.Wrapf(err, "creating %s", dir)
	}
	var paths []string
	for _, ext := range []string{"png", "svg", "pdf"} {
		paths = append(paths, filepath.Join(dir, name+"."+ext))
	}
	return paths, plot.Save(p, plot.ColumnWidth, plot.ColumnWidth, paths...)
}

// Comparison is one question an ablation answers, as a contrast of variants' means:
// Comparison{"weights: IWSM − iDEM", []Variant{iwsm, idem}, []float64{1, -1}}.
type Comparison struct {
	Name     string
	Variants []Variant
	Coefs    []float64
}

// ComparisonTable is a Markdown table of comparisons (rows, per target) × metrics (columns),
// each cell the contrast with its standard error over seeds (report.Contrast.Short: bold
// when larger than twice its standard error with at least two seeds per variant), computed
// from tab (VariantTable).
func ComparisonTable(tab report.Table, targets []*target.Target, metrics []evaluate.Metric, comparisons ...Comparison) string {
	var b strings.Builder
	b.WriteString("| target | comparison |")
	for _, m := range metrics {
		b.WriteString(" " + m.ShortName + " |")
	}
	b.WriteString("\n|---|---|" + strings.Repeat("---|", len(metrics)) + "\n")
	for _, t := range targets {
		for _, c := range comparisons {
			fmt.Fprintf(&b, "| %s | %s |", t.Name, c.Name)
			for _, m := range metrics {
				b.WriteString(" " + Contrast(tab, t, m, c.Variants, c.Coefs...).Short() + " |")
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}
