package notebook

import (
	"bytes"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/iwsm-go/iwsm/iwsm/config"
	"github.com/iwsm-go/iwsm/iwsm/evaluate"
	"github.com/iwsm-go/iwsm/iwsm/experiment"
	"github.com/iwsm-go/iwsm/iwsm/plot"
	"github.com/iwsm-go/iwsm/iwsm/preset"
	"github.com/iwsm-go/iwsm/iwsm/rundir"
	"github.com/iwsm-go/iwsm/iwsm/target"
	"github.com/iwsm-go/iwsm/xla/xlatest"
)

func TestAblationSeeds(t *testing.T) {
	t.Setenv("IWSM_SEEDS", "")
	for budget, want := range map[string][]int64{"smoke": {1}, "cpu": {1, 2, 3}, "paper": {1, 2, 3}} {
		t.Setenv("IWSM_BUDGET", budget)
		if got := AblationSeeds(); !slices.Equal(got, want) {
			t.Errorf("%s: seeds %v, want %v", budget, got, want)
		}
	}
	t.Setenv("IWSM_SEEDS", "4,5")
	if got := AblationSeeds(); !slices.Equal(got, []int64{4, 5}) {
		t.Errorf("IWSM_SEEDS=4,5: %v", got)
	}
}

// A variant's folder follows the rule of the package documentation, and Variant.Config is
// the command line's configuration (defaults at the budget, the seed, then the overrides).
func TestVariantFolders(t *testing.T) {
	t.Setenv("IWSM_RESULTS", "/res")
	t.Setenv("IWSM_BUDGET", "cpu")
	gmm := Target("gmm40")
	for _, c := range []struct {
		v    Variant
		seed int64
		want string
	}{
		{Variant{Method: "iwsm"}, 1, "/res/gmm40/cpu/iwsm-seed1"},
		{Variant{Method: "idem", Overrides: []string{"augment_fraction=0.1"}}, 3, "/res/gmm40/cpu/idem+augment_fraction=0.1-seed3"},
		{Variant{Method: "iwsm", Overrides: []string{"time_groups=4"}}, 2, "/res/gmm40/cpu/iwsm+time_groups=4-seed2"},
		{Variant{Method: "iwsm-beta0.5"}, 2, "/res/gmm40/cpu/iwsm-beta0.5-seed2"},
	} {
		if got := RunDirOf(gmm, c.v.Config(gmm, c.seed)); got != c.want {
			t.Errorf("%+v seed %d: %s, want %s", c.v, c.seed, got, c.want)
		}
	}
	if got := (Variant{Group: "IWSM", Level: "buffer + 10 % uniform"}).Label(); got != "IWSM, buffer + 10 % uniform" {
		t.Errorf("label %q", got)
	}
	if got := (Variant{Level: "16 levels (ours)"}).Label(); got != "16 levels (ours)" {
		t.Errorf("label %q", got)
	}
}

