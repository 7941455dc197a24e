package report

import (
	"encoding/base64"
	"fmt"
	"html"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/pkg/errors"

	"github.com/iwsm-go/iwsm/iwsm/evaluate"
	"github.com/iwsm-go/iwsm/iwsm/npyfile"
	"github.com/iwsm-go/iwsm/iwsm/rundir"
)

// IndexOptions are the optional parts of the results page.
type IndexOptions struct {
	// Title heads the page.
	Title string
	// Notebooks are executed notebooks to link to (paths; linked relative to the page).
	Notebooks []string
	// Now is the time printed as "written"; zero means time.Now().
	Now time.Time
}

// WriteIndex writes one self-contained HTML page (no script, no stylesheet or font from
// elsewhere; the figures' PNGs embedded as data URIs) of runs: per target and budget the
// metrics table (mean ± std over seeds) and every run's figures, so that a newcomer sees
// what a `make run` produced in one file. It returns the number of targets.
func WriteIndex(out string, runs []rundir.Record, o IndexOptions) (int, error) {
	if len(runs) == 0 {
		return 0, errors.New("no finished runs to index")
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	title := orDefaultText(o.Title, "IWSM results")
	var b strings.Builder
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>%s</title>\n<style>%s</style></head><body>\n",
		html.EscapeString(title), indexCSS)
	fmt.Fprintf(&b, "<h1>%s</h1>\n<p class=\"meta\">%d finished runs, written %s. Each table: mean ± standard deviation over seeds, per method and budget.</p>\n",
		html.EscapeString(title), len(runs), o.Now.Format("2006-01-02 15:04"))
	if len(o.Notebooks) > 0 {
		b.WriteString("<h2>Executed notebooks</h2>\n<ul>\n")
		base := filepath.Dir(out)
		for _, nb := range o.Notebooks {
			rel, err := filepath.Rel(base, nb)
			if err != nil {
				rel = nb
			}
			fmt.Fprintf(&b, "<li><a href=\"%s\">%s</a></li>\n", html.EscapeString(filepath.ToSlash(rel)), html.EscapeString(filepath.Base(nb)))
		}
		b.WriteString("</ul>\n")
	}
	byTarget := map[string][]rundir.Record{}
	var targets []string
	for _, r := range runs {
		if _, ok := byTarget[r.Target]; !ok {
			targets = append(targets, r.Target)
		}
		byTarget[r.Target] = append(byTarget[r.Target], r)
	}
	sort.Strings(targets)
	b.WriteString("<nav>Targets: ")
	for i, t := range targets {
		if i > 0 {
			b.WriteString(" · ")
		}
		fmt.Fprintf(&b, "<a href=\"#%s\">%s</a>", html.EscapeString(t), html.EscapeString(t))
	}
	b.WriteString("</nav>\n")
	for _, t := range targets {
		rs := byTarget[t]
		fmt.Fprintf(&b, "<section id=\"%s\"><h2>%s</h2>\n", html.EscapeString(t), html.EscapeString(t))
		b.WriteString(htmlTable(Collect(rs, metricOrder(rs))))
		sort.SliceStable(rs, func(i, j int) bool {
			if rs[i].Budget != rs[j].Budget {
				return rs[i].Budget < rs[j].Budget
			}
			if rs[i].Method != rs[j].Method {
				return rs[i].Method < rs[j].Method
			}
			return rs[i].Seed < rs[j].Seed
		})
		for _, r := range rs {
			if err := writeRunFigures(&b, r, filepath.Dir(out)); err != nil {
				return 0, err
			}
		}
		b.WriteString("</section>\n")
	}
	b.WriteString("</body></html>\n")
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return 0, errors.Wrapf(err, "creating the folder of %s", out)
	}
	return len(targets), npyfile.WriteFileAtomic(out, []byte(b.String()))
}

