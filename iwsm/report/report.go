package report

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pkg/errors"

	"github.com/iwsm-go/iwsm/iwsm/evaluate"
	"github.com/iwsm-go/iwsm/iwsm/npyfile"
	"github.com/iwsm-go/iwsm/iwsm/pt"
	"github.com/iwsm-go/iwsm/iwsm/train"
)

// Record is a results folder's metrics.json, declared once: the run's identity, its metrics
// (see evaluate.Registered for the keys), the per-epoch training history, wall time, backend,
// Go and library versions, and the files written. experiment writes it; tables read it.
type Record struct {
	// Dir is the results folder the record was read from (not stored).
	Dir    string `json:"-"`
	Target string `json:"target"`
	Method string `json:"method"`
	Budget string `json:"budget"`
	Seed   int64  `json:"seed"`
	// Overrides are the settings that differ from the target's defaults at the budget
	// ("epochs=180"): part of the run's label in tables.
	Overrides []string `json:"overrides,omitempty"`
	// Metrics is absent when the target has no reference samples.
	Metrics evaluate.Metrics `json:"metrics,omitempty"`
	// History has one entry per epoch (loss, ESS, ESS per noise level, validation loss, ...).
	History []train.EpochStats `json:"history"`
	// LevelSigmas are σ(t) at the centres of the stratified noise levels, the x axis of
	// the history's ess_by_level.
	LevelSigmas  []float64 `json:"level_sigmas"`
	TrainSeconds float64   `json:"train_seconds"`
	ResumedFrom  int       `json:"resumed_from_epoch,omitempty"`
	Backend      string    `json:"backend,omitempty"`
	Go           string    `json:"go"`
	// Versions are the compute libraries' module versions.
	Versions    map[string]string   `json:"versions"`
	Coordinates string              `json:"samples_coordinates"`
	Files       map[string][]string `json:"files"`
	// EnergyEvaluations and GradientEvaluations count the points at which the method
	// evaluated the target's energy and its gradient, training and the final samples included
	// (train.Trainer.EnergyEvaluations lists what is counted; for parallel tempering every
	// sweep's proposals, pt.Sampler.Run); the history has the training's cumulative counts
	// per epoch. 0 (absent) in runs written before they were counted.
	EnergyEvaluations   int64 `json:"energy_evaluations,omitempty"`
	GradientEvaluations int64 `json:"gradient_evaluations,omitempty"`
	// PT holds the parallel-tempering baseline's ladder, step sizes, move and swap
	// acceptance rates (per temperature and per adjacent pair) and its per-round history;
	// absent for the diffusion methods, whose History it replaces.
	PT *pt.Stats `json:"parallel_tempering,omitempty"`
}

// ReadRun reads dir/metrics.json.
func ReadRun(dir string) (Record, error) {
	var r Record
	raw, err := os.ReadFile(filepath.Join(dir, "metrics.json"))
	if err != nil {
		return r, errors.Wrapf(err, "%s is not a results folder", dir)
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return r, errors.Wrapf(err, "decoding %s/metrics.json", dir)
	}
	if r.Target == "" || r.Method == "" {
		return r, errors.Errorf("%s/metrics.json has no target or method", dir)
	}
	r.Dir = dir
	return r, nil
}

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

// Collect groups runs by (target, method, budget) and averages each metric over seeds.
// metrics selects and orders the columns; nil means every metric found, sorted.
func Collect(runs []Record, metrics []string) Table {
	type key struct{ t, m, b, o string }
	groups := map[key][]Record{}
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
				if v, ok := r.Metrics.Get(m); ok {
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