// A run trained into its folder as `iwsm train -out` does (experiment.Run with the same
// configuration) is loaded by TrainOrLoad, not trained again: its metrics.json is not
// rewritten and the cell prints "loaded".
func TestTrainOrLoadLoadsAFinishedRun(t *testing.T) {
	backend := xlatest.Backend(t)
	t.Setenv("IWSM_RESULTS", t.TempDir())
	t.Setenv("IWSM_BUDGET", "smoke")
	gmm := Target("gmm40")
	v := Variant{Method: "iwsm", Overrides: []string{"epochs=1", "augment_fraction=0.2"}}
	cfg := v.Config(gmm, 4)
	dir := RunDirOf(gmm, cfg)
	if !strings.HasSuffix(dir, filepath.Join("gmm40", "smoke", "iwsm+epochs=1,augment_fraction=0.2-seed4")) {
		t.Fatalf("folder %s", dir)
	}
	if Finished(dir, cfg) {
		t.Fatal("an empty folder counts as finished")
	}
	trained, err := experiment.Run(backend, gmm, cfg, experiment.Options{Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	if !Finished(dir, cfg) {
		t.Fatal("the finished run does not count as finished")
	}
	other := cfg
	other.K++
	if Finished(dir, other) {
		t.Error("a run of other settings counts as finished")
	}
	before, _ := os.Stat(filepath.Join(dir, "metrics.json"))
	out := captureStdout(t, func() {
		res := TrainOrLoad(gmm, cfg)
		if res.Metrics.Of(evaluate.XW2) != trained.Metrics.Of(evaluate.XW2) || res.Dir != dir {
			t.Errorf("loaded x-W2 %v from %s, trained %v in %s", res.Metrics.Of(evaluate.XW2), res.Dir, trained.Metrics.Of(evaluate.XW2), dir)
		}
	})
	out += captureStdout(t, func() {
		if dirs := RunVariants([]*target.Target{gmm}, []Variant{v, v}, []int64{4}); !slices.Equal(dirs, []string{dir}) {
			t.Errorf("RunVariants folders %v, want [%s]", dirs, dir)
		}
	})
	after, _ := os.Stat(filepath.Join(dir, "metrics.json"))
	if !strings.HasPrefix(out, "loaded "+dir) || !strings.Contains(out, "finished "+dir+" (not trained again)") || !after.ModTime().Equal(before.ModTime()) {
		t.Errorf("TrainOrLoad and RunVariants printed %q; metrics.json changed: %v", out, !after.ModTime().Equal(before.ModTime()))
	}
}

func captureStdout(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdout
	os.Stdout = w
	done := make(chan string)
	go func() {
		var b bytes.Buffer
		io.Copy(&b, r)
		done <- b.String()
	}()
	f()
	os.Stdout = old
	w.Close()
	return <-done
}

// VariantTable reads each variant's runs from its folder, names and orders the rows by the
// variants, with the means and standard deviations over seeds computed by hand; a run whose
// metrics.json lacks a requested metric gets it from its samples (experiment.Load, tested
// in TestCollectMatchesSummarizeRuns); MeanStdFigure puts each variant at its level and group
// and draws a non-empty plot.
func TestVariantTableAndFigure(t *testing.T) {
	t.Setenv("IWSM_BUDGET", "cpu")
	t.Setenv("IWSM_RESULTS", t.TempDir())
	gmm := Target("gmm40")
	variants := []Variant{
		{Method: "iwsm", Group: "IWSM", Level: "as sampled"},
		{Method: "iwsm", Overrides: []string{"augment_fraction=0.1"}, Group: "IWSM", Level: "+10 %"},
		{Method: "idem", Group: "iDEM", Level: "as sampled"},
		{Method: "idem", Overrides: []string{"augment_fraction=0.10"}, Group: "iDEM", Level: "+10 %"},
		{Method: "iwsm", Group: "IWSM", Level: "as sampled"}, // twice: counted once
	}
	x := map[string][]float64{"iwsm": {27, 29, 25}, "iwsm+": {30, 34, 32}, "idem": {23, 24, 22}, "idem+": {20, 20, 23}}
	for _, v := range variants[:4] {
		key := v.Method
		if len(v.Overrides) > 0 {
			key += "+"
		}
		for i, seed := range []int64{1, 2, 3} {
			cfg := v.Config(gmm, seed)
			rec := rundir.Record{Target: "gmm40", Method: v.Method, Budget: "cpu", Seed: seed, Overrides: config.Diff(Must1(preset.For(gmm, v.Method, "cpu")), cfg),
				Metrics: evaluate.Metrics{{Name: "x_w2", Value: x[key][i]}, {Name: "out_pct", Value: float64(i)}}}
			dir := RunDirOf(gmm, cfg)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := rundir.WriteJSON(filepath.Join(dir, "metrics.json"), rec); err != nil {
				t.Fatal(err)
			}
		}
	}
	tab := VariantTable(Columns(evaluate.XW2, evaluate.OutOfBox), []*target.Target{gmm}, variants[:4], []int64{1, 2, 3})
	if len(tab.Rows) != 4 {
		t.Fatalf("%d rows, want 4", len(tab.Rows))
	}
	if again := VariantTable(Columns(evaluate.XW2), []*target.Target{gmm}, variants, []int64{1, 2, 3}); len(again.Rows) != 5 || again.Rows[4].Seeds != 3 {
		t.Errorf("a variant listed twice: %d rows, last of %d seeds (want 5 rows, 3 seeds: its runs count once)", len(again.Rows), again.Rows[4].Seeds)
	}
	// means 27, 32, 23, 21; std 2, 2, 1, √3
	for i, w := range []struct {
		name      string
		mean, std float64
	}{{"IWSM, as sampled", 27, 2}, {"IWSM, +10 %", 32, 2}, {"iDEM, as sampled", 23, 1}, {"iDEM, +10 %", 21, math.Sqrt(3)}} {
		r := tab.Rows[i]
		if r.Name != w.name || r.Seeds != 3 || math.Abs(r.Mean["x_w2"]-w.mean) > 1e-12 || math.Abs(r.Std["x_w2"]-w.std) > 1e-12 {
			t.Errorf("row %d: %s %v ± %v (%d seeds), want %s %v ± %v", i, r.Name, r.Mean["x_w2"], r.Std["x_w2"], r.Seeds, w.name, w.mean, w.std)
		}
	}
	// interaction (32 − 27) − (21 − 23) = 7, standard error √((4 + 4 + 3 + 1)/3) = 2
	in := Contrast(tab, gmm, evaluate.XW2, variants[:4], -1, 1, 1, -1)
	if math.Abs(in.Value-7) > 1e-12 || math.Abs(in.StdErr-2) > 1e-12 || !in.Clear() {
		t.Errorf("interaction %+v, want 7 ± 2", in)
	}
	md := ComparisonTable(tab, []*target.Target{gmm}, []evaluate.Metric{evaluate.XW2, evaluate.OutOfBox},
		Comparison{Name: "IWSM − iDEM", Variants: []Variant{variants[0], variants[2]}, Coefs: []float64{1, -1}},
		Comparison{Name: "interaction", Variants: variants[:4], Coefs: []float64{-1, 1, 1, -1}})
	// x-W2: 27 − 23 = 4 ± √(4/3 + 1/3); out: 1 − 1 = 0 ± √(1/3 + 1/3); interaction 7 ± 2, 0 ± √(4/3)
	for _, want := range []string{"| gmm40 | IWSM − iDEM | **+4 ± 1.3** | +0 ± 0.82 |", "| gmm40 | interaction | **+7 ± 2** | +0 ± 1.2 |"} {
		if !strings.Contains(md, want) {
			t.Errorf("comparison table lacks %q:\n%s", want, md)
		}
	}
	p, err := MeanStdFigure(tab, gmm, evaluate.XW2, false, variants[:4])
	if err != nil {
		t.Fatal(err)
	}
	if p.Y.Min != 19.26794919243112 || p.Y.Max != 34 {
		t.Errorf("y range [%v, %v], want [21 − √3, 32 + 2]", p.Y.Min, p.Y.Max)
	}
	if raw, err := plot.PNG(p, plot.ColumnWidth, plot.ColumnWidth); err != nil || len(raw) < 1000 {
		t.Errorf("PNG of %d bytes: %v", len(raw), err)
	}
	paths, err := SaveMeanStd(t.TempDir(), "x_w2", tab, gmm, evaluate.XW2, false, variants[:4])
	if err != nil || len(paths) != 3 {
		t.Fatalf("SaveMeanStd: %v %v", paths, err)
	}
	if _, err := MeanStdFigure(tab, gmm, evaluate.XW2, false, []Variant{{Method: "iwsm-def0.1"}}); err == nil {
		t.Error("a figure of a variant without runs: no error")
	}
	if _, err := MeanStdFigure(tab, gmm, evaluate.EW2, false, variants); err == nil {
		t.Error("a figure of a metric not in the table: no error")
	}
}
