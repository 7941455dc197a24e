package train

import (
	"fmt"
	"io"

	"github.com/gomlx/compute"
	"github.com/pkg/errors"

	"github.com/iwsm-go/iwsm/iwsm/config"
	"github.com/iwsm-go/iwsm/iwsm/method"
	"github.com/iwsm-go/iwsm/iwsm/rundir"
	"github.com/iwsm-go/iwsm/iwsm/sampler"
	"github.com/iwsm-go/iwsm/iwsm/target"
)

// Kind is the sampler.Kind of the diffusion method m: New trains m from the first epoch,
// Resume continues a checkpoint (ResumeLog, then Extend to the given configuration).
func Kind(m method.Method) sampler.Kind {
	role := sampler.Compared
	switch {
	case m.Reference:
		role = sampler.Reference
	case m.Ablation:
		role = sampler.Ablation
	}
	return sampler.Kind{Name: m.Name, Description: m.Description, Role: role,
		New: func(backend compute.Backend, t *target.Target, cfg config.Config) (sampler.Sampler, error) {
			return New(backend, t, cfg)
		},
		Resume: func(backend compute.Backend, t *target.Target, cfg config.Config, dir string, log io.Writer) (sampler.Sampler, error) {
			tr, err := ResumeLog(backend, t, dir, log)
			if err != nil {
				return nil, err
			}
			return tr, tr.Extend(cfg)
		},
		HasCheckpoint: HasCheckpoint,
	}
}

// Init fills the first replay buffer (InitialSamples prior draws or Monte Carlo-score SDE
// samples, see Config.InitFromPrior) unless the buffer already holds samples.
func (tr *Trainer) Init() error {
	if tr.BufferLen() > 0 {
		return nil
	}
	return tr.refreshBuffer()
}

// Step runs one epoch (Epoch), then, every Config.ValidateEvery epochs, the validation loss
// with the learning-rate schedule, which it records in the epoch's history entry.
func (tr *Trainer) Step() (sampler.Info, error) {
	if _, err := tr.Epoch(); err != nil {
		return sampler.Info{}, err
	}
	stats := &tr.History[len(tr.History)-1]
	if err := tr.validate(stats); err != nil {
		return sampler.Info{}, errors.WithMessagef(err, "validation after epoch %d", tr.EpochsDone)
	}
	return sampler.Info{Step: tr.EpochsDone, Summary: fmt.Sprintf("loss %.4g ess %.2f", stats.Loss, stats.ESS),
		Seconds: stats.Seconds, EnergyEvaluations: tr.EnergyEvaluations, GradientEvaluations: tr.GradientEvaluations}, nil
}

// Progress returns the epochs done and Config.Epochs.
func (tr *Trainer) Progress() (done, total int) { return tr.EpochsDone, tr.Config.Epochs }

// Report records the evaluation counts, the per-epoch history and the noise levels of the
// history's ESS per level.
func (tr *Trainer) Report(rec *rundir.Record) {
	rec.EnergyEvaluations, rec.GradientEvaluations = tr.EnergyEvaluations, tr.GradientEvaluations
	rec.History, rec.LevelSigmas = append([]rundir.Epoch{}, tr.History...), tr.LevelSigmas()
}

// LastWeights returns the noise level σ(t) and the self-normalised importance weight of every
// point of the last gradient step taken in this process (none before the first): the run's
// weights.npy.
func (tr *Trainer) LastWeights() (sigmas, weights []float64) {
	return tr.LastStep.Sigmas, tr.LastStep.Weights
}
