package evaluate

import (
	"github.com/pkg/errors"

	"github.com/iwsm-go/iwsm/iwsm/metrics"
	"github.com/iwsm-go/iwsm/iwsm/target"
)

// ModeMass is one mixture component's share of a set of samples next to its true weight.
// The ratios of the weights are the free-energy differences between the modes
// (ΔF = −log(w_j/w_k)), which mode coverage cannot see (a mode is covered or not) and W2 and
// mode TV fold into one number; per-mode masses show which modes are over- and
// under-weighted.
type ModeMass struct {
	// Mode is the component's index in the target's Mixture.Means.
	Mode int
	// Count is the number of samples assigned to the component: the nearest mean, the
	// assignment ModesCovered and ModeTV count (metrics.ModeCoverage).
	Count int
	// Mass is Count over the number of samples, the component's recovered weight.
	Mass float64
	// Weight is the component's true weight (the weights sum to 1).
	Weight float64
}

// ModeMasses assigns every sample of set to a component of t's mixture, as ModesCovered and
// ModeTV do, and returns each component's recovered mass with its true weight, in component
// order. It fails for a target that is not a mixture and for an empty set.
func ModeMasses(t *target.Target, set SampleSet) ([]ModeMass, error) {
	if t.Mixture == nil {
		return nil, errors.Errorf("target %s is not a Gaussian mixture: per-mode masses need its components", t.Name)
	}
	modes, err := assignModes(t.Mixture, set.Sampler)
	if err != nil {
		return nil, errors.WithMessagef(err, "mode masses of %s", t.Name)
	}
	return massesOf(modes, t.Mixture.Weights), nil
}

// ModeMasses returns the per-mode masses of the evaluation's generated samples (the N
// compared) with the true weights: the assignment its ModesCovered and ModeTV were computed
// from. ModeMasses(e.Target, e.Reference) gives the reference's, the Monte Carlo spread
// of N exact draws around the weights.
func (e *Evaluation) ModeMasses() ([]ModeMass, error) {
	if e.Target.Mixture == nil {
		return nil, errors.Errorf("target %s is not a Gaussian mixture: per-mode masses need its components", e.Target.Name)
	}
	modes, err := e.modeCoverage()
	if err != nil {
		return nil, err
	}
	return massesOf(modes, e.Target.Mixture.Weights), nil
}

// assignModes runs metrics.ModeCoverage on rows of the sampler's coordinates with the
// mixture's weights, counting as covered the components that hold at least MinModeShare of
// their own weight.
func assignModes(mix *target.Mixture, rows [][]float64) (metrics.Modes, error) {
	modes, err := metrics.ModeCoverage(rows, mix.Means, mix.Weights, MinModeShare/float64(len(mix.Means)))
	if err != nil {
		return modes, err
	}
	// metrics.ModeCoverage takes one threshold for every component; a component's expected
	// share is its own weight, which differs between components of unequal weights. The
	// relative slack keeps equal weights' count identical to the single threshold 0.1/K
	// when a mass equals it up to rounding.
	modes.Covered = 0
	for k, m := range modes.Mass {
		if m >= MinModeShare*mix.Weights[k]*(1-1e-9) {
			modes.Covered++
		}
	}
	return modes, nil
}

// massesOf pairs the masses of an assignment with the true weights.
func massesOf(modes metrics.Modes, weights []float64) []ModeMass {
	out := make([]ModeMass, len(modes.Counts))
	for k := range out {
		out[k] = ModeMass{Mode: k, Count: modes.Counts[k], Mass: modes.Mass[k], Weight: weights[k]}
	}
	return out
}
