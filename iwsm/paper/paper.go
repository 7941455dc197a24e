package paper

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/gomlx/compute"
	"github.com/pkg/errors"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/iwsm-go/iwsm/iwsm/evaluate"
	"github.com/iwsm-go/iwsm/iwsm/experiment"
	"github.com/iwsm-go/iwsm/iwsm/method"
	"github.com/iwsm-go/iwsm/iwsm/npyfile"
	"github.com/iwsm-go/iwsm/iwsm/plot"
	"github.com/iwsm-go/iwsm/iwsm/report"
	"github.com/iwsm-go/iwsm/iwsm/rundir"
	"github.com/iwsm-go/iwsm/iwsm/target"
)

// Options choose what is exported; the zero value exports every method found, at the only
// budget found, with the first seed of each method in the figure.
type Options struct {
	// Budget selects the runs of one budget; "" needs the runs to have a single budget.
	Budget string
	// Seed selects the seed the figure shows for every method; 0 takes each method's lowest.
	Seed int64
	// Methods selects and orders the methods; nil takes every method found, registered
	// methods first in registration order (IWSM, iDEM, ...).
	Methods []string
	// Target is the target of the runs when it is not a built-in one (a notebook's own
	// energy); nil looks the runs' target up by name.
	Target *target.Target
	// Caption and Label of the table; "" gives a caption that names the budget, the seeds and
	// the metrics, and the label "tab:TARGET". FigureCaption and FigureLabel likewise
	// ("fig:TARGET").
	Caption, Label, FigureCaption, FigureLabel string
}

// Run is one run the figure shows: its record and its generated samples (target
// coordinates, with energies and, for particle systems, distances).
type Run struct {
	Record  rundir.Record
	Samples evaluate.SampleSet
}

// Export is what is exported for one target: the figure's runs, the reference they are
// compared with, and the table over all seeds.
type Export struct {
	Target *target.Target
	Budget string
	// Runs are the figure's runs, one per method, in Methods order.
	Runs []Run
	// Reference is the reference the first run's metrics used (reference.npy).
	Reference evaluate.SampleSet
	// Table averages every selected run over its seeds, one row per method.
	Table report.Table
	// Seeds is the number of runs of each method the table averages.
	Seeds map[string]int

	opt Options
}

// DisplayName is how papers write a method: IWSM, iDEM; other methods keep their name.
func DisplayName(m string) string {
	switch m {
	case method.IWSM.Name:
		return "IWSM"
	case method.IDEM.Name:
		return "iDEM"
	case method.IDEMLevels.Name:
		return "iDEM (IWSM's levels)"
	}
	return m
}

