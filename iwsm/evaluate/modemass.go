package evaluate

import (
	"cmp"
	"math"
	"slices"

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
		if covered(m, mix.Weights[k]) {
			modes.Covered++
		}
	}
	return modes, nil
}

// covered reports whether a mode of true weight w holding mass m counts as covered.
func covered(m, w float64) bool { return m >= MinModeShare*w*(1-1e-9) }

// Covered reports whether the mode counts as covered: it holds at least MinModeShare of its
// weight (ModesCovered counts these).
func (m ModeMass) Covered() bool { return covered(m.Mass, m.Weight) }

// ModeTVParts splits the mode TV ½ Σ_k |Mass_k − Weight_k| of masses (ModeTV) into the part
// of the modes that are not covered (missing mass) and that of the covered ones (a mode
// found but wrongly weighted): missed + misweighted is the mode TV. Covering all modes drives
// missed to 0; only correct weights drive misweighted to its Monte Carlo floor.
func ModeTVParts(masses []ModeMass) (missed, misweighted float64) {
	for _, m := range masses {
		d := math.Abs(m.Mass-m.Weight) / 2
		if m.Covered() {
			misweighted += d
		} else {
			missed += d
		}
	}
	return missed, misweighted
}

// WeightClass is the modes of one true weight taken together: how many there are, the
// weight they should hold together, and the mass they hold.
type WeightClass struct {
	// Weight is the true weight of each mode of the class.
	Weight float64
	// Modes is the number of modes of that weight, Covered how many of them are covered.
	Modes, Covered int
	// TrueMass is Modes × Weight; Mass the sum of the modes' recovered masses.
	TrueMass, Mass float64
}

// WeightClasses groups masses by true weight (modes of equal weight, e.g. GMM-40w's heavy
// and light ones), heaviest first. The ratio of two classes' mass per mode is the sampler's
// estimate of exp(−ΔF) between their modes; the ratio of their weights is the truth.
func WeightClasses(masses []ModeMass) []WeightClass {
	var classes []WeightClass
	for _, m := range masses {
		i := slices.IndexFunc(classes, func(c WeightClass) bool { return c.Weight == m.Weight })
		if i < 0 {
			classes = append(classes, WeightClass{Weight: m.Weight})
			i = len(classes) - 1
		}
		c := &classes[i]
		c.Modes++
		c.TrueMass += m.Weight
		c.Mass += m.Mass
		if m.Covered() {
			c.Covered++
		}
	}
	slices.SortFunc(classes, func(a, b WeightClass) int { return cmp.Compare(b.Weight, a.Weight) })
	return classes
}

// massesOf pairs the masses of an assignment with the true weights.
func massesOf(modes metrics.Modes, weights []float64) []ModeMass {
	out := make([]ModeMass, len(modes.Counts))
	for k := range out {
		out[k] = ModeMass{Mode: k, Count: modes.Counts[k], Mass: modes.Mass[k], Weight: weights[k]}
	}
	return out
}
