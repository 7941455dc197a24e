package report

import (
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strings"

	"github.com/iwsm-go/iwsm/iwsm/npyfile"
	"github.com/iwsm-go/iwsm/iwsm/rundir"
)

// Row is one line of a table: a method on a target, with per-metric statistics.
type Row struct {
	Target, Method, Budget string
	// Overrides are the runs' settings changed from the budget's defaults ("epochs=180, k=500").
	Overrides string
	// Seeds is the number of runs averaged (0 for quoted rows).
	Seeds int
	// Mean and Std per metric key (Std is the sample standard deviation; 0 for one seed).
	Mean, Std map[string]float64
	// Quoted, when not empty, names the source of published numbers (e.g. "iDEM, Table 2").
	Quoted string
	// Name, when not empty, replaces the method at the start of the row's label: an
	// ablation's variant ("IWSM, buffer + 10 % uniform"). Collect leaves it empty.
	Name string
}

// Table is a set of rows over a fixed list of metric columns.
type Table struct {
	Metrics []string
	Rows    []Row
}

// Columns of a table that come from a run's record rather than its metrics.
const (
	// TrainMinutes is the wall time of the run's steps in minutes (rundir.Record's
	// TrainSeconds: of the last part of a resumed run).
	TrainMinutes = "train_minutes"
	// Minutes is the wall time of the run's steps and of its final samples, in minutes: the
	// time of a sampler that does its work in sampling (the oracle) too.
	Minutes = "minutes"
	// EnergyEvaluations is the number of points at which the run evaluated the energy.
	EnergyEvaluations = "energy_evaluations"
)

// value is the column key of a run: one of its metrics, or TrainMinutes or
// EnergyEvaluations from its record.
func value(r rundir.Record, key string) (float64, bool) {
	switch key {
	case TrainMinutes:
		return r.TrainSeconds / 60, true
	case Minutes:
		return (r.TrainSeconds + r.SampleSeconds) / 60, true
	case EnergyEvaluations:
		return float64(r.EnergyEvaluations), true
	}
	return r.Metrics.Get(key)
}

// Collect groups runs by (target, method, budget) and averages each column over seeds.
// metrics selects and orders the columns (metric keys, TrainMinutes, EnergyEvaluations); nil
// means every metric found, sorted.
func Collect(runs []rundir.Record, metrics []string) Table {
	type key struct{ t, m, b, o string }
	groups := map[key][]rundir.Record{}
	var keys []key
	seen := map[string]bool{}
	for _, r := range runs {
		k := key{r.Target, r.Method, r.Budget, strings.Join(r.Overrides, ", ")}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], r)
		for _, m := range r.Metrics {
			seen[m.Name] = true
		}
	}
	if metrics == nil {
		for m := range seen {
			metrics = append(metrics, m)
		}
		sort.Strings(metrics)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].t != keys[j].t {
			return keys[i].t < keys[j].t
		}
		if keys[i].m != keys[j].m {
			return keys[i].m < keys[j].m
		}
		if keys[i].b != keys[j].b {
			return keys[i].b < keys[j].b
		}
		return keys[i].o < keys[j].o
	})
	tab := Table{Metrics: metrics}
	for _, k := range keys {
		rs := groups[k]
		row := Row{Target: k.t, Method: k.m, Budget: k.b, Overrides: k.o, Seeds: len(rs), Mean: map[string]float64{}, Std: map[string]float64{}}
		for _, m := range metrics {
			var vals []float64
			for _, r := range rs {
				if v, ok := value(r, m); ok {
					vals = append(vals, v)
				}
			}
			if len(vals) == 0 {
				continue
			}
			row.Mean[m], row.Std[m] = meanStd(vals)
		}
		tab.Rows = append(tab.Rows, row)
	}
	return tab
}

// meanStd returns the mean and the sample standard deviation (n-1; 0 for one value).
func meanStd(v []float64) (mean, std float64) {
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	if len(v) < 2 {
		return mean, 0
	}
	for _, x := range v {
		std += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(std / float64(len(v)-1))
}

// AddQuoted appends a row of published numbers (mean and ± per metric) from source.
func (t *Table) AddQuoted(target, method, source string, mean, std map[string]float64) {
	t.Rows = append(t.Rows, Row{Target: target, Method: method, Quoted: source, Mean: mean, Std: std})
}

func (r Row) label() string {
	if r.Quoted != "" {
		return fmt.Sprintf("%s (quoted: %s)", r.Method, r.Quoted)
	}
	budget := r.Budget
	if r.Overrides != "" {
		budget += ", " + r.Overrides
	}
	name := r.Method
	if r.Name != "" {
		name = fmt.Sprintf("%s: %s", r.Name, r.Method)
	}
	return fmt.Sprintf("%s (%s, %d seed%s)", name, budget, r.Seeds, plural(r.Seeds))
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func (r Row) cell(m string) string {
	mean, ok := r.Mean[m]
	if !ok {
		return "–"
	}
	if std := r.Std[m]; std > 0 {
		return fmt.Sprintf("%.3g ± %.2g", mean, std)
	}
	return fmt.Sprintf("%.3g", mean)
}

// Markdown renders the table as GitHub-flavoured Markdown.
func (t Table) Markdown() string {
	var b strings.Builder
	b.WriteString("| target | method | " + strings.Join(t.Metrics, " | ") + " |\n")
	b.WriteString("|---|---|" + strings.Repeat("---|", len(t.Metrics)) + "\n")
	for _, r := range t.Rows {
		cells := make([]string, len(t.Metrics))
		for i, m := range t.Metrics {
			cells[i] = r.cell(m)
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", r.Target, r.label(), strings.Join(cells, " | "))
	}
	return b.String()
}

// CSV renders one line per row with mean and std columns per metric.
func (t Table) CSV() string {
	var b strings.Builder
	b.WriteString("target,method,budget,overrides,seeds,quoted")
	for _, m := range t.Metrics {
		b.WriteString("," + m + "," + m + "_std")
	}
	b.WriteString("\n")
	for _, r := range t.Rows {
		fmt.Fprintf(&b, "%s,%s,%s,%q,%d,%q", r.Target, r.Method, r.Budget, r.Overrides, r.Seeds, r.Quoted)
		for _, m := range t.Metrics {
			if v, ok := r.Mean[m]; ok {
				fmt.Fprintf(&b, ",%g,%g", v, r.Std[m])
			} else {
				b.WriteString(",,")
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// LaTeX renders a booktabs table (needs \usepackage{booktabs}) with the metric keys as
// headers; quoted rows are set in italics and follow a rule. LaTeXTable has the options
// (label, short names) a paper's table needs.
func (t Table) LaTeX(caption string) string {
	return t.LaTeXTable(LaTeXOptions{Caption: caption})
}

// WriteFiles writes the table into dir as table.md, table.csv and table.tex (with the
// given LaTeX caption), each atomically, creating dir if needed.
func (t Table) WriteFiles(dir, caption string) error {
	for name, body := range map[string]string{"table.md": t.Markdown(), "table.csv": t.CSV(), "table.tex": t.LaTeX(caption)} {
		if err := npyfile.WriteFileAtomic(filepath.Join(dir, name), []byte(body)); err != nil {
			return err
		}
	}
	return nil
}
