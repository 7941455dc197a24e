package paper

import (
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gomlx/compute"

	"github.com/iwsm-go/iwsm/iwsm/evaluate"
	"github.com/iwsm-go/iwsm/iwsm/npyfile"
	"github.com/iwsm-go/iwsm/iwsm/plot"
	"github.com/iwsm-go/iwsm/iwsm/rundir"
	"github.com/iwsm-go/iwsm/iwsm/target"
	"github.com/iwsm-go/iwsm/xla/xlatest"
)

// writeRun writes a results folder as experiment.Run lays it out: samples (sampler rows,
// stored in target coordinates), their energies, the reference and a metrics.json whose
// x_w2 is given (so that the table's mean and std can be checked by hand).
func writeRun(t *testing.T, b compute.Backend, dir string, tg *target.Target, method, budget string, seed int64, gen, ref [][]float64, xw2 float64) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	e, err := target.Energies(b, tg, gen)
	if err != nil {
		t.Fatal(err)
	}
	must(t, npyfile.Write(filepath.Join(dir, "samples.npy"), tg.ToTargetCoords(gen)))
	must(t, npyfile.WriteVector(filepath.Join(dir, "energies.npy"), e))
	must(t, npyfile.Write(filepath.Join(dir, "reference.npy"), tg.ToTargetCoords(ref)))
	rec := rundir.Record{Target: tg.Name, Method: method, Budget: budget, Seed: seed,
		Metrics: evaluate.Metrics{{Name: "n", Value: float64(len(gen))}, {Name: "x_w2", Value: xw2}, {Name: "modes_covered", Value: 40}}}
	raw, err := json.Marshal(rec)
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, "metrics.json"), raw, 0o644))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// gmmRuns writes IWSM and iDEM runs of GMM-40 at budget cpu with seeds 1 and 2 under root:
// IWSM's samples are exact mixture draws, iDEM's the same draws pulled halfway to the origin.
func gmmRuns(t *testing.T, b compute.Backend, root string) *target.Target {
	tg, err := target.GMM40()
	must(t, err)
	ref, err := evaluate.Reference(tg, 400, 1)
	must(t, err)
	for _, seed := range []int64{1, 2} {
		exact, err := tg.Reference(400, rand.New(rand.NewPCG(uint64(seed), 7)))
		must(t, err)
		shrunk := make([][]float64, len(exact))
		for i, r := range exact {
			shrunk[i] = []float64{r[0] / 2, r[1] / 2}
		}
		writeRun(t, b, filepath.Join(root, "gmm40", "cpu", fmt.Sprintf("iwsm-seed%d", seed)), tg, "iwsm", "cpu", seed, exact, ref, float64(2*seed))
		writeRun(t, b, filepath.Join(root, "gmm40", "cpu", fmt.Sprintf("idem-seed%d", seed)), tg, "idem", "cpu", seed, shrunk, ref, 7)
	}
	return tg
}

