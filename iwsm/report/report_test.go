package report

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iwsm-go/iwsm/iwsm/rundir"
)

func writeRun(t *testing.T, dir, body string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "metrics.json"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCollectAveragesSeeds(t *testing.T) {
	root := t.TempDir()
	writeRun(t, filepath.Join(root, "a"), `{"target":"gmm40","method":"iwsm","budget":"cpu","seed":1,"metrics":{"x_w2":2,"e_w2":10}}`)
	writeRun(t, filepath.Join(root, "b"), `{"target":"gmm40","method":"iwsm","budget":"cpu","seed":2,"metrics":{"x_w2":4,"e_w2":20}}`)
	writeRun(t, filepath.Join(root, "c"), `{"target":"gmm40","method":"idem","budget":"cpu","seed":1,"metrics":{"x_w2":7}}`)
	writeRun(t, filepath.Join(root, "d"), `{"target":"gmm40","method":"idem","budget":"cpu","seed":1,"overrides":["epochs=180","k=500"],"metrics":{"x_w2":5}}`)
	var runs []rundir.Record
	for _, d := range []string{"a", "b", "c", "d"} {
		r, err := rundir.ReadRecord(filepath.Join(root, d))
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, r)
	}
	tab := Collect(runs, []string{"x_w2", "e_w2"})
	if len(tab.Rows) != 3 || tab.Rows[2].Method != "iwsm" || tab.Rows[2].Seeds != 2 || tab.Rows[1].Overrides != "epochs=180, k=500" {
		t.Fatalf("rows %+v", tab.Rows)
	}
	iw := tab.Rows[2]
	if iw.Mean["x_w2"] != 3 || math.Abs(iw.Std["x_w2"]-math.Sqrt2) > 1e-12 {
		t.Errorf("x_w2 mean %v std %v, want 3 and √2", iw.Mean["x_w2"], iw.Std["x_w2"])
	}
	tab.AddQuoted("gmm40", "iDEM", "iDEM paper, Table 1", map[string]float64{"x_w2": 7.4}, map[string]float64{"x_w2": 0.3})
	md := tab.Markdown()
	for _, want := range []string{"| gmm40 | iwsm (cpu, 2 seeds) | 3 ± 1.4 | 15 ± 7.1 |", "| gmm40 | idem (cpu, 1 seed) | 7 | – |", "| gmm40 | idem (cpu, epochs=180, k=500, 1 seed) | 5 | – |", "iDEM (quoted: iDEM paper, Table 1) | 7.4 ± 0.3"} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	if csv := tab.CSV(); !strings.Contains(csv, "gmm40,iwsm,cpu,\"\",2,\"\",3,1.4142135623730951,15,") {
		t.Errorf("CSV:\n%s", csv)
	}
	tex := tab.LaTeX("GMM-40 at the cpu budget")
	for _, want := range []string{`\toprule`, `x\_w2`, `$3 \pm 1.4$`, `\textit{iDEM (quoted: iDEM paper, Table 1)}`, `\bottomrule`} {
		if !strings.Contains(tex, want) {
			t.Errorf("LaTeX lacks %q:\n%s", want, tex)
		}
	}
	if _, err := rundir.ReadRecord(filepath.Join(root, "missing")); err == nil {
		t.Error("missing folder: no error")
	}
}

// WriteFiles creates the folder and writes the three renderings, each equal to its method.
func TestWriteFiles(t *testing.T) {
	tab := Table{Metrics: []string{"x_w2"}, Rows: []Row{{Target: "dw4", Method: "iwsm", Budget: "cpu", Seeds: 1,
		Mean: map[string]float64{"x_w2": 1.5}, Std: map[string]float64{}}}}
	dir := filepath.Join(t.TempDir(), "new", "tables")
	if err := tab.WriteFiles(dir, "Caption."); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"table.md": tab.Markdown(), "table.csv": tab.CSV(), "table.tex": tab.LaTeX("Caption.")} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || string(got) != want {
			t.Errorf("%s: %v, content differs from the rendering", name, err)
		}
	}
}

