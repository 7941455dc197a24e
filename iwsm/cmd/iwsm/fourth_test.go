package main

import (
	"io"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/gomlx/compute"
	"github.com/pkg/errors"

	"github.com/iwsm-go/iwsm/iwsm/config"
	"github.com/iwsm-go/iwsm/iwsm/evaluate"
	"github.com/iwsm-go/iwsm/iwsm/experiment"
	"github.com/iwsm-go/iwsm/iwsm/notebook"
	"github.com/iwsm-go/iwsm/iwsm/preset"
	"github.com/iwsm-go/iwsm/iwsm/rundir"
	"github.com/iwsm-go/iwsm/iwsm/sampler"
	"github.com/iwsm-go/iwsm/iwsm/target"
)

// exactDraws is a fourth sampler, written here in one file as a user would: a target that
// draws exactly (a mixture) sampled by its own exact draws, its steps counting nothing but
// themselves. It implements sampler.Sampler and resumes from a checkpoint of its step count.
type exactDraws struct {
	t     *target.Target
	cfg   config.Config
	steps int
}

func (s *exactDraws) Init() error { return nil }

func (s *exactDraws) Step() (sampler.Info, error) {
	s.steps++
	return sampler.Info{Step: s.steps, Summary: "drawing"}, nil
}

func (s *exactDraws) Samples(n int) ([][]float64, error) {
	return s.t.Mixture.Sample(rand.New(rand.NewPCG(uint64(s.cfg.Seed), 4)), n), nil
}

func (s *exactDraws) Progress() (done, total int) { return s.steps, s.cfg.Epochs }

func (s *exactDraws) Save(dir string) error {
	if err := rundir.WriteConfig(dir, s.cfg); err != nil {
		return err
	}
	return rundir.WriteJSON(filepath.Join(dir, "steps.json"), s.steps)
}

func (s *exactDraws) Report(rec *rundir.Record) {}

var exactDrawsKind = sampler.Kind{Name: "exact-draws", Description: "a target's own exact draws (test)", Role: sampler.Reference,
	New: func(_ compute.Backend, t *target.Target, cfg config.Config) (sampler.Sampler, error) {
		if !t.DrawsExactly() {
			return nil, errors.Errorf("exact-draws: %s cannot draw exactly", t.Name)
		}
		return &exactDraws{t: t, cfg: cfg}, nil
	},
	Resume: func(_ compute.Backend, t *target.Target, cfg config.Config, dir string, _ io.Writer) (sampler.Sampler, error) {
		return &exactDraws{t: t, cfg: cfg, steps: cfg.Epochs}, nil
	},
}

// A fourth sampler registered in one file runs through `iwsm train` and the notebooks' Train
// like the built-in ones: it writes a complete results folder, is listed, and scores as its
// exact draws should (every mode covered).
func TestFourthSamplerRunsThroughTrainAndNotebooks(t *testing.T) {
	if err := experiment.Register(exactDrawsKind); err != nil {
		t.Fatal(err)
	}
	if err := experiment.Register(exactDrawsKind); err == nil {
		t.Error("registering a name twice: no error")
	}
	dir := t.TempDir()
	if err := cmdTrain([]string{"-target", "gmm40", "-method", "exact-draws", "-budget", "smoke", "-quiet", "-out", dir}); err != nil {
		t.Fatal(err)
	}
	rec, err := rundir.ReadRecord(dir)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Method != "exact-draws" || rec.Metrics.Of(evaluate.ModesCovered) != 40 {
		t.Errorf("iwsm train: method %s, %v of 40 modes covered", rec.Method, rec.Metrics.Of(evaluate.ModesCovered))
	}
	gmm, err := target.GMM40()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := preset.For(gmm, "exact-draws", "smoke")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Seed = 2
	res := notebook.TrainIn(t.TempDir(), gmm, cfg, nil)
	if done, total := res.Sampler.Progress(); done != total || total != cfg.Epochs || res.Metrics.Of(evaluate.ModesCovered) != 40 {
		t.Errorf("notebook.TrainIn: %d of %d steps, %v modes", done, total, res.Metrics.Of(evaluate.ModesCovered))
	}
}
