package metrics

import (
	"math"
	"slices"

	"github.com/pkg/errors"
)

// W2Scalar returns the exact 2-Wasserstein distance between the uniform empirical
// measures of two sets of scalars, u (n values) and v (m values), with cost |x − y|²:
//
//	W2Scalar(u, v) = sqrt( ∫₀¹ |F_u⁻¹(t) − F_v⁻¹(t)|² dt ),
//
// where F⁻¹ are the empirical quantile functions. In one dimension the monotone
// (sorted, north-west corner) coupling is optimal for any convex cost, so this is exact
// for any n and m; for n == m it reduces to sqrt((1/n) Σ_k (u_(k) − v_(k))²) over the
// sorted values. For n != m the quantile integral is evaluated exactly on the common grid
// of breakpoints k/n and l/m (in integer arithmetic), which is the plan POT's emd_1d
// computes. W2Scalar(u, v)² equals POT's ot.emd2_1d(u, v) with its default metric.
//
// W2Scalar returns an error if either set is empty or holds NaN or ±Inf.
func W2Scalar(u, v []float64) (float64, error) {
	c, err := emd2Scalar(u, v)
	if err != nil {
		return 0, errors.WithMessage(err, "metrics.W2Scalar")
	}
	return math.Sqrt(c), nil
}

// EnergyW2 reproduces iDEM's "energy_w2" (the E-W2 column of its tables). DEM computes it
// in dem/models/dem_module.py, _log_energy_w2, as
//
//	pot.emd2_1d(energies_of_reference_set, energies_of_generated_set)
//
// with POT's default metric "sqeuclidean" and no square root. The value is therefore the
// optimal transport cost with squared distance between the two uniform empirical energy
// distributions, i.e. the SQUARE of the 1-D 2-Wasserstein distance:
//
//	EnergyW2(ea, eb) = W2Scalar(ea, eb)² = ∫₀¹ |F_a⁻¹(t) − F_b⁻¹(t)|² dt.
//
// The result is symmetric in its arguments. Sizes may differ (the monotone quantile
// coupling is exact, see W2Scalar); iDEM always passes eval_batch_size values on both
// sides. iDEM feeds the target's log-density (minus the energy) rather than the energy;
// the value is the same because negating both sets is an isometry. Use W2Scalar for the
// unsquared distance.
//
// EnergyW2 returns an error if either set is empty or holds NaN or ±Inf.
func EnergyW2(ea, eb []float64) (float64, error) {
	c, err := emd2Scalar(ea, eb)
	if err != nil {
		return 0, errors.WithMessage(err, "metrics.EnergyW2")
	}
	return c, nil
}

// emd2Scalar returns ∫₀¹ |F_u⁻¹(t) − F_v⁻¹(t)|² dt for the uniform empirical measures of u
// and v.
func emd2Scalar(u, v []float64) (float64, error) {
	if err := checkScalars(u); err != nil {
		return 0, errors.WithMessage(err, "first set")
	}
	if err := checkScalars(v); err != nil {
		return 0, errors.WithMessage(err, "second set")
	}
	us, vs := slices.Clone(u), slices.Clone(v)
	slices.Sort(us)
	slices.Sort(vs)
	n, m := len(us), len(vs)
	if n == m {
		var s float64
		for k := range us {
			d := us[k] - vs[k]
			s += d * d
		}
		return s / float64(n), nil
	}
	// In units of 1/(n·m), u's k-th atom covers [k·m, (k+1)·m) and v's l-th atom covers
	// [l·n, (l+1)·n); walk both partitions and charge each overlap its squared gap.
	var s float64
	var pos int64
	k, l := 0, 0
	for k < n && l < m {
		endU, endV := int64(k+1)*int64(m), int64(l+1)*int64(n)
		end := min(endU, endV)
		d := us[k] - vs[l]
		s += float64(end-pos) * d * d
		pos = end
		if endU == end {
			k++
		}
		if endV == end {
			l++
		}
	}
	return s / (float64(n) * float64(m)), nil
}

// checkScalars verifies that x is non-empty and finite.
func checkScalars(x []float64) error {
	if len(x) == 0 {
		return errors.New("empty sample set")
	}
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return errors.Errorf("value %d is %v: values must be finite", i, v)
		}
	}
	return nil
}