// A difference and an interaction of rows' means, with their standard errors, by hand.
func TestContrastByHand(t *testing.T) {
	row := func(method, overrides string, seeds int, mean, std float64) Row {
		return Row{Target: "gmm40", Method: method, Budget: "cpu", Overrides: overrides, Seeds: seeds,
			Mean: map[string]float64{"x_w2": mean}, Std: map[string]float64{"x_w2": std}}
	}
	tab := Table{Metrics: []string{"x_w2"}, Rows: []Row{
		row("iwsm", "", 3, 14, 4), row("idem", "", 2, 10, 2),
		row("iwsm", "augment_fraction=0.1", 3, 12, 1), row("idem", "augment_fraction=0.1", 3, 11, 3),
	}}
	tab.AddQuoted("gmm40", "iwsm", "paper", map[string]float64{"x_w2": 1}, nil)
	iwsm, ok1 := tab.Find("gmm40", "iwsm", "")
	idem, ok2 := tab.Find("gmm40", "idem", "")
	iwsmAug, ok3 := tab.Find("gmm40", "iwsm", OverridesLabel([]string{"augment_fraction=0.1"}))
	idemAug, ok4 := tab.Find("gmm40", "idem", "augment_fraction=0.1")
	if !ok1 || !ok2 || !ok3 || !ok4 || iwsm.Mean["x_w2"] != 14 {
		t.Fatalf("Find: %v %v %v %v, IWSM row %+v", ok1, ok2, ok3, ok4, iwsm)
	}
	if _, ok := tab.Find("gmm40", "iwsm", "k=1"); ok {
		t.Error("found a row that is not in the table")
	}
	d, err := NewContrast("x_w2", Term{iwsm, 1}, Term{idem, -1})
	if err != nil {
		t.Fatal(err)
	}
	// 14 − 10 = 4; √(4²/3 + 2²/2) = √(22/3)
	if d.Value != 4 || math.Abs(d.StdErr-math.Sqrt(22.0/3)) > 1e-12 || d.MinSeeds != 2 || d.Clear() {
		t.Errorf("difference %+v, want 4 ± %v, 2 seeds, not clear", d, math.Sqrt(22.0/3))
	}
	in, _ := NewContrast("x_w2", Term{iwsmAug, 1}, Term{iwsm, -1}, Term{idemAug, -1}, Term{idem, 1})
	// (12 − 14) − (11 − 10) = −3; √(1/3 + 16/3 + 9/3 + 4/2) = √(32/3)
	if in.Value != -3 || math.Abs(in.StdErr-math.Sqrt(32.0/3)) > 1e-12 {
		t.Errorf("interaction %+v, want −3 ± %v", in, math.Sqrt(32.0/3))
	}
	clear, _ := NewContrast("x_w2", Term{row("a", "", 3, 10, 1), 1}, Term{row("b", "", 3, 5, 1), -1})
	if !clear.Clear() || !strings.Contains(clear.String(), "+5 ± 0.82") || !strings.Contains(clear.String(), "larger than twice") {
		t.Errorf("5 ± 0.82 not clear: %v (%s)", clear.Clear(), clear)
	}
	if clear.Short() != "**+5 ± 0.82**" || d.Short() != "+4 ± 2.7" {
		t.Errorf("short forms %q and %q, want **+5 ± 0.82** and +4 ± 2.7", clear.Short(), d.Short())
	}
	one, _ := NewContrast("x_w2", Term{row("a", "", 1, 10, 0), 1}, Term{row("b", "", 3, 5, 1), -1})
	if one.Clear() || !strings.Contains(one.String(), "one seed") {
		t.Errorf("a one-seed contrast: clear %v, %s", one.Clear(), one)
	}
	if one.Short() != "+5 (1 seed)" {
		t.Errorf("one seed, short: %q", one.Short())
	}
	named := iwsmAug
	named.Name = "IWSM, buffer + 10 % uniform"
	if got, want := named.Label(), "IWSM, buffer + 10 % uniform: iwsm (cpu, augment_fraction=0.1, 3 seeds)"; got != want {
		t.Errorf("label %q, want %q", got, want)
	}
	if _, err := NewContrast("e_w2", Term{iwsm, 1}); err == nil {
		t.Error("a contrast of a metric the row lacks: no error")
	}
}
