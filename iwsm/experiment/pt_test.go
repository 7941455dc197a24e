package experiment

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iwsm-go/iwsm/iwsm/config"
	"github.com/iwsm-go/iwsm/iwsm/evaluate"
	"github.com/iwsm-go/iwsm/iwsm/pt"
	"github.com/iwsm-go/iwsm/iwsm/rundir"
	"github.com/iwsm-go/iwsm/iwsm/train"
	"github.com/iwsm-go/iwsm/xla/xlatest"
)

// The parallel-tempering baseline writes the same results folder as the diffusion methods
// (scored by the same evaluation), with its evaluation counts and swap acceptance in
// metrics.json; a second Run loads it, Load reads it back, and other settings are refused.
func TestParallelTemperingResultsFolder(t *testing.T) {
	backend := xlatest.Backend(t)
	tg, cfg := smoke(t, "gmm40", config.ParallelTempering)
	cfg.PT.Chains, cfg.PT.Sweeps, cfg.PT.BurnIn, cfg.EvalSamples = 50, 40, 20, 200
	dir := t.TempDir()
	res, err := Run(backend, tg, cfg, Options{Out: dir, Backend: "go"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := res.Sampler.(*pt.Sampler); res.Metrics.Of(evaluate.Modes) != 40 || res.Samples.Len() != 200 || !ok {
		t.Fatalf("metrics %+v, %d samples, sampler %T", res.Metrics, res.Samples.Len(), res.Sampler)
	}
	for _, f := range []string{"config.json", "metrics.json", "samples.npy", "energies.npy", "reference.npy",
		"checkpoint/config.json", "checkpoint/state.json", "figures/samples.png", "figures/swap_acceptance.png", "figures/energy_hist.png"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("results folder lacks %s", f)
		}
	}
	rec, err := rundir.ReadRecord(dir)
	if err != nil {
		t.Fatal(err)
	}
	replicas := int64(cfg.PT.Chains * cfg.PT.Temperatures)
	want := replicas * int64(1+cfg.PT.Sweeps+cfg.PT.BurnIn)
	if rec.EnergyEvaluations != want || rec.GradientEvaluations != want {
		t.Errorf("metrics.json: %d energy and %d gradient evaluations, want %d", rec.EnergyEvaluations, rec.GradientEvaluations, want)
	}
	if rec.PT == nil || len(rec.PT.SwapAcceptance) != cfg.PT.Temperatures-1 || len(rec.PT.History) == 0 {
		t.Fatalf("metrics.json's parallel_tempering: %+v", rec.PT)
	}
	again, err := Run(backend, tg, cfg, Options{Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	if again.Samples.Rows[7][1] != res.Samples.Rows[7][1] || again.Metrics.Of(evaluate.XW2) != res.Metrics.Of(evaluate.XW2) {
		t.Error("a second Run did not load the finished run")
	}
	loaded, err := Load(backend, tg, dir)
	if err != nil {
		t.Fatal(err)
	}
	if loaded.Record.PT == nil || loaded.Record.EnergyEvaluations != want || loaded.Config.PT.Sweeps != cfg.PT.Sweeps {
		t.Errorf("Load: PT %v, %d evaluations, config %+v", loaded.Record.PT, loaded.Record.EnergyEvaluations, loaded.Config.PT)
	}
	if _, err := loaded.Figure(FigSwapAcceptance); err != nil {
		t.Error(err)
	}
	other := cfg
	p := *cfg.PT
	p.Sweeps = 60
	other.PT = &p
	if _, err := Run(backend, tg, other, Options{Out: dir}); err == nil || !strings.Contains(err.Error(), "pt.sweeps=60") {
		t.Errorf("other settings in a finished folder: %v, want an error naming pt.sweeps=60", err)
	}
}

// A diffusion run records its evaluation counts in metrics.json: the trainer's, and the
// history's per epoch rising to them.
func TestRunRecordsEvaluationCounts(t *testing.T) {
	backend := xlatest.Backend(t)
	tg, cfg := smoke(t, "gmm40", "idem")
	cfg.Epochs, cfg.StepsPerEpoch, cfg.IntegrationSteps = 2, 3, 10
	dir := t.TempDir()
	res, err := Run(backend, tg, cfg, Options{Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := rundir.ReadRecord(dir)
	if err != nil {
		t.Fatal(err)
	}
	tr := res.Sampler.(*train.Trainer)
	if rec.EnergyEvaluations == 0 || rec.EnergyEvaluations != tr.EnergyEvaluations || rec.PT != nil {
		t.Fatalf("metrics.json: %d energy evaluations, trainer %d", rec.EnergyEvaluations, tr.EnergyEvaluations)
	}
	h := rec.History
	if len(h) != 2 || !(h[0].EnergyEvaluations > 0 && h[1].EnergyEvaluations > h[0].EnergyEvaluations && h[1].EnergyEvaluations <= rec.EnergyEvaluations) {
		t.Errorf("history counts %d, %d; total %d", h[0].EnergyEvaluations, h[1].EnergyEvaluations, rec.EnergyEvaluations)
	}
}