// Prepare finds the runs in paths (run folders or folders above them, report.FindRuns),
// checks they are of one target and one budget, picks the figure's run of each method and
// reads its samples and the reference, and collects the table. Each kind of bad input (no
// runs, several targets or budgets, a method or seed without a run, a run folder without
// its samples) is an error of one line that says what to do.
func Prepare(backend compute.Backend, paths []string, opt Options) (*Export, error) {
	runs, err := rundir.Find(paths...)
	if err != nil {
		return nil, err
	}
	targets := distinct(runs, func(r rundir.Record) string { return r.Target })
	if len(targets) > 1 {
		return nil, errors.Errorf("the results folders hold runs of several targets (%s): export one target at a time (give its folder, e.g. results/%s)", strings.Join(targets, ", "), targets[0])
	}
	t := opt.Target
	if t == nil {
		if t, err = target.ByName(targets[0]); err != nil {
			return nil, errors.WithMessagef(err, "the runs' target %q is not built in (pass it as Options.Target)", targets[0])
		}
	} else if t.Name != targets[0] {
		return nil, errors.Errorf("the runs are of target %q, not of the given target %q", targets[0], t.Name)
	}
	budgets := distinct(runs, func(r rundir.Record) string { return r.Budget })
	budget := opt.Budget
	switch {
	case budget == "" && len(budgets) > 1:
		return nil, errors.Errorf("the runs of %s are at several budgets (%s): choose one (-budget)", t.Name, strings.Join(budgets, ", "))
	case budget == "":
		budget = budgets[0]
	case !slices.Contains(budgets, budget):
		return nil, errors.Errorf("no run of %s at budget %q (the runs found are at %s)", t.Name, budget, strings.Join(budgets, ", "))
	}
	runs = slices.DeleteFunc(runs, func(r rundir.Record) bool { return r.Budget != budget })
	found := distinct(runs, func(r rundir.Record) string { return r.Method })
	methods := opt.Methods
	if methods == nil {
		methods = orderMethods(found)
	}
	if len(methods) == 0 {
		return nil, errors.New("no methods to export")
	}
	e := &Export{Target: t, Budget: budget, Seeds: map[string]int{}, opt: opt}
	var selected []rundir.Record
	for _, m := range methods {
		var mine []rundir.Record
		for _, r := range runs {
			if r.Method == m {
				mine = append(mine, r)
			}
		}
		if len(mine) == 0 {
			return nil, errors.Errorf("no run of method %q for %s at budget %s (found: %s)", m, t.Name, budget, strings.Join(found, ", "))
		}
		selected = append(selected, mine...)
		e.Seeds[m] = len(mine)
		fig, err := pick(mine, opt.Seed)
		if err != nil {
			return nil, errors.WithMessagef(err, "%s %s at budget %s", t.Name, m, budget)
		}
		run, err := readSamples(t, fig)
		if err != nil {
			return nil, err
		}
		e.Runs = append(e.Runs, run)
	}
	refRows, ok, err := rundir.ReadReference(e.Runs[0].Record.Dir)
	if err == nil && !ok {
		err = errors.New("no reference.npy")
	}
	if err != nil {
		return nil, errors.WithMessagef(err, "%s has no reference samples to compare with", e.Runs[0].Record.Dir)
	}
	if e.Reference, err = evaluate.NewSampleSet(backend, t, t.FromTargetCoords(refRows)); err != nil {
		return nil, errors.WithMessagef(err, "reference samples of %s", e.Runs[0].Record.Dir)
	}
	e.Reference.Rows = refRows // as stored, not rounded through the sampler's coordinates
	e.Table = report.Collect(selected, tableMetrics(t))
	order := map[string]int{}
	for i, m := range methods {
		order[m] = i
	}
	sort.SliceStable(e.Table.Rows, func(i, j int) bool { return order[e.Table.Rows[i].Method] < order[e.Table.Rows[j].Method] })
	return e, nil
}

