// Package evaluate computes the metrics of generated samples against a target's reference
// samples (exact draws for mixtures, iDEM's test split for DW-4 and LJ-13), the numbers
// that go into metrics.json and the notebooks' tables.
package evaluate

import (
	"math/rand/v2"

	"github.com/gomlx/compute"
	"github.com/pkg/errors"

	"github.com/iwsm-go/iwsm/iwsm/metrics"
	"github.com/iwsm-go/iwsm/iwsm/target"
)

// Metrics are the evaluation results; keys follow iDEM's names. Fields that do not apply to
// a target are omitted from JSON.
type Metrics struct {
	// N is the number of generated and reference samples compared (equal sizes).
	N int `json:"n"`
	// XW2 is the exact 2-Wasserstein distance between generated and reference samples in
	// the target's own coordinates (sqrt of the optimal mean squared-Euclidean cost).
	XW2 float64 `json:"x_w2"`
	// EW2 is iDEM's energy W2: the squared 1-D W2 between the two sets of energies.
	EW2 float64 `json:"e_w2"`
	// ModesCovered counts mixture components holding at least MinModeShare of the mass
	// they should hold (1/components for equal weights).
	ModesCovered int `json:"modes_covered,omitempty"`
	// Modes is the number of mixture components.
	Modes int `json:"modes,omitempty"`
	// ModeTV is the total variation between per-mode mass and the true weights.
	ModeTV float64 `json:"mode_tv,omitempty"`
	// DistTVD is the total variation between interatomic-distance histograms (200 bins).
	DistTVD float64 `json:"dist_tvd,omitempty"`
	// EnergyTVD is the total variation between energy histograms (200 bins).
	EnergyTVD float64 `json:"energy_tvd,omitempty"`
}

// MinModeShare: a mode counts as covered when it holds at least this fraction of its
// expected share of the samples.
const MinModeShare = 0.1

// Reference returns n reference samples of t in the sampler's coordinates.
func Reference(t *target.Target, n int, rng *rand.Rand) ([][]float64, error) {
	if t.Mixture != nil {
		return t.Mixture.Sample(rng, n), nil
	}
	ref, err := target.ReferenceSamples(t.Name)
	if err != nil {
		return nil, err
	}
	if n > len(ref) {
		return nil, errors.Errorf("asked for %d reference samples, %s has %d", n, t.Name, len(ref))
	}
	perm := rng.Perm(len(ref))[:n]
	out := make([][]float64, n)
	for i, j := range perm {
		out[i] = ref[j]
	}
	return out, nil
}

// Evaluate compares generated samples (in the sampler's coordinates) with reference
// samples (same coordinates, same count).
func Evaluate(backend compute.Backend, t *target.Target, samples, reference [][]float64) (Metrics, error) {
	var m Metrics
	if err := t.CheckRows(samples); err != nil {
		return m, errors.WithMessage(err, "generated samples")
	}
	if err := t.CheckRows(reference); err != nil {
		return m, errors.WithMessage(err, "reference samples")
	}
	n := min(len(samples), len(reference))
	samples, reference = samples[:n], reference[:n]
	m.N = n
	var err error
	if m.XW2, err = metrics.W2(t.ToTargetCoords(samples), t.ToTargetCoords(reference)); err != nil {
		return m, errors.WithMessage(err, "x-W2")
	}
	eg, err := target.Energies(backend, t, samples)
	if err != nil {
		return m, err
	}
	er, err := target.Energies(backend, t, reference)
	if err != nil {
		return m, err
	}
	if m.EW2, err = metrics.EnergyW2(eg, er); err != nil {
		return m, errors.WithMessage(err, "energy W2")
	}
	if m.EnergyTVD, err = metrics.EnergyTVD(eg, er); err != nil {
		return m, errors.WithMessage(err, "energy TVD")
	}
	if t.Mixture != nil {
		k := len(t.Mixture.Means)
		modes, err := metrics.ModeCoverage(samples, t.Mixture.Means, t.Mixture.Weights, MinModeShare/float64(k))
		if err != nil {
			return m, errors.WithMessage(err, "mode coverage")
		}
		m.ModesCovered, m.Modes, m.ModeTV = modes.Covered, k, modes.TV
	}
	if t.IsParticleSystem() {
		if m.DistTVD, err = metrics.DistanceTVD(samples, reference, t.Particles, t.SpatialDim); err != nil {
			return m, errors.WithMessage(err, "distance TVD")
		}
	}
	return m, nil
}
