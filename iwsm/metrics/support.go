package metrics

import (
	"math"

	"github.com/pkg/errors"
)

// NearShare is the fraction of the rows of samples that lie within Euclidean distance radius
// (strictly) of at least one row of reference: with exact draws as the reference, the share
// of samples inside the region the target's mass occupies. Exact draws against other exact
// draws score close to 1; samples thrown far from every mode lower it. Brute force over all
// pairs (n·m distances; 10⁶ at n = m = 1000).
//
// NearShare returns an error for empty sets, mismatched dimensions, non-finite values or a
// radius that is not positive and finite.
func NearShare(samples, reference [][]float64, radius float64) (float64, error) {
	if !(radius > 0) || math.IsInf(radius, 0) {
		return 0, errors.Errorf("metrics.NearShare: radius is %v, must be positive and finite", radius)
	}
	dim, err := checkRows(reference, 0)
	if err != nil {
		return 0, errors.WithMessage(err, "metrics.NearShare: reference")
	}
	if _, err := checkRows(samples, dim); err != nil {
		return 0, errors.WithMessage(err, "metrics.NearShare: samples")
	}
	r2 := radius * radius
	near := 0
	for _, s := range samples {
		for _, q := range reference {
			d2 := 0.0
			for j, v := range s {
				diff := v - q[j]
				d2 += diff * diff
			}
			if d2 < r2 {
				near++
				break
			}
		}
	}
	return float64(near) / float64(len(samples)), nil
}

// OutsideBox is the fraction of rows with at least one coordinate of absolute value above
// half (‖x‖∞ > half): the share of samples outside the centred box [−half, half]^d.
//
// OutsideBox returns an error for an empty set, rows of different lengths, non-finite values
// or a half-width that is not positive and finite.
func OutsideBox(rows [][]float64, half float64) (float64, error) {
	if !(half > 0) || math.IsInf(half, 0) {
		return 0, errors.Errorf("metrics.OutsideBox: half-width is %v, must be positive and finite", half)
	}
	if _, err := checkRows(rows, 0); err != nil {
		return 0, errors.WithMessage(err, "metrics.OutsideBox")
	}
	out := 0
	for _, r := range rows {
		for _, v := range r {
			if math.Abs(v) > half {
				out++
				break
			}
		}
	}
	return float64(out) / float64(len(rows)), nil
}
