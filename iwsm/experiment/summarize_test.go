package experiment

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/iwsm-go/iwsm/iwsm/evaluate"
	"github.com/iwsm-go/iwsm/xla"
)

// The Go aggregation of finished runs (Load, then Collect) gives the numbers
// scripts/summarize_runs.py computes from the same folders in Python (mean ± sample std over
// seeds of x-W2, E-W2, modes, near and out), to the 3 significant digits the script prints.
// One of the two runs has its near/out values removed from metrics.json, as a run written
// before those metrics existed: Load computes them from its samples, equal to what Run
// computed.
func TestCollectMatchesSummarizeRuns(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("python3 is needed to compare with scripts/summarize_runs.py: %v", err)
		}
		t.Skip("python3 not found")
	}
	backend := xla.TestBackend(t)
	tg, cfg := smoke(t, "gmm40", "iwsm")
	if err := cfg.Apply(nil, []string{"epochs=1"}); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	var dirs []string
	var fresh []*Result
	for _, seed := range []int64{1, 2} {
		cfg.Seed = seed
		dir, err := RunDir(root, tg, cfg)
		if err != nil {
			t.Fatal(err)
		}
		res, err := Run(backend, tg, cfg, Options{Out: dir})
		if err != nil {
			t.Fatal(err)
		}
		dirs, fresh = append(dirs, dir), append(fresh, res)
	}
	if want := filepath.Join(root, "gmm40", "smoke", "iwsm+epochs=1-seed2"); dirs[1] != want {
		t.Fatalf("run folder %s, want %s", dirs[1], want)
	}
	// An older run: no near/out in its metrics.json.
	path := filepath.Join(dirs[0], "metrics.json")
	var rec map[string]any
	raw, _ := os.ReadFile(path)
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatal(err)
	}
	m := rec["metrics"].(map[string]any)
	delete(m, evaluate.NearReference.Name)
	delete(m, evaluate.OutOfBox.Name)
	raw, _ = json.Marshal(rec)
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	var loaded []*Result
	for i, dir := range dirs {
		res, err := Load(backend, tg, dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, mt := range []evaluate.Metric{evaluate.NearReference, evaluate.OutOfBox, evaluate.XW2} {
			if got, want := res.Metrics.Of(mt), fresh[i].Metrics.Of(mt); got != want {
				t.Errorf("seed %d %s: loaded %v, the run computed %v", i+1, mt.Name, got, want)
			}
		}
		loaded = append(loaded, res)
	}
	columns := []string{"x_w2", "e_w2", "modes_covered", "mode_tv", "near_pct", "out_pct"}
	tab := Collect(loaded, columns)
	if len(tab.Rows) != 1 || tab.Rows[0].Seeds != 2 || tab.Rows[0].Overrides != "epochs=1" {
		t.Fatalf("rows %+v, want one of 2 seeds with epochs=1", tab.Rows)
	}
	script := filepath.Join("..", "..", "scripts", "summarize_runs.py")
	out, err := exec.Command(python, append([]string{script}, dirs...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", script, err, out)
	}
	var cells []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "| gmm40 | iwsm |") {
			for _, c := range strings.Split(strings.Trim(line, "| "), "|") {
				cells = append(cells, strings.TrimSpace(c))
			}
		}
	}
	// target, method, overrides, seeds, the six columns, training minutes.
	if len(cells) != 11 {
		t.Fatalf("no row of 11 cells for gmm40 iwsm in:\n%s", out)
	}
	row := tab.Rows[0]
	for i, name := range columns {
		mean, std, ok := strings.Cut(cells[4+i], " ± ")
		if !ok {
			std = "0"
		}
		for _, c := range []struct {
			py  string
			got float64
		}{{mean, row.Mean[name]}, {std, row.Std[name]}} {
			want, err := strconv.ParseFloat(c.py, 64)
			if err != nil {
				t.Fatalf("%s: cell %q: %v", name, cells[4+i], err)
			}
			tol := 0.006 // the script prints 3 significant digits, 2 from 1e4 on
			if math.Abs(want) >= 1e4 {
				tol = 0.051
			}
			if math.Abs(c.got-want) > tol*math.Abs(want)+1e-9 {
				t.Errorf("%s: Go %v, summarize_runs.py %s", name, c.got, c.py)
			}
		}
	}
}