const indexCSS = `body{font-family:system-ui,sans-serif;max-width:1200px;margin:1em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1em}td,th{border-bottom:1px solid #ccc;padding:.25em .7em;text-align:right}
td:first-child,th:first-child{text-align:left}h3{margin-bottom:.2em}.meta{color:#666;font-size:90%}
figure{display:inline-block;margin:.3em;text-align:center;font-size:85%;color:#555}figure img{width:320px;display:block}`

func orDefaultText(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

// metricOrder lists the metrics the runs have, registered ones in registry order first.
func metricOrder(runs []rundir.Record) []string {
	var found []string
	for _, r := range runs {
		for _, m := range r.Metrics {
			if !slices.Contains(found, m.Name) {
				found = append(found, m.Name)
			}
		}
	}
	var registered []string
	for _, m := range evaluate.Registered() {
		registered = append(registered, m.Name)
	}
	return KnownFirst(registered, found)
}

// KnownFirst orders found names: those in known first, in known's order (a registry's), then
// the others in the order found. Tables and figures list metrics and methods this way.
func KnownFirst(known, found []string) []string {
	var out []string
	for _, k := range known {
		if slices.Contains(found, k) {
			out = append(out, k)
		}
	}
	for _, f := range found {
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// htmlTable renders t as an HTML table with the metrics' short names as headers.
func htmlTable(t Table) string {
	short := map[string]string{}
	for _, m := range evaluate.Registered() {
		short[m.Name] = m.ShortName
	}
	var b strings.Builder
	b.WriteString("<table><tr><th>method (budget, seeds)</th>")
	for _, m := range t.Metrics {
		name := m
		if s := short[m]; s != "" {
			name = s
		}
		fmt.Fprintf(&b, "<th title=\"%s\">%s</th>", html.EscapeString(m), html.EscapeString(name))
	}
	b.WriteString("</tr>\n")
	for _, r := range t.Rows {
		fmt.Fprintf(&b, "<tr><td>%s</td>", html.EscapeString(r.label()))
		for _, m := range t.Metrics {
			cell := r.cell(m)
			if v, ok := r.Mean[m]; ok && r.Std[m] == 0 && v == math.Trunc(v) && math.Abs(v) < 1e9 {
				cell = fmt.Sprintf("%.0f", v) // counts: 1000, not 1e+03
			}
			fmt.Fprintf(&b, "<td>%s</td>", html.EscapeString(cell))
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</table>\n")
	return b.String()
}

// writeRunFigures writes a run's heading and its PNG figures, embedded.
func writeRunFigures(b *strings.Builder, r rundir.Record, base string) error {
	rel, err := filepath.Rel(base, r.Dir)
	if err != nil {
		rel = r.Dir
	}
	label := fmt.Sprintf("%s, %s budget, seed %d", r.Method, r.Budget, r.Seed)
	if len(r.Overrides) > 0 {
		label += ", " + strings.Join(r.Overrides, ", ")
	}
	fmt.Fprintf(b, "<h3>%s</h3>\n<p class=\"meta\">%s; %.0f s training", html.EscapeString(label), html.EscapeString(filepath.ToSlash(rel)), r.TrainSeconds)
	if r.Backend != "" {
		fmt.Fprintf(b, " on %s", html.EscapeString(r.Backend))
	}
	b.WriteString("</p>\n")
	var pngs []string
	for _, f := range r.Files["figures"] {
		if strings.HasSuffix(f, ".png") {
			pngs = append(pngs, f)
		}
	}
	for _, f := range pngs {
		raw, err := os.ReadFile(filepath.Join(r.Dir, "figures", f))
		if err != nil {
			return errors.Wrapf(err, "figure of run %s", r.Dir)
		}
		fmt.Fprintf(b, "<figure><img alt=\"%[1]s\" src=\"data:image/png;base64,%[2]s\"><figcaption>%[1]s</figcaption></figure>\n",
			html.EscapeString(strings.TrimSuffix(f, ".png")), base64.StdEncoding.EncodeToString(raw))
	}
	return nil
}
