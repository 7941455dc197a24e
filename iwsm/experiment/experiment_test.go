package experiment

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"

	"github.com/iwsm-go/iwsm/iwsm/config"
	"github.com/iwsm-go/iwsm/iwsm/evaluate"
	"github.com/iwsm-go/iwsm/iwsm/npyfile"
	"github.com/iwsm-go/iwsm/iwsm/preset"
	"github.com/iwsm-go/iwsm/iwsm/rundir"
	"github.com/iwsm-go/iwsm/iwsm/target"
	"github.com/iwsm-go/iwsm/xla/xlatest"
)

func smoke(t *testing.T, name string, method string) (*target.Target, config.Config) {
	t.Helper()
	tg, err := target.ByName(name)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := preset.ByName(name, method, "smoke")
	if err != nil {
		t.Fatal(err)
	}
	return tg, cfg
}

// A results folder is complete and self-describing, readable by report and by Load, and a
// second Run on it loads the finished run (trains and samples nothing).
func TestRunWritesResultsFolderAndResumes(t *testing.T) {
	backend := xlatest.Backend(t)
	tg, cfg := smoke(t, "gmm40", "iwsm")
	dir := t.TempDir()
	var progress bytes.Buffer
	res, err := Run(backend, tg, cfg, Options{Out: dir, Progress: &progress, Backend: "go"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Metrics == nil || res.Metrics.Of(evaluate.Modes) != 40 || res.Metrics.Of(evaluate.Count) != float64(cfg.EvalSamples) {
		t.Fatalf("metrics %+v, want 40 modes over %d samples", res.Metrics, cfg.EvalSamples)
	}
	for _, f := range []string{"config.json", "metrics.json", "samples.npy", "energies.npy", "checkpoint/state.json",
		"figures/samples.pdf", "figures/energy_hist.svg", "figures/loss.png", "figures/weights_ess_by_sigma.png", "figures/mode_mass.png"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("results folder lacks %s", f)
		}
	}
	w, err := npyfile.Read(filepath.Join(dir, "weights.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if len(w) != cfg.BatchSize || len(w[0]) != 2 {
		t.Fatalf("weights.npy is %d×%d, want %d×2", len(w), len(w[0]), cfg.BatchSize)
	}
	per := cfg.BatchSize / cfg.TimeGroups
	for g := 0; g < cfg.TimeGroups; g++ { // self-normalised per level: mean 1, one σ per level
		sum := 0.0
		for i := g * per; i < (g+1)*per; i++ {
			sum += w[i][1]
			if w[i][0] != w[g*per][0] {
				t.Fatalf("level %d mixes noise levels %v and %v", g, w[i][0], w[g*per][0])
			}
		}
		if math.Abs(sum/float64(per)-1) > 1e-4 {
			t.Errorf("level %d: mean weight %v, want 1", g, sum/float64(per))
		}
	}
	run, err := rundir.ReadRecord(dir)
	if err != nil {
		t.Fatal(err)
	}
	if run.Metrics.Of(evaluate.XW2) != res.Metrics.Of(evaluate.XW2) || run.Seed != cfg.Seed {
		t.Errorf("metrics.json x_w2 %v seed %d, want %v %d", run.Metrics.Of(evaluate.XW2), run.Seed, res.Metrics.Of(evaluate.XW2), cfg.Seed)
	}
	if !slices.Equal(run.Metrics, res.Metrics) {
		t.Errorf("metrics.json holds %v, the run computed %v", run.Metrics, res.Metrics)
	}
	for _, key := range []string{"w1_paper", "w2_paper", "energy_tv_paper", "sample_tv_paper"} { // the paper code's protocol too
		if v, ok := run.Metrics.Get(key); !ok || !(v > 0) {
			t.Errorf("metrics.json's %s: %v, %v", key, v, ok)
		}
	}
	first, _ := os.ReadFile(filepath.Join(dir, "samples.npy"))

	loaded, err := Load(backend, tg, dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(loaded.Metrics, res.Metrics) || loaded.Evaluation == nil || loaded.Evaluation.Reference.Len() != res.Evaluation.Reference.Len() ||
		len(loaded.Record.History) != cfg.Epochs || !slices.Equal(loaded.Samples.Energies, res.Samples.Energies) {
		t.Errorf("Load: metrics %+v epochs %d, want %+v %d", loaded.Metrics, len(loaded.Record.History), res.Metrics, cfg.Epochs)
	}
	for i := range res.Samples.Rows {
		if !slices.Equal(loaded.Samples.Rows[i], res.Samples.Rows[i]) ||
			!slices.Equal(loaded.Evaluation.Reference.Rows[i], res.Evaluation.Reference.Rows[i]) {
			t.Fatalf("Load: sample/reference row %d differs", i)
		}
		// Reference energies are recomputed from the stored target coordinates (x·50/50 is
		// not x in the last bit): equal to rounding.
		if a, b := loaded.Evaluation.Reference.Energies[i], res.Evaluation.Reference.Energies[i]; math.Abs(a-b) > 1e-9*(1+math.Abs(b)) {
			t.Fatalf("Load: reference energy %d is %v, the run's %v", i, a, b)
		}
	}
	if _, err := Load(backend, target.DW4(), dir); err == nil {
		t.Error("loading a gmm40 folder as dw4 gave no error")
	}

	var log bytes.Buffer
	again, err := Run(backend, tg, cfg, Options{Out: dir, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	if again.Sampler != nil || !strings.Contains(log.String(), "loading the finished iwsm run") {
		t.Errorf("second run: sampler %v, log %q; want the finished run loaded", again.Sampler, log.String())
	}
	second, _ := os.ReadFile(filepath.Join(dir, "samples.npy"))
	if !bytes.Equal(first, second) {
		t.Error("resumed run wrote different samples")
	}

	other := cfg
	other.Seed++
	if _, err := Run(backend, tg, other, Options{Out: dir}); err == nil || !strings.Contains(err.Error(), "different run") {
		t.Errorf("run with another seed into the same folder: err %v, want a 'different run' error", err)
	}
}

// A user target without reference samples still trains, samples and writes its energies;
// metrics appear once a reference is given.
func TestRunUserTargetWithAndWithoutReference(t *testing.T) {
	backend := xlatest.Backend(t)
	_, cfg := smoke(t, "gmm40", "idem")
	quad := target.New("quad", 2, func(x *Node) *Node { return MulScalar(ReduceSum(Square(x), -1), 0.5) })
	cfg.Target, cfg.SigmaMax, cfg.LambdaH, cfg.Epochs = "quad", 3, false, 1
	res, err := Run(backend, quad, cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Metrics != nil || res.Evaluation != nil || len(res.Samples.Energies) != cfg.EvalSamples {
		t.Fatalf("no-reference run: metrics %v, %d energies", res.Metrics, len(res.Samples.Energies))
	}
	figs, err := res.Figures()
	if err != nil {
		t.Fatal(err)
	}
	var names []FigureName
	for _, f := range figs {
		names = append(names, f.Name)
	}
	if slices.Contains(names, FigEnergyHist) || !slices.Contains(names, FigSamples) {
		t.Errorf("figures %v: want samples and no energy histogram without a reference", names)
	}

	ref := make([][]float64, 300)
	for i := range ref {
		ref[i] = []float64{float64(i%17)/8 - 1, float64(i%13)/6 - 1}
	}
	res, err = Run(backend, quad, cfg, Options{Reference: ref})
	if err != nil {
		t.Fatal(err)
	}
	if res.Metrics == nil || res.Metrics.Of(evaluate.Count) != float64(len(ref)) {
		t.Fatalf("with a reference of %d rows: metrics %+v", len(ref), res.Metrics)
	}
	if _, err := Run(backend, quad, cfg, Options{Reference: [][]float64{{1, 2, 3}}}); err == nil {
		t.Error("a 3-D reference for a 2-D target gave no error")
	}
}

// A finished run resumed with more epochs (`-set epochs=N`) trains on from its checkpoint and
// ends exactly where an uninterrupted run of N epochs ends; the changed setting is the run's
// label in metrics.json; any other change is refused naming the setting.
func TestMoreEpochsContinueTheRun(t *testing.T) {
	backend := xlatest.Backend(t)
	tg, cfg := smoke(t, "gmm40", "iwsm")
	short, long := cfg, cfg
	short.Epochs, long.Epochs = 2, 4
	dir, straight := t.TempDir(), t.TempDir()
	if _, err := Run(backend, tg, short, Options{Out: dir}); err != nil {
		t.Fatal(err)
	}
	res, err := Run(backend, tg, long, Options{Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	if done, _ := res.Sampler.Progress(); res.Record.ResumedFrom != 2 || done != 4 || len(res.Record.History) != 4 {
		t.Fatalf("resumed from %d, %d epochs done, history %d", res.Record.ResumedFrom, done, len(res.Record.History))
	}
	if _, err := Run(backend, tg, long, Options{Out: straight}); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(filepath.Join(dir, "samples.npy"))
	b, _ := os.ReadFile(filepath.Join(straight, "samples.npy"))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Error("2 + 2 epochs differ from 4 epochs")
	}
	rec, err := rundir.ReadRecord(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rec.Overrides, []string{"epochs=4"}) {
		t.Errorf("overrides %v, want [epochs=4]", rec.Overrides)
	}
	other := long
	other.K = 7
	if _, err := Run(backend, tg, other, Options{Out: dir}); err == nil || !strings.Contains(err.Error(), "k=7") {
		t.Errorf("another K into the same folder: %v", err)
	}
}

// ModeMassFigure draws evaluated runs of one mixture (exact draws stand in for trained runs
// here) and says why it cannot draw others.
func TestModeMassFigure(t *testing.T) {
	backend := xlatest.Backend(t)
	evaluated := func(tg *target.Target, method string, seed int64) *Result {
		gen, err := evaluate.Reference(tg, 200, seed+10)
		if err != nil {
			t.Fatal(err)
		}
		ref, _ := evaluate.Reference(tg, 200, seed)
		gs, err := evaluate.NewSampleSet(backend, tg, gen)
		if err != nil {
			t.Fatal(err)
		}
		rs, _ := evaluate.NewSampleSet(backend, tg, ref)
		ev, err := evaluate.Evaluate(tg, gs, rs)
		if err != nil {
			t.Fatal(err)
		}
		return &Result{Target: tg, Config: config.Config{Method: method, Seed: seed}, Evaluation: ev, Samples: gs}
	}
	gw, _ := target.GMM40W()
	g40, _ := target.GMM40()
	a, b := evaluated(gw, "iwsm", 1), evaluated(gw, "idem", 1)
	if p, err := ModeMassFigure(a, b, evaluated(gw, "iwsm", 2)); err != nil || p == nil {
		t.Fatalf("three runs of gmm40w: %v", err)
	}
	for _, c := range []struct {
		what string
		runs []*Result
		want string
	}{
		{"no runs", nil, "at least one run"},
		{"two targets", []*Result{a, evaluated(g40, "idem", 1)}, "runs of gmm40w and gmm40"},
		{"a particle system", []*Result{{Target: target.DW4()}}, "not a Gaussian mixture"},
		{"an unevaluated run", []*Result{a, {Target: gw, Dir: "somewhere"}}, "somewhere has no evaluation"},
	} {
		if _, err := ModeMassFigure(c.runs...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.what, err, c.want)
		}
	}
}

// iDEM's model selection (select_best_every): every check's validation x-W2 is recorded
// against the target's validation samples, the best state is saved apart and the final
// samples come from it; its step and x-W2 are in metrics.json, and the setting labels the
// run. Without a results folder it is refused.
func TestSelectBestDrawsFromTheBestCheck(t *testing.T) {
	backend := xlatest.Backend(t)
	tg, cfg := smoke(t, "gmm40", "idem")
	cfg.Epochs, cfg.StepsPerEpoch, cfg.SelectBestEvery, cfg.EvalSamples = 3, 3, 1, 200
	dir := t.TempDir()
	res, err := Run(backend, tg, cfg, Options{Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	rec := res.Record
	if rec.SelectedStep < 1 || rec.SelectedStep > 3 || !(rec.SelectedXW2 > 0) {
		t.Errorf("selected step %d with x-W2 %v, want one of the 3 checks", rec.SelectedStep, rec.SelectedXW2)
	}
	// The selected check is the first with the smallest x-W2 of the recorded ones.
	if len(rec.SelectionChecks) != 3 {
		t.Fatalf("checks %v, want one per step", rec.SelectionChecks)
	}
	best := rec.SelectionChecks[0]
	for i, c := range rec.SelectionChecks {
		if c.Step != i+1 || !(c.XW2 > 0) {
			t.Errorf("check %d: %+v", i, c)
		}
		if c.XW2 < best.XW2 {
			best = c
		}
	}
	if best.Step != rec.SelectedStep || best.XW2 != rec.SelectedXW2 {
		t.Errorf("selected step %d (x-W2 %v), but the checks %v give %+v", rec.SelectedStep, rec.SelectedXW2, rec.SelectionChecks, best)
	}
	// Continued to 4 steps, the run keeps the checks it had; a check that an interrupted run
	// recorded after its last checkpoint (here a made-up one at step 4) is replaced.
	bestJSON := filepath.Join(dir, bestDir, "best.json")
	var saved selection
	raw, err := os.ReadFile(bestJSON)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &saved); err != nil {
		t.Fatal(err)
	}
	saved.Checks = append(saved.Checks, rundir.ValidationCheck{Step: 4, XW2: 1e9})
	if err := rundir.WriteJSON(bestJSON, saved); err != nil {
		t.Fatal(err)
	}
	more := cfg
	more.Epochs = 4
	res, err = Run(backend, tg, more, Options{Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	got := res.Record.SelectionChecks
	if len(got) != 4 || !slices.Equal(got[:3], rec.SelectionChecks) || got[3].Step != 4 || got[3].XW2 == 1e9 {
		t.Errorf("checks after continuing to 4 steps: %v (before: %v)", got, rec.SelectionChecks)
	}
	if !slices.Contains(rec.Overrides, "select_best_every=1") {
		t.Errorf("overrides %v lack select_best_every=1", rec.Overrides)
	}
	if _, err := Run(backend, tg, cfg, Options{}); err == nil || !strings.Contains(err.Error(), "needs a results folder") {
		t.Errorf("selection without a results folder: %v", err)
	}
}
