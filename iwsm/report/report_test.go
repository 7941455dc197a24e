package report

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	var runs []Record
	for _, d := range []string{"a", "b", "c", "d"} {
		r, err := ReadRun(filepath.Join(root, d))
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
	if _, err := ReadRun(filepath.Join(root, "missing")); err == nil {
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
