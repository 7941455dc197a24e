package metrics

import (
	"math"

	"github.com/pkg/errors"
)

// Modes summarises how a set of samples spreads over the components of a mixture.
type Modes struct {
	// Counts[k] is the number of samples assigned to component k.
	Counts []int
	// Mass[k] = Counts[k] / (number of samples): the empirical weight of component k.
	Mass []float64
	// Covered is the number of components whose Mass is at least the minShare passed to
	// ModeCoverage.
	Covered int
	// TV is the total-variation distance ½ Σ_k |Mass[k] − w_k| between the empirical and
	// the true (normalised) component weights w. It lies in [0, 1].
	TV float64
	// KL is KL(Mass ‖ w) = Σ_k Mass[k] log(Mass[k]/w_k), with 0·log 0 = 0. It is finite
	// whenever every component with samples has positive true weight, so it stays usable
	// when modes are dropped (the reverse direction would be +Inf); it is +Inf if samples
	// land on a component of zero true weight.
	KL float64
}

// ModeCoverage assigns every sample to the component whose mean is nearest in Euclidean
// distance (ties to the lowest index) and compares the resulting per-component mass with
// the true mixture weights. Nearest-mean assignment equals highest-responsibility
// assignment for mixtures with equal weights and equal isotropic covariances, such as the
// 40-mode GMM benchmark of FAB/iDEM (uniform logits, identical diagonal variances); for
// other mixtures it is the usual Voronoi-cell proxy.
//
// weights are the true component weights, normalised here; nil means uniform. minShare
// is the fraction of all samples a component must hold to count as covered (for
// instance 0.01, or a fraction of 1/len(means)).
//
// ModeCoverage returns an error for empty samples or means, mismatched dimensions,
// non-finite values, a weights slice of the wrong length, negative or non-finite weights,
// weights summing to zero, or minShare outside [0, 1].
func ModeCoverage(samples, means [][]float64, weights []float64, minShare float64) (Modes, error) {
	if !(minShare >= 0 && minShare <= 1) {
		return Modes{}, errors.Errorf("metrics.ModeCoverage: minShare is %v, must be in [0, 1]", minShare)
	}
	dim, err := checkRows(means, 0)
	if err != nil {
		return Modes{}, errors.WithMessage(err, "metrics.ModeCoverage: means")
	}
	if _, err := checkRows(samples, dim); err != nil {
		return Modes{}, errors.WithMessage(err, "metrics.ModeCoverage: samples")
	}
	K := len(means)
	w := make([]float64, K)
	if weights == nil {
		for k := range w {
			w[k] = 1 / float64(K)
		}
	} else {
		if len(weights) != K {
			return Modes{}, errors.Errorf("metrics.ModeCoverage: %d weights for %d means", len(weights), K)
		}
		var total float64
		for k, v := range weights {
			if !(v >= 0) || math.IsInf(v, 0) {
				return Modes{}, errors.Errorf("metrics.ModeCoverage: weight %d is %v, must be finite and non-negative", k, v)
			}
			total += v
		}
		if total == 0 {
			return Modes{}, errors.New("metrics.ModeCoverage: weights sum to zero")
		}
		for k, v := range weights {
			w[k] = v / total
		}
	}

	res := Modes{Counts: make([]int, K), Mass: make([]float64, K)}
	for _, x := range samples {
		best, bestD := 0, math.Inf(1)
		for k, mu := range means {
			if d2 := sqEuclid(x, mu); d2 < bestD {
				best, bestD = k, d2
			}
		}
		res.Counts[best]++
	}
	n := float64(len(samples))
	for k, c := range res.Counts {
		p := float64(c) / n
		res.Mass[k] = p
		if p >= minShare {
			res.Covered++
		}
		res.TV += math.Abs(p - w[k])
		if p > 0 {
			if w[k] == 0 {
				res.KL = math.Inf(1)
			} else {
				res.KL += p * math.Log(p/w[k])
			}
		}
	}
	res.TV /= 2
	return res, nil
}