// The export of two methods × two seeds writes every file, a table with one row per method
// holding the mean ± std over the seeds, and figures whose panels are all drawn.
func TestExportGMM40(t *testing.T) {
	b := xlatest.Backend(t)
	root, out := t.TempDir(), t.TempDir()
	gmmRuns(t, b, root)
	e, written, err := Write(b, out, []string{filepath.Join(root, "gmm40")}, Options{})
	must(t, err)
	var names []string
	for _, p := range written {
		names = append(names, filepath.Base(p))
		if st, err := os.Stat(p); err != nil || st.Size() < 200 {
			t.Errorf("%s missing or nearly empty: %v", p, err)
		}
	}
	if strings.Join(names, " ") != strings.Join(Files("gmm40"), " ") {
		t.Errorf("wrote %v, want %v", names, Files("gmm40"))
	}
	if len(e.Runs) != 2 || e.Runs[0].Record.Method != "iwsm" || e.Runs[0].Record.Seed != 1 || e.Runs[1].Record.Method != "idem" {
		t.Fatalf("figure runs %+v, want iwsm then idem, seed 1", e.Runs)
	}

	tex, err := os.ReadFile(filepath.Join(out, "gmm40-table.tex"))
	must(t, err)
	checkTableStructure(t, string(tex), []string{"IWSM", "iDEM"})
	// x_w2 of IWSM: seeds give 2 and 4, mean 3, sample std √2 = 1.41 (two digits: 1.4).
	if !strings.Contains(string(tex), `IWSM & $3 \pm 1.4$`) || !strings.Contains(string(tex), `iDEM & $7$`) {
		t.Errorf("table rows do not hold the mean ± std over seeds:\n%s", tex)
	}
	if !strings.Contains(string(tex), "2 seeds") || !strings.Contains(string(tex), "x-W2") {
		t.Errorf("caption or headers lack the seed count or the short metric names:\n%s", tex)
	}
	compileLaTeX(t, out, "gmm40")

	// One column: IWSM's and iDEM's samples side by side above the energy histograms.
	img := renderPDF(t, filepath.Join(out, "gmm40-figure-1col.pdf"), 100)
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	if w < 328 || w > 332 {
		t.Errorf("one-column figure is %d px wide at 100 dpi, want 330 (3.3 in)", w)
	}
	top := w / 2 // the sample row is square panels: half the width high
	orange, blue, grey := plot.MethodColor(0), plot.MethodColor(1), plot.ReferenceColor
	left, right, bottom := image.Rect(0, 0, w/2, top), image.Rect(w/2, 0, w, top), image.Rect(0, top, w, h)
	for _, c := range []struct {
		name   string
		region image.Rectangle
		col    any
		least  int
	}{
		{"IWSM's samples (left panel)", left, orange, 30},
		{"iDEM's samples (right panel)", right, blue, 30},
		{"IWSM's energy histogram", bottom, orange, 30},
		{"iDEM's energy histogram", bottom, blue, 30},
		{"the reference's energy histogram", bottom, grey, 300},
	} {
		if n := countNear(img, c.region, c.col); n < c.least {
			t.Errorf("%s: %d pixels of its colour, want at least %d: the panel is blank", c.name, n, c.least)
		}
	}
	if n := countNear(img, right, orange); n > 5 {
		t.Errorf("%d of IWSM's orange pixels in iDEM's panel", n)
	}
	for name, r := range map[string]image.Rectangle{"left": left, "right": right, "bottom": bottom} {
		if f := inked(img, r); f < 0.03 {
			t.Errorf("%s panel: only %.1f %% of its pixels are not white", name, 100*f)
		}
	}

	// Two columns: one row of three panels, 6.9 in wide.
	img = renderPDF(t, filepath.Join(out, "gmm40-figure-2col.pdf"), 100)
	w, h = img.Bounds().Dx(), img.Bounds().Dy()
	if w < 688 || w > 692 || h < 225 || h > 235 {
		t.Errorf("two-column figure is %d×%d px at 100 dpi, want 690×230", w, h)
	}
	for i, col := range []any{orange, blue, grey} {
		r := image.Rect(i*w/3, 0, (i+1)*w/3, h)
		if n := countNear(img, r, col); n < 30 {
			t.Errorf("panel %d of the two-column figure: %d pixels of its colour, want at least 30", i+1, n)
		}
	}
	svg, err := os.ReadFile(filepath.Join(out, "gmm40-figure-2col.svg"))
	must(t, err)
	if !strings.HasPrefix(strings.TrimSpace(string(svg)), "<?xml") || !strings.Contains(string(svg), "<svg") {
		t.Errorf("gmm40-figure-2col.svg is not an SVG document")
	}
}

// A particle system's figure has the energy and the interatomic-distance histograms.
func TestExportDW4HasDistanceHistograms(t *testing.T) {
	b := xlatest.Backend(t)
	root, out := t.TempDir(), t.TempDir()
	tg := target.DW4()
	all, err := tg.ReferenceSet()
	must(t, err)
	writeRun(t, b, filepath.Join(root, "iwsm-seed1"), tg, "iwsm", "smoke", 1, all[:300], all[300:600], 0.5)
	writeRun(t, b, filepath.Join(root, "idem-seed1"), tg, "idem", "smoke", 1, all[600:900], all[300:600], 0.6)
	e, err := Prepare(b, []string{root}, Options{})
	must(t, err)
	one, err := e.Figure(b, plot.ColumnWidth)
	must(t, err)
	two, err := e.Figure(b, plot.TwoColumnWidth)
	must(t, err)
	if len(one.Rows) != 2 || len(two.Rows) != 1 || len(two.Rows[0].Plots) != 2 {
		t.Fatalf("DW-4 figure: %d rows at one column, %d at two (want 2 and 1 of 2 panels)", len(one.Rows), len(two.Rows))
	}
	if got := two.Rows[0].Plots[1].Title.Text; !strings.Contains(got, "interatomic distances") {
		t.Errorf("second panel is %q, want the interatomic distances", got)
	}
	if _, err := e.WriteTo(b, out); err != nil {
		t.Fatal(err)
	}
	img := renderPDF(t, filepath.Join(out, "dw4-figure-2col.pdf"), 100)
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	for i, name := range []string{"energy", "distance"} {
		r := image.Rect(i*w/2, 0, (i+1)*w/2, h)
		for _, col := range []any{plot.MethodColor(0), plot.MethodColor(1)} {
			if n := countNear(img, r, col); n < 30 {
				t.Errorf("%s panel: %d pixels of a method's colour, want at least 30", name, n)
			}
		}
	}
	tex, err := os.ReadFile(filepath.Join(out, "dw4-table.tex"))
	must(t, err)
	checkTableStructure(t, string(tex), []string{"IWSM", "iDEM"})
}

