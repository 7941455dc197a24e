package experiment

import (
	"encoding/json"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/gomlx/compute"

	"github.com/iwsm-go/iwsm/iwsm/config"
	"github.com/iwsm-go/iwsm/iwsm/rundir"
	"github.com/iwsm-go/iwsm/iwsm/sampler"
	"github.com/iwsm-go/iwsm/iwsm/sde"
	"github.com/iwsm-go/iwsm/iwsm/target"
	"github.com/iwsm-go/iwsm/xla/xlatest"
)

// divergingDraws is a sampler of a mixture's exact draws whose first `lost` samples diverge
// (they are left out and reported by a *sde.NonFiniteError, as the reverse SDE does) after an
// even number of steps.
type divergingDraws struct {
	t     *target.Target
	cfg   config.Config
	steps int
}

const lost = 3

func (s *divergingDraws) Init() error { return nil }

func (s *divergingDraws) Step() (sampler.Info, error) {
	s.steps++
	return sampler.Info{Step: s.steps}, nil
}

func (s *divergingDraws) Samples(n int) ([][]float64, error) {
	rows := s.t.Mixture.Sample(rand.New(rand.NewPCG(uint64(s.cfg.Seed), uint64(s.steps))), n)
	for _, r := range rows { // sampler coordinates
		for j := range r {
			r[j] /= s.t.Scale
		}
	}
	if s.steps%2 == 1 {
		return rows, nil
	}
	bad := make([]int, lost)
	for i := range bad {
		bad[i] = i
	}
	return rows[lost:], &sde.NonFiniteError{Samples: bad, Total: n}
}

func (s *divergingDraws) Progress() (done, total int) { return s.steps, s.cfg.Epochs }

func (s *divergingDraws) Save(dir string) error {
	if err := rundir.WriteConfig(dir, s.cfg); err != nil {
		return err
	}
	return rundir.WriteJSON(filepath.Join(dir, "steps.json"), s.steps)
}

func (s *divergingDraws) Report(*rundir.Record) {}

// Samples that diverge neither stop a run nor pass unseen: the model selection records the
// check whose samples diverged without a score and never selects it; final samples are
// evaluated without the diverged ones, which the record counts.
func TestDivergedSamplesAreLeftOutAndCounted(t *testing.T) {
	kind := sampler.Kind{Name: "diverging-draws", Description: "exact draws, some diverged (test)", Role: sampler.Reference,
		New: func(_ compute.Backend, t *target.Target, cfg config.Config) (sampler.Sampler, error) {
			return &divergingDraws{t: t, cfg: cfg}, nil
		},
		Resume: func(_ compute.Backend, t *target.Target, cfg config.Config, dir string, _ io.Writer) (sampler.Sampler, error) {
			var steps int
			raw, err := os.ReadFile(filepath.Join(dir, "steps.json"))
			if err == nil {
				err = json.Unmarshal(raw, &steps)
			}
			return &divergingDraws{t: t, cfg: cfg, steps: steps}, err
		},
	}
	if err := Register(kind); err != nil {
		t.Fatal(err)
	}
	backend := xlatest.Backend(t)
	tg, cfg := smoke(t, "gmm40", "idem")
	cfg.Method, cfg.Epochs, cfg.SelectBestEvery, cfg.EvalSamples = kind.Name, 4, 1, 200

	res, err := Run(backend, tg, cfg, Options{Out: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	checks := res.Record.SelectionChecks
	if len(checks) != 4 {
		t.Fatalf("checks %v, want 4", checks)
	}
	for i, c := range checks {
		if diverged := c.Step%2 == 0; c.Step != i+1 || diverged != (c.NonFinite == lost) || diverged == (c.XW2 > 0) {
			t.Errorf("check %d: %+v", i, c)
		}
	}
	if res.Record.SelectedStep%2 != 1 || res.Record.DroppedSamples != 0 || res.Samples.Len() != cfg.EvalSamples {
		t.Errorf("selected step %d (a diverged check?), %d dropped, %d samples", res.Record.SelectedStep, res.Record.DroppedSamples, res.Samples.Len())
	}

	cfg.SelectBestEvery = 0 // the final state, after 4 steps, diverges
	res, err = Run(backend, tg, cfg, Options{Out: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if res.Record.DroppedSamples != lost || res.Samples.Len() != cfg.EvalSamples-lost {
		t.Errorf("final samples: %d dropped, %d evaluated; want %d and %d", res.Record.DroppedSamples, res.Samples.Len(), lost, cfg.EvalSamples-lost)
	}
}
