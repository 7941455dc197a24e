package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iwsm-go/iwsm/iwsm/evaluate"
	"github.com/iwsm-go/iwsm/iwsm/experiment"
	"github.com/iwsm-go/iwsm/iwsm/preset"
	"github.com/iwsm-go/iwsm/iwsm/report"
	"github.com/iwsm-go/iwsm/iwsm/rundir"
	"github.com/iwsm-go/iwsm/iwsm/target"
	"github.com/iwsm-go/iwsm/xla/xlatest"
)

// iwsm table finds the runs below a folder and prints them with the mean ± std over seeds
// the runs' own metrics give (averaged here by hand), including near/out for a run written
// before those metrics existed (its metrics.json lacks them: they are computed from its
// samples, equal to what the run computed), and writes the files with -out.
func TestTableCommand(t *testing.T) {
	backend := xlatest.Backend(t)
	tg, err := target.GMM40()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := preset.For(tg, "iwsm", "smoke")
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Apply(nil, []string{"epochs=1"}); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	var fresh []*experiment.Result
	var dirs []string
	for _, seed := range []int64{1, 2} {
		cfg.Seed = seed
		dir, err := experiment.RunDir(root, tg, cfg)
		if err != nil {
			t.Fatal(err)
		}
		res, err := experiment.Run(backend, tg, cfg, experiment.Options{Out: dir})
		if err != nil {
			t.Fatal(err)
		}
		fresh, dirs = append(fresh, res), append(dirs, dir)
	}
	path := filepath.Join(dirs[0], rundir.MetricsFile) // an older run: no near/out
	var rec map[string]any
	raw, _ := os.ReadFile(path)
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatal(err)
	}
	delete(rec["metrics"].(map[string]any), evaluate.NearReference.Name)
	delete(rec["metrics"].(map[string]any), evaluate.OutOfBox.Name)
	raw, _ = json.Marshal(rec)
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}

	outDir := t.TempDir()
	r, w, _ := os.Pipe()
	stdout := os.Stdout
	os.Stdout = w
	err = cmdTable([]string{"-out", outDir, root})
	os.Stdout = stdout
	w.Close()
	var printed bytes.Buffer
	io.Copy(&printed, r)
	if err != nil {
		t.Fatal(err)
	}
	var row string
	for _, line := range strings.Split(printed.String(), "\n") {
		if strings.HasPrefix(line, "| gmm40 | iwsm (smoke, epochs=1, 2 seeds) |") {
			row = line
		}
	}
	if row == "" {
		t.Fatalf("no row for gmm40 iwsm with 2 seeds in:\n%s", printed.String())
	}
	for _, m := range []evaluate.Metric{evaluate.XW2, evaluate.NearReference, evaluate.OutOfBox} {
		a, b := fresh[0].Metrics.Of(m), fresh[1].Metrics.Of(m)
		mean, std := (a+b)/2, abs(a-b)/sqrt2
		cell := fmt.Sprintf("%.3g ± %.2g", mean, std)
		if std == 0 {
			cell = fmt.Sprintf("%.3g", mean)
		}
		if !strings.Contains(row, "| "+cell+" |") {
			t.Errorf("%s: row %q lacks %q (the runs computed %v and %v)", m.Name, row, cell, a, b)
		}
	}
	for _, f := range []string{"table.md", "table.csv", "table.tex"} {
		if _, err := os.Stat(filepath.Join(outDir, f)); err != nil {
			t.Errorf("-out: %v", err)
		}
	}
	for _, cost := range []string{report.EnergyEvaluations, report.Minutes} {
		if !strings.Contains(printed.String(), "| "+cost+" |") {
			t.Errorf("no %s column in:\n%s", cost, printed.String())
		}
	}
	if err := cmdTable([]string{filepath.Join(root, "nope")}); err == nil {
		t.Error("a missing folder: no error")
	}
}

const sqrt2 = 1.4142135623730951

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
