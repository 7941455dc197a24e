package experiment

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"

	"github.com/gomlx/compute"
	"github.com/pkg/errors"

	"github.com/iwsm-go/iwsm/iwsm/config"
	"github.com/iwsm-go/iwsm/iwsm/metrics"
	"github.com/iwsm-go/iwsm/iwsm/rundir"
	"github.com/iwsm-go/iwsm/iwsm/sampler"
	"github.com/iwsm-go/iwsm/iwsm/sde"
	"github.com/iwsm-go/iwsm/iwsm/target"
)

// bestDir is the folder, inside a results folder, of the state that config.SelectBestEvery
// selected; best.json there records its step and validation x-W2.
const bestDir = "checkpoint-best"

// selection is iDEM's model selection (config.SelectBestEvery): the best state so far, every
// check's validation x-W2 (the curve iDEM's code logs as val/x-W2), and where they are saved.
type selection struct {
	Step   int                      `json:"step"`
	XW2    float64                  `json:"x_w2"`
	Checks []rundir.ValidationCheck `json:"checks,omitempty"`

	dir        string
	validation [][]float64 // target coordinates
}

// newSelection loads the validation samples and, when the results folder out holds one, the
// selection of an interrupted run.
func newSelection(t *target.Target, cfg config.Config, out string) (*selection, error) {
	rows, err := t.Validation(cfg.ValidationSamples, uint64(cfg.Seed))
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, errors.Errorf("select_best_every: target %s has no validation samples to select a model with", t.Name)
	}
	if out == "" {
		return nil, errors.New("select_best_every needs a results folder: the selected state is saved there and the final samples are drawn from it")
	}
	sel := &selection{XW2: -1, validation: t.ToTargetCoords(rows), dir: filepath.Join(out, bestDir)}
	if raw, err := os.ReadFile(filepath.Join(sel.dir, "best.json")); err == nil {
		if err := json.Unmarshal(raw, sel); err != nil {
			return nil, errors.WithMessagef(err, "%s/best.json", sel.dir)
		}
	}
	return sel, nil
}

// hook scores the sampler every config.SelectBestEvery steps, records the score, and saves
// the sampler when it is the best so far.
func (sel *selection) hook(t *target.Target, cfg config.Config) sampler.Hook {
	return sampler.Hook{Name: "model selection", AfterStep: func(s sampler.Sampler, info sampler.Info) error {
		if info.Step%cfg.SelectBestEvery != 0 {
			return nil
		}
		// A resumed run repeats the steps after its last checkpoint: their checks replace the
		// ones recorded before the interruption.
		sel.Checks = slices.DeleteFunc(sel.Checks, func(c rundir.ValidationCheck) bool { return c.Step >= info.Step })
		rows, err := s.Samples(cfg.EvalSamples)
		var nonFinite *sde.NonFiniteError
		if errors.As(err, &nonFinite) { // a state whose samples diverge is not a candidate
			sel.Checks = append(sel.Checks, rundir.ValidationCheck{Step: info.Step, NonFinite: len(nonFinite.Samples)})
			return sel.write()
		}
		if err != nil {
			return err
		}
		gen := t.ToTargetCoords(rows)
		ref := sel.validation
		n := min(len(gen), len(ref))
		w2, err := metrics.W2(gen[:n], ref[:n])
		if err != nil {
			return errors.WithMessagef(err, "validation x-W2 after step %d", info.Step)
		}
		sel.Checks = append(sel.Checks, rundir.ValidationCheck{Step: info.Step, XW2: w2})
		if sel.XW2 < 0 || w2 < sel.XW2 {
			sel.Step, sel.XW2 = info.Step, w2
			if err := s.Save(sel.dir); err != nil {
				return err
			}
		}
		return sel.write()
	}}
}

// write records the selection in best.json, beside the selected state.
func (sel *selection) write() error {
	if err := os.MkdirAll(sel.dir, 0o755); err != nil {
		return errors.Wrapf(err, "creating %s", sel.dir)
	}
	return rundir.WriteJSON(filepath.Join(sel.dir, "best.json"), sel)
}

// selected returns the sampler the final samples come from: the saved best state, or s when
// no check happened (fewer steps than config.SelectBestEvery).
func (sel *selection) selected(backend compute.Backend, t *target.Target, cfg config.Config, kind sampler.Kind, s sampler.Sampler) (sampler.Sampler, error) {
	if sel.XW2 < 0 {
		return s, nil
	}
	best, err := kind.Resume(backend, t, cfg, sel.dir, nil)
	return best, errors.WithMessagef(err, "the selected state of step %d", sel.Step)
}