// Bad input gives one line that names the problem.
func TestExportBadInput(t *testing.T) {
	b := xlatest.Backend(t)
	root := t.TempDir()
	tg := gmmRuns(t, b, root)
	empty := t.TempDir()
	all, err := target.DW4().ReferenceSet()
	must(t, err)
	dw4 := filepath.Join(t.TempDir(), "dw4-run")
	writeRun(t, b, dw4, target.DW4(), "iwsm", "cpu", 1, all[:50], all[50:100], 1)
	smoke := filepath.Join(t.TempDir(), "smoke-run")
	ref, err := evaluate.Reference(tg, 50, 1)
	must(t, err)
	writeRun(t, b, smoke, tg, "iwsm", "smoke", 1, ref, ref, 1)
	gmm := filepath.Join(root, "gmm40")
	for name, c := range map[string]struct {
		paths []string
		opt   Options
		want  string
	}{
		"no runs":        {[]string{empty}, Options{}, "not a results folder"},
		"missing folder": {[]string{filepath.Join(empty, "nope")}, Options{}, "no such file"},
		"mixed targets":  {[]string{gmm, dw4}, Options{}, "several targets (dw4, gmm40)"},
		"mixed budgets":  {[]string{gmm, smoke}, Options{}, "several budgets (cpu, smoke)"},
		"unknown budget": {[]string{gmm}, Options{Budget: "paper"}, `no run of gmm40 at budget "paper"`},
		"missing seed":   {[]string{gmm}, Options{Seed: 9}, "no run with seed 9"},
		"missing method": {[]string{gmm}, Options{Methods: []string{"iwsm", "idem-levels"}}, `no run of method "idem-levels"`},
	} {
		_, err := Prepare(b, c.paths, c.opt)
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, c.want) || strings.Contains(msg, "\n") {
			t.Errorf("%s: error %q, want one line with %q", name, msg, c.want)
		}
	}
	// A chosen seed and method order are followed.
	e, err := Prepare(b, []string{gmm, smoke}, Options{Budget: "cpu", Seed: 2, Methods: []string{"idem", "iwsm"}})
	must(t, err)
	if e.Runs[0].Record.Method != "idem" || e.Runs[0].Record.Seed != 2 || e.Runs[1].Record.Seed != 2 {
		t.Errorf("runs %+v, want idem then iwsm, seed 2", e.Runs)
	}
}

// checkTableStructure checks a paper table's environment, rules and rows.
func checkTableStructure(t *testing.T, tex string, methods []string) {
	t.Helper()
	order := []string{`\begin{table}`, `\caption{`, `\label{tab:`, `\begin{tabular}`, `\toprule`, `\midrule`, `\bottomrule`, `\end{tabular}`, `\end{table}`}
	at := 0
	for _, s := range order {
		i := strings.Index(tex[at:], s)
		if i < 0 {
			t.Fatalf("table lacks %s (in this order: %v):\n%s", s, order, tex)
		}
		at += i
	}
	body := tex[strings.Index(tex, `\midrule`)+len(`\midrule`) : strings.Index(tex, `\bottomrule`)]
	rows := strings.Split(strings.TrimSpace(body), "\n")
	if len(rows) != len(methods) {
		t.Fatalf("table has %d rows, want one per method %v:\n%s", len(rows), methods, body)
	}
	header := tex[strings.Index(tex, `\toprule`):strings.Index(tex, `\midrule`)]
	cols := strings.Count(header, "&")
	for i, r := range rows {
		if !strings.HasPrefix(r, methods[i]+" ") || !strings.HasSuffix(r, `\\`) || strings.Count(r, "&") != cols {
			t.Errorf("row %d %q: want %s first, %d cells as the header, ending in \\\\", i, r, methods[i], cols+1)
		}
	}
}

