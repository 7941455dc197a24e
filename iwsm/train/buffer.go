package train

import (
	"math"

	"github.com/pkg/errors"

	"github.com/iwsm-go/iwsm/iwsm/config"
	"github.com/iwsm-go/iwsm/iwsm/gmath"
	"github.com/iwsm-go/iwsm/iwsm/sde"
)

// refreshBuffer adds one epoch's new samples to the replay buffer: the first epoch fills it
// with InitialSamples (prior draws or Monte Carlo-score SDE samples), later ones add
// SamplesPerEpoch reverse-SDE samples of the current network; Config.AugmentFraction of them
// are flat draws instead (see augmentation). A method trained on data (Method.FromData)
// holds the target's training data instead, whole and unchanged.
func (tr *Trainer) refreshBuffer() error {
	if tr.Method.FromData { // the target's training data, once: it is never refreshed
		if tr.BufferLen() > 0 {
			return nil
		}
		rows, err := tr.Target.Training(uint64(tr.Config.Seed))
		if err != nil {
			return err
		}
		tr.addToBuffer(rows)
		return nil
	}
	cfg := tr.Config
	n := cfg.SamplesPerEpoch
	if tr.BufferLen() == 0 {
		n = cfg.InitialSamples
	}
	flat := int(math.Round(cfg.AugmentFraction * float64(n)))
	var rows [][]float64
	var err error
	switch {
	case n-flat <= 0:
	case tr.BufferLen() == 0:
		rows, err = tr.initialSamples(n - flat)
	default:
		rows, err = tr.Samples(n - flat)
	}
	// Samples whose path diverged stay out of the buffer; the epoch's history counts them.
	// Training goes on unless none is left.
	left, err := sde.LeaveOutNonFinite(rows, err)
	if err != nil {
		return err
	}
	tr.droppedSamples += left.LeftOut()
	tr.addToBuffer(append(rows, tr.augmentation(flat)...))
	return nil
}

// augmentation draws n rows of the buffer augmentation from the host RNG, in the sampler's
// coordinates: uniform on [-AugmentScale, AugmentScale]^d, or N(0, AugmentScale² I) with the
// centre of mass removed for particle systems.
func (tr *Trainer) augmentation(n int) [][]float64 {
	cfg, t := tr.Config, tr.Target
	rows := make([][]float64, n)
	for i := range rows {
		rows[i] = make([]float64, t.Dim)
		if cfg.AugmentDistribution != config.AugmentUniform {
			t.NormalRow(tr.rng, cfg.AugmentScale, rows[i])
			continue
		}
		for j := range rows[i] {
			rows[i][j] = cfg.AugmentScale * (2*tr.rng.Float64() - 1)
		}
		t.ProjectRow(rows[i])
	}
	return rows
}

// initialSamples returns the first buffer's content: prior draws when InitFromPrior, else
// reverse-SDE samples driven by the Monte Carlo score.
func (tr *Trainer) initialSamples(n int) ([][]float64, error) {
	if tr.Config.InitFromPrior {
		return gmath.Rows(tr.sde.Prior(tr.rng, n), tr.Target.Dim), nil
	}
	rows, err := tr.mcInit.Generate(n, tr.rng)
	var nonFinite *sde.NonFiniteError
	if err == nil || errors.As(err, &nonFinite) { // every path was integrated
		tr.count(int64(n) * int64(tr.Config.IntegrationSteps) * int64(tr.Config.K))
	}
	return rows, err
}

// addToBuffer appends rows, dropping the oldest beyond BufferSize (a method trained on data
// keeps all of its data).
func (tr *Trainer) addToBuffer(rows [][]float64) {
	tr.buffer = gmath.AppendFlat32(tr.buffer, rows)
	d := tr.Target.Dim
	if extra := len(tr.buffer)/d - tr.Config.BufferSize; extra > 0 && !tr.Method.FromData {
		tr.buffer = append(tr.buffer[:0:0], tr.buffer[extra*d:]...)
	}
}