// distinct returns the sorted distinct values of key over runs.
func distinct(runs []rundir.Record, key func(rundir.Record) string) []string {
	var out []string
	for _, r := range runs {
		if k := key(r); !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// orderMethods puts registered samplers first, in registration order, then the others as
// found (sorted).
func orderMethods(found []string) []string { return report.KnownFirst(experiment.Names(), found) }

// pick returns the run of the seed (0: the lowest seed), preferring a run with the budget's
// default settings over one with overrides.
func pick(runs []rundir.Record, seed int64) (rundir.Record, error) {
	best := -1
	var seeds []string
	for i, r := range runs {
		seeds = append(seeds, fmt.Sprint(r.Seed))
		if seed != 0 && r.Seed != seed {
			continue
		}
		if best < 0 || r.Seed < runs[best].Seed || (r.Seed == runs[best].Seed && len(r.Overrides) < len(runs[best].Overrides)) {
			best = i
		}
	}
	if best < 0 {
		return rundir.Record{}, errors.Errorf("no run with seed %d (seeds found: %s)", seed, strings.Join(seeds, ", "))
	}
	return runs[best], nil
}

// readSamples reads a run's samples.npy and energies.npy.
func readSamples(t *target.Target, r rundir.Record) (Run, error) {
	rows, energies, err := rundir.ReadSamples(r.Dir)
	if err != nil {
		return Run{}, errors.WithMessagef(err, "%s has no samples", r.Dir)
	}
	if len(rows) == 0 {
		return Run{}, errors.Errorf("%s holds no samples", r.Dir)
	}
	if err := t.CheckRows(t.FromTargetCoords(rows)); err != nil {
		return Run{}, errors.WithMessagef(err, "%s/samples.npy", r.Dir)
	}
	s := evaluate.SampleSet{Sampler: t.FromTargetCoords(rows), Rows: rows, Energies: energies}
	if t.IsParticleSystem() {
		s.Distances = evaluate.Distances(t, rows)
	}
	return Run{Record: r, Samples: s}, nil
}

// tableMetrics are the metrics of the target's table: every registered metric that applies
// to it, except the sample count and the number of modes (which the caption states).
func tableMetrics(t *target.Target) []string {
	var out []string
	for _, m := range evaluate.Registered() {
		if m.Name == evaluate.Count.Name || m.Name == evaluate.Modes.Name || (m.Applies != nil && !m.Applies(t)) {
			continue
		}
		out = append(out, m.Name)
	}
	return out
}

// FontSize is the size of the figures' titles (labels 8 pt, ticks and legend 7 pt).
const FontSize = 9

// Figure draws the multi-panel figure at width w (plot.ColumnWidth, plot.TwoColumnWidth, or
// any other): for a 2-D target one panel of samples over the contours per method (same
// axes), then the energy histograms; for a particle system the energy and the
// interatomic-distance histograms; every histogram panel shows all methods over the
// reference. Narrow figures (under 5 in) put the sample panels in a row above the
// histograms; wide ones put every panel in one row.
func (e *Export) Figure(backend compute.Backend, w vg.Length) (plot.Panels, error) {
	t := e.Target
	letter := 'a'
	title := func(s string) string {
		defer func() { letter++ }()
		return fmt.Sprintf("(%c) %s", letter, s)
	}
	var samples, hists []*gplot.Plot
	if t.Plots2D() {
		half := t.PlotHalfWidth
		if !(half > 0) {
			half = 1.1 * plot.MaxAbs(e.Reference.Rows)
		}
		for i, r := range e.Runs {
			c, err := plot.EnergyContours(backend, t, -half, half, 150, plot.GreyPalette(5))
			if err != nil {
				return plot.Panels{}, err
			}
			c.LineStyles = []draw.LineStyle{{Width: vg.Points(0.5)}}
			p := gplot.New()
			p.Title.Text = title(DisplayName(r.Record.Method))
			// ASCII: the PDF's embedded fonts have no subscript digits.
			p.X.Label.Text, p.Y.Label.Text = "x1", "x2"
			p.Add(c)
			p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = -half, half, -half, half
			if err := plot.ScatterSamples(p, r.Samples.Rows, i, vg.Points(0.7)); err != nil {
				return plot.Panels{}, errors.WithMessagef(err, "samples of %s", r.Record.Dir)
			}
			samples = append(samples, p)
		}
	}
	energy := make([]plot.HistogramSet, len(e.Runs))
	for i, r := range e.Runs {
		energy[i] = plot.HistogramSet{Label: DisplayName(r.Record.Method), Values: r.Samples.Energies}
	}
	p, err := plot.CompareHistograms(title("energy"), "energy E(x)", 50, e.Reference.Energies, energy...)
	if err != nil {
		return plot.Panels{}, errors.WithMessage(err, "energy histograms")
	}
	hists = append(hists, p)
	if t.IsParticleSystem() {
		dist := make([]plot.HistogramSet, len(e.Runs))
		for i, r := range e.Runs {
			dist[i] = plot.HistogramSet{Label: DisplayName(r.Record.Method), Values: r.Samples.Distances}
		}
		p, err := plot.CompareHistograms(title("interatomic distances"), "distance r", 50, e.Reference.Distances, dist...)
		if err != nil {
			return plot.Panels{}, errors.WithMessage(err, "distance histograms")
		}
		hists = append(hists, p)
	}
	for _, p := range append(slices.Clone(samples), hists...) {
		plot.PaperStyle(p, FontSize)
	}
	if w >= 5*vg.Inch {
		all := append(samples, hists...)
		h := 1.0 / float64(len(all)) // square panels
		if len(samples) == 0 {
			h = 0.3
		}
		return plot.Panels{Rows: []plot.PanelRow{{Plots: all, Height: h}}}, nil
	}
	var rows []plot.PanelRow
	if len(samples) > 0 {
		rows = append(rows, plot.PanelRow{Plots: samples, Height: 1.0 / float64(len(samples))})
	}
	for _, p := range hists {
		rows = append(rows, plot.PanelRow{Plots: []*gplot.Plot{p}, Height: 0.55})
	}
	return plot.Panels{Rows: rows}, nil
}

// seedsText is "3 seeds" when every method has as many runs, else "1–3 seeds".
func (e *Export) seedsText() string {
	lo, hi := 0, 0
	for _, n := range e.Seeds {
		if lo == 0 || n < lo {
			lo = n
		}
		hi = max(hi, n)
	}
	if lo == hi {
		return fmt.Sprintf("%d seed%s", lo, plural(lo))
	}
	return fmt.Sprintf("%d–%d seeds", lo, hi)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func (e *Export) methodsText() string {
	var names []string
	for _, r := range e.Runs {
		names = append(names, DisplayName(r.Record.Method))
	}
	if len(names) <= 2 {
		return strings.Join(names, " and ")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// Caption is the table's caption: the option's, or one naming the target, the methods, the
// budget, the seeds, the sample counts and every metric column.
func (e *Export) Caption() string {
	if e.opt.Caption != "" {
		return e.opt.Caption
	}
	n := e.Runs[0].Samples.Len()
	if v, ok := e.Runs[0].Record.Metrics.Get(evaluate.Count.Name); ok {
		n = int(v)
	}
	over := "mean ± standard deviation over " + e.seedsText()
	if e.seedsText() == "1 seed" {
		over = "one seed per method (no standard deviation)"
	}
	s := fmt.Sprintf("%s: %s at the %s budget, %s (%d generated against %d reference samples per run).",
		e.Target.Name, e.methodsText(), e.Budget, over, n, n)
	for _, m := range evaluate.Registered() {
		if slices.Contains(e.Table.Metrics, m.Name) {
			desc := m.Description
			if m.Name == evaluate.ModesCovered.Name && e.Target.Mixture != nil {
				desc += fmt.Sprintf(" (of %d)", len(e.Target.Mixture.Means))
			}
			s += fmt.Sprintf(" %s: %s.", m.ShortName, desc)
		}
	}
	return s
}

// FigureCaption is the figure's caption: the option's, or one saying what each panel shows.
func (e *Export) FigureCaption() string {
	if e.opt.FigureCaption != "" {
		return e.opt.FigureCaption
	}
	r := e.Runs[0]
	seeds := map[int64]bool{}
	for _, r := range e.Runs {
		seeds[r.Record.Seed] = true
	}
	seed := fmt.Sprintf("seed %d", r.Record.Seed)
	if len(seeds) > 1 {
		seed = "the first seed of each method"
	}
	s := fmt.Sprintf("%s, %s at the %s budget (%s, %d samples each).", e.Target.Name, e.methodsText(), e.Budget, seed, r.Samples.Len())
	if e.Target.Plots2D() {
		s += " Samples of each method over the contours of the target's log density (grey), on the same axes;"
		s += " energy histograms of the samples against the reference (filled grey)."
	} else {
		s += " Histograms of the energies and of the interatomic distances of the samples against the reference (filled grey)."
	}
	return s + " Samples outside the reference's range are not drawn; the legend gives their share."
}

// Label is the table's \label, FigureLabel the figure's.
func (e *Export) Label() string { return orDefault(e.opt.Label, "tab:"+e.Target.Name) }

// FigureLabel is the figure's \label ("fig:TARGET" by default).
func (e *Export) FigureLabel() string { return orDefault(e.opt.FigureLabel, "fig:"+e.Target.Name) }

func orDefault(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

// LaTeX is the table as a booktabs table environment with its caption and label, one row
// per method, the metrics' short names as headers.
func (e *Export) LaTeX() string {
	return e.Table.LaTeXTable(report.LaTeXOptions{Caption: e.Caption(), Label: e.Label(), ShortNames: true, OmitTarget: true,
		RowLabel: func(r report.Row) string {
			s := DisplayName(r.Method)
			if r.Overrides != "" {
				s += " (" + r.Overrides + ")"
			}
			if len(e.Seeds) > 0 && e.seedsText() != fmt.Sprintf("%d seed%s", r.Seeds, plural(r.Seeds)) {
				s += fmt.Sprintf(" (%d seed%s)", r.Seeds, plural(r.Seeds))
			}
			return s
		}})
}

// FigureLaTeX is a figure environment that includes the one-column PDF, with its caption and
// label; the two-column variant (figure*, \textwidth) is given in a comment.
func (e *Export) FigureLaTeX() string {
	cap := strings.NewReplacer("_", `\_`, "%", `\%`, "&", `\&`, "#", `\#`, "±", `$\pm$`).Replace(e.FigureCaption())
	name := e.Target.Name + "-figure"
	return fmt.Sprintf(`%% Needs \usepackage{graphicx}. Two-column variant: \begin{figure*}[t] ... \includegraphics[width=\textwidth]{%[1]s-2col.pdf} ... \end{figure*}
\begin{figure}[t]
\centering
\includegraphics[width=\columnwidth]{%[1]s-1col.pdf}
\caption{%[2]s}
\label{%[3]s}
\end{figure}
`, name, cap, e.FigureLabel())
}

// Files lists the files Write writes for target name, in order.
func Files(name string) []string {
	var out []string
	for _, w := range []string{"1col", "2col"} {
		for _, ext := range []string{"pdf", "svg", "png"} {
			out = append(out, fmt.Sprintf("%s-figure-%s.%s", name, w, ext))
		}
	}
	return append(out, name+"-table.tex", name+"-figure.tex")
}

// WriteTo writes the figure at one- and two-column widths (PDF, SVG, and a PNG preview), the
// table and the figure environment into dir (created if needed) and returns the paths.
func (e *Export) WriteTo(backend compute.Backend, dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, errors.Wrapf(err, "creating %s", dir)
	}
	name := e.Target.Name
	var paths []string
	for _, fw := range []struct {
		tag string
		w   vg.Length
	}{{"1col", plot.ColumnWidth}, {"2col", plot.TwoColumnWidth}} {
		fig, err := e.Figure(backend, fw.w)
		if err != nil {
			return nil, err
		}
		var these []string
		for _, ext := range []string{"pdf", "svg", "png"} {
			these = append(these, filepath.Join(dir, fmt.Sprintf("%s-figure-%s.%s", name, fw.tag, ext)))
		}
		if err := fig.Save(fw.w, these...); err != nil {
			return nil, err
		}
		paths = append(paths, these...)
	}
	for _, f := range []struct{ file, body string }{{name + "-table.tex", e.LaTeX()}, {name + "-figure.tex", e.FigureLaTeX()}} {
		path := filepath.Join(dir, f.file)
		if err := npyfile.WriteFileAtomic(path, []byte(f.body)); err != nil {
			return nil, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// Write is the one call of the export: Prepare the runs in paths, then WriteTo dir.
func Write(backend compute.Backend, dir string, paths []string, opt Options) (*Export, []string, error) {
	e, err := Prepare(backend, paths, opt)
	if err != nil {
		return nil, nil, err
	}
	written, err := e.WriteTo(backend, dir)
	return e, written, err
}