// compileLaTeX compiles the table and the figure environment in a minimal document when a
// TeX engine is installed (Debian: texlive-latex-recommended, for booktabs).
func compileLaTeX(t *testing.T, dir, name string) {
	t.Helper()
	engine, err := exec.LookPath("pdflatex")
	if err != nil {
		t.Logf("pdflatex not found: the table's structure was checked but it was not compiled (install Debian's texlive-latex-recommended to compile it)")
		return
	}
	doc := `\documentclass[twocolumn]{article}
\usepackage{booktabs}
\usepackage{graphicx}
\begin{document}
\input{` + name + `-table.tex}
\input{` + name + `-figure.tex}
Table~\ref{tab:` + name + `} and Figure~\ref{fig:` + name + `}.
\end{document}
`
	must(t, os.WriteFile(filepath.Join(dir, "doc.tex"), []byte(doc), 0o644))
	for pass := 0; pass < 2; pass++ { // the second pass resolves \ref
		cmd := exec.Command(engine, "-interaction=nonstopmode", "-halt-on-error", "doc.tex")
		cmd.Dir = dir
		if raw, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("pdflatex failed on the exported table and figure: %v\n%s", err, tail(string(raw), 3000))
		}
	}
	log, err := os.ReadFile(filepath.Join(dir, "doc.log"))
	must(t, err)
	for _, bad := range []string{"undefined", "Missing character", "File `"} {
		if strings.Contains(string(log), bad) {
			t.Errorf("pdflatex log has %q:\n%s", bad, tail(string(log), 3000))
		}
	}
	if st, err := os.Stat(filepath.Join(dir, "doc.pdf")); err != nil || st.Size() < 5000 {
		t.Errorf("doc.pdf missing or too small: %v", err)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// renderPDF renders a one-page PDF with pdftoppm (Debian: poppler-utils), skipping the test
// with a message when it is not installed.
func renderPDF(t *testing.T, pdf string, dpi int) image.Image {
	t.Helper()
	tool, err := exec.LookPath("pdftoppm")
	if err != nil {
		t.Skip("pdftoppm not found: install Debian's poppler-utils to render the exported PDF figures")
	}
	prefix := filepath.Join(t.TempDir(), "page")
	if raw, err := exec.Command(tool, "-png", "-singlefile", "-r", strconv.Itoa(dpi), pdf, prefix).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm %s: %v\n%s", pdf, err, raw)
	}
	f, err := os.Open(prefix + ".png")
	must(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	must(t, err)
	return img
}

// countNear counts the pixels of r drawn in colour c at any opacity over white: those whose
// difference from white points the way c's does (cosine ≥ 0.97) and is not faint (≥ 25
// per channel at its strongest). Antialiased and translucent dots count; other colours and
// greys do not (grey has the direction (1, 1, 1)).
func countNear(img image.Image, r image.Rectangle, c any) int {
	type rgba interface{ RGBA() (r, g, b, a uint32) }
	cr, cg, cb, _ := c.(rgba).RGBA()
	want := [3]float64{255 - float64(cr>>8), 255 - float64(cg>>8), 255 - float64(cb>>8)}
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			pr, pg, pb, _ := img.At(x, y).RGBA()
			got := [3]float64{255 - float64(pr>>8), 255 - float64(pg>>8), 255 - float64(pb>>8)}
			if max(got[0], got[1], got[2]) >= 25 && cosine(got, want) >= 0.97 {
				n++
			}
		}
	}
	return n
}

func cosine(a, b [3]float64) float64 {
	dot, na, nb := 0.0, 0.0, 0.0
	for i := range a {
		dot, na, nb = dot+a[i]*b[i], na+a[i]*a[i], nb+b[i]*b[i]
	}
	return dot / math.Sqrt(na*nb)
}

// inked is the fraction of r's pixels that are not (nearly) white.
func inked(img image.Image, r image.Rectangle) float64 {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			pr, pg, pb, _ := img.At(x, y).RGBA()
			if pr>>8 < 235 || pg>>8 < 235 || pb>>8 < 235 {
				n++
			}
		}
	}
	return float64(n) / float64(r.Dx()*r.Dy())
}
